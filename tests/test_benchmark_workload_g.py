"""Workload G runs small and every case accounts for every file; no speed is asserted."""

from __future__ import annotations

from benchmarks.workload_g import KILLS, OFFICIAL, TRANSFER, markdown, run


def test_a_small_workload_g_ends_every_file_once_in_every_case() -> None:
    result = run(seed=3, speed=50.0, files=300, uris=150)
    cases = result["cases"]
    assert set(cases) == {TRANSFER, OFFICIAL, *KILLS}
    for label, case in cases.items():
        # A DRS chunk a kill left starting ends unsure, never started again: the platform
        # lists no DRS jobs to tell whether it began (docs/transfers.md#reconciliation).
        unsure = case.get("items", {}).get("unsure", 0)
        assert case["sources_started"] >= 450 - unsure, label
        assert case["sources_started_twice"] == 0, label
        assert case["jobs_not_ended"] == 0, label
        assert 3 + 1 <= case["start_calls"] <= 3 + 2, label  # 300 exports, 150 DRS URIs: by 100
        assert case["requests"] >= case["bound"]["requests"] == 10, label
        assert case["makespan_platform_s"] >= case["bound"]["makespan_platform_s"] > 0, label
    assert cases[TRANSFER]["items"]["done"] == 450
    for label in KILLS:
        items = cases[label]["items"]
        assert items["done"] + items["unsure"] == 450, label
    for label in KILLS:
        assert "killed_at_platform_s" in cases[label], f"{label}: the run ended before its kill"
    text = "\n".join(markdown(result))
    assert "| cavatica-async transfer | " in text
    assert "One `kill -9` at " in text

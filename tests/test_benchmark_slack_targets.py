"""The targets of spending the slack, judged from run figures (benchmarks/slack_targets.py)."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.slack_targets import DEFAULT, FULL, best_sweep, rows


def run(
    p99: float, requests: int, busiest: int = 500, final: float | None = None
) -> dict[str, Any]:
    return {
        "latency_p99_s": p99,
        "final_latency_p99_s": p99 if final is None else final,
        "requests": requests,
        "busiest_window": busiest,
        "requests_429": 0,
        "completeness": 1.0,
    }


def test_the_best_sweep_is_the_fastest_inside_80_percent() -> None:
    runs = {
        DEFAULT: run(30.0, 400),
        "fixed bulk sweep every 2.5 s": run(20.0, 900, busiest=880),  # over 80%: not eligible
        "fixed bulk sweep every 10.0 s": run(28.0, 500),
        "fixed bulk sweep every 20.0 s": run(35.0, 300),
    }
    assert best_sweep(runs) == (
        "fixed bulk sweep every 10.0 s",
        runs["fixed bulk sweep every 10.0 s"],
    )
    assert best_sweep({DEFAULT: run(30.0, 400)}) is None


@pytest.mark.parametrize(
    ("mine", "met"),
    [
        (run(30.0, 450), True),  # 1.07x the sweep's p99, fewer requests
        (run(30.0, 550), False),  # more requests than the sweep
        (run(31.0, 450), False),  # 1.11x
        (run(30.0, 450, final=40.0), False),  # the final states are 1.43x
    ],
)
def test_a_holds_the_watcher_to_the_best_sweep(mine: dict[str, Any], met: bool) -> None:
    runs = {DEFAULT: mine, "fixed bulk sweep every 10.0 s": run(28.0, 500)}
    [row] = rows({"workloads": {"A": {"runs": runs}}}, None)
    assert row.endswith("| met |" if met else "| NOT met |")


@pytest.mark.parametrize(
    ("mine", "met"),
    [
        (run(290.0, 1_400, busiest=990), True),  # 1.04x the naive loop's final states
        (run(300.0, 1_400, busiest=990), False),  # 1.07x
        (run(280.0, 1_400, busiest=1_001), False),  # a window over the limit
        ({**run(280.0, 1_400), "requests_429": 1}, False),
    ],
)
def test_b_and_c_hold_the_whole_window_to_the_naive_loop(mine: dict[str, Any], met: bool) -> None:
    runs = {
        DEFAULT: run(400.0, 1_300),
        FULL: mine,
        "naive async: GET per job every 10 s": run(279.0, 1_350),
    }
    [row] = rows({"workloads": {"B": {"runs": runs}}}, None)
    assert row.startswith("| B (f=1.0)")
    assert row.endswith("| met |" if met else "| NOT met |")


def test_d_f_and_e_are_judged_against_the_baseline_only_when_there_is_one() -> None:
    before: dict[str, Any] = {
        "workloads": {"D": {"runs": {DEFAULT: run(175.0, 800)}}},
        "idle": [{"jobs": 1_000, "cpu_share_of_a_core": 0.006, "rss_growth_bytes": 2_000_000}],
    }
    now: dict[str, Any] = {
        "workloads": {"D": {"runs": {DEFAULT: run(185.0, 900)}}},  # 1.06x: a regression
        "idle": [{"jobs": 1_000, "cpu_share_of_a_core": 0.012, "rss_growth_bytes": 2_900_000}],
    }
    assert rows(now, None) == []
    regression, idle = rows(now, before)
    assert regression.startswith("| D: no regression")
    assert regression.endswith("| NOT met |")
    assert idle.startswith("| E: idle CPU")
    assert idle.endswith("| met |")
    now["idle"][0]["cpu_share_of_a_core"] = 0.03
    assert rows(now, before)[1].endswith("| NOT met |")
    now["idle"][0].update(cpu_share_of_a_core=0.006, rss_growth_bytes=3_200_000)  # +1.2 MB
    assert rows(now, before)[1].endswith("| NOT met |")

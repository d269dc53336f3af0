"""Workload A's schedules in virtual time (benchmarks/virtual.py), on a few hundred exports."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.virtual import markdown, run


@pytest.fixture(scope="module")
def rows() -> dict[str, dict[str, Any]]:
    return {row["client"]: row for row in run(300, [1], [10.0])}


def test_every_client_sees_every_end_without_a_429(rows: dict[str, dict[str, Any]]) -> None:
    assert set(rows) == {
        "watcher (f=0.8, default)",
        "watcher (f=0.95)",
        "watcher (frugal)",
        "fixed bulk sweep every 10 s",
    }
    for row in rows.values():
        assert row["completeness"] == 1.0
        assert row["requests_429"] == 0
        assert row["transitions_detected"] > 300  # each job's first state and its end at least


def test_a_sweep_sees_each_change_within_its_period(rows: dict[str, dict[str, Any]]) -> None:
    """Answers take no time here: a sweep's latency is its schedule's. Half a period in the
    middle; under two periods at worst (as jobs end, a job's turn in the next period may come
    later than in this one)."""
    sweep = rows["fixed bulk sweep every 10 s"]
    assert 2.5 < sweep["latency_p50_s"] < 7.5
    assert sweep["latency_p99_s"] <= sweep["latency_max_s"] < 20.0
    # Three bulk gets of 100 per period while all 300 run, fewer as they end.
    assert sweep["requests"] >= 3 * 60 / 10


def test_the_slack_costs_requests_and_buys_latency(rows: dict[str, dict[str, Any]]) -> None:
    frugal, default = rows["watcher (frugal)"], rows["watcher (f=0.8, default)"]
    assert frugal["requests"] < default["requests"]
    assert default["latency_p99_s"] < frugal["latency_p99_s"]


def test_the_table_has_a_row_per_client(rows: dict[str, dict[str, Any]]) -> None:
    table = markdown(list(rows.values())).splitlines()
    assert len(table) == 2 + len(rows)
    assert table[2].startswith("| watcher (f=0.8, default) | 1 |")

"""Workload A's schedules in virtual time (benchmarks/virtual.py), on a few hundred exports."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest
import trio._core._run

from benchmarks.virtual import clients, markdown, run, run_one, seed_scheduler


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


def test_a_seed_gives_the_same_figures_wherever_in_its_second_the_run_began(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The simulator sends the window's reset in whole seconds: counted from the wall clock,
    where in its second a run began moved the watcher's figures, as did the order in which trio
    runs the tasks ready at one instant (benchmarks/virtual.py: EPOCH, seed_scheduler)."""
    client_of, _ = clients([])["watcher (f=0.8, default)"]
    fraction = 0.03  # 30 requests a window for 300 jobs: the budget, and its reset, decide
    figures = []
    for wall in (1_700_000_000.05, 1_700_000_000.55, 1_700_000_000.95):
        monkeypatch.setattr(time, "time", lambda wall=wall: wall)
        figures.append(run_one("watcher", client_of, fraction, 300, 1, 30.0))
    assert figures[0]["transitions_detected"] > 300
    assert figures[1] == figures[0]
    assert figures[2] == figures[0]


def test_seed_scheduler_seeds_the_generator_trio_orders_ready_tasks_with() -> None:
    """Fails if trio moves its private generator: then `seed_scheduler` seeds nothing, and runs
    outside pytest vary again."""
    seed_scheduler(5)
    assert trio._core._run._r.random() == random.Random(5).random()

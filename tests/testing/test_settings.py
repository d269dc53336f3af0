"""The `cavatica_sim` options: merged outermost first, checked by name, built into a simulator."""

from __future__ import annotations

from typing import Any

import pytest

from cavatica_async.simulator import Faults, LoopClock, ManualClock, Timing
from cavatica_async.testing.settings import build, merged


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ([], {}),
        ([{"seed": 1}], {"seed": 1}),
        ([{"seed": 1, "speed": 10}, {"seed": 2}], {"seed": 2, "speed": 10}),  # nearer wins
        ([{}, {"faults": {"error_rate": 0.5}}], {"faults": {"error_rate": 0.5}}),
    ],
)
def test_layers_merge_with_the_later_winning(
    layers: list[dict[str, Any]], expected: dict[str, Any]
) -> None:
    assert merged(layers) == expected


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ([{"sead": 1}], "no such cavatica_sim option: sead"),
        ([{"seed": 1}, {"speed": 2, "fault": {}}], "no such cavatica_sim option: fault"),
        ([3], "keyword arguments or a dict, not int"),
        (["seed=1"], "keyword arguments or a dict, not str"),
    ],
)
def test_a_bad_option_is_named(layers: list[Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        merged(layers)


def test_the_same_seed_makes_the_same_world() -> None:
    one, two = build({"seed": 5}), build({"seed": 5})
    assert one.file_ids() == two.file_ids()
    assert one.token == two.token
    assert build({"seed": 6}).file_ids() != one.file_ids()


def test_the_default_clock_is_the_loops_and_options_reach_the_simulator() -> None:
    sim = build({"rate_limit": 7, "timing": Timing(median=3), "files_per_project": 20})
    assert isinstance(sim.clock, LoopClock)
    assert sim.limiter.limit == 7
    assert sim.timing == Timing(median=3)
    assert len(sim.file_ids()) == 18  # every tenth file lives in the results folder
    manual = ManualClock()
    assert build({"clock": manual}).clock is manual


def test_faults_from_a_dict_or_a_faults_and_a_maintenance_begun() -> None:
    sim = build({"faults": {"error_rate": 0.25, "latency": 0.1}, "maintenance": 60})
    assert (sim.faults.error_rate, sim.faults.latency) == (0.25, 0.1)
    assert sim.faults.in_maintenance(sim.clock.now())
    assert not sim.faults.in_maintenance(sim.clock.now() + 61)
    faults = Faults(drop_rate=0.5)
    assert build({"faults": faults}).faults is faults


@pytest.mark.parametrize(
    ("faults", "message"),
    [
        ({"eror_rate": 0.1}, "no such fault: eror_rate"),
        (0.1, "a Faults or a dict of its fields, not float"),
    ],
)
def test_a_bad_fault_is_named(faults: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build({"faults": faults})


def test_an_unknown_project_is_named() -> None:
    with pytest.raises(ValueError, match="no project 'rfranklin/nowhere'"):
        build({}).file_ids("rfranklin/nowhere")

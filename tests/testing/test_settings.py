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
    assert build({"faults": Faults(drop_rate=0.5)}).faults.drop_rate == 0.5


@pytest.mark.parametrize(
    ("faults", "message"),
    [
        ({"eror_rate": 0.1}, "no such fault: eror_rate"),
        (0.1, "a Faults or a dict of its fields, not float"),
    ],
)
def test_a_bad_fault_is_named(faults: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build(merged([{"faults": faults}]))


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("seed", "x", "seed= takes an integer, not str"),
        ("seed", None, "seed= takes an integer, not NoneType"),
        ("seed", True, "seed= takes an integer, not bool"),
        ("timing", 5, "timing= takes a Timing, not int"),
        ("timings", {"export": 5}, "timings= takes a Timing for each kind, not for export"),
        ("timings", [Timing()], "timings= takes a dict of Timing by job kind, not list"),
        ("speed", 0, "speed= takes a finite number above 0, not 0"),
        ("speed", float("nan"), "speed= takes a finite number above 0, not nan"),
        ("speed", -1.0, "speed= takes a finite number above 0, not -1.0"),
        ("rate_limit", 0, "rate_limit= takes an integer of at least 1, not 0"),
        ("rate_window", float("inf"), "rate_window= takes a finite number above 0, not inf"),
        ("projects", 0, "projects= takes an integer of at least 1, not 0"),
        ("files_per_project", -3, "files_per_project= takes an integer of at least 0, not -3"),
        ("reset_in_ms", 1, "reset_in_ms= takes a bool, not int"),
        ("token", 123, "token= takes a str, not int"),
        ("clock", "wall", r"clock= takes a clock with now\(\)"),
        ("maintenance", "soon", "maintenance= takes a number, not str"),
        ("maintenance", -1, "maintenance= takes a finite number from 0, not -1"),
        ("faults", [1], "faults= takes a Faults or a dict of its fields, not list"),
    ],
)
def test_a_bad_value_is_named_with_its_option(option: str, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=f"cavatica_sim {message}"):
        merged([{option: value}])


@pytest.mark.parametrize(
    ("faults", "message"),
    [
        ({"error_rate": "high"}, "error_rate= takes a number, not str"),
        ({"error_rate": 1.5}, "error_rate= takes a finite number from 0 to 1, not 1.5"),
        ({"latency": float("nan")}, "latency= takes a finite number from 0, not nan"),
        ({"html_errors": "yes"}, "html_errors= takes a bool, not str"),
        ({"oversize": 1.5}, "oversize= takes an integer, not float"),
    ],
)
def test_a_bad_fault_value_is_named(faults: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"cavatica_sim faults {message}"):
        build(merged([{"faults": faults}]))


def test_a_faults_given_is_copied_for_each_simulator() -> None:
    shared = Faults(html_errors=True)
    one, two = build({"faults": shared}), build({"faults": shared})
    one.maintenance(60)
    one.faults.error_rate = 1.0
    one.faults.injected["random 5xx"] += 1
    assert (two.faults.maintenance_until, two.faults.error_rate) == (None, 0.0)
    assert two.faults.html_errors
    assert not two.faults.injected
    assert (shared.maintenance_until, shared.error_rate, shared.injected) == (None, 0.0, {})


def test_an_unknown_project_is_named() -> None:
    with pytest.raises(ValueError, match="no project 'rfranklin/nowhere'"):
        build({}).file_ids("rfranklin/nowhere")

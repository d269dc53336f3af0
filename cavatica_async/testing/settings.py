"""What a test asks of its simulator: the `cavatica_sim` marker and parametrisation, checked and
merged into one `Simulator`."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from cavatica_async.simulator import Faults, LoopClock, Simulator, Timing


def _integer(low: int) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"an integer, not {type(value).__name__}"
        return None if value >= low else f"an integer of at least {low}, not {value}"

    return check


def _number(
    low: float, high: float = math.inf, *, above: bool = False
) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"a number, not {type(value).__name__}"
        inside = (value > low if above else value >= low) and value <= high
        if math.isfinite(value) and inside:
            return None
        bounds = f"above {low}" if above else f"from {low}"
        return (
            f"a finite number {bounds}"
            + (f" to {high}" if high < math.inf else "")
            + f", not {value}"
        )

    return check


def _instance(kind: type) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        return None if isinstance(value, kind) else f"a {kind.__name__}, not {type(value).__name__}"

    return check


def _timings(value: object) -> str | None:
    if not isinstance(value, Mapping):
        return f"a dict of Timing by job kind, not {type(value).__name__}"
    wrong = sorted(str(kind) for kind, timing in value.items() if not isinstance(timing, Timing))
    return f"a Timing for each kind, not for {', '.join(wrong)}" if wrong else None


def _clock(value: object) -> str | None:
    return None if callable(getattr(value, "now", None)) else "a clock with now() (SimClock)"


def _faults(value: object) -> str | None:
    return (
        None
        if isinstance(value, (Faults, Mapping))
        else (f"a Faults or a dict of its fields, not {type(value).__name__}")
    )


# What each option takes: a check that names what was wrong, or None. The Simulator's keyword
# arguments, then `faults` and `maintenance`, applied once it is made.
SIMULATOR_OPTIONS: dict[str, Callable[[object], str | None]] = {
    "seed": _integer(-(2**63)),
    "token": _instance(str),
    "username": _instance(str),
    "projects": _integer(1),
    "files_per_project": _integer(0),
    "volume_objects": _integer(0),
    "timing": _instance(Timing),
    "timings": _timings,
    "speed": _number(0, above=True),
    "rate_limit": _integer(1),
    "rate_window": _number(0, above=True),
    "external_usage": _integer(0),
    "reset_in_ms": _instance(bool),
    "clock": _clock,
}
CHECKS = {**SIMULATOR_OPTIONS, "faults": _faults, "maintenance": _number(0)}
OPTIONS = frozenset(CHECKS)
FAULT_CHECKS: dict[str, Callable[[object], str | None]] = {
    "maintenance_until": _number(0),
    "error_rate": _number(0, 1),
    "html_errors": _instance(bool),
    "latency": _number(0),
    "spike_rate": _number(0, 1),
    "spike_latency": _number(0),
    "drop_rate": _number(0, 1),
    "hostile_rate": _number(0, 1),
    "oversize": _integer(0),
}
FAULT_FIELDS = frozenset(field.name for field in attrs.fields(Faults))


def merged(layers: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The options of `layers`, outermost first, a later layer winning; `ValueError` naming any
    option the simulator does not have, or a value it cannot take."""
    options: dict[str, Any] = {}
    for layer in layers:
        if not isinstance(layer, Mapping):
            raise ValueError(
                f"cavatica_sim options are keyword arguments or a dict, not {type(layer).__name__}"
            )
        unknown = sorted(set(layer) - OPTIONS)
        if unknown:
            raise ValueError(
                f"no such cavatica_sim option: {', '.join(map(str, unknown))} "
                f"(the options: {', '.join(sorted(OPTIONS))})"
            )
        for name, value in layer.items():
            _check(f"cavatica_sim {name}=", CHECKS[name], value)
        options.update(layer)
    return options


def build(options: Mapping[str, Any]) -> Simulator:
    """A `Simulator` made from checked options: its time is the event loop's (`LoopClock`)
    unless `clock` says otherwise, its faults its own (a `Faults` given is copied, so no other
    test shares it), a maintenance begun if asked."""
    settings = {name: options[name] for name in SIMULATOR_OPTIONS if name in options}
    settings.setdefault("clock", LoopClock())
    sim = Simulator(**settings)
    faults = options.get("faults")
    if isinstance(faults, Faults):
        sim.faults = copy.deepcopy(faults)
    elif faults is not None:
        sim.faults = _fault_switches(faults)
    maintenance = options.get("maintenance")
    if maintenance is not None:
        sim.maintenance(float(maintenance))
    return sim


def _fault_switches(faults: Mapping[str, Any]) -> Faults:
    unknown = sorted(set(map(str, faults)) - FAULT_FIELDS)
    if unknown:
        raise ValueError(
            f"no such fault: {', '.join(unknown)} (the faults: {', '.join(sorted(FAULT_FIELDS))})"
        )
    for name, value in faults.items():
        if name in FAULT_CHECKS:
            _check(f"cavatica_sim faults {name}=", FAULT_CHECKS[name], value)
    return Faults(**faults)


def _check(what: str, check: Callable[[object], str | None], value: object) -> None:
    problem = check(value)
    if problem is not None:
        raise ValueError(f"{what} takes {problem}")

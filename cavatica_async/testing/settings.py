"""What a test asks of its simulator: the `cavatica_sim` marker and parametrisation, checked and
merged into one `Simulator`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from cavatica_async.simulator import Faults, LoopClock, Simulator

# Simulator's keyword arguments a test may set; `faults` and `maintenance` are applied after.
SIMULATOR_OPTIONS = frozenset(
    {
        "seed",
        "token",
        "username",
        "projects",
        "files_per_project",
        "volume_objects",
        "timing",
        "timings",
        "speed",
        "rate_limit",
        "rate_window",
        "external_usage",
        "reset_in_ms",
        "clock",
    }
)
OPTIONS = SIMULATOR_OPTIONS | {"faults", "maintenance"}
FAULT_FIELDS = frozenset(field.name for field in attrs.fields(Faults))


def merged(layers: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The options of `layers`, outermost first, a later layer winning; `ValueError` naming any
    option the simulator does not have."""
    options: dict[str, Any] = {}
    for layer in layers:
        if not isinstance(layer, Mapping):
            raise ValueError(
                f"cavatica_sim options are keyword arguments or a dict, not {type(layer).__name__}"
            )
        unknown = sorted(set(layer) - OPTIONS)
        if unknown:
            raise ValueError(
                f"no such cavatica_sim option: {', '.join(unknown)} "
                f"(the options: {', '.join(sorted(OPTIONS))})"
            )
        options.update(layer)
    return options


def build(options: Mapping[str, Any]) -> Simulator:
    """A `Simulator` made from checked options: its time is the event loop's (`LoopClock`)
    unless `clock` says otherwise, its faults set, a maintenance begun if asked."""
    settings = {name: options[name] for name in SIMULATOR_OPTIONS if name in options}
    settings.setdefault("clock", LoopClock())
    sim = Simulator(**settings)
    faults = options.get("faults")
    if isinstance(faults, Faults):
        sim.faults = faults
    elif faults is not None:
        sim.faults = _faults(faults)
    maintenance = options.get("maintenance")
    if maintenance is not None:
        sim.maintenance(float(maintenance))
    return sim


def _faults(faults: object) -> Faults:
    if not isinstance(faults, Mapping):
        raise ValueError(
            f"cavatica_sim faults= takes a Faults or a dict of its fields, not "
            f"{type(faults).__name__}"
        )
    unknown = sorted(set(faults) - FAULT_FIELDS)
    if unknown:
        raise ValueError(
            f"no such fault: {', '.join(map(str, unknown))} "
            f"(the faults: {', '.join(sorted(FAULT_FIELDS))})"
        )
    return Faults(**faults)

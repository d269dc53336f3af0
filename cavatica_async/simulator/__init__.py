"""A faithful fake CAVATICA for tests, demos and benchmarks; it never imports the client.

Install with `pip install cavatica-async[simulator]` (Starlette and uvicorn).
"""

try:
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError as missing:  # pragma: no cover - depends on the environment
    raise ImportError(
        "the simulator needs its extra: pip install 'cavatica-async[simulator]'"
    ) from missing

from cavatica_async.simulator.clock import LoopClock, ManualClock, SimClock, WallClock
from cavatica_async.simulator.faults import Faults
from cavatica_async.simulator.jobs import Transition
from cavatica_async.simulator.sim import Simulator
from cavatica_async.simulator.timing import Timing

__all__ = [
    "Faults",
    "LoopClock",
    "ManualClock",
    "SimClock",
    "Simulator",
    "Timing",
    "Transition",
    "WallClock",
]

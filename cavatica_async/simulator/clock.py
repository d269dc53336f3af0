"""The simulator's sense of time: the wall clock, or a manual clock that tests advance."""

from __future__ import annotations

import time
from typing import Protocol

import anyio


class SimClock(Protocol):
    """Where the simulator reads the time (Unix epoch seconds)."""

    def now(self) -> float:
        """Seconds since the Unix epoch."""
        ...


class WallClock:
    """Real time."""

    def now(self) -> float:
        """`time.time()`."""
        return time.time()


class ManualClock:
    """Time that moves only when told to: `advance(seconds)`."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        """The current manual time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._now += seconds


class LoopClock:
    """The event loop's time as epoch seconds: virtual where the loop's time is (trio's
    `MockClock`), so a client on the same loop and the simulator share one time line. Make it,
    and the `Simulator` using it, inside the loop."""

    def __init__(self) -> None:
        self._start = time.time()
        self._loop = anyio.current_time()

    def now(self) -> float:
        """The wall time the loop's time stands for."""
        return self._start + (anyio.current_time() - self._loop)

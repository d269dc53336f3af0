"""The simulator's sense of time: the wall clock, or a manual clock that tests advance."""

from __future__ import annotations

import time
from typing import Protocol


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

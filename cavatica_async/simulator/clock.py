"""The simulator's sense of time: the wall clock, or a manual clock that tests advance."""

from __future__ import annotations

import threading
import time
from typing import Protocol

import anyio
import anyio.lowlevel


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
    `MockClock`, looptime's asyncio loop), so a client on the same loop and the simulator share
    one time line.

    It anchors lazily, at its first reading inside an event loop (outside any loop it reads the
    wall clock), and never goes back: read from another loop (the next test's, or a server
    thread's), or from a loop whose time was set back (looptime starts each test at 0), it
    anchors again and goes on from its last reading. A simulator's jobs and windows stay in
    order whichever loop asks (docs/testing.md#virtual-time).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: float | None = None
        # (the loop, its time at the anchor, the epoch time it stood for then)
        self._anchor: tuple[object, float, float] | None = None

    def now(self) -> float:
        """The wall time the loop's time stands for."""
        try:
            loop, loop_now = anyio.lowlevel.current_token(), anyio.current_time()
        except RuntimeError:  # outside any event loop (anyio's NoEventLoopError, or sniffio's)
            loop, loop_now = None, time.monotonic()
        with self._lock:
            anchor = self._anchor
            if anchor is None or anchor[0] != loop or loop_now < anchor[1]:
                wall = time.time() if self._last is None else max(self._last, time.time())
                anchor = self._anchor = (loop, loop_now, wall)
            now = anchor[2] + (loop_now - anchor[1])
            self._last = now
            return now

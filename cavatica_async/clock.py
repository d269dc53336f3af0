"""Time as the library sees it: wall clock, monotonic clock and sleep, injectable for tests."""

from __future__ import annotations

import time
from typing import Protocol

import anyio


class Clock(Protocol):
    """Where the library reads the time and sleeps; swap it to run time-based logic instantly."""

    def time(self) -> float:
        """Wall-clock seconds since the Unix epoch (compared with X-RateLimit-Reset)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (used for deadlines and intervals)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait for `seconds`."""
        ...


class SystemClock:
    """The real clocks and `anyio.sleep`."""

    def time(self) -> float:
        """Wall-clock seconds since the Unix epoch."""
        return time.time()

    def monotonic(self) -> float:
        """Monotonic seconds."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Sleep with anyio, so it works on asyncio and trio and is cancellable."""
        await anyio.sleep(seconds)

"""Time as the library sees it: one injected clock for reading the time and sleeping.

The default, `LoopClock`, follows the event loop: its monotonic time is the loop's time and its
sleeps are anyio's, so every wait of the library (the watcher's schedule, the rate budget,
retries, `wait()`) runs in virtual time wherever the loop's time is virtual (trio's `MockClock`,
an asyncio loop-time tool). Wall time is needed only to read the platform's `X-RateLimit-Reset`,
and is converted to the loop's time once, when a reset is observed.
"""

from __future__ import annotations

import time
from typing import Protocol

import anyio
import anyio.lowlevel


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


class LoopClock:
    """The event loop's clock (the default): the loop's time, anyio's sleep, and the wall time
    the loop's time stands for (anchored once per event loop, and again if that loop's time is
    set back)."""

    def __init__(self) -> None:
        self._anchor: tuple[anyio.lowlevel.EventLoopToken, float, float] | None = None

    def time(self) -> float:
        """Wall-clock seconds since the epoch, advancing with the loop's time."""
        try:
            token, loop = anyio.lowlevel.current_token(), anyio.current_time()
        except RuntimeError:  # outside any event loop (anyio's NoEventLoopError, or sniffio's)
            return time.time()
        # Anchored again in another loop, or where the loop's time was set back (looptime
        # starts each test at 0): the wall time never follows a loop's time backwards
        # (docs/testing.md#virtual-time).
        if self._anchor is None or self._anchor[0] != token or loop < self._anchor[2]:
            self._anchor = (token, time.time(), loop)
        return self._anchor[1] + (loop - self._anchor[2])

    def monotonic(self) -> float:
        """The event loop's time."""
        try:
            return anyio.current_time()
        except RuntimeError:
            return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Sleep with anyio, so it works on asyncio and trio and is cancellable."""
        await anyio.sleep(seconds)


class SystemClock:
    """The process's clocks (`time.time`, `time.monotonic`) and `anyio.sleep`: real time even
    where the event loop's is virtual."""

    def time(self) -> float:
        """Wall-clock seconds since the Unix epoch."""
        return time.time()

    def monotonic(self) -> float:
        """Monotonic seconds."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Sleep with anyio, so it works on asyncio and trio and is cancellable."""
        await anyio.sleep(seconds)


async def sleep_or_wake(clock: Clock, event: anyio.Event, timeout: float | None) -> None:
    """Sleep on `clock` until `timeout` (None: no limit) passes or `event` is set."""
    if timeout is None:
        await event.wait()
    elif isinstance(clock, LoopClock):
        with anyio.move_on_after(timeout):  # the loop's own time, without a task per sleep
            await event.wait()
    else:
        async with anyio.create_task_group() as group:

            async def woken() -> None:
                await event.wait()
                group.cancel_scope.cancel()

            group.start_soon(woken)
            await clock.sleep(timeout)
            group.cancel_scope.cancel()

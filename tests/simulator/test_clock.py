"""The simulator's `LoopClock`: the event loop's time as epoch seconds, anchored lazily, never
going back whichever loop reads it."""

from __future__ import annotations

import time

import anyio
import pytest
from trio.testing import MockClock

from cavatica_async.simulator import LoopClock


def test_outside_any_loop_it_reads_the_wall_clock() -> None:
    before = time.time()
    reading = LoopClock().now()
    assert before <= reading <= time.time()


def test_made_outside_a_loop_it_follows_the_loop_it_is_read_in() -> None:
    clock = LoopClock()  # a synchronous fixture makes it: no loop yet
    outside = clock.now()

    async def an_hour() -> tuple[float, float]:
        first = clock.now()
        await anyio.sleep(3600)
        return first, clock.now()

    first, later = anyio.run(an_hour, backend="trio", backend_options={"clock": _virtual()})
    assert first >= outside
    assert later - first == pytest.approx(3600, abs=1)  # virtual: no real hour went by


def test_a_second_loop_goes_on_from_the_last_reading() -> None:
    clock = LoopClock()

    async def hours(count: int) -> float:
        clock.now()
        await anyio.sleep(3600 * count)
        return clock.now()

    first = anyio.run(hours, 2, backend="trio", backend_options={"clock": _virtual()})
    # A new loop (the next test's): its time starts over, the simulator's does not.
    second_start = anyio.run(hours, 0, backend="trio", backend_options={"clock": _virtual()})
    assert second_start >= first > time.time() + 3600


def test_a_loop_whose_time_is_set_back_does_not_take_the_clock_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop_time = [1000.0]
    monkeypatch.setattr(anyio, "current_time", lambda: loop_time[0])
    clock = LoopClock()

    async def readings() -> list[float]:
        seen = [clock.now()]
        loop_time[0] = 1060.0
        seen.append(clock.now())
        loop_time[0] = 0.0  # looptime starts a test's loop at 0
        seen.append(clock.now())
        loop_time[0] = 30.0
        seen.append(clock.now())
        return seen

    first, minute, set_back, after = anyio.run(readings)
    assert minute - first == pytest.approx(60)
    assert set_back == pytest.approx(minute)
    assert after - set_back == pytest.approx(30)


def _virtual() -> MockClock:
    return MockClock(autojump_threshold=0)

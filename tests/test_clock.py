"""The client's `LoopClock`: wall time that advances with the event loop's time."""

from __future__ import annotations

import anyio
import pytest

from cavatica_async.clock import LoopClock


def test_wall_time_follows_a_loop_whose_time_is_set_back(monkeypatch: pytest.MonkeyPatch) -> None:
    loop_time = [5000.0]
    monkeypatch.setattr(anyio, "current_time", lambda: loop_time[0])
    clock = LoopClock()

    async def readings() -> tuple[float, float, float]:
        first = clock.time()
        loop_time[0] = 0.0  # looptime starts the test's loop at 0, after the fixtures ran
        set_back = clock.time()
        loop_time[0] = 60.0
        return first, set_back, clock.time()

    first, set_back, minute = anyio.run(readings)
    # Anchored again: not 5,000 s in the past, which a rate-limit reset would be compared with.
    assert set_back == pytest.approx(first, abs=1)
    assert minute - set_back == pytest.approx(60)

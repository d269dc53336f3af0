"""One clock for everything: a watcher over 1,000 simulator jobs runs hours of platform time in
virtual time, with the same checks as the real-time tests (trio's MockClock)."""

from __future__ import annotations

import sys

import pytest
from trio.testing import MockClock

from cavatica_async import CavaticaClient, JobEvent, JobWatcher, PollPolicy
from cavatica_async.clock import LoopClock
from cavatica_async.simulator import Simulator, Timing

from tests.helpers_watch import check_against_truth, start_mixed


def looptime_loop() -> object:
    import looptime  # on Python 3.11 and newer only

    return looptime.new_event_loop()


# Each loop's own time runs virtual: trio's MockClock jumps to the next deadline whenever every
# task waits; looptime's asyncio loop does the same (https://github.com/nolar/looptime).
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.parametrize(
        "anyio_backend",
        [
            pytest.param(
                ("trio", {"clock": MockClock(autojump_threshold=0)}), id="trio-mock-clock"
            ),
            pytest.param(
                ("asyncio", {"loop_factory": looptime_loop}),
                id="looptime",
                marks=pytest.mark.skipif(
                    sys.version_info < (3, 11), reason="looptime needs Python 3.11 or newer"
                ),
            ),
        ],
    ),
]

HOUR = 3600.0


class SharedWallClock:
    """The simulator's time read from the client's clock: one anchor for both. Two anchors taken
    apart would differ by the real time between them, which virtual time does not count: a clock
    skew nobody asked for (tests/test_budget.py covers a client clock ahead of the platform's)."""

    def __init__(self, clock: LoopClock) -> None:
        self._clock = clock

    def now(self) -> float:
        """The client clock's wall time."""
        return self._clock.time()


async def test_three_platform_hours_of_a_thousand_jobs_in_virtual_time() -> None:
    # Real platform pace (speed 1): states of about an hour, the 1000-per-5-minutes window.
    clock = LoopClock()
    sim = Simulator(
        seed=11,
        files_per_project=700,
        clock=SharedWallClock(clock),
        timing=Timing(median=HOUR, sigma=0.3, failure=0.1),
    )
    started = sim.clock.now()
    client = CavaticaClient(
        token=sim.token, base_url=sim.base_url, transport=sim.transport(), clock=clock
    )
    events: list[JobEvent] = []
    async with client:
        jobs = await start_mixed(sim, client)
        # Intervals for hour-long states: from 10 s up to 10 minutes.
        policy = PollPolicy(initial=10.0, maximum=600.0)
        async with JobWatcher(client, policy=policy) as watcher:
            watcher.add_many(jobs)
            events = [event async for event in watcher]
    elapsed = sim.clock.now() - started
    assert len(jobs) == 1000
    assert elapsed > 3 * HOUR  # every job ended: hours of the platform's time went by
    check_against_truth(events, sim, jobs)
    # Inside the budget all along, in the simulator's own windows.
    assert all(window.rejected == 0 for window in sim.limiter.windows)
    assert max(window.used for window in sim.limiter.windows) <= 0.8 * sim.limiter.limit + 1

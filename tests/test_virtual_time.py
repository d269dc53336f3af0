"""One clock for everything: a watcher over 1,000 simulator jobs runs hours of platform time in
virtual time, with the same checks as the real-time tests, through the testing kit users get
(`virtual_time_backends()`, the `cavatica_sim` and `cavatica_client` fixtures)."""

from __future__ import annotations

import pytest

from cavatica_async import CavaticaClient, JobEvent, JobWatcher, PollPolicy
from cavatica_async.simulator import Simulator, Timing
from cavatica_async.testing import virtual_time_backends

from tests import canary
from tests.helpers_watch import check_against_truth, start_mixed

HOUR = 3600.0

# Each loop's own time runs virtual: trio's MockClock jumps to the next deadline whenever every
# task waits; looptime's asyncio loop does the same (https://github.com/nolar/looptime).
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.parametrize("anyio_backend", virtual_time_backends()),
]


# Real platform pace (speed 1): states of about an hour, the 1000-per-5-minutes window.
@pytest.mark.cavatica_sim(
    token=canary.CANARY,
    seed=11,
    files_per_project=700,
    timing=Timing(median=HOUR, sigma=0.3, failure=0.1),
)
async def test_three_platform_hours_of_a_thousand_jobs_in_virtual_time(
    cavatica_sim: Simulator, cavatica_client: CavaticaClient
) -> None:
    sim = cavatica_sim
    started = sim.clock.now()
    jobs = await start_mixed(sim, cavatica_client)
    # Intervals for hour-long states: from 10 s up to 10 minutes. Frugal: spending the slack
    # (tests/test_watcher_slack.py) would poll every job every minute or so for three hours,
    # which checks nothing more here and takes three times as long.
    policy = PollPolicy(initial=10.0, maximum=600.0, frugal=True)
    events: list[JobEvent] = []
    async with JobWatcher(cavatica_client, policy=policy) as watcher:
        watcher.add_many(jobs)
        events = [event async for event in watcher]
    elapsed = sim.clock.now() - started
    assert len(jobs) == 1000
    assert elapsed > 3 * HOUR  # every job ended: hours of the platform's time went by
    check_against_truth(events, sim, jobs)
    # Inside the budget all along, in the simulator's own windows.
    assert all(window.rejected == 0 for window in sim.limiter.windows)
    assert max(window.used for window in sim.limiter.windows) <= 0.8 * sim.limiter.limit + 1

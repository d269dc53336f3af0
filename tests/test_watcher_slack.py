"""The watcher spends its share's slack (docs/watcher.md#spending-the-slack): against the simulator
at the platform's own pace and limit, in virtual time, the same jobs watched frugally and not."""

from __future__ import annotations

import anyio
import pytest

from cavatica_async import (
    CavaticaClient,
    CopyItem,
    ExportRequest,
    JobKind,
    JobWatcher,
    PollPolicy,
)
from cavatica_async.simulator import LoopClock, Simulator, Timing
from cavatica_async.testing import virtual_time_backends

from tests import canary
from tests.helpers_watch import KIND_OF, check_against_truth

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.parametrize("anyio_backend", virtual_time_backends()),
]


def make_sim(median: float) -> Simulator:
    return Simulator(
        token=canary.CANARY,
        seed=23,
        files_per_project=1_200,
        timing=Timing(median=median, sigma=0.6, failure=0.05),
        clock=LoopClock(),  # the simulator's time is the loop's, virtual here
    )


async def watch_exports(
    sim: Simulator, policy: PollPolicy, fraction: float = 0.8
) -> tuple[list[float], JobWatcher]:
    """1,000 exports watched to their ends; how long after each end the watcher knew."""
    async with CavaticaClient(
        token=sim.token, base_url=sim.base_url, transport=sim.transport(), budget_fraction=fraction
    ) as client:
        files = sim.file_ids("rfranklin/project-1")[:1_000]
        started = await client.exports.bulk_start(
            [ExportRequest(f, "rfranklin/output", f"w/{f}") for f in files], copy_only=True
        )
        jobs = [(JobKind.EXPORT, item.resource.id) for item in started if item.resource]
        known: dict[str, float] = {}
        async with JobWatcher(client, policy=policy) as watcher:
            watcher.add_many(jobs)
            events = []
            async for event in watcher:
                events.append(event)
                if event.terminal:
                    known[event.job_id] = sim.clock.now()
    check_against_truth(events, sim, jobs)
    ends = {
        t.job_id: t.at
        for t in sim.ground_truth()
        if KIND_OF[t.kind] is JobKind.EXPORT and t.current in ("COMPLETED", "FAILED")
    }
    assert len(jobs) == 1_000
    assert ends.keys() == known.keys()
    for window in sim.limiter.windows:
        assert window.rejected == 0
        assert window.used <= fraction * sim.limiter.limit + 1
    return sorted(known[job] - ends[job] for job in ends), watcher


def p99(values: list[float]) -> float:
    return values[int(0.99 * (len(values) - 1))]


async def test_the_slack_buys_earlier_ends_inside_the_share() -> None:
    frugal, frugal_watcher = await watch_exports(make_sim(30.0), PollPolicy(frugal=True))
    spent, watcher = await watch_exports(make_sim(30.0), PollPolicy())
    assert frugal_watcher.stats.slack_requests == 0
    assert watcher.stats.slack_requests > 0
    assert sum(spent) / len(spent) < 0.8 * sum(frugal) / len(frugal)
    assert p99(spent) < p99(frugal)


async def test_the_whole_window_draws_no_429() -> None:
    latencies, watcher = await watch_exports(make_sim(30.0), PollPolicy(), fraction=1.0)
    assert watcher.stats.rate_limited == 0
    assert len(latencies) == 1_000


async def idle_requests(policy: PollPolicy) -> int:
    """Requests for 100 copy jobs of hour-long states, watched for 15 minutes."""
    sim = make_sim(3600.0)
    async with CavaticaClient(
        token=sim.token, base_url=sim.base_url, transport=sim.transport()
    ) as client:
        jobs = []
        for file_id in sim.file_ids("rfranklin/project-2")[:100]:
            [copy] = await client.async_jobs.copy(
                [CopyItem(file_id, project="rfranklin/project-1")]
            )
            jobs.append((JobKind.COPY, copy.id))
        async with JobWatcher(client, policy=policy) as watcher:
            watcher.add_many(jobs)
            with anyio.move_on_after(900):
                async for _ in watcher:
                    pass
        return sum(watcher.stats.requests.values())


async def test_an_idle_watcher_sends_no_more_than_a_frugal_one() -> None:
    # Nothing seen to end: no life known, so the slack buys no speed; the share (800 a window)
    # is far more than 100 jobs polled at most every minute need (500).
    frugal = await idle_requests(PollPolicy(frugal=True))
    spending = await idle_requests(PollPolicy())
    assert frugal > 100 * 900 / 66  # every job polled at least at the longest interval
    assert spending <= frugal * 1.02

"""JobWatcher against the simulator: complete, ordered, inside the budget, on asyncio and trio."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from itertools import pairwise

import anyio
import httpx
import pytest

from cavatica_async import (
    CavaticaClient,
    CopyItem,
    DrsImportItem,
    ExportRequest,
    ImportRequest,
    JobEvent,
    JobKind,
    JobWatcher,
    PollPolicy,
    UnauthorizedError,
)
from cavatica_async.simulator import Simulator, Timing

pytestmark = pytest.mark.anyio

# Everything runs 100x faster than the platform: 5 s median state dwell and a 3 s rate window.
SPEED = 100
FAST = PollPolicy(initial=0.02, factor=1.5, maximum=0.3)
KIND_OF = {
    "export": JobKind.EXPORT,
    "import": JobKind.IMPORT,
    "drs_import": JobKind.DRS_IMPORT,
    "copy": JobKind.COPY,
    "move": JobKind.MOVE,
    "delete": JobKind.DELETE,
}


def simulator(**overrides: object) -> Simulator:
    settings: dict[str, object] = {
        "seed": 4,
        "files_per_project": 700,
        "speed": SPEED,
        "reset_in_ms": True,
        "timing": Timing(median=5, sigma=0.6, failure=0.1),
    }
    settings.update(overrides)
    return Simulator(**settings)  # type: ignore[arg-type]


@pytest.fixture
def sim() -> Simulator:
    return simulator()


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[CavaticaClient]:
    async with CavaticaClient(
        token=sim.token, base_url=sim.base_url, transport=sim.transport()
    ) as c:
        yield c


def root_files(sim: Simulator, project: str) -> list[str]:
    return [f.id for f in sim.world.children(project, None) if f.type == "file"]


async def start_mixed(
    sim: Simulator, client: CavaticaClient, scale: int = 1
) -> list[tuple[JobKind, str]]:
    """1000 jobs at scale 1: 600 exports, 200 imports, 60 DRS, 60 copy, 40 move, 40 delete."""
    ours = root_files(sim, "rfranklin/project-1")
    theirs = root_files(sim, "rfranklin/project-2")
    jobs: list[tuple[JobKind, str]] = []
    exports = [ExportRequest(f, "rfranklin/output", f"w/{f}") for f in ours[: 600 // scale]]
    started = await client.exports.bulk_start(exports, copy_only=True)
    jobs += [(JobKind.EXPORT, item.resource.id) for item in started if item.resource]
    imports = [
        ImportRequest(
            "rfranklin/input", f"reads/sample_{n:05d}.fastq.gz", project="rfranklin/project-2"
        )
        for n in range(200 // scale)
    ]
    jobs += [
        (JobKind.IMPORT, i.resource.id)
        for i in await client.imports.bulk_start(imports)
        if i.resource
    ]
    for n in range(60 // scale):
        [drs] = await client.drs_imports.start(
            [DrsImportItem(f"drs://h.example/{n}", project="rfranklin/project-1")]
        )
        jobs.append((JobKind.DRS_IMPORT, drs.id))
    for n in range(60 // scale):
        [copy] = await client.async_jobs.copy([CopyItem(theirs[n], project="rfranklin/project-1")])
        jobs.append((JobKind.COPY, copy.id))
    for n in range(40 // scale):
        [move] = await client.async_jobs.move(
            [CopyItem(theirs[100 + n], project="rfranklin/project-1")]
        )
        jobs.append((JobKind.MOVE, move.id))
    for n in range(40 // scale):
        [delete] = await client.async_jobs.delete([theirs[200 + n]])
        jobs.append((JobKind.DELETE, delete.id))
    return jobs


def check_against_truth(
    events: list[JobEvent], sim: Simulator, jobs: list[tuple[JobKind, str]]
) -> None:
    """Each job: events in order, chained, no duplicates, no phantom, final state exactly once."""
    truth: dict[tuple[JobKind, str], list[str]] = defaultdict(list)
    for transition in sim.ground_truth():
        truth[(KIND_OF[transition.kind], transition.job_id)].append(transition.current)
    seen: dict[tuple[JobKind, str], list[JobEvent]] = defaultdict(list)
    for event in events:
        seen[(event.kind, event.job_id)].append(event)
    for key in jobs:
        states = truth[key]
        observed = seen[key]
        assert observed, f"no event for {key}"
        currents = [str(e.current) for e in observed]
        assert observed[0].previous is None
        for before, after in pairwise(observed):
            assert after.previous == before.current  # chained: nothing skipped silently
        # Observed states are the true states in the true order (a subsequence: short states
        # may be missed, none is invented or repeated).
        position = 0
        for state in currents:
            assert state in states[position:], (key, currents, states)
            position = states.index(state, position) + 1
        assert currents[-1] == states[-1]  # the final state, exactly once
        assert observed[-1].terminal
        assert sum(e.terminal for e in observed) == 1


async def collect(watcher: JobWatcher) -> list[JobEvent]:
    with anyio.fail_after(90):
        return [event async for event in watcher]


async def test_a_thousand_mixed_jobs_are_seen_to_the_end(
    sim: Simulator, client: CavaticaClient
) -> None:
    jobs = await start_mixed(sim, client)
    assert len(jobs) == 1000
    async with JobWatcher(client, policy=FAST) as watcher:
        watcher.add_many(jobs)
        watcher.add(JobKind.EXPORT, "unknownExport")
        watcher.add(JobKind.COPY, "123456789")
        events = await collect(watcher)
    check_against_truth([e for e in events if e.error is None], sim, jobs)
    unknown = [e for e in events if e.error is not None]
    assert {(e.kind, e.job_id, e.error.status) for e in unknown if e.error} == {
        (JobKind.EXPORT, "unknownExport", 404),
        (JobKind.COPY, "123456789", 404),
    }
    assert len(unknown) == 2
    assert all(e.current is None and e.terminal for e in unknown)
    # Inside the budget: no 429, no window over the limit.
    assert watcher.stats.rate_limited == 0
    assert all(w.rejected == 0 and w.used <= sim.limiter.limit for w in sim.limiter.windows)
    # Exports and imports went 100 per call.
    assert watcher.stats.requests[JobKind.EXPORT] < watcher.stats.jobs_polled / 10


async def test_faults_lose_nothing(client: CavaticaClient, sim: Simulator) -> None:
    jobs = await start_mixed(sim, client, scale=4)
    sim.faults.error_rate = 0.1
    events = []
    async with JobWatcher(client, policy=FAST) as watcher:
        watcher.add_many(jobs)
        with anyio.fail_after(60):
            async for event in watcher:
                if not events:
                    sim.maintenance(20)  # 0.2 s of real time at speed 100
                events.append(event)
    check_against_truth(events, sim, jobs)
    assert watcher.stats.maintenance >= 1
    assert watcher.stats.failures >= 1


async def test_an_external_consumer_takes_half_the_budget() -> None:
    sim = simulator(external_usage=500)
    async with CavaticaClient(
        token=sim.token, base_url=sim.base_url, transport=sim.transport()
    ) as client:
        jobs = await start_mixed(sim, client, scale=2)
        async with JobWatcher(
            client, policy=PollPolicy(initial=0.005, factor=1.2, maximum=0.05)
        ) as watcher:
            watcher.add_many(jobs)
            events = await collect(watcher)
    check_against_truth(events, sim, jobs)
    assert watcher.stats.rate_limited == 0
    assert watcher.stats.budget_wait > 0  # the budget, not the limit, held the watcher back
    for window in sim.limiter.windows:
        assert window.rejected == 0
        assert window.used + sim.limiter.external <= sim.limiter.limit


async def test_a_bad_token_ends_the_watch() -> None:
    sim = simulator()
    async with CavaticaClient(token="wrong", base_url=sim.base_url, transport=sim.transport()) as c:
        # The error leaves the `async with` as itself, not inside an exception group.
        with pytest.raises(UnauthorizedError):
            await watch_one(c, (JobKind.EXPORT, "e1"))


async def watch_one(client: CavaticaClient, job: tuple[JobKind, str]) -> list[JobEvent]:
    async with JobWatcher(client, policy=FAST) as watcher:
        watcher.add(*job)
        return await collect(watcher)


async def test_jobs_added_while_iterating_are_watched(
    sim: Simulator, client: CavaticaClient
) -> None:
    jobs = await start_mixed(sim, client, scale=20)
    first, later = jobs[:10], jobs[10:]
    events = []
    async with JobWatcher(client, policy=FAST) as watcher:
        watcher.add_many(first)
        with anyio.fail_after(60):
            async for event in watcher:
                if not events:
                    watcher.add_many(later)
                events.append(event)
    check_against_truth(events, sim, jobs)


async def test_keep_open_waits_for_more_jobs(sim: Simulator, client: CavaticaClient) -> None:
    [first, second] = (await start_mixed(sim, client, scale=100))[:2]
    finals = []
    async with JobWatcher(client, policy=FAST, keep_open=True) as watcher:
        watcher.add(*first)
        with anyio.fail_after(60):
            async for event in watcher:
                if event.terminal:
                    finals.append(event.job_id)
                    if len(finals) == 1:
                        watcher.add(*second)  # added after everything watched was final
                    else:
                        break
    assert finals == [first[1], second[1]]


async def test_snapshot_and_resume(sim: Simulator, client: CavaticaClient) -> None:
    jobs = await start_mixed(sim, client, scale=5)
    before: list[JobEvent] = []
    async with JobWatcher(client, policy=FAST) as watcher:
        watcher.add_many(jobs)
        with anyio.fail_after(60):
            async for event in watcher:
                before.append(event)
                if len(before) == len(jobs):
                    break
        snapshot = watcher.snapshot()
    assert len(snapshot["jobs"]) == len(jobs)
    assert {j["kind"] for j in snapshot["jobs"]} == {kind.value for kind in JobKind}
    await anyio.sleep(0.1)  # the jobs move on while nobody watches
    async with JobWatcher(client, policy=FAST, resume=snapshot) as resumed:
        after = await collect(resumed)
    check_against_truth(before + after, sim, jobs)
    reported_final = {j["id"] for j in snapshot["jobs"] if j["final"]}
    assert not [e for e in after if e.job_id in reported_final]


async def test_early_exit_leaves_no_connection_busy() -> None:
    sim = simulator()
    http = httpx.AsyncHTTPTransport()
    async with sim.serve() as base_url:
        client = CavaticaClient(token=sim.token, base_url=base_url, transport=http)
        async with client:
            jobs = await start_mixed(sim, client, scale=10)
            async with JobWatcher(client, policy=FAST) as watcher:
                watcher.add_many(jobs)
                async for _ in watcher:
                    break
            # Leaving the block cancelled every poll in flight: no connection is mid-request
            # (a cancelled one is closed, and may wait in the pool until its next sweep).
            busy = [c for c in http._pool.connections if not (c.is_idle() or c.is_closed())]
            assert busy == []
        assert http._pool.connections == []

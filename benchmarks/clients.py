"""The clients compared, each appending what it observes to `seen`: (kind, id, state, wall time).

A state of None means the client learned the platform does not know the job. Every client
records the first time it sees each state of each job; the benchmark scores those observations
against the simulator's ground truth.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from cavatica_async import (
    BulkItem,
    CavaticaClient,
    CavaticaError,
    JobKind,
    JobWatcher,
    NotFoundError,
    PollPolicy,
    RateLimitError,
)
from cavatica_async.events import Job

Observation = tuple[str, str, "str | None", float]
Jobs = list[tuple[str, str]]


def scaled(policy: PollPolicy, speed: float) -> PollPolicy:
    """A poll policy with every interval divided by the time compression."""
    return PollPolicy(
        initial=policy.initial / speed,
        factor=policy.factor,
        maximum=policy.maximum / speed,
        jitter=policy.jitter,
        floor=policy.floor / speed,
        frugal=policy.frugal,
    )


async def watcher(
    base_url: str,
    token: str,
    jobs: Jobs,
    speed: float,
    seen: list[Observation],
    fraction: float = 0.8,
    job_list: bool = False,
) -> None:
    """`JobWatcher` with its default policy (time-compressed), a budget fraction and source."""
    client = CavaticaClient(token=token, base_url=base_url, budget_fraction=fraction)
    policy = scaled(PollPolicy(), speed)
    async with client, JobWatcher(client, policy=policy, job_list=job_list) as watch:
        watch.add_many((JobKind(kind), job_id) for kind, job_id in jobs)
        async for event in watch:
            state = None if event.current is None else str(event.current)
            seen.append((event.kind.value, event.job_id, state, time.time()))


def _getter(client: CavaticaClient, kind: str) -> Callable[[str], Awaitable[Job]]:
    """The kind's single read, as a user's loop calls it (the table of kinds says which)."""
    return functools.partial(client.get_job, JobKind(kind))


# The naive loop's requests in flight at once. Without a bound, 10,000 tasks queue inside
# httpcore's connection pool, whose bookkeeping grows with the queue and burns a whole core; with
# it they wait in anyio's limiter instead (sevenbridges-python bounds its threads to 100 alike).
NAIVE_IN_FLIGHT = 100


async def naive(
    base_url: str,
    token: str,
    jobs: Jobs,
    speed: float,
    seen: list[Observation],
    period: float = 10.0,
) -> None:
    """What users write today: a task per job, one GET every `period` s until final."""
    in_flight = anyio.CapacityLimiter(NAIVE_IN_FLIGHT)
    client = CavaticaClient(token=token, base_url=base_url, max_connections=NAIVE_IN_FLIGHT)
    async with client:

        async def follow(kind: str, job_id: str) -> None:
            last = None
            get = _getter(client, kind)
            while True:
                try:
                    async with in_flight:
                        job = await get(job_id)
                except NotFoundError:
                    seen.append((kind, job_id, None, time.time()))
                    return
                except (RateLimitError, CavaticaError):
                    await anyio.sleep(period / speed)
                    continue
                if str(job.state) != last:
                    last = str(job.state)
                    seen.append((kind, job_id, last, time.time()))
                if job.state.is_terminal:
                    return
                await anyio.sleep(period / speed)

        async with anyio.create_task_group() as group:
            for kind, job_id in jobs:
                group.start_soon(follow, kind, job_id)


async def sweep(
    base_url: str, token: str, jobs: Jobs, speed: float, seen: list[Observation], period: float
) -> None:
    """A tuned fixed sweep: each active job once per `period` s, bulk when possible, spread out.

    Requests start on a fixed timetable (several may be in flight), so the sweep keeps its
    period even when one answer takes longer than the gap between two requests.
    """
    last: dict[str, str | None] = {}
    active = {kind: [j for k, j in jobs if k == kind] for kind in {k for k, _ in jobs}}
    in_flight = anyio.CapacityLimiter(NAIVE_IN_FLIGHT)
    async with CavaticaClient(token=token, base_url=base_url) as client:

        def observe(kind: str, job_id: str, state: str | None) -> None:
            if last.get(job_id, "") != state:
                last[job_id] = state
                seen.append((kind, job_id, state, time.time()))
            if state is None or state in ("COMPLETED", "FAILED", "FINISHED"):
                finished.add(job_id)

        async def poll(kind: str, ids: list[str]) -> None:
            async with in_flight:
                try:
                    if kind in ("export", "import"):
                        group = client.exports if kind == "export" else client.imports
                        items: list[BulkItem[Any]] = await group.bulk_get(ids)
                        for job_id, item in zip(ids, items, strict=True):
                            observe(
                                kind, job_id, str(item.resource.state) if item.resource else None
                            )
                    else:
                        job = await _getter(client, kind)(ids[0])
                        observe(kind, ids[0], str(job.state))
                except NotFoundError:
                    observe(kind, ids[0], None)
                except CavaticaError:
                    pass  # polled again next sweep

        finished: set[str] = set()
        while any(active.values()):
            calls: list[tuple[str, list[str]]] = []
            for kind, ids in active.items():
                size = 100 if kind in ("export", "import") else 1
                calls += [(kind, ids[i : i + size]) for i in range(0, len(ids), size)]
            begun = anyio.current_time()
            async with anyio.create_task_group() as group:
                for index, (kind, ids) in enumerate(calls):
                    await anyio.sleep_until(begun + index * (period / speed) / len(calls))
                    group.start_soon(poll, kind, ids)
                await anyio.sleep_until(begun + period / speed)
            active = {kind: [j for j in ids if j not in finished] for kind, ids in active.items()}

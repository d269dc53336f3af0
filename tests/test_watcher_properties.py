"""Random interleavings of add / remove / cancel / restart never lose or duplicate an event."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cavatica_async import CavaticaClient, JobEvent, JobKind, JobWatcher

from tests.helpers_watch import FAST, KIND_OF, simulator, start_mixed

pytestmark = pytest.mark.anyio

JOBS = 8  # one of each kind, and two more exports
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(0, JOBS - 1)),
        st.tuples(st.just("remove"), st.integers(0, JOBS - 1)),
        # Wait for up to n events, cancelling the wait when none comes for a while.
        st.tuples(st.just("take"), st.integers(1, 4)),
        # Leave the watcher (cancelling its polls in flight) and resume from its snapshot.
        st.tuples(st.just("restart"), st.just(0)),
    ),
    max_size=14,
)


async def take(watcher: JobWatcher, count: int, into: list[JobEvent]) -> None:
    with anyio.move_on_after(0.2):
        for _ in range(count):
            into.append(await watcher.__anext__())


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(operations=OPERATIONS)
async def test_no_event_is_lost_or_repeated(operations: list[tuple[str, int]]) -> None:
    sim = simulator(seed=6)
    async with CavaticaClient(
        token=sim.token, base_url=sim.base_url, transport=sim.transport()
    ) as client:
        started = await start_mixed(sim, client, scale=25)
        jobs = [next(job for job in started if job[0] is kind) for kind in JobKind]
        jobs += [job for job in started if job[0] is JobKind.EXPORT][1:3]
        events: list[JobEvent] = []
        added: set[int] = set()
        removed_after: dict[int, int] = {}  # job -> events delivered before its removal
        snapshot: dict[str, Any] | None = None
        plan = [*operations, ("restart", 0)]
        while plan:
            async with JobWatcher(client, policy=FAST, keep_open=True, resume=snapshot) as w:
                while plan:
                    operation, n = plan.pop(0)
                    if operation == "restart":
                        snapshot = w.snapshot()
                        break
                    if operation == "add" and n not in removed_after:
                        w.add(*jobs[n])
                        added.add(n)
                    elif operation == "remove":
                        w.remove(*jobs[n])
                        removed_after.setdefault(n, len(events))
                    elif operation == "take":
                        await take(w, n, events)
        # The rest, to the end: every job still watched reaches its final state.
        async with JobWatcher(client, policy=FAST, resume=snapshot) as last:
            with anyio.fail_after(30):
                events += [event async for event in last]

    truth: dict[tuple[JobKind, str], list[str]] = defaultdict(list)
    for transition in sim.ground_truth():
        truth[(KIND_OF[transition.kind], transition.job_id)].append(transition.current)
    for index, job in enumerate(jobs):
        delivered = [
            (position, e) for position, e in enumerate(events) if (e.kind, e.job_id) == job
        ]
        if index not in added:
            assert not delivered, f"events for {job}, never added"
            continue
        if index in removed_after:
            assert all(position < removed_after[index] for position, _ in delivered), job
        states = [str(e.current) for _, e in delivered]
        assert len(states) == len(set(states)), f"{job} repeated: {states}"
        previous = None
        for _, event in delivered:
            assert event.previous == previous, (job, states)  # chained: none lost between
            previous = event.current
        true_states = truth[job]
        assert all(s in true_states for s in states), (job, states, true_states)
        if index not in removed_after:
            assert states, f"no event for {job}"
            assert states[-1] == true_states[-1], (job, states, true_states)

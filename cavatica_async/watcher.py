"""`JobWatcher`: watch many jobs of every kind inside the rate budget, yielding each transition.

One scheduler task and a few pollers share a due-time schedule (no task per job). Exports and
imports are read 100 at a time through bulk get; the other kinds one GET each, or, with
`job_list=True`, copy, move and delete jobs 100 at a time from the job list. Every request
waits for the client-wide rate budget. A poll never retries inside the transport: a failed poll
is simply scheduled again, and a 429 or a maintenance answer pauses all polling
(docs/watcher.md).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any

import anyio
from anyio.abc import TaskGroup

from cavatica_async import snapshots
from cavatica_async._logging import logger
from cavatica_async.budget import Spending
from cavatica_async.bulk import unexpected
from cavatica_async.client import CavaticaClient
from cavatica_async.clock import sleep_or_wake
from cavatica_async.errors import CavaticaError, ClientClosedError
from cavatica_async.events import JobEvent, JobKind
from cavatica_async.failures import Scope, Verdict, classify
from cavatica_async.job_list import ListSweep
from cavatica_async.kinds import KINDS, LISTED
from cavatica_async.options import DEFAULT_MAX_CONNECTIONS
from cavatica_async.outcomes import Outcomes
from cavatica_async.paths import check_id
from cavatica_async.planner import Planner
from cavatica_async.polling import PollPolicy
from cavatica_async.reads import Reader
from cavatica_async.retry import NO_RETRY
from cavatica_async.schedule import Schedule, Watched
from cavatica_async.stats import WatcherStats


class JobWatcher:
    """Watches jobs of every kind and yields a `JobEvent` for each state change it sees.

    `async with JobWatcher(client) as watcher:` then `watcher.add(kind, id)` and
    `async for event in watcher:`. Iteration ends when every watched job has reached a final
    state (or was reported unknown), unless `keep_open=True`. `resume=` takes a `snapshot()`.
    `job_list=True` (experimental) reads copy, move and delete jobs from the platform's job list,
    up to 100 a request, instead of one GET each; see LISTED.
    """

    def __init__(
        self,
        client: CavaticaClient,
        *,
        policy: PollPolicy | None = None,
        keep_open: bool = False,
        concurrency: int = DEFAULT_MAX_CONNECTIONS,
        buffer: int = 1024,
        resume: Mapping[str, Any] | None = None,
        rng: random.Random | None = None,
        job_list: bool = False,
    ) -> None:
        self._client = client
        self._budget = client.transport.budget
        self._clock = client.transport.clock
        self._policy = policy if policy is not None else PollPolicy()
        self._schedule = Schedule(self._policy)
        self._planner = Planner(self._schedule, self._budget, self._policy)
        self._keep_open = keep_open
        self._slots = anyio.Semaphore(concurrency)
        self._buffer = buffer
        self._listed = LISTED if job_list else frozenset[JobKind]()
        # Per job: the last state reported, whether it was final, and the generation of the
        # watch. Each remove() starts a new generation for the adds after it, so events of an
        # older watch queued before the remove are dropped and a job re-added never reports its
        # end twice. Without removes every job stays at 0, a small int that costs no memory.
        self._reported: dict[JobKind, dict[str, tuple[str | None, bool, int]]] = {
            k: {} for k in JobKind
        }
        self._generation = 0
        self._iterating = False  # a task is inside __anext__
        self._wake = anyio.Event()  # the scheduler's: something to do may have appeared
        self._consumer_wake = anyio.Event()  # the iterator's: an event or the end may be there
        self._fatal: CavaticaError | None = None
        self._group: TaskGroup | None = None
        self.stats = WatcherStats()
        self._outcomes = Outcomes(
            self._schedule,
            policy=self._policy,
            budget=self._budget,
            clock=self._clock,
            rng=rng if rng is not None else random.Random(),
            stats=self.stats,
            emit=self._emit,
            fail=self._fail,
            refuse_list=self._refuse_list,
            ended=lambda: self._consumer_wake.set(),  # a job's watch ended: maybe all
        )
        self._reader = Reader(
            client,
            self._outcomes,
            budget=self._budget,
            clock=self._clock,
            stats=self.stats,
            over=lambda: self._fatal is not None,
        )
        self._sweep = ListSweep(
            client,
            self._schedule,
            self._reader,
            self._outcomes,
            stats=self.stats,
            woken=lambda: self._wake.set(),
        )
        if resume is not None:
            self._resume(resume)

    async def __aenter__(self) -> JobWatcher:
        # Streams are made here, not in __init__, so a watcher never entered leaves nothing open.
        self._send, self._receive = anyio.create_memory_object_stream[tuple[int, JobEvent]](
            self._buffer
        )
        group = anyio.create_task_group()
        await group.__aenter__()
        self._group = group
        group.start_soon(self._run, group)
        # Closing the client ends the watch at once, even with nothing due for an hour.
        self._forget_close = self._client.transport.on_close(self._client_closed)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        group = self._group
        self._forget_close()
        try:
            if group is not None:
                group.cancel_scope.cancel()
                # The caller's exception (a fatal 401, say) is not handed to the task group, so
                # it reaches the caller as itself, not wrapped in an exception group.
                await group.__aexit__(None, None, None)
            return None
        finally:
            self._group = None
            self._send.close()
            self._receive.close()

    # --- what callers use ---------------------------------------------------------------------

    def add(self, kind: JobKind | str, job_id: str) -> None:
        """Watch a job (again adding one already watched or reported final does nothing)."""
        self._add(kind, job_id, self._clock.monotonic())
        self._wake.set()

    def add_many(self, jobs: Iterable[tuple[JobKind | str, str]]) -> None:
        """Watch many `(kind, id)` pairs."""
        now = self._clock.monotonic()  # one time for all: 10,000 reads of the clock add up
        try:
            for kind, job_id in jobs:
                self._add(kind, job_id, now)
        finally:
            self._wake.set()  # those added before a bad one are watched

    def _add(self, kind: JobKind | str, job_id: str, now: float) -> None:
        kind = JobKind(kind)
        check_id(job_id, f"{kind} job id")
        if self._schedule.get(kind, job_id) is not None or job_id in self._reported[kind]:
            return
        self._reported[kind][job_id] = (None, False, self._generation)
        # Due before every job already watched: its first poll tells its state.
        self._schedule.add(kind, job_id, None, now, due=float("-inf"))

    def remove(self, kind: JobKind | str, job_id: str) -> None:
        """Stop watching a job; nothing more is reported about it."""
        kind = JobKind(kind)
        watched = self._schedule.get(kind, job_id)
        if watched is not None:
            self._schedule.remove(watched, self._clock.monotonic())
        self._reported[kind].pop(job_id, None)
        self._generation += 1
        self._consumer_wake.set()

    def snapshot(self) -> dict[str, Any]:
        """The last reported state of every job, JSON-ready, for `JobWatcher(resume=...)`."""
        return snapshots.write(
            snapshots.Reported(kind, job_id, state, final)
            for kind, reported in self._reported.items()
            for job_id, (state, final, _) in reported.items()
        )

    def __aiter__(self) -> JobWatcher:
        return self

    async def __anext__(self) -> JobEvent:
        if self._group is None:
            raise RuntimeError("iterate a JobWatcher inside `async with JobWatcher(client) as w:`")
        if self._iterating:
            # Two consumers would share one wake-up and one of them would sleep forever.
            raise RuntimeError("another task is already iterating this JobWatcher")
        self._iterating = True
        try:
            return await self._next_event()
        finally:
            self._iterating = False

    async def _next_event(self) -> JobEvent:
        while True:
            try:
                generation, event = self._receive.receive_nowait()
            except anyio.WouldBlock:
                # Events already seen are delivered first; then a fatal error ends the watch.
                if self._fatal is not None:
                    raise self._fatal from None
                if not self._keep_open and len(self._schedule) == 0:
                    raise StopAsyncIteration from None
                self._consumer_wake = anyio.Event()
                await self._consumer_wake.wait()
                continue
            except anyio.EndOfStream:
                raise StopAsyncIteration from None
            reported = self._reported[event.kind]
            current = reported.get(event.job_id)
            if current is None or current[2] != generation:
                continue  # removed after this event was queued: nothing more is reported
            state = None if event.current is None else str(event.current)
            reported[event.job_id] = (state, event.terminal, generation)
            self.stats.events += 1
            return event

    # --- the scheduler ------------------------------------------------------------------------

    async def _run(self, group: TaskGroup) -> None:
        try:
            await self._client.get_rate_limit(retry=NO_RETRY)  # free: start the budget known
        except CavaticaError as error:
            if classify(error, Scope.BATCH) is Verdict.FATAL:
                self._fail(error)
                return
            logger.info("watcher: could not read the rate limit first (%s)", error)
        while self._fatal is None:
            await self._slots.acquire()  # released by the poll it is given to
            kind, batch, paced = await self._next_batch()
            # A list sweep takes a ticket for each of its pages itself.
            ticket = None if kind in self._listed else self._budget.take(paced=paced)
            group.start_soon(self._poll, kind, batch, ticket)

    async def _next_batch(self) -> tuple[JobKind, list[Watched], bool]:
        """Wait until a job is due and the budget allows a request; take its batch, and say
        whether it kept to the even pace (not a poll at the cadence of the slack)."""
        while True:
            now = self._clock.monotonic()
            chosen = self._planner.next(now, self._listed, self._sweep.running)
            if chosen is None:
                await self._sleep(None)
                continue
            if chosen.due > now:
                # The cadence moves with the budget and the work: look again within one.
                await self._sleep(min(chosen.due - now, chosen.cadence or chosen.due - now))
                continue
            wait = self._planner.wait(chosen, now)
            if wait > 0:
                await self._sleep(wait)
                self.stats.budget_wait += self._clock.monotonic() - now
                continue
            if chosen.kind in self._listed:
                # A list sweep reads every listed kind's due jobs; jobs not due yet that are
                # on the pages it reads are seen too.
                batch = [
                    watched
                    for listed in self._listed
                    for watched in self._schedule.take(listed, now, len(self._schedule), 0.0)
                ]
                self._sweep.running = True
                return chosen.kind, batch, True
            batch = self._planner.batch(chosen, now)
            if batch:
                self.stats.slack_requests += chosen.slack
                return chosen.kind, batch, not chosen.slack

    async def _sleep(self, timeout: float | None) -> None:
        await sleep_or_wake(self._clock, self._wake, timeout)
        self._wake = anyio.Event()

    async def _poll(self, kind: JobKind, batch: list[Watched], ticket: Spending | None) -> None:
        self.stats.jobs_polled += len(batch)
        try:
            if ticket is None:
                await self._sweep.poll(batch)
            elif KINDS[kind].bulk:
                await self._reader.bulk(kind, batch, ticket)
            else:
                await self._reader.one(batch[0], ticket)
        except Exception as exc:
            # Nothing foreseen reaches here; if something does, the watch goes on and the
            # batch is polled again, rather than the whole watcher dying with it.
            logger.exception("watcher: unexpected error polling %d %s job(s)", len(batch), kind)
            failed = [w for w in batch if w.in_flight]
            await self._outcomes.failed(failed, unexpected(exc), Scope.BATCH)
        finally:
            if ticket is not None:
                ticket.done()  # already done unless the poll broke before its request
            self._slots.release()
            self._wake.set()

    # --- what the parts report back ------------------------------------------------------------

    async def _emit(self, event: JobEvent) -> None:
        # Only a full buffer waits: a checkpoint per event would cost a trip through the event
        # loop for each of the hundred changes one bulk or list answer can carry.
        reported = self._reported[event.kind].get(event.job_id)
        if reported is None:
            return  # removed meanwhile
        try:
            self._send.send_nowait((reported[2], event))
        except anyio.WouldBlock:
            await self._send.send((reported[2], event))
        self._consumer_wake.set()

    def _fail(self, error: CavaticaError) -> None:
        self._fatal = error
        self._consumer_wake.set()

    def _client_closed(self) -> None:
        if self._fatal is None:  # a fatal error seen first (a 401, say) stays the reason
            self._fail(ClientClosedError("the client was closed while the watcher was running"))
        self._wake.set()

    def _refuse_list(self) -> None:
        self._listed = frozenset()

    def _resume(self, snapshot: Mapping[str, Any]) -> None:
        for job in snapshots.read(snapshot):
            self._reported[job.kind][job.job_id] = (job.state, job.final, self._generation)
            if not job.final:
                self._schedule.add(
                    job.kind, job.job_id, job.known, self._clock.monotonic(), due=float("-inf")
                )

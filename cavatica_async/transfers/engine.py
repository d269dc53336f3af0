"""Running a transfer: reconcile what a crash left, start the rest in chunks, watch every job.

The order of a run (docs/transfers.md#a-run):
1. Items a crash left `starting` are reconciled before anything new starts.
2. Jobs the journal holds as started are watched again (their last states from the snapshot).
3. For each kind, one start call at a time sends the next 100 planned items, inside the
   client's rate budget and beside the watcher's polls; DRS imports are paced, and no kind has
   more than `jobs_in_flight` jobs started and not ended.
4. Each job's end lands in the journal, per item where the job carries many.
The run ends when no item is planned, starting or started.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable

import anyio
import attrs

from cavatica_async._logging import logger
from cavatica_async.bulk import check_json
from cavatica_async.client import CavaticaClient
from cavatica_async.errors import CavaticaError
from cavatica_async.events import JobEvent
from cavatica_async.failures import Scope, Verdict, classify
from cavatica_async.polling import PollPolicy
from cavatica_async.transfers.job_ends import item_results
from cavatica_async.transfers.journal import ItemState, Journal
from cavatica_async.transfers.pacing import drs_wait
from cavatica_async.transfers.platform_clock import SKEW, reconcile_allowance
from cavatica_async.transfers.reconcile import UNUSABLE_ID, Reconciled, reconcile_storage
from cavatica_async.transfers.reconcile_jobs import ASYNC_KINDS, reconcile_async, reconcile_drs
from cavatica_async.transfers.requests import KINDS, Request, body_of, check_kind, source_of
from cavatica_async.transfers.run_meta import SNAPSHOT_KEY, pin_run, watcher_resume
from cavatica_async.transfers.run_options import (
    Progress,
    TransferOptions,
    check_seconds,
    seconds_left,
)
from cavatica_async.transfers.start_results import usable_job_id
from cavatica_async.transfers.starter import CHUNK, STORAGE_KINDS, start_chunk
from cavatica_async.watcher import JobWatcher

# After a start call the platform could not take (429, maintenance), wait before the next.
LATER_BACKOFF = (1.0, 60.0)
# Failures of a mid-run reconciliation that a later try may get past.
TRANSIENT = (Verdict.RETRY, Verdict.RATE_LIMITED, Verdict.MAINTENANCE)
# Tries of a mid-run reconciliation in a row (each read with the client's own retries): with
# the backoff between them, several minutes of a platform that cannot be reached.
SETTLE_TRIES = 6


class Transfer:
    """A transfer's items in `journal`, run by `client`: `add()` items, then `await run()`."""

    def __init__(
        self, client: CavaticaClient, journal: Journal, options: TransferOptions | None = None
    ) -> None:
        self._client = client
        self._journal = journal
        self._options = options if options is not None else TransferOptions()
        self._clock = client.transport.clock
        self._watching: dict[str, set[str]] = {kind: set() for kind in KINDS}
        self._finished = anyio.Event()  # set when a run ends
        self._freed = {kind: anyio.Event() for kind in KINDS}  # a job of the kind ended
        self._drs_started: list[tuple[float, int]] = []
        self._began: tuple[float, int] | None = None  # when this run's starts began; ended then
        self._start_calls = 0
        self._starting_kinds = 0
        self._running = False
        self._runs_ended = 0
        self._phase = "waiting"
        self._follow_scope: anyio.CancelScope | None = None
        self._ends: list[JobEvent] = []  # job ends seen and not yet written
        self._ends_ready = anyio.Event()
        self.reconciled: dict[str, Reconciled] = {}

    async def add(self, kind: str, requests: Iterable[Request]) -> int:
        """Plan items of one kind; an item already in the journal is kept as it is. Returns how
        many are new. `TypeError` or `ValueError` for a request that is not of the kind."""
        check_kind(kind)
        if isinstance(requests, (str, bytes)):
            raise TypeError(f"expected a sequence of {kind} items, got one string {requests!r}")
        rows = [(source_of(kind, request), body_of(kind, request)) for request in requests]
        check_json([body for _, body in rows], f"transfer of {kind} items")
        return await self._journal.plan(kind, rows)

    async def run(self) -> dict[ItemState, int]:
        """Take every item to an end; returns how many items are in each state."""
        if self._running:
            raise RuntimeError("this transfer is already running")
        self._journal.begin_run()  # one run of a journal at a time, whichever Transfer runs it
        self._running = True
        # What a run that failed or was cancelled left behind is not this run's.
        self._watching = {kind: set() for kind in KINDS}
        self._ends, self._ends_ready = [], anyio.Event()
        self._began = None
        try:
            self._phase = "reconciling"
            await pin_run(self._journal, self._options.start, self._client.base_url)
            await self._reconcile()
            if self._options.unsure == "retry":
                await self._journal.replan(unsure=True)
            self._phase = "running"
            self._began = (self._clock.monotonic(), _ended(await self._journal.counts()))
            async with JobWatcher(
                self._client,
                # Frugal: the start calls share the budget and are what a transfer waits on;
                # polls at the cadence of the slack would take their room
                # (docs/watcher.md#spending-the-slack).
                policy=attrs.evolve(self._options.poll or PollPolicy(), frugal=True),
                keep_open=True,
                resume=await watcher_resume(self._journal),
            ) as watcher:
                await self._watch_started(watcher)
                try:
                    async with anyio.create_task_group() as group:
                        self._starting_kinds = len(KINDS)
                        for kind in KINDS:
                            group.start_soon(self._start_kind, kind, watcher)
                        await self._follow(watcher)
                except BaseException as error:
                    sole = _sole(error)
                    if sole is None or sole is error:
                        raise
                    # One failure (a 401, a closed client): the caller sees it as itself.
                    raise sole from None
                if self._ends:  # ends of jobs no longer watched, seen as the run ended
                    await self._write_ends(self._ends, None)
                await self._save_snapshot(watcher)
        finally:
            self._running = False
            self._journal.end_run()
            self._phase = "ended"
            self._runs_ended += 1
            # Wakes whoever waits for this run's end; the next run's end is a new event.
            self._finished.set()
            self._finished = anyio.Event()
        return await self._journal.counts()

    async def retry(self, *, refused: bool = False, failed: bool = False) -> int:
        """Plan again the items the platform refused at start, or whose job did not complete,
        for the next `run()`; returns how many (docs/transfers.md#a-run)."""
        if self._running:
            raise RuntimeError("items cannot be planned again while the transfer runs")
        return await self._journal.replan(refused=refused, failed=failed)

    async def progress(self, every: float = 1.0) -> AsyncIterator[Progress]:
        """Where the transfer stands, every `every` seconds while a `run()` goes, and once after
        it ends. Begun before `run()`, it waits for the run (yielding as it waits)."""
        check_seconds("every", every, zero=False)
        runs = self._runs_ended
        while True:
            ended = self._runs_ended > runs or (not self._running and runs > 0)
            yield await self.snapshot()
            if ended:
                return
            with anyio.move_on_after(every):
                await self._finished.wait()

    async def snapshot(self) -> Progress:
        """Where the transfer stands now."""
        counts = await self._journal.counts()
        stats = self._client.transport.stats
        rate_limit = self._client.transport.rate_limit
        return Progress(
            phase=self._phase,
            items={state.value: counts[state] for state in ItemState},
            failed=await self._journal.failed(),
            requests=stats.requests,
            rate_limited=stats.rate_limited,
            remaining=None if rate_limit is None else rate_limit.remaining,
            jobs_watched=sum(len(jobs) for jobs in self._watching.values()),
            start_calls=self._start_calls,
            seconds_left=await self._seconds_left(counts),
        )

    async def _seconds_left(self, counts: dict[ItemState, int]) -> float | None:
        """The estimate from this run's pace (None before it started: an earlier run's pace
        says nothing of this one's)."""
        left = counts[ItemState.PLANNED] + counts[ItemState.STARTING] + counts[ItemState.STARTED]
        if self._began is None:
            return 0.0 if left == 0 else None
        began, ended_then = self._began
        drs = (await self._journal.counts("drs_import"))[ItemState.PLANNED]
        pace = self._options.drs_window / self._options.drs_files_per_window
        elapsed = self._clock.monotonic() - began
        return seconds_left(left, _ended(counts) - ended_then, elapsed, drs * pace)

    # --- the steps of a run -------------------------------------------------------------------

    async def _reconcile(self) -> None:
        for kind in KINDS:
            self.reconciled[kind] = await self._settle(kind)

    async def _watch_started(self, watcher: JobWatcher, kind: str | None = None) -> None:
        """Watch every job the journal holds as started (of `kind`, None: any). An item whose
        job id no call could read (a journal edited by hand) is `unsure` instead."""
        unusable = []
        for item in await self._journal.items(ItemState.STARTED, kind=kind):
            if usable_job_id(item.job_id):
                self._watch(watcher, item.kind, item.job_id)
            else:
                unusable.append((item.id, UNUSABLE_ID))
        await self._journal.mark_unsure(unusable)

    def _watch(self, watcher: JobWatcher, kind: str, job_id: str) -> None:
        if job_id not in self._watching[kind]:
            self._watching[kind].add(job_id)
            watcher.add(kind, job_id)

    async def _start_kind(self, kind: str, watcher: JobWatcher) -> None:
        """Start every planned item of `kind`, one call at a time."""
        later = 0
        try:
            while True:
                # Only this task starts items of `kind`: what it reads stays planned.
                items = await self._journal.items(ItemState.PLANNED, kind=kind, limit=CHUNK)
                if not items:
                    break
                # An export or import is a job per item: a chunk waits for room for all of it
                # (or for `jobs_in_flight`), so that jobs ending one by one do not make calls
                # of one item each. The other kinds make one job per call.
                storage = kind in STORAGE_KINDS
                wanted = min(len(items), self._options.jobs_in_flight) if storage else 1
                await self._room(kind, wanted)
                items = items[:wanted] if storage else items
                if kind == "drs_import":
                    await self._drs_pace(len(items))
                # The call spends the client's budget like any other request, and its ticket
                # is taken before the intent is committed: cancelled while it waits, the items
                # are still planned (docs/transfers.md#a-run).
                with await self._client.transport.spend():
                    self._start_calls += 1
                    outcome = await start_chunk(
                        self._client, self._journal, kind, items, self._options.start
                    )
                if kind == "drs_import":
                    self._drs_started.append((self._clock.monotonic(), len(items)))
                for job_id in outcome.jobs:
                    self._watch(watcher, kind, job_id)
                if outcome.unknown:
                    await self._settle(kind)  # before this kind's next start
                    await self._watch_started(watcher, kind)
                later = later + 1 if outcome.later else 0
                if later:
                    await self._clock.sleep(_backoff(later))
        finally:
            self._starting_kinds -= 1
            self._maybe_finish()

    async def _room(self, kind: str, wanted: int) -> None:
        """Wait until `kind` may start `wanted` more jobs."""
        while len(self._watching[kind]) + wanted > self._options.jobs_in_flight:
            self._freed[kind] = anyio.Event()
            await self._freed[kind].wait()

    async def _drs_pace(self, files: int) -> None:
        """Wait until `files` more DRS files may start (docs/transfers.md#pacing)."""
        wait = drs_wait(
            self._drs_started,
            files,
            self._clock.monotonic(),
            per_window=self._options.drs_files_per_window,
            window=self._options.drs_window,
        )
        if wait > 0:
            await self._clock.sleep(wait)

    async def _settle(self, kind: str) -> Reconciled:
        """Reconcile `kind`, as a run begins or in its middle. A read that fails for a while
        (the network, a 5xx, a 429, maintenance) is tried again after a backoff, up to
        SETTLE_TRIES times in a row (a platform never reached, a mistyped URL, must end the
        run, not hold it); one that cannot get better (the token refused, a 403) ends the run
        at once."""
        failures = 0
        while True:
            try:
                return await _reconcile_kind(self._client, self._journal, kind, self._options)
            except CavaticaError as error:
                if classify(error, Scope.LIST) not in TRANSIENT or failures + 1 >= SETTLE_TRIES:
                    raise
                failures += 1
                logger.warning("transfer: reconciling %s items failed (%s); again", kind, error)
                await self._clock.sleep(_backoff(failures))

    async def _follow(self, watcher: JobWatcher) -> None:
        """Record each job's end until nothing is left to start or watch. Ends are gathered
        while the last ones are written, so a write carries as many as came meanwhile: one
        transaction (one sync to disk) for a bulk read's worth of ends, not one per job."""
        with anyio.CancelScope() as scope:
            self._follow_scope = scope
            self._maybe_finish()
            async with anyio.create_task_group() as group:
                group.start_soon(self._record, watcher)
                async for event in watcher:
                    if event.terminal:
                        self._ends.append(event)
                        self._ends_ready.set()

    async def _record(self, watcher: JobWatcher) -> None:
        """Write the gathered ends, with the watcher's snapshot when one is due."""
        last_snapshot = self._clock.monotonic()
        while True:
            await self._ends_ready.wait()
            self._ends_ready = anyio.Event()
            batch, self._ends = self._ends, []
            now = self._clock.monotonic()
            meta = None
            if now - last_snapshot >= self._options.snapshot_every:
                # Taken with the batch in hand: it reports final exactly the jobs whose ends
                # are written with it (or before), so a resumed watch never skips an end the
                # journal lacks.
                meta = {SNAPSHOT_KEY: json.dumps(watcher.snapshot())}
                last_snapshot = now
            await self._write_ends(batch, meta)
            for event in batch:
                kind = event.kind.value
                self._watching[kind].discard(event.job_id)
                self._freed[kind].set()
            self._maybe_finish()

    async def _write_ends(self, batch: list[JobEvent], meta: dict[str, str] | None) -> None:
        held = await self._journal.started_items((e.kind.value, e.job_id) for e in batch)
        ends = []
        unsure: list[tuple[int, str]] = []
        for event in batch:
            items = held.get((event.kind.value, event.job_id), [])
            if event.error is not None or event.job is None:
                note = f"the platform does not know job {event.job_id} any more"
                unsure.extend((item.id, note) for item in items)
            else:
                ends.append((event.kind.value, event.job_id, item_results(event.job, items)))
        await self._journal.record_ends(ends, unsure, meta)

    def _maybe_finish(self) -> None:
        idle = not any(self._watching.values())
        if self._starting_kinds == 0 and idle and self._follow_scope is not None:
            self._follow_scope.cancel()

    async def _save_snapshot(self, watcher: JobWatcher) -> None:
        await self._journal.save_meta(SNAPSHOT_KEY, json.dumps(watcher.snapshot()))


async def _reconcile_kind(
    client: CavaticaClient, journal: Journal, kind: str, options: TransferOptions
) -> Reconciled:
    """Decide the items of `kind` left `starting` (docs/transfers.md#reconciliation)."""
    window = SKEW
    if kind != "drs_import" and (await journal.counts(kind))[ItemState.STARTING]:
        # Jobs are told by when they started: how far behind is the platform's clock?
        window = await reconcile_allowance(client, journal.now)
    if kind in STORAGE_KINDS:
        copy_only = options.start.copy_only
        return await reconcile_storage(client, journal, kind, copy_only=copy_only, allowance=window)
    if kind in ASYNC_KINDS:
        return await reconcile_async(client, journal, kind, allowance=window)
    resolution = options.start.conflict_resolution
    return await reconcile_drs(client, journal, conflict_resolution=resolution)


def _backoff(failures: int) -> float:
    """The wait after `failures` failures in a row: LATER_BACKOFF's low, doubling, capped."""
    low, high = LATER_BACKOFF
    return float(min(high, low * 2 ** (failures - 1)))


def _ended(counts: dict[ItemState, int]) -> int:
    return counts[ItemState.DONE] + counts[ItemState.REFUSED] + counts[ItemState.UNSURE]


def _sole(failure: BaseException) -> BaseException | None:
    """The one exception a task group's failure holds, once cancellations are left out (an
    exception group is known by its `exceptions`: on Python 3.10 it is the backport's class)."""
    leaves: list[BaseException] = []
    pending: list[BaseException] = [failure]
    while pending:
        error = pending.pop()
        inner = getattr(error, "exceptions", None)
        if isinstance(inner, tuple):
            pending.extend(e for e in inner if isinstance(e, BaseException))
        elif not isinstance(error, anyio.get_cancelled_exc_class()):
            leaves.append(error)
    return leaves[0] if len(leaves) == 1 else None

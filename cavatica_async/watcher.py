"""`JobWatcher`: watch many jobs of every kind inside the rate budget, yielding each transition.

One scheduler task and a few pollers share a due-time schedule (no task per job). Exports and
imports are read 100 at a time through bulk get; the other kinds one GET each, or, with
`job_list=True`, copy, move and delete jobs 100 at a time from the job list. Every request
waits for the client-wide rate budget. A poll never retries inside the transport: a failed poll
is simply scheduled again, and a 429 or a maintenance answer pauses all polling.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timezone
from types import TracebackType
from typing import Any, TypeVar

import anyio
import attrs
from anyio.abc import TaskGroup

from cavatica_async._logging import logger
from cavatica_async.bulk import structure_item, unexpected
from cavatica_async.bulk_match import match, resource_id
from cavatica_async.client import CavaticaClient
from cavatica_async.converter import structure
from cavatica_async.errors import (
    ApiError,
    CavaticaError,
    ClientClosedError,
    DecodeError,
    ForbiddenError,
    MaintenanceError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UnauthorizedError,
    bounded_text,
)
from cavatica_async.events import Job, JobEvent, JobKind, State
from cavatica_async.models import (
    ApiErrorInfo,
    AsyncFileJob,
    AsyncJobState,
    BulkItem,
    DrsImportState,
    ExportState,
    ImportState,
)
from cavatica_async.pages import PAGE_LIMIT
from cavatica_async.paths import check_id
from cavatica_async.polling import PollPolicy
from cavatica_async.retry import NO_RETRY
from cavatica_async.schedule import Schedule, Watched

T = TypeVar("T")
BULK_SIZE = 100  # ids per bulk get (the platform's bulk limit)
# What `job_list=True` reads from `GET /async/files`, which lists "all asynchronous bulk jobs you
# have started" 100 a page (https://docs.cavatica.org/docs/get-details-of-all-async-jobs). Its
# order is not documented (newest first is a guess, docs/watcher.md#the-job-list), so a sweep
# looks for a job at most LIST_SLACK pages past where it was last seen (or, never seen, past as
# many places as there are watched jobs), and a due job it did not find is read with its own
# GET from then on.
LISTED = frozenset({JobKind.COPY, JobKind.MOVE, JobKind.DELETE})
LISTED_TYPES = {kind.value.upper(): (kind,) for kind in LISTED}  # a list item's `type`
LIST_SLACK = 2
SNAPSHOT_VERSION = 1
STATES: dict[JobKind, type[State]] = {
    JobKind.EXPORT: ExportState,
    JobKind.IMPORT: ImportState,
    JobKind.DRS_IMPORT: DrsImportState,
    JobKind.COPY: AsyncJobState,
    JobKind.MOVE: AsyncJobState,
    JobKind.DELETE: AsyncJobState,
}


@attrs.define
class WatcherStats:
    """What the watcher has done so far."""

    # Poll requests sent, by kind; a job list page counts under one of the kinds it was read for.
    requests: Counter[JobKind] = attrs.Factory(Counter)
    batches: int = 0  # bulk get requests
    jobs_polled: int = 0  # job observations asked for
    events: int = 0  # events delivered
    failures: int = 0  # polls that failed and were scheduled again
    rate_limited: int = 0  # 429 answers
    pages: int = 0  # job list pages read (job_list=True)
    maintenance: int = 0  # maintenance answers
    budget_wait: float = 0.0  # seconds spent waiting for the rate budget


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
        concurrency: int = 4,
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
        self._keep_open = keep_open
        self._slots = anyio.Semaphore(concurrency)
        self._rng = rng if rng is not None else random.Random()
        self._buffer = buffer
        self._listed = LISTED if job_list else frozenset[JobKind]()
        self._unlisted: set[tuple[JobKind, str]] = set()  # due but missing from a list sweep
        # One list sweep at a time: two would read the same jobs, and an older page could be
        # taken in after a newer one and report a state the job has already left.
        self._sweeping = False
        # Per job: the last state reported, whether it was final, and the generation of the
        # watch (each add() after a remove() starts a new one; events of an older one queued
        # before the remove are dropped, so a job re-added never reports its end twice).
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
        # Kinds read one GET per job; exports and imports go through bulk get instead.
        self._getters: dict[JobKind, Callable[..., Awaitable[Job]]] = {
            JobKind.DRS_IMPORT: client.drs_imports.get,
            JobKind.COPY: client.async_jobs.get_copy,
            JobKind.MOVE: client.async_jobs.get_move,
            JobKind.DELETE: client.async_jobs.get_delete,
        }
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
        kind = JobKind(kind)
        check_id(job_id, f"{kind} job id")
        if self._schedule.get(kind, job_id) is not None or job_id in self._reported[kind]:
            return
        self._generation += 1
        self._reported[kind][job_id] = (None, False, self._generation)
        self._schedule.add(kind, job_id, None, float("-inf"))
        self._wake.set()

    def add_many(self, jobs: Iterable[tuple[JobKind | str, str]]) -> None:
        """Watch many `(kind, id)` pairs."""
        for kind, job_id in jobs:
            self.add(kind, job_id)

    def remove(self, kind: JobKind | str, job_id: str) -> None:
        """Stop watching a job; nothing more is reported about it."""
        kind = JobKind(kind)
        watched = self._schedule.get(kind, job_id)
        if watched is not None:
            self._schedule.remove(watched)
        self._reported[kind].pop(job_id, None)
        self._consumer_wake.set()

    def snapshot(self) -> dict[str, Any]:
        """The last reported state of every job, JSON-ready, for `JobWatcher(resume=...)`."""
        jobs = [
            {"kind": kind.value, "id": job_id, "state": state, "final": final}
            for kind, reported in self._reported.items()
            for job_id, (state, final, _) in reported.items()
        ]
        return {"version": SNAPSHOT_VERSION, "jobs": jobs}

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
        except (UnauthorizedError, ForbiddenError, ClientClosedError) as error:
            self._fail(error)
            return
        except CavaticaError as error:
            logger.info("watcher: could not read the rate limit first (%s)", error)
        while self._fatal is None:
            await self._slots.acquire()  # released by the poll it is given to
            kind, batch = await self._next_batch()
            sweep = kind in self._listed
            if not sweep:  # a list sweep counts each of its requests itself
                self._budget.sent()
            group.start_soon(self._poll, kind, batch, sweep)

    async def _next_batch(self) -> tuple[JobKind, list[Watched]]:
        """Wait until a job is due and the budget allows a request; take its batch."""
        while True:
            now = anyio.current_time()
            upcoming = self._schedule.next_due(self._listed if self._sweeping else frozenset())
            if upcoming is None:
                await self._sleep(None)
                continue
            due, kind = upcoming
            if due > now:
                await self._sleep(due - now)
                continue
            wait = self._budget.wait(self._clock.time())
            if wait > 0:
                await self._sleep(wait)
                self.stats.budget_wait += anyio.current_time() - now
                continue
            if kind in self._listed:
                # A list sweep reads every listed kind's due jobs; jobs not due yet that are
                # on the pages it reads are seen too.
                batch = [
                    watched
                    for listed in self._listed
                    for watched in self._schedule.take(listed, now, len(self._schedule), 0.0)
                ]
                self._sweeping = True
                return kind, batch
            # The most overdue job goes first; jobs of its kind due within the longest
            # interval ride along in the same bulk call for free.
            size = BULK_SIZE if kind.bulk else 1
            batch = self._schedule.take(kind, now, size, self._policy.maximum)
            if batch:
                return kind, batch

    async def _sleep(self, timeout: float | None) -> None:
        with anyio.move_on_after(timeout if timeout is not None else float("inf")):
            await self._wake.wait()
        self._wake = anyio.Event()

    async def _poll(self, kind: JobKind, batch: list[Watched], sweep: bool) -> None:
        self.stats.jobs_polled += len(batch)
        try:
            if sweep:
                await self._poll_listed(batch)
            elif kind.bulk:
                self.stats.batches += 1
                await self._poll_bulk(kind, batch)
            else:
                await self._poll_one(kind, batch[0])
        except Exception as exc:
            # Nothing foreseen reaches here; if something does, the watch goes on and the
            # batch is polled again, rather than the whole watcher dying with it.
            logger.exception("watcher: unexpected error polling %d %s job(s)", len(batch), kind)
            await self._failed([w for w in batch if w.in_flight], unexpected(exc))
        finally:
            self._slots.release()
            self._wake.set()

    async def _counted(self, kind: JobKind, request: Awaitable[T]) -> T:
        """Await one request the budget has counted as sent; count it done however it ends."""
        self.stats.requests[kind] += 1
        try:
            return await request
        finally:
            self._budget.done()

    async def _pace(self) -> bool:
        """Wait until the budget allows one more request and count it sent (False: watch over)."""
        while self._fatal is None:
            wait = self._budget.wait(self._clock.time())
            if wait <= 0:
                self._budget.sent()
                return True
            started = anyio.current_time()
            await anyio.sleep(wait)
            self.stats.budget_wait += anyio.current_time() - started
        return False

    async def _poll_bulk(self, kind: JobKind, batch: list[Watched]) -> None:
        group = self._client.exports if kind is JobKind.EXPORT else self._client.imports
        what = f"POST {group.bulk_path}/get"
        try:
            ids = [w.job_id for w in batch]
            raw = await self._counted(kind, group._bulk_get_raw(ids, retry=NO_RETRY))
        except CavaticaError as error:
            await self._failed(batch, error)
            return
        # Each item goes to the job it names, never by position alone (bulk_match).
        matched = match(ids, raw, resource_id, what)
        for index, (watched, answer) in enumerate(zip(batch, matched, strict=True)):
            if answer is None:
                missing = DecodeError(
                    f"{what}: the answer had no item for this job", permanent=True
                )
                await self._failed([watched], missing)
                continue
            # Most polls find the state unchanged: read it first, structure only a change.
            if watched.state is not None and _raw_state(answer) == watched.state:
                self._unchanged(watched)
                continue
            try:
                item: BulkItem[Any] = structure_item(answer, group.model, f"{what} item {index}")
            except CavaticaError as error:
                await self._failed([watched], error)
                continue
            if item.resource is not None:
                await self._observed(watched, item.resource)
            elif item.error is not None and _is_permanent(item.error.status):
                await self._unknown(watched, item.error)
            else:
                self._schedule.retry(watched, anyio.current_time() + self._backoff(watched))

    async def _poll_one(self, kind: JobKind, watched: Watched) -> None:
        try:
            job = await self._counted(kind, self._getters[kind](watched.job_id, retry=NO_RETRY))
        except NotFoundError as error:
            await self._unknown(watched, _info(error))
        except ApiError as error:
            if _refused(error):
                await self._unknown(watched, _info(error))
            else:
                await self._failed([watched], error)
        except CavaticaError as error:
            await self._failed([watched], error)
        else:
            await self._observed(watched, job)

    async def _poll_listed(self, batch: list[Watched]) -> None:
        """Find the due jobs in the job list, page by page; read those it lacks one GET each."""
        try:
            alone = await self._sweep(batch)
        finally:
            self._sweeping = False
        self._wake.set()  # the next sweep need not wait for the reads below
        for watched in alone:
            if self._schedule.get(watched.kind, watched.job_id) is watched:
                if not await self._pace():
                    return
                await self._poll_one(watched.kind, watched)

    async def _sweep(self, batch: list[Watched]) -> list[Watched]:
        """Read the pages that should hold the batch; what they lacked, to be read alone."""
        wanted = {(w.kind, w.job_id): w for w in batch if (w.kind, w.job_id) not in self._unlisted}
        # Where to look: from where a job was last seen (newer jobs only push it further on),
        # or from the start for one never seen, up to LIST_SLACK pages past where it should be.
        unseen = sum(self._schedule.count(kind) for kind in LISTED)
        slack = LIST_SLACK * PAGE_LIMIT
        span = {
            key: (0, unseen + slack) if w.listed_at is None else (w.listed_at, w.listed_at + slack)
            for key, w in wanted.items()
        }
        offset = 0
        while wanted:
            reachable = [
                max(first, offset)
                for first, stop in (span[key] for key in wanted)
                if max(first, offset) < stop
            ]
            if not reachable or not await self._pace():
                break
            offset = min(reachable)
            self.stats.pages += 1
            try:
                items, more = await self._counted(
                    batch[0].kind, self._client.async_jobs._list_page_raw(offset, retry=NO_RETRY)
                )
            except CavaticaError as error:
                await self._list_failed([w for w in batch if w.in_flight], error)
                return []
            for index, item in enumerate(items):
                await self._listed_item(item, offset + index, wanted)
            if not items or not more:
                break
            offset += len(items)
        if wanted and self._fatal is None:
            logger.info("watcher: %d job(s) not in the job list, read one by one", len(wanted))
            self._unlisted.update(wanted)
        return [w for w in batch if w.in_flight]

    async def _listed_item(
        self, item: Any, index: int, wanted: dict[tuple[JobKind, str], Watched]
    ) -> None:
        """Take in one job of the list if it is watched (and not being read by another poll)."""
        watched = self._watched_listed(item)
        if watched is None:
            return
        if wanted.pop((watched.kind, watched.job_id), None) is None and watched.in_flight:
            return  # being read by a poll of its own (a job the list once lacked)
        watched.listed_at = index
        if watched.state is not None and item.get("state") == watched.state:
            self._unchanged(watched)
            return
        what = f"GET /async/files item {index} (id {watched.job_id!r})"
        try:
            job = structure(item, AsyncFileJob, what=what)
        except CavaticaError as error:
            await self._failed([watched], error)
            return
        await self._observed(watched, job)

    def _watched_listed(self, item: Any) -> Watched | None:
        """The watched copy, move or delete job a list item is, if any."""
        job_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(job_id, str):
            return None
        named = item.get("type")
        kinds = LISTED_TYPES.get(named, LISTED) if isinstance(named, str) else LISTED
        for kind in kinds:
            watched = self._schedule.get(kind, job_id)
            if watched is not None:
                return watched
        return None

    async def _list_failed(self, batch: list[Watched], error: CavaticaError) -> None:
        """A list page failed: refused outright, stop listing; else as any failed poll."""
        if not (isinstance(error, ApiError) and _refused(error)):
            await self._failed(batch, error)
            return
        logger.warning("watcher: the job list was refused (%s); reading jobs one by one", error)
        self._listed = frozenset()
        now = anyio.current_time()
        for watched in batch:
            if self._schedule.get(watched.kind, watched.job_id) is watched:
                self._schedule.retry(watched, now)

    # --- outcomes -----------------------------------------------------------------------------

    async def _observed(self, watched: Watched, job: Job) -> None:
        if self._schedule.get(watched.kind, watched.job_id) is not watched:
            return  # removed while being polled
        state, previous = job.state, watched.state
        changed = self._schedule.observed(watched, state, anyio.current_time())
        if changed:
            await self._emit(
                JobEvent(watched.kind, watched.job_id, previous, state, job, self._now())
            )
            if self._schedule.get(watched.kind, watched.job_id) is not watched:
                return  # removed (and maybe added again) while the event waited for room
        if state.is_terminal:
            self._schedule.remove(watched)
            self._consumer_wake.set()
        else:
            self._schedule.polled(watched, anyio.current_time(), changed, self._rng.random())

    def _unchanged(self, watched: Watched) -> None:
        if self._schedule.get(watched.kind, watched.job_id) is watched:  # not removed meanwhile
            self._schedule.polled(watched, anyio.current_time(), False, self._rng.random())

    async def _unknown(self, watched: Watched, error: ApiErrorInfo) -> None:
        if self._schedule.get(watched.kind, watched.job_id) is not watched:
            return
        event = JobEvent(
            watched.kind, watched.job_id, watched.state, None, None, self._now(), error
        )
        await self._emit(event)
        self._schedule.remove(watched)
        self._consumer_wake.set()

    async def _failed(self, batch: list[Watched], error: CavaticaError) -> None:
        if isinstance(error, (UnauthorizedError, ForbiddenError, ClientClosedError)):
            self._fail(error)
            return
        if not batch:
            return
        if isinstance(error, DecodeError) and error.permanent:
            # JSON that cannot be taken as these jobs' states (a state that is a number, another
            # job's id): after a few in a row, say so once instead of polling forever. A body
            # that is not JSON at all is a broken answer, waited out like a 5xx.
            batch = await self._count_bad_answers(batch, error)
            if not batch:
                return
        wall = self._clock.time()
        if isinstance(error, RateLimitError):
            self.stats.rate_limited += 1
            until = error.retry_at.timestamp() if error.retry_at else wall + self._policy.initial
            self._budget.pause(until + self._rng.random(), wall)
        elif isinstance(error, MaintenanceError):
            # Everyone waits; one poll after the pause probes whether maintenance is over.
            self.stats.maintenance += 1
            self._budget.pause(wall + self._backoff(max(batch, key=lambda w: w.failures)), wall)
        elif (
            isinstance(error, ApiError)
            and not isinstance(error, ServerError)
            and error.status != 408
        ):
            self._fail(error)  # a whole bulk call refused: nothing later would go better
            return
        self.stats.failures += 1
        logger.info(
            "watcher: %d %s job(s) polled again later: %s", len(batch), batch[0].kind, error
        )
        now = anyio.current_time()
        resume_at = now + max(0.0, self._budget.paused_until - wall)
        for watched in batch:
            if self._schedule.get(watched.kind, watched.job_id) is watched:
                self._schedule.retry(watched, max(resume_at, now + self._backoff(watched)))

    async def _count_bad_answers(self, batch: list[Watched], error: DecodeError) -> list[Watched]:
        """Count one more unreadable answer for each job; report those at the limit; the rest."""
        left = []
        for watched in batch:
            watched.bad_answers += 1
            if watched.bad_answers < self._policy.max_bad_answers:
                left.append(watched)
                continue
            message = f"{watched.bad_answers} answers in a row could not be read: {error}"
            await self._unknown(watched, ApiErrorInfo(message=bounded_text(message)))
        return left

    def _backoff(self, watched: Watched) -> float:
        return self._policy.retry_delay(watched.failures, self._rng.random())

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

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), tz=timezone.utc)

    def _resume(self, snapshot: Mapping[str, Any]) -> None:
        if snapshot.get("version") != SNAPSHOT_VERSION or not isinstance(
            snapshot.get("jobs"), list
        ):
            raise ValueError(f"not a JobWatcher snapshot (version {SNAPSHOT_VERSION} expected)")
        for number, entry in enumerate(snapshot["jobs"]):
            try:
                kind, job_id = JobKind(entry["kind"]), check_id(entry["id"], "snapshot job id")
                state, final = entry.get("state"), bool(entry.get("final"))
                known = STATES[kind](state) if state is not None else None
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise ValueError(f"snapshot job {number} is not a watched job: {exc}") from None
            self._generation += 1
            self._reported[kind][job_id] = (state, final, self._generation)
            if not final:
                self._schedule.add(kind, job_id, known, float("-inf"))


def _raw_state(answer: Any) -> Any:
    """The `resource.state` of a bulk answer item as sent, or None."""
    resource = answer.get("resource") if isinstance(answer, dict) else None
    return resource.get("state") if isinstance(resource, dict) else None


def _is_permanent(status: int | None) -> bool:
    # 4xx other than 408 (timeout) and 429 (rate limit) will not go better by asking again.
    return status is not None and 400 <= status < 500 and status not in (408, 429)


def _refused(error: ApiError) -> bool:
    # A permanent answer about what was asked; 401 and 403 are about the token and end the watch.
    return _is_permanent(error.status) and error.status not in (401, 403)


def _info(error: ApiError) -> ApiErrorInfo:
    return ApiErrorInfo(
        status=error.status, code=error.code, message=error.message, more_info=error.more_info
    )

"""What the watcher makes of each poll: the job's next poll, and the event it reports.

A poll either saw the job (changed or not), learned the platform does not know it, or failed;
`Outcomes` turns each into schedule updates and events, following docs/watcher.md#failures.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from cavatica_async._logging import logger
from cavatica_async.budget import RateBudget
from cavatica_async.clock import Clock
from cavatica_async.errors import CavaticaError, RateLimitError, bounded_text, error_info
from cavatica_async.events import Job, JobEvent
from cavatica_async.failures import Scope, Verdict, classify
from cavatica_async.models import ApiErrorInfo
from cavatica_async.polling import PollPolicy
from cavatica_async.schedule import Schedule, Watched
from cavatica_async.stats import WatcherStats


class Outcomes:
    """Turns what polls saw into the schedule's next polls and the watcher's events."""

    def __init__(
        self,
        schedule: Schedule,
        *,
        policy: PollPolicy,
        budget: RateBudget,
        clock: Clock,
        rng: random.Random,
        stats: WatcherStats,
        emit: Callable[[JobEvent], Awaitable[None]],
        fail: Callable[[CavaticaError], None],
        refuse_list: Callable[[], None],
        ended: Callable[[], None],
    ) -> None:
        self._schedule = schedule
        self._policy = policy
        self._budget = budget
        self._clock = clock
        self._rng = rng
        self._stats = stats
        self._emit = emit
        self._fail = fail
        self._refuse_list = refuse_list
        self._ended = ended  # a job's watch ended: the iteration may be over
        self._stamped = (float("nan"), datetime.fromtimestamp(0, tz=timezone.utc))

    def watching(self, watched: Watched) -> bool:
        """Whether this very watch of the job is still on (not removed, nor added anew)."""
        return self._schedule.get(watched.kind, watched.job_id) is watched

    async def observed(self, watched: Watched, job: Job, now: float | None = None) -> None:
        """A poll saw the job in `job.state` at `now` (default: the clock's time): report a
        change, then schedule or end it."""
        if not self.watching(watched):
            return  # removed while being polled
        now = self._clock.monotonic() if now is None else now
        state, previous = job.state, watched.state
        changed = self._schedule.observed(watched, state, now)
        if changed:
            await self._emit(
                JobEvent(watched.kind, watched.job_id, previous, state, job, self.stamp(now))
            )
            if not self.watching(watched):
                return  # removed (and maybe added again) while the event waited for room
        if state.is_terminal:
            self._schedule.remove(watched, now)
            self._ended()
        else:
            self._schedule.polled(watched, now, changed, self._rng.random())

    def unchanged(self, watched: Watched, now: float | None = None) -> None:
        """A poll saw the job in the state it was in at `now`: poll it again later."""
        if self.watching(watched):
            now = self._clock.monotonic() if now is None else now
            self._schedule.polled(watched, now, False, self._rng.random())

    async def unknown(self, watched: Watched, error: ApiErrorInfo) -> None:
        """The platform does not know the job (or its answers cannot be read): report it once."""
        if not self.watching(watched):
            return
        event = JobEvent(watched.kind, watched.job_id, watched.state, None, None, self.now(), error)
        await self._emit(event)
        self._schedule.remove(watched, self._clock.monotonic())
        self._ended()

    async def failed(self, batch: list[Watched], error: CavaticaError, scope: Scope) -> None:
        """A poll of `batch` failed: end the watch, pause, report, or poll again later."""
        verdict = classify(error, scope)
        if verdict is Verdict.FATAL:
            self._fail(error)
            return
        if verdict is Verdict.LIST_REFUSED:
            logger.warning("watcher: the job list was refused (%s); reading jobs one by one", error)
            self._refuse_list()
            self._retry(batch, self._clock.monotonic())
            return
        if verdict is Verdict.UNKNOWN_JOB:
            for watched in batch:
                await self.unknown(watched, error_info(error))
            return
        if verdict is Verdict.BAD_ANSWER:
            batch = await self._count_bad_answers(batch, error)
        now = self._clock.monotonic()
        if verdict is Verdict.RATE_LIMITED:
            self._stats.rate_limited += 1
            retry_at = error.retry_at if isinstance(error, RateLimitError) else None
            # The reset is wall time: converted to the clock's monotonic time here, once.
            wait = retry_at.timestamp() - self._clock.time() if retry_at else self._policy.initial
            self._budget.pause(now + wait + self._rng.random(), now)
        elif verdict is Verdict.MAINTENANCE and batch:
            # Everyone waits; one poll after the pause probes whether maintenance is over.
            self._stats.maintenance += 1
            self._budget.pause(now + self.backoff(max(batch, key=lambda w: w.failures)), now)
        if not batch:
            return
        self._stats.failures += 1
        logger.info(
            "watcher: %d %s job(s) polled again later: %s", len(batch), batch[0].kind, error
        )
        self._retry(batch, max(now, self._budget.paused_until), backoff=True)

    def backoff(self, watched: Watched) -> float:
        """How long a job waits after its failed polls in a row."""
        return self._policy.retry_delay(watched.failures, self._rng.random())

    def now(self) -> datetime:
        """The time an event is stamped with."""
        return datetime.fromtimestamp(self._clock.time(), tz=timezone.utc)

    def stamp(self, at: float) -> datetime:
        """The time an event seen at monotonic `at` is stamped with: the events of one answer
        share one stamp (a bulk answer's hundred changes need not read the wall clock 100 times)."""
        if at != self._stamped[0]:
            self._stamped = (at, self.now())
        return self._stamped[1]

    def _retry(self, batch: list[Watched], at: float, *, backoff: bool = False) -> None:
        now = self._clock.monotonic()
        for watched in batch:
            if self.watching(watched):
                later = max(at, now + self.backoff(watched)) if backoff else at
                self._schedule.retry(watched, later)

    async def _count_bad_answers(self, batch: list[Watched], error: CavaticaError) -> list[Watched]:
        """Count one more unreadable answer for each job; report those at the limit; the rest.

        JSON that can never be taken as these jobs' states: after a few in a row, the job is
        reported once instead of polled forever.
        """
        left = []
        for watched in batch:
            watched.bad_answers += 1
            if watched.bad_answers < self._policy.max_bad_answers:
                left.append(watched)
                continue
            message = f"{watched.bad_answers} answers in a row could not be read: {error}"
            await self.unknown(watched, ApiErrorInfo(message=bounded_text(message)))
        return left

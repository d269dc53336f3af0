"""The watcher's reads: one bulk get of up to 100 jobs, or one job's GET, inside the budget.

Every request goes out under a `Spending` ticket of the client-wide budget, so it is counted
done exactly once however it ends; none is retried inside the transport (a failed poll is
simply scheduled again, docs/watcher.md#the-schedule).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from cavatica_async.budget import RateBudget, Spending
from cavatica_async.client import CavaticaClient
from cavatica_async.clock import Clock
from cavatica_async.errors import CavaticaError
from cavatica_async.events import JobKind
from cavatica_async.failures import Scope, Verdict, classify_item
from cavatica_async.outcomes import Outcomes
from cavatica_async.retry import NO_RETRY
from cavatica_async.schedule import Watched
from cavatica_async.stats import WatcherStats

T = TypeVar("T")


class Reader:
    """Reads due jobs for a watcher and hands what it saw to `Outcomes`."""

    def __init__(
        self,
        client: CavaticaClient,
        outcomes: Outcomes,
        *,
        budget: RateBudget,
        clock: Clock,
        stats: WatcherStats,
        over: Callable[[], bool],
    ) -> None:
        self._client = client
        self._outcomes = outcomes
        self._budget = budget
        self._clock = clock
        self._stats = stats
        self._over = over  # whether the watch has ended (a fatal error)

    async def counted(self, kind: JobKind, ticket: Spending, request: Awaitable[T]) -> T:
        """Await one request the budget counted as sent; the ticket ends it however it ends."""
        self._stats.requests[kind] += 1
        with ticket:
            return await request

    async def pace(self) -> Spending | None:
        """Wait until the budget allows one more request and take it (None: the watch is over)."""
        while not self._over():
            started = self._clock.monotonic()
            wait = self._budget.wait(started)
            if wait <= 0:
                return self._budget.take()
            await self._clock.sleep(wait)
            self._stats.budget_wait += self._clock.monotonic() - started
        return None

    async def bulk(self, kind: JobKind, batch: list[Watched], ticket: Spending) -> None:
        """Read up to 100 exports or imports in one bulk get; structure only what changed."""
        self._stats.batches += 1
        outcomes = self._outcomes
        ids = [watched.job_id for watched in batch]
        try:
            reads = await self.counted(
                kind, ticket, self._client.jobs.bulk_read(kind, ids, retry=NO_RETRY)
            )
        except CavaticaError as error:
            await outcomes.failed(batch, error, Scope.BATCH)
            return
        now = self._clock.monotonic()  # one answer, one time for all its jobs
        for watched, read in zip(batch, reads, strict=True):
            # Most polls find the state unchanged: read it first, structure only a change.
            if watched.state is not None and read.raw is not None and read.state == watched.state:
                outcomes.unchanged(watched, now)
                continue
            try:
                item = read.parse()
            except CavaticaError as error:
                await outcomes.failed([watched], error, Scope.JOB)
                continue
            if item.resource is not None:
                await outcomes.observed(watched, item.resource, now)
            elif item.error is not None and classify_item(item.error) is Verdict.UNKNOWN_JOB:
                await outcomes.unknown(watched, item.error)
            elif item.error is not None:
                await outcomes.failed([watched], _ItemError(item.error.message), Scope.JOB)

    async def one(self, watched: Watched, ticket: Spending) -> None:
        """Read one job with its own GET."""
        try:
            job = await self.counted(
                watched.kind,
                ticket,
                self._client.jobs.get(watched.kind, watched.job_id, retry=NO_RETRY),
            )
        except CavaticaError as error:
            await self._outcomes.failed([watched], error, Scope.JOB)
        else:
            await self._outcomes.observed(watched, job)


class _ItemError(CavaticaError):
    """A bulk item's error that asking again may cure (a 5xx for that one job, say)."""

    def __init__(self, message: str | None) -> None:
        super().__init__(message or "the bulk answer's item for this job is an error")

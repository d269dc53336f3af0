"""Reading copy, move and delete jobs from the job list, 100 a page (`JobWatcher(job_list=True)`).

The list's order is not documented (newest first is a guess, docs/watcher.md#the-job-list), so a
sweep looks for each job from where the list last showed it, at most LIST_SLACK pages further
(one never seen: among the first places, as many as jobs are watched, plus the slack), and a due
job it did not find is read with its own GET from then on. Only one sweep runs at a time: two
would read the same jobs, and an older page could be taken after a newer one and report a state
the job has already left.
"""

from __future__ import annotations

from collections.abc import Callable

from cavatica_async._logging import logger
from cavatica_async.client import CavaticaClient
from cavatica_async.endpoints.jobs import ListedJob
from cavatica_async.errors import CavaticaError
from cavatica_async.events import JobKind
from cavatica_async.failures import Scope
from cavatica_async.kinds import BULK_LIMIT, KINDS, LISTED
from cavatica_async.outcomes import Outcomes
from cavatica_async.reads import Reader
from cavatica_async.retry import NO_RETRY
from cavatica_async.schedule import Schedule, Watched
from cavatica_async.stats import WatcherStats

LIST_SLACK = 2  # pages past where a job should be before it counts as not listed
LISTED_TYPES = {KINDS[kind].list_type: (kind,) for kind in LISTED}  # a list item's `type`
Key = tuple[JobKind, str]


class ListSweep:
    """Sweeps of the job list for one watcher, and the jobs the list did not show."""

    def __init__(
        self,
        client: CavaticaClient,
        schedule: Schedule,
        reader: Reader,
        outcomes: Outcomes,
        *,
        stats: WatcherStats,
        woken: Callable[[], None],
    ) -> None:
        self._client = client
        self._schedule = schedule
        self._reader = reader
        self._outcomes = outcomes
        self._stats = stats
        self._woken = woken  # the scheduler may start the next sweep
        self.running = False
        self._unlisted: set[Key] = set()  # due but missing from a sweep: read alone

    async def poll(self, batch: list[Watched]) -> None:
        """Find the due jobs in the job list, page by page; read those it lacks one GET each."""
        try:
            alone = await self._sweep(batch)
        finally:
            self.running = False
        self._woken()  # the next sweep need not wait for the reads below
        for watched in alone:
            if self._outcomes.watching(watched):
                ticket = await self._reader.pace()
                if ticket is None:
                    return
                await self._reader.one(watched, ticket)

    async def _sweep(self, batch: list[Watched]) -> list[Watched]:
        """Read the pages that should hold the batch; what they lacked, to be read alone."""
        wanted = {(w.kind, w.job_id): w for w in batch if (w.kind, w.job_id) not in self._unlisted}
        # Where to look: from where a job was last seen (newer jobs only push it further on),
        # or from the start for one never seen, up to LIST_SLACK pages past where it should be.
        unseen = sum(self._schedule.count(kind) for kind in LISTED)
        slack = LIST_SLACK * BULK_LIMIT
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
            if not reachable:
                break
            ticket = await self._reader.pace()
            if ticket is None:
                return []
            offset = min(reachable)
            self._stats.pages += 1
            try:
                page = await self._reader.counted(
                    batch[0].kind, ticket, self._client.jobs.list_page(offset, retry=NO_RETRY)
                )
            except CavaticaError as error:
                await self._outcomes.failed([w for w in batch if w.in_flight], error, Scope.LIST)
                return []
            for index, job in enumerate(page.jobs):
                await self._take(job, offset + index, wanted)
            if not page.jobs or not page.more:
                break
            offset += len(page.jobs)
        if wanted:
            logger.info("watcher: %d job(s) not in the job list, read one by one", len(wanted))
            self._unlisted.update(wanted)
        return [w for w in batch if w.in_flight]

    async def _take(self, job: ListedJob, index: int, wanted: dict[Key, Watched]) -> None:
        """Take in one job of the list if it is watched (and not being read by another poll)."""
        watched = self._watched(job)
        if watched is None:
            return
        if wanted.pop((watched.kind, watched.job_id), None) is None and watched.in_flight:
            return  # being read by a poll of its own (a job the list once lacked)
        watched.listed_at = index
        if watched.state is not None and job.state == watched.state:
            self._outcomes.unchanged(watched)
            return
        try:
            parsed = job.parse()
        except CavaticaError as error:
            await self._outcomes.failed([watched], error, Scope.JOB)
            return
        await self._outcomes.observed(watched, parsed)

    def _watched(self, job: ListedJob) -> Watched | None:
        """The watched copy, move or delete job a list item is, if any."""
        job_id = job.job_id
        if job_id is None:
            return None
        kinds = LISTED_TYPES.get(job.type, LISTED) if job.type is not None else LISTED
        for kind in kinds:
            watched = self._schedule.get(kind, job_id)
            if watched is not None:
                return watched
        return None

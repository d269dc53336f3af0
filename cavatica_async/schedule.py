"""Which watched job to poll next: per-kind heaps of due times, queues of last polls; no tasks."""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Iterator

import attrs

from cavatica_async.events import JobKind, State
from cavatica_async.kinds import per_request
from cavatica_async.polling import PollPolicy
from cavatica_async.slack import Lives, Load, round_cost

# After a change the first poll waits half the new state's short dwells (the lower quartile of
# the last 64 seen of that kind and state, once 8 are known) when that is longer than the
# policy's first interval: re-asking 2 s into a state that lasts minutes spends a request that
# almost never sees a change, and in a bulk get it brings the next request forward for all 100.
DWELL_KEPT = 64
DWELL_KNOWN = 8
DWELL_SHARE = 0.5


@attrs.define(slots=True)
class Watched:
    """One job being watched; a few hundred bytes, so 100k of them fit in tens of MB."""

    kind: JobKind
    job_id: str
    state: State | None = None
    since: float | None = None  # when `state` was first seen
    interval: float | None = None  # un-jittered poll interval, grown while nothing changes
    due: float = 0.0
    seq: int = 0  # which heap entry is current; older entries are skipped
    failures: int = 0  # consecutive failed polls
    bad_answers: int = 0  # consecutive answers about this job that could not be read
    in_flight: bool = False
    listed_at: int | None = None  # where the job list last showed it (JobWatcher(job_list=True))
    in_state_at: float = 0.0  # when `lives` counted it into its state
    polled_at: float = float("-inf")  # the last poll that saw it (never: -inf; failed: NaN)
    queued: int = 0  # its places in the kind's LastPolls


class Dwell:
    """How long jobs stay in each (kind, state): the times between the transitions seen."""

    def __init__(self) -> None:
        self._seen: dict[tuple[JobKind, State], deque[float]] = {}

    def record(self, kind: JobKind, state: State, seconds: float) -> None:
        """One job left `state` after `seconds` (as far as polling could tell)."""
        key = (kind, state)
        if key not in self._seen:
            self._seen[key] = deque(maxlen=DWELL_KEPT)
        self._seen[key].append(seconds)

    def short(self, kind: JobKind, state: State) -> float | None:
        """The lower quartile of the dwells seen, or None while too few are known."""
        seen = self._seen.get((kind, state))
        if seen is None or len(seen) < DWELL_KNOWN:
            return None
        return sorted(seen)[len(seen) // 4]


class Schedule:
    """Due times of watched jobs: `next_due` is the most overdue; `take` fills a batch.

    A queue per kind (`LastPolls`) orders the jobs by their last poll, for polls that spend the
    budget's slack (`next_behind`, `take_behind`): the job unseen the longest goes first.
    """

    def __init__(self, policy: PollPolicy) -> None:
        self.policy = policy
        self._jobs: dict[JobKind, dict[str, Watched]] = {kind: {} for kind in JobKind}
        self._heaps: dict[JobKind, list[tuple[float, int, str]]] = {kind: [] for kind in JobKind}
        self._behind = {kind: LastPolls() for kind in JobKind}
        self._seq = 0
        self.dwell = Dwell()
        self.lives = Lives()

    def __len__(self) -> int:
        return sum(len(jobs) for jobs in self._jobs.values())

    def __iter__(self) -> Iterator[Watched]:
        for jobs in self._jobs.values():
            yield from jobs.values()

    def count(self, kind: JobKind) -> int:
        """How many jobs of `kind` are watched."""
        return len(self._jobs[kind])

    def get(self, kind: JobKind, job_id: str) -> Watched | None:
        """The watched job, if it is watched."""
        return self._jobs[kind].get(job_id)

    def add(
        self, kind: JobKind, job_id: str, state: State | None, now: float, due: float | None = None
    ) -> Watched:
        """Watch a job from `now`, due at `due` (default: then); its first poll tells its state."""
        watched = Watched(kind, job_id, state, in_state_at=now)
        self._jobs[kind][job_id] = watched
        self._push(watched, now if due is None else due)
        self._behind[kind].new(watched)
        if state is not None and not state.is_terminal:
            self.lives.entered(kind, state, now)
        return watched

    def remove(self, watched: Watched, now: float) -> None:
        """Stop watching; its heap entries go stale and are skipped.

        Only this very watch ends: the job may have been removed and added again meanwhile.
        """
        jobs = self._jobs[watched.kind]
        if jobs.get(watched.job_id) is watched:
            del jobs[watched.job_id]
            state = watched.state
            if state is not None and not state.is_terminal:
                self.lives.exited(watched.kind, state, watched.in_state_at, now, left=False)

    def loads(self, now: float, left: float, skip: frozenset[JobKind] = frozenset()) -> list[Load]:
        """Each kind's round cost and expected remaining life (the slack's inputs), but `skip`,
        `left` seconds before the window resets."""
        return [
            Load(
                round_cost(len(jobs), per_request(kind)),
                self.lives.groups(kind, len(jobs), now, left),
            )
            for kind, jobs in self._jobs.items()
            if kind not in skip and jobs
        ]

    def next_due(self, skip: frozenset[JobKind] = frozenset()) -> tuple[float, JobKind] | None:
        """The earliest due time over all kinds but `skip`, and its kind."""
        return self._earliest(self._top, skip)

    def next_behind(
        self,
        skip: frozenset[JobKind] = frozenset(),
        due: Callable[[JobKind, float], float] | None = None,
    ) -> tuple[float, JobKind] | None:
        """The oldest last poll over all kinds but `skip` (-inf: never polled), and its kind;
        or, given `due` (a kind and its oldest last poll: when to poll it), the earliest due."""
        if due is None:
            return self._earliest(self._oldest, skip)

        def when(kind: JobKind) -> float | None:
            oldest = self._oldest(kind)
            return None if oldest is None else due(kind, oldest)

        return self._earliest(when, skip)

    def _earliest(
        self, top: Callable[[JobKind], float | None], skip: frozenset[JobKind]
    ) -> tuple[float, JobKind] | None:
        best: tuple[float, JobKind] | None = None
        for kind in JobKind:
            if kind in skip:
                continue
            at = top(kind)
            if at is not None and (best is None or at < best[0]):
                best = (at, kind)
        return best

    def defer(self, until: float, cadence: float, skip: frozenset[JobKind] = frozenset()) -> None:
        """Push the interval policy's polls due by `until` but sooner than the job's last poll
        plus `cadence` back to then, in every kind but `skip`: while the slack polls every job
        that often, a poll of its own would read a job a round reads anyway. Jobs never polled,
        or whose last poll failed, keep their due times (the slack does not take them).

        Only polls due by `until` (the planner's next poll), as they come due: a cadence that
        grows a little at every look would otherwise push back every job's poll at every look.
        """
        for kind in JobKind:
            if kind in skip:
                continue
            heap, jobs = self._heaps[kind], self._jobs[kind]
            while (due := self._top(kind)) is not None and due <= until:
                watched = jobs[heap[0][2]]
                at = watched.polled_at + cadence
                if not (math.isfinite(at) and due < at):
                    break
                self._push(watched, at)  # its entry at the top goes stale

    def take_behind(self, kind: JobKind, before: float, limit: int) -> list[Watched]:
        """Up to `limit` jobs of `kind` last polled at `before` or earlier, oldest first."""
        order, jobs, batch = self._behind[kind], self._jobs[kind], list[Watched]()
        while len(batch) < limit:
            first = order.first(jobs)
            if first is None or first.polled_at > before:
                break
            order.take().in_flight = True
            batch.append(first)
        return batch

    def take(self, kind: JobKind, now: float, limit: int, horizon: float) -> list[Watched]:
        """Up to `limit` jobs of `kind`: those due, then those due within `horizon` riding along."""
        heap, batch = self._heaps[kind], list[Watched]()
        while len(batch) < limit:
            top = self._top(kind)
            if top is None or top > now + horizon:
                break
            _, _, job_id = heapq.heappop(heap)
            watched = self._jobs[kind][job_id]
            watched.in_flight = True
            batch.append(watched)
        return batch

    def observed(self, watched: Watched, state: State, now: float) -> bool:
        """Take in the state a poll saw; True if it changed (the old state's dwell is kept)."""
        if watched.state == state:
            return False  # counted as time in the state by `polled`
        self._seen(watched, now, left=True)
        if watched.state is not None and watched.since is not None:
            self.dwell.record(watched.kind, watched.state, now - watched.since)
        if watched.state is not None and not watched.state.is_terminal:
            self.lives.exited(watched.kind, watched.state, watched.in_state_at, now, left=True)
        if not state.is_terminal:
            self.lives.entered(watched.kind, state, now)
            watched.in_state_at = now
        watched.state, watched.since = state, now
        return True

    def polled(self, watched: Watched, now: float, changed: bool, rand: float) -> None:
        """Schedule the next poll after a successful one: reset on change, else grow."""
        watched.in_flight, watched.failures, watched.bad_answers = False, 0, 0
        if not changed:
            self._seen(watched, now, left=False)
        interval = self.policy.grow(watched.interval, changed)
        state = watched.state
        short = self.dwell.short(watched.kind, state) if changed and state is not None else None
        if short is not None:
            interval = min(self.policy.maximum, max(interval, DWELL_SHARE * short))
        watched.interval = interval
        watched.polled_at = now
        self._push(watched, now + self.policy.spread(interval, rand))
        self._behind[watched.kind].seen(watched, self._jobs[watched.kind])

    def _seen(self, watched: Watched, now: float, *, left: bool) -> None:
        """What this poll shows of the stay the last one saw (none after a failed poll, whose
        time is not known to have been spent in the state)."""
        state, previous = watched.state, watched.polled_at
        if state is not None and not state.is_terminal and math.isfinite(previous):
            self.lives.seen(watched.kind, state, watched.in_state_at, previous, now, left=left)

    def retry(self, watched: Watched, at: float) -> None:
        """Schedule the next poll after a failed one (not the slack's: it waits for `at`)."""
        watched.in_flight = False
        watched.polled_at = math.nan
        watched.failures += 1
        self._push(watched, at)

    def _push(self, watched: Watched, due: float) -> None:
        self._seq += 1
        watched.due, watched.seq = due, self._seq
        heapq.heappush(self._heaps[watched.kind], (due, self._seq, watched.job_id))

    def _top(self, kind: JobKind) -> float | None:
        heap, jobs = self._heaps[kind], self._jobs[kind]
        while heap:
            due, seq, job_id = heap[0]
            watched = jobs.get(job_id)
            if watched is not None and watched.seq == seq and not watched.in_flight:
                return due
            heapq.heappop(heap)  # stale: removed, rescheduled or in flight
        return None

    def _oldest(self, kind: JobKind) -> float | None:
        first = self._behind[kind].first(self._jobs[kind])
        return None if first is None else first.polled_at


class LastPolls:
    """One kind's watched jobs in the order their last polls saw them, for the slack's polls.

    A deque of references, appended as polls end (in time order), so it holds about one pointer
    per job rather than a heap entry. A job polled again leaves its older place stale: a place
    counts only if it is the job's last (`Watched.queued == 1`), the job is still watched, not in
    flight, and its last poll did not fail. Stale places leave from the front, or all at once
    when they outnumber the jobs.
    """

    def __init__(self) -> None:
        self._new: deque[Watched] = deque()  # never polled, in the order added
        self._queue: deque[Watched] = deque()  # polled, in the order their polls ended

    def new(self, watched: Watched) -> None:
        """A job never polled: before every polled one (its `polled_at` is -inf)."""
        self._new.append(watched)
        watched.queued += 1

    def seen(self, watched: Watched, jobs: dict[str, Watched]) -> None:
        """A poll saw `watched` just now."""
        self._queue.append(watched)
        watched.queued += 1
        if len(self._queue) + len(self._new) > 2 * len(jobs) + 64:
            self._queue = _compact(self._queue, jobs, polled=True)  # first: last places here
            self._new = _compact(self._new, jobs, polled=False)

    def first(self, jobs: dict[str, Watched]) -> Watched | None:
        """The job unseen the longest (dropping stale places from the front), or None."""
        for queue in (self._new, self._queue):
            while queue:
                watched = queue[0]
                if watched.queued == 1 and _current(watched, jobs):
                    return watched
                queue.popleft()
                watched.queued -= 1
        return None

    def take(self) -> Watched:
        """Remove the first job (right after `first` found it)."""
        watched = (self._new or self._queue).popleft()
        watched.queued -= 1
        return watched


def _compact(queue: deque[Watched], jobs: dict[str, Watched], *, polled: bool) -> deque[Watched]:
    """`queue` with each job's last place only, if it still counts (in the queue of jobs never
    polled, only those still never polled)."""
    kept: list[Watched] = []
    for watched in reversed(queue):
        if watched.queued > 0 and (polled or watched.polled_at == -math.inf):
            watched.queued = 0
            if _current(watched, jobs):
                kept.append(watched)
    for watched in kept:
        watched.queued = 1
    return deque(reversed(kept))


def _current(watched: Watched, jobs: dict[str, Watched]) -> bool:
    """Whether a job counts for the slack: still this watch, not in flight, last poll not failed."""
    at = watched.polled_at
    return not watched.in_flight and at == at and jobs.get(watched.job_id) is watched

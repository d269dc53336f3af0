"""Which poll a watcher sends next, and when: the interval policy's due jobs, or the slack's.

No I/O and no clock of its own: the watcher gives the time, sleeps and sends
(docs/watcher.md#the-schedule, docs/watcher.md#spending-the-slack).
"""

from __future__ import annotations

import math

import attrs

from cavatica_async.budget import RateBudget
from cavatica_async.events import JobKind
from cavatica_async.kinds import per_request
from cavatica_async.polling import PollPolicy
from cavatica_async.schedule import Schedule, Watched
from cavatica_async.slack import cadence, gap, paced, round_cost, slot, unseen_for


@attrs.frozen
class Next:
    """The next poll: its kind, when it is due, whether it spends the slack, at which cadence."""

    kind: JobKind
    due: float
    slack: bool
    cadence: float | None


class Planner:
    """Chooses the next poll of a watcher's schedule within its budget."""

    def __init__(self, schedule: Schedule, budget: RateBudget, policy: PollPolicy) -> None:
        self._schedule = schedule
        self._budget = budget
        self._policy = policy
        self._sent: dict[JobKind, float] = {}  # the slack's last request of each kind (`slot`)

    def cadence(self, now: float, skip: frozenset[JobKind]) -> float | None:
        """The interval that spends the share's slack on every watched job, or None (no slack)."""
        policy = self._policy
        outlook = None if policy.frugal else self._budget.outlook(now)
        if outlook is None:
            return None
        share, left = outlook
        loads = self._schedule.loads(now, left, skip)
        # Before any life is known: not before the policy's own latest poll (its longest
        # interval, jittered up), so an idle watcher sends what it sent before.
        longest = policy.maximum * (1 + policy.jitter)
        return cadence(loads, share, left, floor=policy.floor, longest=longest)

    def next(self, now: float, listed: frozenset[JobKind], sweeping: bool) -> Next | None:
        """The next poll due (perhaps later than `now`), or None while nothing is watched.

        The slack's poll goes first once due (see `_due`); then those the interval policy
        has due. `listed` kinds are read from the job list, never for the slack; while a list
        sweep runs (`sweeping`) they are not offered at all.
        """
        every = self.cadence(now, listed)
        due = None
        if every is not None:
            due = self._schedule.next_behind(listed, lambda kind, at: self._due(kind, at, every))
        if every is not None and every < self._policy.maximum:
            # The slack reads every job more often than the policy's longest interval: the
            # policy's shorter ones (the quick polls after a change) would spend requests on
            # jobs a round reads anyway, which the cadence can spend on the jobs unseen the
            # longest (docs/watcher.md#spending-the-slack). Those due before the slack's next
            # poll are pushed back now: pushed one by one as each came due, 10,000 jobs woke
            # the watcher 45 times per request (virtual A: 36,574 wake-ups for 804 requests).
            self._schedule.defer(now if due is None else max(now, due[0]), every, listed)
        upcoming = self._schedule.next_due(listed if sweeping else frozenset())
        if every is not None:
            # The policy's poll goes when the even pace lets it, not when it is due: a slack
            # poll that can go sooner goes first, or the watcher would sleep out the pace with
            # the slack's polls held behind it (docs/watcher.md#spending-the-slack).
            ready = None if upcoming is None else max(upcoming[0], now + self._budget.wait(now))
            if due is not None and (due[0] <= now or ready is None or due[0] < ready):
                return Next(due[1], due[0], True, every)
        if upcoming is None:
            return None
        return Next(upcoming[1], upcoming[0], False, every)

    def _due(self, kind: JobKind, oldest: float, every: float) -> float:
        """When the slack polls `kind` next, its oldest last poll at `oldest`: a bulk kind's
        round spread over the cadence (see `paced`); one GET per job, when a job is a cadence
        behind: spread, 1,000 copy or DRS jobs caught up after a reset over a whole cadence
        instead of at once (docs/watcher.md#spending-the-slack)."""
        if per_request(kind) <= 1:
            return oldest + unseen_for(every, bulk=False)
        return paced(oldest, every, self._sent.get(kind, -math.inf), self._rounds(kind))

    def _rounds(self, kind: JobKind) -> int:
        """Requests to read every watched job of `kind` once."""
        return round_cost(self._schedule.count(kind), per_request(kind))

    def wait(self, chosen: Next, now: float) -> float:
        """Seconds the budget makes this poll wait: a poll the cadence asks for takes what the
        share has left at once; one only the interval policy asks for keeps to the even pace
        (docs/watcher.md#the-budget)."""
        return self._budget.room_wait(now) if chosen.slack else self._budget.wait(now)

    def batch(self, chosen: Next, now: float) -> list[Watched]:
        """The jobs one request of `chosen.kind` reads: for the slack those unseen the longest
        (the likeliest to have changed) first, then the ones the interval policy has due, then
        those due within the longest interval riding along for free."""
        schedule, size = self._schedule, per_request(chosen.kind)
        batch = []
        if chosen.slack and chosen.cadence is not None:
            if size > 1:  # a spread round: one GET per job is not paced (see `_due`)
                spacing = gap(chosen.cadence, self._rounds(chosen.kind))
                self._sent[chosen.kind] = slot(chosen.due, now, spacing)
            unseen = unseen_for(chosen.cadence, bulk=size > 1)
            batch = schedule.take_behind(chosen.kind, now - unseen, size)
            if batch and batch[0].polled_at == -math.inf:  # oldest first: never polled
                # The first sight of new jobs spends the burst their first quick polls would
                # otherwise spend on a second round 2 s later, one that shows almost nothing
                # (docs/watcher.md#spending-the-slack).
                self._budget.drain(now)
        return batch + schedule.take(chosen.kind, now, size - len(batch), self._policy.maximum)

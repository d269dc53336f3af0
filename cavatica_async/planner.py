"""Which poll a watcher sends next, and when: the interval policy's due jobs, or the slack's.

No I/O and no clock of its own: the watcher gives the time, sleeps and sends
(docs/watcher.md#the-schedule, docs/watcher.md#spending-the-slack).
"""

from __future__ import annotations

import attrs

from cavatica_async.budget import RateBudget
from cavatica_async.events import JobKind
from cavatica_async.kinds import per_request
from cavatica_async.polling import PollPolicy
from cavatica_async.schedule import Schedule, Watched
from cavatica_async.slack import cadence


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

        A job unseen for longer than the cadence goes first; then those the interval policy
        has due. `listed` kinds are read from the job list, never for the slack; while a list
        sweep runs (`sweeping`) they are not offered at all.
        """
        every = self.cadence(now, listed)
        if every is not None and every < self._policy.maximum:
            # The slack reads every job more often than the policy's longest interval: the
            # policy's shorter ones (the quick polls after a change) would spend requests on
            # jobs a round reads anyway, which the cadence can spend on the jobs unseen the
            # longest (docs/watcher.md#spending-the-slack).
            self._schedule.defer(now, every, listed)
        oldest = None if every is None else self._schedule.next_behind(listed)
        upcoming = self._schedule.next_due(listed if sweeping else frozenset())
        if oldest is not None and every is not None:
            behind = oldest[0] + every
            if behind <= now or upcoming is None or behind < upcoming[0]:
                return Next(oldest[1], behind, True, every)
        if upcoming is None:
            return None
        return Next(upcoming[1], upcoming[0], False, every)

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
            batch = schedule.take_behind(chosen.kind, now - chosen.cadence, size)
        return batch + schedule.take(chosen.kind, now, size - len(batch), self._policy.maximum)

"""Spending the budget's slack: how often to poll when the share affords more than the policy asks.

The interval policy alone is frugal: a watcher of 10,000 exports spends a third of its share and
sees changes later than a plain sweep every 10 s that fits the same share. When the jobs being
watched will end (or the window reset) before the share is spent, what is left of the share is
lost, so the watcher polls every job at the uniform `cadence` that spends it by then
(docs/watcher.md#spending-the-slack). Everything here is a pure function of its inputs: the
watcher gives the time, the budget's outlook and what it has learned about its jobs' lives.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import cast

import attrs

from cavatica_async.departures import AgeRates
from cavatica_async.events import JobKind, State
from cavatica_async.kinds import KINDS


def _later(states: list[State]) -> dict[State | None, tuple[State, ...]]:
    """For each state (None: before the first), the states not final from it on."""
    going = [state for state in states if not state.is_terminal]
    later: dict[State | None, tuple[State, ...]] = {None: tuple(going)}
    for index, state in enumerate(states):
        later[state] = tuple(s for s in states[index:] if not s.is_terminal)
    return later


# Each kind's states in the order its jobs go through them (as the models declare them).
LATER: dict[JobKind, dict[State | None, tuple[State, ...]]] = {
    kind: _later(cast("list[State]", list(info.states))) for kind, info in KINDS.items()
}


@attrs.frozen
class Load:
    """One kind's share of the work: what polling its jobs once costs, and how long they live."""

    round_cost: int  # requests to poll every active job of the kind once
    # (jobs, their expected remaining life in seconds or None while unknown), a group per state
    groups: tuple[tuple[int, float | None], ...]


def round_cost(jobs: int, per_request: int) -> int:
    """Requests to poll `jobs` jobs once, `per_request` at a time (100 in a bulk get)."""
    return math.ceil(jobs / per_request)


def mean_life(ended: int, exposure: float) -> float | None:
    """The mean life of a kind's jobs, from the time they were watched and the ends seen.

    Time watched over ends seen is the estimate for lives that last as long whatever their age
    (exponential). Early on, most jobs are still running and each adds its age to the time
    watched, so the estimate starts long and shortens as ends are seen, instead of trusting the
    first, shortest lives (`Lives.dwell` also weighs the jobs' ages). None before the first end.
    """
    if ended < 1 or not exposure > 0:
        return None
    return exposure / ended


def by_age(age: float, left: float) -> float:
    """How long to plan on a job `age` seconds into its state lasting there, `left` seconds
    before the window resets: the geometric mean of its age and its age plus `left`.

    The age alone is the optimist's bet: a job seen at a random moment of its stay is as likely
    past the middle as before it, so half the time what is left is shorter than what has gone.
    Betting on it with lives as long as the window empties the share early and leaves every job
    unseen until the reset (10,000 exports of 2-minute states in virtual time: p99 102 s,
    against 47 s without the bet). Lasting past the reset is the pessimist's, the plan the share
    affords anyway. The geometric mean stays between them on every scale: with 300 s left, a
    job 8 s in is planned at 50 s more, one 120 s in at 224 s (docs/watcher.md#spending-the-slack).
    """
    age = max(0.0, age)
    return math.sqrt(age * (age + max(0.0, left)))


def unseen_for(cadence: float, *, bulk: bool) -> float:
    """How long a job goes unseen before the slack reads it: half the `cadence` for a kind read
    in bulk gets (its round is spread over the cadence, see `paced`), the whole of it for one
    GET per job."""
    return cadence / 2 if bulk else cadence


def gap(cadence: float, rounds: int) -> float:
    """The time between two requests of a round of `rounds` requests spread over `cadence`
    (no round at all counts as one)."""
    return cadence / max(1, rounds)


def paced(oldest: float, cadence: float, sent: float, rounds: int) -> float:
    """When the slack's next request of a bulk kind is due: its round of `rounds` requests
    spread evenly over the `cadence` since the last one was `sent`, on jobs unseen (since their
    `oldest` last poll) for at least half of it; at once for jobs never polled (-inf).

    Jobs read together come due together, and a round sent all at once when they do is blind
    until it is over: 10,000 exports read at 0 and 2 s were all due again at 29 s, and nothing
    in between showed that their states were ending. Spread like a sweep's bulk gets, every
    request shows a few jobs' changes, so the lives, and the cadence with them, are learned
    while the round goes (docs/watcher.md#spending-the-slack). Half the cadence keeps a job just
    read out of the next request. Jobs never polled are not paced: a user waits on their first
    state, and, paced, 10,000 new exports would queue behind 400 new copy and DRS jobs (one GET
    each) and be read by the interval policy at the even pace instead (workload D's p99: 178 s
    before the spread, 281 s paced, 172 s with new jobs at once).
    """
    if oldest == -math.inf:
        return oldest
    return max(oldest + unseen_for(cadence, bulk=True), sent + gap(cadence, rounds))


def slot(due: float, now: float, spacing: float) -> float:
    """When a request of the slack's spread round, due at `due` and sent at `now`, counts as
    sent for the pace (see `paced`): when it was due, so a request sent late does not push
    every later one back, but never more than one `spacing` (the round's `gap`) before `now`,
    so a watcher held up (by the budget, say) catches up with one request, not a burst.

    Counted from when each went, every request added the event loop's lag to the round, as a
    sweep without its timetable would: on loopback at 20x, where the client's CPU is a third of
    the platform time, A's watcher saw final states later than the 10 s sweep at the same
    cadence (docs/watcher.md#spending-the-slack).
    """
    return max(due, now - spacing)


def work(loads: Iterable[Load], left: float) -> tuple[float, bool]:
    """Request-seconds that polling every job once a second costs until it ends or the reset;
    and whether any of it is known to end (a group with a known life).

    A round of a kind costs the same however its jobs' lives differ, so each kind's rounds last
    as long as its jobs do on average, every life counted up to the reset. A life not known yet
    counts to the reset: the cadence leaves room for it.
    """
    total, known = 0.0, False
    for load in loads:
        jobs = sum(count for count, _ in load.groups)
        if load.round_cost <= 0 or jobs <= 0:
            continue
        lasting = 0.0
        for count, life in load.groups:
            lasting += count * (left if life is None else min(left, life))
            known = known or (life is not None and count > 0)
        total += load.round_cost * lasting / jobs
    return total, known


def cadence(
    loads: Iterable[Load], share: float, left: float, *, floor: float, longest: float
) -> float | None:
    """The interval at which polling every active job spends `share` by the time the work ends
    or the window resets (`left` seconds), never below `floor`; None when there is no slack.

    While no life is known, the interval is `longest` (the policy's own longest), provided one
    round of every job fits in the share now: a job is never left unseen longer than the
    policy would leave it while the share could pay for it, but nothing is spent for speed
    without evidence (an idle watcher is never polled more often than by the policy).
    No slack: no share left, or a share that does not afford one round before the reset (the
    budget is binding: the interval policy and the even pace decide, as in frugal mode).
    """
    loads = list(loads)
    if not (share >= 1 and left > 0):  # NaN included
        return None
    needed, known = work(loads, left)
    if needed <= 0:
        return None
    if not known:
        rounds = sum(load.round_cost for load in loads)
        return longest if rounds <= share and longest < left else None
    period = needed / share
    if period >= left:
        return None
    return max(floor, period)


class Lives:
    """How long jobs stay in each state of each kind: the time they were seen in it and how many
    were seen leave it; and, from those, how long a job in a state has left to live.

    O(1) per change: the time of jobs still in a state is their count times now, less the sum of
    the times they entered it.
    """

    def __init__(self) -> None:
        self._in: dict[JobKind, dict[State, int]] = {kind: {} for kind in JobKind}
        self._entered_sum: dict[JobKind, dict[State, float]] = {kind: {} for kind in JobKind}
        self._closed: dict[JobKind, dict[State, float]] = {kind: {} for kind in JobKind}
        self._left: dict[JobKind, dict[State, int]] = {kind: {} for kind in JobKind}
        self._rates: dict[tuple[JobKind, State], AgeRates] = {}

    def entered(self, kind: JobKind, state: State, at: float) -> None:
        """A watched job of `kind` was first seen in `state` at `at`."""
        counts, sums = self._in[kind], self._entered_sum[kind]
        counts[state] = counts.get(state, 0) + 1
        sums[state] = sums.get(state, 0.0) + at

    def exited(
        self, kind: JobKind, state: State, entered: float, now: float, *, left: bool
    ) -> None:
        """A job seen in `state` since `entered` is no more: `left` it for another state, or is
        no longer watched (removed, unknown), which adds its time but no departure."""
        counts = self._in[kind]
        if counts.get(state, 0) <= 0:
            return
        counts[state] -= 1
        self._entered_sum[kind][state] -= entered
        closed, departures = self._closed[kind], self._left[kind]
        closed[state] = closed.get(state, 0.0) + max(0.0, now - entered)
        departures[state] = departures.get(state, 0) + left

    def seen(
        self,
        kind: JobKind,
        state: State,
        entered: float,
        previous: float,
        now: float,
        *,
        left: bool,
    ) -> None:
        """A poll at `now` saw a job of `kind` that the poll at `previous` saw in `state`
        (where it was first seen at `entered`) still there, or saw it had `left` it."""
        rates = self._rates.get((kind, state))
        if rates is None:
            rates = self._rates[kind, state] = AgeRates()
        rates.seen(previous - entered, now - entered, left=left)

    def dwell(self, kind: JobKind, state: State, now: float, left: float) -> float | None:
        """How long jobs of `kind` stay in `state` (what is left of it, for those in it now),
        `left` seconds before the window resets: the mean (see `mean_life`), or the hedge on
        the jobs' age (see `by_age`) or the rate of departure seen at their age (see
        `departures.rate_life`) if shorter; None while unknown.

        The mean needs many departures when stays get likelier to end with age (a job 20 s
        into a 30 s queue): early on it is many times too long, and the cadence stays slow
        while most of the changes happen. The age needs no departure. It counts only once the
        kind has shown one: jobs that have never changed (an idle watcher) are no evidence of
        short lives, and polling them faster would only spend.
        """
        count = self._in[kind].get(state, 0)
        staying = max(0.0, count * now - self._entered_sum[kind].get(state, 0.0))
        exposure = self._closed[kind].get(state, 0.0) + staying
        mean = mean_life(self._left[kind].get(state, 0), exposure)
        if count <= 0 or not any(self._left[kind].values()):
            return mean
        age = staying / count
        hedge = by_age(age, left)
        rates = self._rates.get((kind, state))
        known = None if rates is None else rates.life(age)
        if known is not None:
            hedge = min(hedge, known)
        return hedge if mean is None else min(mean, hedge)

    def groups(
        self, kind: JobKind, jobs: int, now: float, left: float
    ) -> tuple[tuple[int, float | None], ...]:
        """`jobs` watched jobs of `kind` by state, with each state's remaining life; the jobs
        not seen in a state yet (not polled, or in a final state) count from the start.

        Each state's dwell is worked out once: a state's life adds the dwells of the states
        after it, so an export's RUNNING counts in three groups' lives (RUNNING, PENDING, and
        not seen yet), and the planner asks for the groups before every request."""
        dwells: dict[State, float | None] = {}

        def dwell(state: State) -> float | None:
            if state not in dwells:
                dwells[state] = self.dwell(kind, state, now, left)
            return dwells[state]

        counted = [
            (count, self._life(kind, state, dwell))
            for state, count in self._in[kind].items()
            if count > 0
        ]
        unseen = jobs - sum(count for count, _ in counted)
        if unseen <= 0:
            return tuple(counted)
        return (*counted, (unseen, self._life(kind, None, dwell)))

    def life(self, kind: JobKind, state: State | None, now: float, left: float) -> float | None:
        """How long a job of `kind` in `state` (None: not seen yet) has left to live: the dwell
        of its state and of every later state its kind goes through (the order of the kind's
        states, docs/platform.md#job-states). None while one of them has been seen but is not
        known, or none is known. A state never seen at all counts nothing: a kind may skip it
        (docs/platform.md#job-states lists no PENDING for DRS imports)."""
        return self._life(kind, state, lambda each: self.dwell(kind, each, now, left))

    def _life(
        self, kind: JobKind, state: State | None, dwell: Callable[[State], float | None]
    ) -> float | None:
        """`life`, with each state's dwell from `dwell`."""
        later = LATER[kind].get(state)
        if later is None:
            return None  # a state the library does not know: no order to go by
        seen = self._in[kind]
        total, known = 0.0, False
        for each in later:
            if each not in seen:
                continue
            each_dwell = dwell(each)
            if each_dwell is None:
                return None
            total, known = total + each_dwell, True
        return total if known else None

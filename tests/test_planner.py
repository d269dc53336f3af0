"""Planner: which poll goes next, the slack's or the interval policy's, and how it waits."""

from __future__ import annotations

import pytest

from cavatica_async import AsyncJobState, ExportState, JobKind, PollPolicy, RateBudget
from cavatica_async.budget import MIN_WAIT
from cavatica_async.events import State
from cavatica_async.planner import Next, Planner
from cavatica_async.schedule import Schedule

POLICY = PollPolicy(initial=2.0, factor=2.0, maximum=10.0, jitter=0.0, floor=1.0)
NONE = frozenset[JobKind]()


def planner(
    *, remaining: int = 1000, policy: PollPolicy = POLICY, exports: int = 3
) -> tuple[Planner, Schedule, RateBudget]:
    schedule = Schedule(policy)
    budget = RateBudget(burst=0.0)
    budget.observe(1000, remaining, 300.0, 0.0, counted=True)
    for n in range(exports):
        schedule.add(JobKind.EXPORT, f"e{n}", None, 0.0)
    return Planner(schedule, budget, policy), schedule, budget


def poll_all(schedule: Schedule, at: float) -> None:
    for watched in schedule.take(JobKind.EXPORT, at, 100, 100.0):
        schedule.polled(watched, at, changed=False, rand=0.5)


def one_left_at_20(schedule: Schedule, kind: JobKind, state: State, final: State) -> None:
    """Up to 100 jobs of `kind` first seen in `state` at 0 s; at 20 s the first of them seen
    `final` and no longer watched: one departure, so the lives are known."""
    taken = schedule.take(kind, 0.0, 100, 0.0)
    for watched in taken:
        schedule.observed(watched, state, 0.0)
        schedule.polled(watched, 0.0, changed=True, rand=0.5)
    schedule.take(kind, 20.0, 1, 0.0)
    schedule.observed(taken[0], final, 20.0)
    schedule.remove(taken[0], 20.0)


@pytest.mark.parametrize(
    ("remaining", "frugal", "expected"),
    [
        # Nothing known of the jobs' lives and a round fits in the share: the policy's longest
        # interval, jittered up (none here), so jobs never polled are behind at once.
        (1000, False, Next(JobKind.EXPORT, float("-inf"), True, 10.0)),
        # No share to spare (a round costs 1 request): the interval policy and the even pace.
        (0, False, Next(JobKind.EXPORT, 0.0, False, None)),
        # Frugal: never the slack.
        (1000, True, Next(JobKind.EXPORT, 0.0, False, None)),
    ],
)
def test_new_jobs_go_first_either_way(remaining: int, frugal: bool, expected: Next) -> None:
    policy = PollPolicy(initial=2.0, factor=2.0, maximum=10.0, jitter=0.0, frugal=frugal)
    plan, _, _ = planner(remaining=remaining, policy=policy)
    assert plan.next(0.0, NONE, sweeping=False) == expected


def test_a_job_behind_the_cadence_goes_before_the_policys_and_waits_only_for_room() -> None:
    plan, schedule, budget = planner()
    # Read at 0 s: the policy's next poll at 2 s, the slack's at half the cadence (5 s).
    poll_all(schedule, 0.0)
    assert plan.next(1.0, NONE, sweeping=False) == Next(JobKind.EXPORT, 2.0, False, 10.0)
    poll_all(schedule, 2.0)  # the policy's: now due at 6 s, the slack's at 7 s
    assert plan.next(5.0, NONE, sweeping=False) == Next(JobKind.EXPORT, 6.0, False, 10.0)
    # Unseen for half the cadence: the slack's, oldest first, and the budget's room decides,
    # even with the policy's poll due too.
    chosen = plan.next(7.5, NONE, sweeping=False)
    assert chosen == Next(JobKind.EXPORT, 7.0, True, 10.0)
    assert chosen is not None
    budget.tokens = -50.0  # the even pace would hold a poll for a long time...
    assert plan.wait(chosen, 7.5) == 0.0  # ...but the share has room
    assert plan.wait(Next(JobKind.EXPORT, 6.0, False, 10.0), 7.5) > 1
    assert [w.job_id for w in plan.batch(chosen, 7.5)] == ["e0", "e1", "e2"]


def test_the_slacks_round_of_a_bulk_kind_goes_a_request_at_a_time() -> None:
    # Nothing known of the lives: the cadence is the policy's longest, 12 s; a round of 300
    # exports is 3 requests, so one every 4 s once the jobs are 6 s (half a cadence) unseen.
    policy = PollPolicy(initial=12.0, factor=2.0, maximum=12.0, jitter=0.0, floor=1.0)
    plan, schedule, _ = planner(exports=300, policy=policy)
    for _ in range(3):
        poll_all(schedule, 0.0)  # the policy's next polls at 12 s
    chosen = plan.next(0.0, NONE, sweeping=False)
    assert chosen == Next(JobKind.EXPORT, 6.0, True, 12.0)
    assert chosen is not None
    batch = plan.batch(chosen, 6.0)
    assert [w.job_id for w in batch] == [f"e{n}" for n in range(100)]  # read at 0 s, in order
    for watched in batch:
        schedule.polled(watched, 6.0, changed=False, rand=0.5)
    # Not the other 200 at once: the next request a third of the cadence on.
    assert plan.next(6.0, NONE, sweeping=False) == Next(JobKind.EXPORT, 10.0, True, 12.0)


def test_a_slack_request_sent_late_keeps_the_rounds_timetable() -> None:
    policy = PollPolicy(initial=12.0, factor=2.0, maximum=12.0, jitter=0.0, floor=1.0)
    plan, schedule, _ = planner(exports=300, policy=policy)
    for _ in range(3):
        poll_all(schedule, 0.0)
    chosen = plan.next(0.0, NONE, sweeping=False)
    assert chosen == Next(JobKind.EXPORT, 6.0, True, 12.0)
    assert chosen is not None
    # Due at 6 s, sent at 7 s (a busy event loop): the next is still due 4 s after 6 s.
    for watched in plan.batch(chosen, 7.0):
        schedule.polled(watched, 7.0, changed=False, rand=0.5)
    assert plan.next(7.0, NONE, sweeping=False) == Next(JobKind.EXPORT, 10.0, True, 12.0)


def test_a_policy_poll_the_even_pace_holds_lets_a_slack_poll_due_sooner_go_first() -> None:
    plan, schedule, budget = planner()
    poll_all(schedule, 0.0)  # the policy's next poll at 2 s, the slack's at 5 s
    assert plan.next(2.5, NONE, sweeping=False) == Next(JobKind.EXPORT, 2.0, False, 10.0)
    budget.tokens = -50.0  # the even pace now holds the policy's poll for some 20 s
    assert plan.next(2.5, NONE, sweeping=False) == Next(JobKind.EXPORT, 5.0, True, 10.0)


def test_the_slacks_first_read_of_new_jobs_spends_the_burst_and_later_ones_do_not() -> None:
    schedule = Schedule(POLICY)
    budget = RateBudget()  # a burst of an eighth of the 800 share: 100 requests
    budget.observe(1000, 1000, 300.0, 0.0, counted=True)
    plan = Planner(schedule, budget, POLICY)
    for n in range(150):
        schedule.add(JobKind.EXPORT, f"e{n}", None, 0.0)
    chosen = plan.next(0.0, NONE, sweeping=False)
    assert chosen == Next(JobKind.EXPORT, float("-inf"), True, 10.0)
    assert chosen is not None
    first = plan.batch(chosen, 0.0)
    assert len(first) == 100
    # Else the policy's first polls of these jobs, 2 s on, would go at once on the burst.
    assert budget.tokens == 99.0
    for watched in first:
        schedule.polled(watched, 0.0, changed=True, rand=0.5)
    rest = plan.batch(chosen, 0.0)  # the other 50, and 50 of the first riding along
    assert [w.job_id for w in rest[:50]] == [f"e{n}" for n in range(100, 150)]
    assert budget.tokens == 98.0
    for watched in rest:
        schedule.polled(watched, 0.0, changed=True, rand=0.5)
    again = plan.next(6.0, NONE, sweeping=False)  # half a cadence on: the slack's again
    assert again == Next(JobKind.EXPORT, 5.0, True, 10.0)
    assert again is not None
    before = budget.tokens
    assert len(plan.batch(again, 6.0)) == 100
    assert budget.tokens == before  # jobs seen before: the burst is left alone


def test_the_slack_reads_a_kind_of_one_get_per_job_when_a_cadence_behind() -> None:
    plan, schedule, _ = planner(exports=0)
    for n in range(3):
        schedule.add(JobKind.COPY, f"c{n}", None, 0.0)
    one_left_at_20(schedule, JobKind.COPY, AsyncJobState.RUNNING, AsyncJobState.FINISHED)
    for watched in schedule.take(JobKind.COPY, 20.0, 2, 100.0):
        schedule.polled(watched, 20.0, changed=False, rand=0.5)  # the policy's next at 24 s
    # Lives known, the cadence is the floor (1 s): a copy is read a whole cadence after its
    # last read, not half of it as an export would be (its polls are not read together).
    assert plan.next(20.2, NONE, sweeping=False) == Next(JobKind.COPY, 21.0, True, 1.0)


def test_listed_kinds_never_spend_the_slack_and_wait_out_a_sweep() -> None:
    plan, schedule, _ = planner(exports=0)
    schedule.add(JobKind.COPY, "c", None, 0.0)
    listed = frozenset({JobKind.COPY})
    assert plan.next(0.0, listed, sweeping=False) == Next(JobKind.COPY, 0.0, False, None)
    assert plan.next(0.0, listed, sweeping=True) is None


def test_known_lives_set_the_cadence_from_the_share() -> None:
    plan, schedule, _ = planner(exports=100)
    one_left_at_20(schedule, JobKind.EXPORT, ExportState.PENDING, ExportState.COMPLETED)
    # 100 jobs x 20 s in PENDING over one departure: 2,000 s each, so to the reset (280 s):
    # one request a round over an 800 share: every 0.35 s, floored at 1 s.
    assert plan.cadence(20.0, NONE) == 1.0


def test_the_policys_quick_polls_wait_for_a_cadence_shorter_than_its_longest() -> None:
    policy = PollPolicy(initial=2.0, factor=2.0, maximum=10.0, jitter=0.0, floor=4.0)
    plan, schedule, _ = planner(exports=100, policy=policy)
    one_left_at_20(schedule, JobKind.EXPORT, ExportState.PENDING, ExportState.COMPLETED)
    poll_all(schedule, 20.0)  # the policy would poll again at 22 s, the cadence at 24 s
    assert plan.cadence(22.0, NONE) == 4.0
    # The 22 s poll would read jobs the cadence reads anyway: it waits for a whole cadence
    # after the last read, and the slack's own request (half a cadence on) goes first.
    assert plan.next(22.0, NONE, sweeping=False) == Next(JobKind.EXPORT, 22.0, True, 4.0)
    assert schedule.next_due() == (24.0, JobKind.EXPORT)
    # A cadence as long as the policy's longest interval leaves the policy alone.
    frugal_enough = PollPolicy(initial=2.0, factor=2.0, maximum=4.0, jitter=0.0, floor=4.0)
    plan, schedule, _ = planner(exports=1, policy=frugal_enough)
    poll_all(schedule, 0.0)
    assert plan.next(2.0, NONE, sweeping=False) == Next(JobKind.EXPORT, 2.0, True, 4.0)
    assert schedule.next_due() == (2.0, JobKind.EXPORT)  # not pushed back


def test_the_policys_polls_due_before_the_slacks_next_are_pushed_back_at_once() -> None:
    policy = PollPolicy(initial=2.0, factor=2.0, maximum=10.0, jitter=0.0, floor=4.0)
    plan, schedule, _ = planner(exports=100, policy=policy)
    one_left_at_20(schedule, JobKind.EXPORT, ExportState.PENDING, ExportState.COMPLETED)
    for watched in schedule.take(JobKind.EXPORT, 20.0, 100, 100.0):
        schedule.polled(watched, 20.0, changed=True, rand=0.5)
    # Changed at 20 s: the policy's quick poll is due at 22 s, as is the slack's next request.
    assert schedule.next_due() == (22.0, JobKind.EXPORT)
    # Looked at a second early, the policy's 22 s polls are pushed back to the cadence (24 s)
    # now, not one at a time as each comes due, which woke the watcher once per job.
    assert plan.next(21.0, NONE, sweeping=False) == Next(JobKind.EXPORT, 22.0, True, 4.0)
    assert schedule.next_due() == (24.0, JobKind.EXPORT)


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        (1.0, 0.0),  # a whole token: now
        (1 - 1e-6, MIN_WAIT),  # under a microsecond of pace: raised to one that moves a clock
        (0.0, 290 / 800),  # a whole token short: the even pace
    ],
)
def test_a_wait_is_none_or_long_enough_to_move_the_clock(tokens: float, expected: float) -> None:
    plan, _, budget = planner()
    budget.wait(10.0)
    budget.tokens = tokens
    assert plan.wait(Next(JobKind.EXPORT, 6.0, False, None), 10.0) == pytest.approx(expected)

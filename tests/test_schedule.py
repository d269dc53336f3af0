"""Schedule: most overdue first, batches with ride-alongs, intervals that grow and reset, dwells."""

from __future__ import annotations

from cavatica_async import AsyncJobState, ExportState, JobKind, PollPolicy
from cavatica_async.schedule import DWELL_KNOWN, Schedule

POLICY = PollPolicy(initial=2.0, factor=2.0, maximum=10.0, jitter=0.0)


def test_new_jobs_are_due_at_once_and_most_overdue_goes_first() -> None:
    schedule = Schedule(POLICY)
    schedule.add(JobKind.COPY, "c1", None, 5.0)
    schedule.add(JobKind.EXPORT, "e1", None, 3.0)
    assert schedule.next_due() == (3.0, JobKind.EXPORT)
    assert [w.job_id for w in schedule.take(JobKind.EXPORT, 3.0, 100, 0.0)] == ["e1"]
    assert schedule.next_due() == (5.0, JobKind.COPY)


def test_skipped_kinds_are_not_offered_and_counts_are_per_kind() -> None:
    schedule = Schedule(POLICY)
    schedule.add(JobKind.COPY, "c1", None, 1.0)
    schedule.add(JobKind.MOVE, "m1", None, 2.0)
    schedule.add(JobKind.EXPORT, "e1", None, 3.0)
    assert schedule.next_due(frozenset({JobKind.COPY, JobKind.MOVE})) == (3.0, JobKind.EXPORT)
    assert schedule.next_due(frozenset({JobKind.COPY})) == (2.0, JobKind.MOVE)
    assert schedule.next_due(frozenset(JobKind)) is None
    assert [schedule.count(kind) for kind in (JobKind.COPY, JobKind.DELETE)] == [1, 0]


def test_batches_fill_with_jobs_due_soon_up_to_the_limit() -> None:
    schedule = Schedule(POLICY)
    for n in range(5):
        schedule.add(JobKind.EXPORT, f"e{n}", None, float(n))
    batch = schedule.take(JobKind.EXPORT, now=0.0, limit=3, horizon=10.0)
    assert [w.job_id for w in batch] == ["e0", "e1", "e2"]  # e1, e2 ride along
    assert all(w.in_flight for w in batch)
    assert schedule.take(JobKind.EXPORT, now=0.0, limit=100, horizon=3.5) == [
        schedule.get(JobKind.EXPORT, "e3")
    ]


def test_in_flight_and_removed_jobs_are_not_offered() -> None:
    schedule = Schedule(POLICY)
    schedule.add(JobKind.COPY, "a", None, 0.0)
    schedule.add(JobKind.COPY, "b", None, 1.0)
    [taken] = schedule.take(JobKind.COPY, 0.0, 1, 0.0)
    watched_b = schedule.get(JobKind.COPY, "b")
    assert watched_b is not None
    schedule.remove(watched_b, 0.0)
    assert schedule.next_due() is None
    assert len(schedule) == 1
    schedule.polled(taken, now=10.0, changed=True, rand=0.5)
    assert schedule.next_due() == (12.0, JobKind.COPY)


def test_intervals_grow_while_unchanged_and_reset_on_change() -> None:
    schedule = Schedule(POLICY)
    watched = schedule.add(JobKind.DRS_IMPORT, "d", None, 0.0)
    dues = []
    for now, changed in [(0, True), (2, False), (6, False), (14, False), (24, True)]:
        schedule.take(JobKind.DRS_IMPORT, float(now), 1, 0.0)
        schedule.polled(watched, float(now), changed, 0.5)
        dues.append(watched.due - now)
    assert dues == [2.0, 4.0, 8.0, 10.0, 2.0]


def test_a_failed_poll_counts_and_reschedules() -> None:
    schedule = Schedule(POLICY)
    watched = schedule.add(JobKind.EXPORT, "e", ExportState.RUNNING, 0.0)
    schedule.take(JobKind.EXPORT, 0.0, 1, 0.0)
    schedule.retry(watched, at=7.0)
    assert (watched.failures, watched.in_flight) == (1, False)
    assert schedule.next_due() == (7.0, JobKind.EXPORT)
    schedule.take(JobKind.EXPORT, 7.0, 1, 0.0)
    schedule.polled(watched, 8.0, changed=False, rand=0.5)
    assert watched.failures == 0


def test_a_change_keeps_how_long_the_old_state_lasted() -> None:
    schedule = Schedule(POLICY)
    watched = schedule.add(JobKind.COPY, "c", None, 0.0)
    assert schedule.observed(watched, AsyncJobState.SUBMITTED, 1.0)
    assert not schedule.observed(watched, AsyncJobState.SUBMITTED, 5.0)
    assert schedule.observed(watched, AsyncJobState.RUNNING, 31.0)
    assert (watched.state, watched.since) == (AsyncJobState.RUNNING, 31.0)
    for n in range(DWELL_KNOWN - 1):
        other = schedule.add(JobKind.COPY, f"o{n}", AsyncJobState.SUBMITTED, 0.0)
        other.since = 0.0
        schedule.observed(other, AsyncJobState.RUNNING, 10.0 + n)
    # 10, 11, ... 16 s (the others) and 30 s (c): the lower quartile of eight is the third.
    assert schedule.dwell.short(JobKind.COPY, AsyncJobState.SUBMITTED) == 12.0
    assert schedule.dwell.short(JobKind.EXPORT, ExportState.PENDING) is None


def test_the_first_poll_after_a_change_waits_half_the_new_states_short_dwells() -> None:
    schedule = Schedule(POLICY)
    for n in range(DWELL_KNOWN):
        schedule.dwell.record(JobKind.EXPORT, ExportState.RUNNING, 8.0 + n)
    running = schedule.add(JobKind.EXPORT, "e", None, 0.0)
    schedule.take(JobKind.EXPORT, 0.0, 1, 0.0)
    schedule.observed(running, ExportState.RUNNING, 0.0)
    schedule.polled(running, 0.0, changed=True, rand=0.5)
    assert running.due == 0.5 * 10.0  # the lower quartile of 8..15 s is 10 s
    pending = schedule.add(JobKind.EXPORT, "p", None, 0.0)
    schedule.take(JobKind.EXPORT, 0.0, 1, 0.0)
    schedule.observed(pending, ExportState.PENDING, 0.0)
    schedule.polled(pending, 0.0, changed=True, rand=0.5)
    assert pending.due == POLICY.initial  # nothing known about PENDING yet


def test_a_long_dwell_never_stretches_the_first_poll_past_the_maximum() -> None:
    schedule = Schedule(POLICY)
    for _ in range(DWELL_KNOWN):
        schedule.dwell.record(JobKind.COPY, AsyncJobState.RUNNING, 3600.0)
    watched = schedule.add(JobKind.COPY, "c", None, 0.0)
    schedule.take(JobKind.COPY, 0.0, 1, 0.0)
    schedule.observed(watched, AsyncJobState.RUNNING, 0.0)
    schedule.polled(watched, 0.0, changed=True, rand=0.5)
    assert watched.due == POLICY.maximum


def test_slack_polls_take_the_jobs_unseen_the_longest_first() -> None:
    schedule = Schedule(POLICY)
    jobs = [schedule.add(JobKind.EXPORT, f"e{n}", None, 0.0) for n in range(4)]
    assert schedule.next_behind() == (float("-inf"), JobKind.EXPORT)  # never polled
    taken = schedule.take(JobKind.EXPORT, 0.0, 4, 0.0)
    assert schedule.next_behind() is None  # all in flight
    # Polls end in time order (the watcher reads one clock): e1, e3, e0, e2.
    for at, watched in sorted(zip((3.0, 1.0, 4.0, 2.0), taken, strict=True)):
        schedule.polled(watched, at, changed=False, rand=0.5)
    assert schedule.next_behind() == (1.0, JobKind.EXPORT)
    assert schedule.next_behind(frozenset({JobKind.EXPORT})) is None
    batch = schedule.take_behind(JobKind.EXPORT, before=3.0, limit=100)
    assert batch == [jobs[1], jobs[3], jobs[0]]  # seen at 1, 2 and 3; e2 (at 4) is not behind
    assert all(w.in_flight for w in batch)
    assert schedule.take_behind(JobKind.EXPORT, before=10.0, limit=100) == [jobs[2]]


def test_a_failed_poll_waits_for_its_retry_not_for_the_slack() -> None:
    schedule = Schedule(POLICY)
    watched = schedule.add(JobKind.COPY, "c", None, 0.0)
    schedule.take(JobKind.COPY, 0.0, 1, 0.0)
    schedule.retry(watched, at=8.0)
    assert schedule.next_behind() is None
    assert schedule.next_due() == (8.0, JobKind.COPY)
    schedule.take(JobKind.COPY, 8.0, 1, 0.0)
    schedule.polled(watched, 9.0, changed=False, rand=0.5)
    assert schedule.next_behind() == (9.0, JobKind.COPY)


def test_loads_give_each_kinds_round_cost_and_lives_by_state() -> None:
    schedule = Schedule(POLICY)
    exports = [schedule.add(JobKind.EXPORT, f"e{n}", None, 0.0) for n in range(150)]
    schedule.add(JobKind.COPY, "c", None, 0.0)
    loads = schedule.loads(10.0, 300.0)
    assert [load.round_cost for load in loads] == [2, 1]  # 150 exports in two bulk gets
    assert loads[0].groups == ((150, None),)  # none seen in a state yet
    taken = schedule.take(JobKind.EXPORT, 0.0, 100, 0.0)
    for watched in taken:
        schedule.observed(watched, ExportState.PENDING, 0.0)
        schedule.polled(watched, 0.0, changed=True, rand=0.5)
    schedule.take(JobKind.EXPORT, 10.0, 1, 0.0)
    schedule.observed(exports[0], ExportState.COMPLETED, 10.0)  # left PENDING after 10 s
    schedule.remove(exports[0], 10.0)
    [export_load] = schedule.loads(20.0, 300.0, skip=frozenset({JobKind.COPY}))
    # 100 exports in PENDING for 10 s (the one that left) and 20 s (99 still there): 1,990
    # job-seconds over one departure, longer than the hedge on the 99's 20 s of age with 300 s
    # left (sqrt(20 x 320) = 80 s); RUNNING never seen, so nothing to add for it.
    assert export_load.round_cost == 2
    assert export_load.groups == ((99, 80.0), (50, 80.0))


def test_polls_due_before_the_slacks_round_are_deferred_to_it() -> None:
    schedule = Schedule(POLICY)
    polled = [schedule.add(JobKind.EXPORT, f"e{n}", None, 0.0) for n in range(2)]
    never = schedule.add(JobKind.EXPORT, "never", None, 5.0)
    failed = schedule.add(JobKind.EXPORT, "failed", None, 0.0)
    listed = schedule.add(JobKind.COPY, "listed", None, 0.0)
    schedule.take(JobKind.EXPORT, 0.0, 3, 0.0)
    schedule.take(JobKind.COPY, 0.0, 1, 0.0)
    for watched in polled:
        schedule.polled(watched, 0.0, changed=True, rand=0.5)  # the policy's: due at 2 s
    schedule.polled(listed, 0.0, changed=True, rand=0.5)
    schedule.retry(failed, at=3.0)
    # Not due yet: left alone, so a cadence that grows at every look moves nothing.
    schedule.defer(1.0, 6.0, frozenset({JobKind.COPY}))
    assert [w.due for w in polled] == [2.0, 2.0]
    # Due: pushed back to their last poll plus the cadence, and the next due is the failed
    # poll's retry, the job never polled, then theirs; the skipped kind keeps its own.
    schedule.defer(2.0, 6.0, frozenset({JobKind.COPY}))
    assert [w.due for w in polled] == [6.0, 6.0]
    assert (failed.due, never.due, listed.due) == (3.0, 5.0, 2.0)
    assert schedule.next_due(frozenset({JobKind.COPY})) == (3.0, JobKind.EXPORT)
    assert [w.job_id for w in schedule.take(JobKind.EXPORT, 6.0, 100, 0.0)] == [
        "failed",
        "never",
        "e0",
        "e1",
    ]


def test_stale_slack_entries_are_dropped_while_nobody_looks() -> None:
    schedule = Schedule(POLICY)
    for n in range(10):
        schedule.add(JobKind.COPY, f"c{n}", None, 0.0)
    for step in range(200):  # polls that the interval policy asked for, never the slack
        for watched in schedule.take(JobKind.COPY, float(step), 10, 100.0):
            schedule.polled(watched, float(step), changed=False, rand=0.5)
    assert len(schedule._behind[JobKind.COPY]._queue) <= 2 * 10 + 64
    assert schedule.take_behind(JobKind.COPY, 1_000.0, 100) == [
        schedule.get(JobKind.COPY, f"c{n}") for n in range(10)
    ]


def test_polls_tell_the_lives_how_long_jobs_stayed_at_each_age() -> None:
    schedule = Schedule(POLICY)
    copy, submitted = JobKind.COPY, AsyncJobState.SUBMITTED
    jobs = [schedule.add(copy, f"c{n}", None, 0.0) for n in range(20)]

    def poll(at: float, moved: frozenset[str] = frozenset()) -> None:
        """Every job not in flight read at `at`, those `moved` seen RUNNING."""
        for watched in schedule.take(copy, at, 20, 100.0):
            state = AsyncJobState.RUNNING if watched.job_id in moved else submitted
            changed = schedule.observed(watched, state, at)
            schedule.polled(watched, at, changed, rand=0.5)

    poll(0.0)  # first seen: no stay behind them yet
    poll(12.0)  # 20 x 12 s at 6 s of age, nobody left
    # One poll fails: the time since its last poll is not known to have been spent in SUBMITTED.
    [failed] = schedule.take(copy, 100.0, 1, 0.0)
    schedule.retry(failed, at=15.0)
    moved = frozenset(w.job_id for w in jobs if w is not failed)
    poll(20.0, frozenset(sorted(moved)[:10]))  # 19 x 8 s at 16 s of age, 10 left
    assert [watched.state for watched in jobs].count(submitted) == 10
    # For the 10 still there (20 s in): the mean is 40 s (400 job-s over 10 departures), the
    # hedge on their age 80 s, but jobs of their age left at one every 15.2 s of watching.
    assert schedule.lives.dwell(copy, submitted, 20.0, 300.0) == 19 * 8.0 / 10

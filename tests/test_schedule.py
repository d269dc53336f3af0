"""Schedule: most overdue first, batches with ride-alongs, intervals that grow and reset."""

from __future__ import annotations

from cavatica_async import ExportState, JobKind, PollPolicy
from cavatica_async.schedule import Schedule

POLICY = PollPolicy(initial=2.0, factor=2.0, maximum=10.0, jitter=0.0)


def test_new_jobs_are_due_at_once_and_most_overdue_goes_first() -> None:
    schedule = Schedule(POLICY)
    schedule.add(JobKind.COPY, "c1", None, 5.0)
    schedule.add(JobKind.EXPORT, "e1", None, 3.0)
    assert schedule.next_due() == (3.0, JobKind.EXPORT)
    assert [w.job_id for w in schedule.take(JobKind.EXPORT, 3.0, 100, 0.0)] == ["e1"]
    assert schedule.next_due() == (5.0, JobKind.COPY)


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
    schedule.remove(watched_b)
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

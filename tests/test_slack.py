"""The slack policy: pure functions of the budget's outlook and the jobs' lives, by tables."""

from __future__ import annotations

import pytest

from cavatica_async import AsyncJobState, DrsImportState, ExportState, JobKind
from cavatica_async.events import State
from cavatica_async.slack import (
    Lives,
    Load,
    by_age,
    cadence,
    mean_life,
    paced,
    round_cost,
    slot,
    unseen_for,
    work,
)

NAN = float("nan")
LEFT = 300.0  # seconds to the reset, where a test does not care


def one(jobs: int, life: float | None, per_request: int = 100) -> Load:
    """A kind whose `jobs` jobs all have `life` left."""
    return Load(round_cost(jobs, per_request), ((jobs, life),))


@pytest.mark.parametrize(
    ("jobs", "per_request", "cost"),
    [(10_000, 100, 100), (101, 100, 2), (1, 100, 1), (0, 100, 0), (1_000, 1, 1_000)],
)
def test_a_round_costs_a_request_per_bulk_of_jobs(jobs: int, per_request: int, cost: int) -> None:
    assert round_cost(jobs, per_request) == cost


@pytest.mark.parametrize(
    ("ended", "exposure", "life"),
    [
        (0, 5_000.0, None),  # none seen leave: nothing known
        (1, 5_000.0, 5_000.0),  # one over 5,000 job-seconds: long, as it should be early
        (50, 5_000.0, 100.0),
        (10, 0.0, None),  # no time watched: nothing to go on
        (10, NAN, None),
    ],
)
def test_the_mean_is_time_watched_over_departures(
    ended: int, exposure: float, life: float | None
) -> None:
    assert mean_life(ended, exposure) == life


@pytest.mark.parametrize(
    ("loads", "left", "expected"),
    [
        # 100 requests a round, the jobs live 60 s more: 6,000 request-seconds.
        ([one(10_000, 60.0)], 300.0, (6_000.0, True)),
        # A life past the reset counts to the reset only: the next window brings a new share.
        ([one(10_000, 900.0)], 300.0, (30_000.0, True)),
        # A life not known counts to the reset, and alone is no evidence.
        ([one(1_000, None)], 300.0, (3_000.0, False)),
        ([one(1_000, None), one(10_000, 60.0)], 300.0, (9_000.0, True)),
        # A round lasts as long as the kind's jobs do on average: half at 60 s, half unknown.
        ([Load(100, ((5_000, 60.0), (5_000, None)))], 300.0, (18_000.0, True)),
        ([Load(0, ())], 300.0, (0.0, False)),  # nothing active of that kind
        ([Load(3, ((0, 60.0),))], 300.0, (0.0, False)),
        ([], 300.0, (0.0, False)),
    ],
)
def test_the_work_left_in_the_window(
    loads: list[Load], left: float, expected: tuple[float, bool]
) -> None:
    assert work(loads, left) == expected


@pytest.mark.parametrize(
    ("loads", "share", "left", "expected"),
    [
        # 10,000 exports living 60 s more, 800 requests of share: a round every 7.5 s, floored.
        ([one(10_000, 60.0)], 800.0, 300.0, 10.0),
        # Living 240 s more: every 30 s.
        ([one(10_000, 240.0)], 800.0, 300.0, 30.0),
        # Half the share left, a life of 120 s: every 30 s.
        ([one(10_000, 120.0)], 400.0, 300.0, 30.0),
        # 1,000 copy jobs living past the reset on a 1,000 share: one round per window, binding.
        ([one(1_000, 400.0, per_request=1)], 1_000.0, 300.0, None),
        # 400 of them at the start of the next window, living 300 s more: every 120 s.
        ([one(400, 300.0, per_request=1)], 1_000.0, 300.0, 120.0),
        # Nothing known of their lives: the policy's longest interval, if a round fits now...
        ([one(400, None, per_request=1)], 1_000.0, 300.0, 60.0),
        ([one(1_000, None)], 800.0, 300.0, 60.0),  # (an idle watcher polls no more than before)
        # ...and nothing at all when it does not (100,000 jobs on an 800 share) or the window
        # ends before the longest interval.
        ([one(100_000, None)], 800.0, 300.0, None),
        ([one(1_000, None)], 800.0, 50.0, None),
        # No share, no time, nothing watched or nonsense: no slack.
        ([one(10_000, 60.0)], 0.5, 300.0, None),
        ([one(10_000, 60.0)], -10.0, 300.0, None),
        ([one(10_000, 60.0)], 800.0, 0.0, None),
        ([one(10_000, 60.0)], NAN, 300.0, None),
        ([one(10_000, 60.0)], 800.0, NAN, None),
        ([], 800.0, 300.0, None),
    ],
)
def test_the_cadence_that_spends_the_share(
    loads: list[Load], share: float, left: float, expected: float | None
) -> None:
    assert cadence(loads, share, left, floor=10.0, longest=60.0) == expected


@pytest.mark.parametrize(
    ("age", "left", "planned"),
    [
        (8.0, 300.0, (8.0 * 308.0) ** 0.5),  # ~50 s: between 8 s and past the reset
        (120.0, 300.0, (120.0 * 420.0) ** 0.5),  # ~224 s: long lives are planned long
        (30.0, 0.0, 30.0),  # at the reset: the age itself
        (0.0, 300.0, 0.0),  # just entered
        (-5.0, 300.0, 0.0),  # a clock that went back: nothing, not a NaN
    ],
)
def test_the_hedge_on_age_is_between_the_age_and_past_the_reset(
    age: float, left: float, planned: float
) -> None:
    assert by_age(age, left) == pytest.approx(planned)


INF = float("inf")


@pytest.mark.parametrize(
    ("oldest", "every", "sent", "rounds", "due"),
    [
        (0.0, 10.0, -INF, 5, 5.0),  # nothing sent yet: half the cadence after the oldest poll
        (0.0, 10.0, 4.0, 5, 6.0),  # a fifth of the cadence after the last of 5 a round
        (0.0, 10.0, 1.0, 5, 5.0),  # the pace would allow 3 s: jobs read 3 s ago wait to 5 s
        (0.0, 10.0, 4.0, 1, 14.0),  # one request a round: one a cadence
        (0.0, 10.0, 4.0, 0, 14.0),  # no round at all counts as one (no division by zero)
        (-INF, 10.0, -INF, 2, -INF),  # jobs never polled and nothing sent: at once
        (-INF, 10.0, 3.0, 2, -INF),  # jobs never polled, a request just sent: still at once
    ],
)
def test_the_slacks_round_of_a_bulk_kind_is_spread_over_the_cadence(
    oldest: float, every: float, sent: float, rounds: int, due: float
) -> None:
    assert paced(oldest, every, sent, rounds) == due


@pytest.mark.parametrize(
    ("due", "now", "gap", "counted"),
    [
        (10.0, 10.0, 2.0, 10.0),  # sent when due
        (10.0, 11.5, 2.0, 10.0),  # sent late: counts as sent when due, the next keeps its time
        (10.0, 15.0, 2.0, 13.0),  # held up for longer than a gap: one request to catch up
        (-INF, 5.0, 2.0, 3.0),  # jobs never polled (due at once): the next a gap from now
        (12.0, 10.0, 2.0, 12.0),  # sent before its time (never here): when it was due
    ],
)
def test_a_late_request_of_the_spread_round_does_not_push_the_next_back(
    due: float, now: float, gap: float, counted: float
) -> None:
    assert slot(due, now, gap) == counted


@pytest.mark.parametrize(("bulk", "unseen"), [(True, 5.0), (False, 10.0)])
def test_a_bulk_kinds_jobs_are_read_after_half_the_cadence_others_after_all(
    bulk: bool, unseen: float
) -> None:
    assert unseen_for(10.0, bulk=bulk) == unseen


def test_the_age_counts_once_the_kind_has_shown_a_departure_and_only_if_shorter() -> None:
    lives = Lives()
    export = JobKind.EXPORT
    for _ in range(100):
        lives.entered(export, ExportState.PENDING, 0.0)
    # Nothing has changed: no evidence of short lives, however young the jobs (an idle watch).
    assert lives.dwell(export, ExportState.PENDING, 10.0, 290.0) is None
    lives.exited(export, ExportState.PENDING, 0.0, 10.0, left=True)
    lives.entered(export, ExportState.RUNNING, 10.0)
    # The mean is 1,000 s (99 x 10 s + 10 s over one departure); the hedge on 10 s of age with
    # 290 s left is sqrt(10 x 300) = 54.8 s, shorter, so it counts.
    assert lives.dwell(export, ExportState.PENDING, 10.0, 290.0) == pytest.approx(3_000**0.5)
    # RUNNING, just entered and never left: the hedge on no age at all.
    assert lives.dwell(export, ExportState.RUNNING, 10.0, 290.0) == 0.0
    assert lives.life(export, ExportState.PENDING, 10.0, 290.0) == pytest.approx(3_000**0.5)
    # Far on, the mean (110 s) is shorter than the hedge (173 s) and counts: the age never
    # lengthens a stay.
    for _ in range(89):
        lives.exited(export, ExportState.PENDING, 0.0, 100.0, left=True)
    mean = (10.0 + 89 * 100.0 + 10 * 100.0) / 90
    assert lives.dwell(export, ExportState.PENDING, 100.0, 200.0) == pytest.approx(mean)


def test_lives_count_time_in_each_state_and_departures() -> None:
    lives = Lives()
    export = JobKind.EXPORT
    assert lives.life(export, None, 0.0, LEFT) is None
    for _ in range(3):
        lives.entered(export, ExportState.PENDING, 0.0)
    assert lives.dwell(export, ExportState.PENDING, 10.0, LEFT) is None  # 30 job-s, none left
    lives.exited(export, ExportState.PENDING, 0.0, 10.0, left=True)
    lives.entered(export, ExportState.RUNNING, 10.0)
    # 10 s of the one that left and 20 s of each still there, over one departure.
    assert lives.dwell(export, ExportState.PENDING, 20.0, LEFT) == 50.0
    # RUNNING was seen but never left: the hedge on its one job's 10 s there, with 300 s left.
    running = (10.0 * 310.0) ** 0.5
    assert lives.life(export, ExportState.PENDING, 20.0, LEFT) == pytest.approx(50.0 + running)
    lives.exited(export, ExportState.RUNNING, 10.0, 30.0, left=True)
    assert lives.dwell(export, ExportState.RUNNING, 30.0, LEFT) == 20.0
    # 70 s over one departure (shorter than the hedge on 30 s of age, 99.5 s), then 20 s.
    assert lives.life(export, ExportState.PENDING, 30.0, LEFT) == 70.0 + 20.0
    assert lives.life(export, ExportState.RUNNING, 30.0, LEFT) == 20.0
    assert lives.life(export, None, 30.0, LEFT) == 90.0  # not seen yet: its whole life
    # One no longer watched (removed, unknown) adds its time, not a departure.
    lives.exited(export, ExportState.PENDING, 0.0, 30.0, left=False)
    assert lives.dwell(export, ExportState.PENDING, 30.0, LEFT) == 70.0
    assert lives.groups(export, 5, 30.0, LEFT) == ((1, 90.0), (4, 90.0))  # 1 PENDING, 4 not seen
    assert lives.life(JobKind.COPY, None, 30.0, LEFT) is None  # kinds apart
    # An exit the lives never saw enter changes nothing.
    lives.exited(JobKind.COPY, AsyncJobState.RUNNING, 0.0, 30.0, left=True)
    assert lives.dwell(JobKind.COPY, AsyncJobState.RUNNING, 30.0, LEFT) is None


def test_a_state_never_seen_counts_nothing_and_an_unknown_one_stops_the_estimate() -> None:
    lives = Lives()
    drs = JobKind.DRS_IMPORT
    # DRS imports go SUBMITTED, RESOLVING, RUNNING; PENDING, first in the model, is never seen.
    for state, dwell in ((DrsImportState.SUBMITTED, 5.0), (DrsImportState.RUNNING, 7.0)):
        lives.entered(drs, state, 0.0)
        lives.exited(drs, state, 0.0, dwell, left=True)
    assert lives.life(drs, None, 10.0, LEFT) == 12.0  # RESOLVING and PENDING never seen
    assert lives.life(drs, DrsImportState.RUNNING, 10.0, LEFT) == 7.0
    assert lives.life(drs, DrsImportState("QUEUED"), 10.0, LEFT) is None  # no known order


def test_groups_work_out_each_states_dwell_once(monkeypatch: pytest.MonkeyPatch) -> None:
    lives = Lives()
    export = JobKind.EXPORT
    for state in (ExportState.PENDING, ExportState.RUNNING):
        for _ in range(2):
            lives.entered(export, state, 0.0)
        lives.exited(export, state, 0.0, 10.0, left=True)
    asked: list[State] = []
    dwell = Lives.dwell

    def counted(self: Lives, kind: JobKind, state: State, now: float, left: float) -> float | None:
        asked.append(state)
        return dwell(self, kind, state, now, left)

    monkeypatch.setattr(Lives, "dwell", counted)
    groups = lives.groups(export, 3, 20.0, LEFT)
    # RUNNING counts in three lives (PENDING's, its own, the job not seen yet's), asked once.
    assert sorted(asked) == sorted([ExportState.PENDING, ExportState.RUNNING])
    each = {state: lives.life(export, state, 20.0, LEFT) for state in ExportState}
    # The same lives as asked one by one: 1 PENDING, 1 RUNNING, 1 not seen yet.
    assert groups == (
        (1, each[ExportState.PENDING]),
        (1, each[ExportState.RUNNING]),
        (1, lives.life(export, None, 20.0, LEFT)),
    )
    assert each[ExportState.PENDING] is not None
    assert each[ExportState.RUNNING] is not None

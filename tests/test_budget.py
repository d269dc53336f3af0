"""RateBudget: pacing against X-RateLimit-* values (table-tested, no I/O)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cavatica_async import RateBudget
from cavatica_async.budget import MAX_LIMIT, MAX_PAUSE, MIN_WAIT, RATE_WINDOW, RECHECK


def synced(
    remaining: int = 1000, reset: float = 300.0, now: float = 0.0, **kw: float
) -> RateBudget:
    """A budget that has seen one answer; no burst unless asked, so the even pace shows."""
    budget = RateBudget(**{"burst": 0.0, **kw})  # type: ignore[arg-type]
    budget.observe(1000, remaining, reset, now, counted=True)
    return budget


def test_nothing_known_lets_the_first_request_go() -> None:
    assert RateBudget().wait(0.0) == 0.0


def test_spends_the_fraction_evenly_until_the_reset() -> None:
    budget = synced()
    assert budget.wait(0.0) == 0.0
    budget.sent()
    budget.done()
    # 0.8 x 1000 requests over 300 s: one every 0.375 s.
    assert budget.wait(0.0) == pytest.approx(0.375)
    assert budget.wait(0.375) == pytest.approx(0.0, abs=1e-3)


@pytest.mark.parametrize(("fraction", "interval"), [(0.5, 0.6), (0.8, 0.375), (1.0, 0.3)])
def test_the_fraction_sets_the_pace(fraction: float, interval: float) -> None:
    budget = synced(fraction=fraction)
    assert budget.wait(0.0) == 0.0
    budget.sent()
    budget.done()
    assert budget.wait(0.0) == pytest.approx(interval)


def test_nothing_to_spare_waits_for_the_reset() -> None:
    budget = synced(remaining=1, reset=300.0)
    assert budget.wait(100.0) == pytest.approx(200.0)


def test_requests_in_flight_count_as_spent() -> None:
    budget = synced(remaining=2, reset=300.0)
    budget.sent()
    assert budget.wait(0.0) == pytest.approx(300.0)  # 0.8 x (2 - 1) < 1


def test_a_pause_holds_everything() -> None:
    budget = synced()
    budget.pause(50.0, 0.0)
    budget.pause(20.0, 0.0)  # a shorter pause never shortens a longer one
    assert budget.wait(10.0) == pytest.approx(40.0)


def test_after_the_reset_one_probe_at_a_time() -> None:
    budget = synced(remaining=0, reset=300.0)
    assert budget.wait(300.0) == 0.0
    budget.sent()
    assert budget.wait(300.5) == RECHECK


def test_a_clock_ahead_of_the_platforms_probes_once_a_recheck() -> None:
    # Our clock runs 5 s ahead: the platform's window ends at 305 where we believe 300. A probe
    # answered from the old window must not let the next go at once (back to back, they would
    # spend the rest of the window the share leaves to others).
    budget = synced(remaining=200, reset=300.0)
    budget.own_since_seen = 800  # the share is spent
    assert budget.wait(300.0) == 0.0
    budget.sent()
    budget.done()
    budget.observe(1000, 199, 300.0, 300.2, counted=True)  # still the old window
    assert budget.wait(300.2) == pytest.approx(RECHECK)
    assert budget.wait(300.2 + RECHECK) == 0.0
    budget.observe(1000, 999, 605.0, 305.1, counted=True)  # the new window
    assert budget.wait(305.1) == 0.0


def test_a_new_window_replaces_the_old_one() -> None:
    budget = synced(remaining=3, reset=300.0)
    budget.observe(1000, 999, 600.0, 301.0, counted=True)
    assert (budget.remaining, budget.reset, budget.window_seen) == (999, 600.0, 301.0)


def test_out_of_order_answers_keep_the_lowest_remaining() -> None:
    budget = synced(remaining=900)
    budget.observe(1000, 880, 300.0, 1.0, counted=True)
    budget.observe(1000, 890, 300.0, 1.1, counted=True)  # an older answer, arriving late
    assert budget.remaining == 880
    budget.observe(1000, 500, 100.0, 1.2, counted=True)  # from a window already over
    assert (budget.remaining, budget.reset) == (880, 300.0)


def test_other_consumers_are_projected_to_the_reset() -> None:
    budget = synced(remaining=1000, reset=300.0, now=0.0)
    for _ in range(50):
        budget.observe(1000, 800, 300.0, 100.0, counted=True)
    # 200 spent, 50 of them ours: 150 by others in 100 s = 1.5/s.
    assert budget.external_rate(100.0) == pytest.approx(1.5)
    assert budget.wait(100.0) == 0.0
    budget.sent()
    budget.done()
    # Ours: 0.8 x (1000 less the others' 150 spent and 1.5/s x 200 s to come) = 440, of which
    # 50 are spent: 390 over the 200 s left.
    assert budget.wait(100.0) == pytest.approx(200 / 390)


def test_free_calls_do_not_count_as_ours() -> None:
    budget = synced(remaining=1000, now=0.0)
    budget.observe(1000, 990, 300.0, 100.0, counted=False)
    assert budget.own_since_seen == 0
    assert budget.external_rate(100.0) == pytest.approx(0.1)


def test_early_in_a_window_the_estimate_is_spread_over_5_percent_of_it() -> None:
    budget = synced(remaining=1000, reset=300.0, now=0.0)
    budget.observe(1000, 985, 300.0, 0.01, counted=False)  # 15 strangers' requests in 10 ms?
    assert budget.external_rate(0.01) == pytest.approx(15 / 15.0)  # over 15 s, not 10 ms


def test_a_fresh_window_lets_a_burst_of_the_share_go_at_once_then_the_even_pace() -> None:
    budget = synced(burst=0.125)
    for n in range(100):  # an eighth of 0.8 x 1000
        assert budget.wait(0.0) == 0.0, n
        budget.sent()
        budget.done()
        budget.observe(1000, 999 - n, 300.0, 0.0, counted=True)
    # Ours: 0.8 x 1000, of which 100 are spent: 700 over 300 s.
    assert budget.wait(0.0) == pytest.approx(300 / 700)


def test_a_quiet_spell_saves_up_no_more_than_the_burst() -> None:
    budget = synced(burst=0.01)  # 8 requests of the 800 share
    assert budget.wait(0.0) == 0.0
    for _ in range(8):
        budget.sent()
        budget.done()
    assert budget.wait(0.0) > 0
    # 100 quiet seconds refill far more than 8 at 800 / 300 s, but the bucket holds 8.
    for _ in range(8):
        assert budget.wait(100.0) == 0.0
        budget.sent()
        budget.done()
    assert budget.wait(100.0) > 0


def test_a_burst_takes_only_its_share_of_what_is_left() -> None:
    budget = synced(remaining=40, burst=0.5)  # a share of 0.8 x 40 = 32: about half at once
    sent = 0
    while budget.wait(0.0) == 0.0:
        budget.sent()
        sent += 1
    assert sent == 16


def test_spending_without_pause_keeps_the_others_fraction_to_the_reset() -> None:
    budget = synced(remaining=1000, reset=300.0, now=0.0)
    now, spent = 0.0, 0
    while now < 300.0:
        wait = budget.wait(now)
        if wait > 0:
            now += wait
            continue
        budget.sent()
        budget.done()
        spent += 1
        budget.observe(1000, 1000 - spent, 300.0, now, counted=True)
    assert 790 <= spent <= 800  # 0.8 of the window, 200 left for the user's other calls


# --- implausible answers (issue 16): bounded beliefs ------------------------------------------


@pytest.mark.parametrize("until", [1e12, float("inf"), float("nan"), 10.0 + 5 * 365 * 86400])
def test_a_pause_never_lasts_longer_than_one_window(until: float) -> None:
    budget = synced()
    budget.pause(until, 10.0)
    assert budget.wait(10.0) == pytest.approx(MAX_PAUSE)
    assert budget.wait(10.0 + MAX_PAUSE) == 0.0


@pytest.mark.parametrize("reset", [4e9, 1e15, float("inf"), float("nan")])
def test_a_reset_years_ahead_is_not_believed_while_a_plausible_window_runs(reset: float) -> None:
    budget = synced()  # a window ending at 300
    before = budget.wait(1.0)
    budget.observe(1000, 999, reset, 1.0, counted=True)
    assert budget.reset == 300.0
    assert budget.wait(1.0) == pytest.approx(before)


def test_a_reset_years_ahead_on_its_own_is_one_window_until_a_plausible_one() -> None:
    budget = RateBudget(burst=0.0)
    budget.observe(1000, 1000, 4e9, 0.0, counted=True)  # year 2096: taken as 0 + 300
    assert budget.reset == RATE_WINDOW
    assert budget.wait(0.0) == 0.0
    budget.sent()
    budget.done()
    assert budget.wait(0.0) == pytest.approx(0.375)  # 800 over 300 s, not over 130 years
    budget.observe(1000, 990, 120.0, 1.0, counted=True)  # plausible, though earlier
    assert budget.reset == 120.0
    assert not budget.doubtful


def test_a_reset_far_in_the_past_changes_nothing_and_the_next_answer_restores() -> None:
    budget = synced()
    budget.observe(1000, 0, -1e9, 1.0, counted=True)  # 1938
    assert (budget.reset, budget.remaining) == (300.0, 1000)
    fresh = RateBudget(burst=0.0)
    fresh.observe(1000, 500, 0.0, 100.0, counted=True)  # the first answer: 1970
    assert fresh.wait(100.0) == 0.0  # the window is over: one probe
    fresh.sent()
    fresh.done()
    fresh.observe(1000, 999, 400.0, 101.0, counted=True)
    assert fresh.reset == 400.0


@pytest.mark.parametrize(("remaining", "kept"), [(10**12, 1000), (-5, 0)])
def test_remaining_is_kept_within_the_limit(remaining: int, kept: int) -> None:
    budget = RateBudget()
    budget.observe(1000, remaining, 300.0, 0.0, counted=True)
    assert budget.remaining == kept


@pytest.mark.parametrize("fraction", [0.0, -0.1, 1.01, float("nan"), float("inf")])
def test_a_fraction_outside_0_to_1_is_refused(fraction: float) -> None:
    with pytest.raises(ValueError, match=r"budget fraction must be in \(0, 1\]"):
        RateBudget(fraction=fraction)


def test_a_limit_too_large_for_a_float_is_bounded() -> None:
    budget = RateBudget()
    huge = 10**400
    budget.observe(huge, huge, 300.0, 0.0, counted=True)
    assert budget.limit == budget.remaining == MAX_LIMIT
    assert budget.wait(0.0) == 0.0


def test_no_wait_is_longer_than_one_window() -> None:
    budget = synced(remaining=0, reset=359.0)  # plausible: within the allowance for skew
    assert budget.wait(0.0) == MAX_PAUSE


def test_a_ticket_counts_its_request_done_exactly_once() -> None:
    budget = synced()
    with budget.take() as ticket:
        assert budget.inflight == 1
        ticket.done()
        assert budget.inflight == 0
    other = budget.take()
    budget.take().done()
    assert budget.inflight == 1  # `other` is still out
    other.done()
    other.done()
    assert budget.inflight == 0


@pytest.mark.parametrize(
    ("fraction", "remaining", "at_once"),
    [(0.8, 1000, 800), (0.5, 1000, 500), (0.8, 100, 80), (1.0, 10, 10)],
)
def test_room_wait_takes_the_share_at_once_then_waits_for_the_reset(
    fraction: float, remaining: int, at_once: int
) -> None:
    budget = synced(remaining=remaining, reset=300.0, fraction=fraction)
    taken = 0
    while budget.room_wait(10.0) == 0.0:
        with budget.take():  # answered at once, its headers counting it in the window
            taken += 1
            budget.observe(1000, remaining - taken, 300.0, 10.0, counted=True)
        assert taken <= remaining
    assert taken == at_once
    assert budget.room_wait(10.0) == pytest.approx(290.0)
    # The even pace would have let one through where room_wait let them all.
    assert synced(remaining=remaining, fraction=fraction).wait(10.0) == 0.0


@pytest.mark.parametrize(
    ("state", "expected"),
    [("nothing known", 0.0), ("paused", 30.0), ("window over, one in flight", RECHECK)],
)
def test_room_wait_follows_pauses_and_probes(state: str, expected: float) -> None:
    budget = RateBudget() if state == "nothing known" else synced()
    if state == "paused":
        budget.pause(40.0, 10.0)
    if state == "window over, one in flight":
        budget.sent()
        assert budget.room_wait(301.0) == expected
        return
    assert budget.room_wait(10.0) == expected


def test_a_request_off_the_pace_counts_against_the_share_not_the_bucket() -> None:
    budget = synced(burst=0.125)
    assert budget.wait(0.0) == 0.0  # the bucket starts full: 100 requests
    for n in range(300):  # a watcher's catch-up at its cadence, on room, not the pace
        with budget.take(paced=False):
            pass
        budget.observe(1000, 999 - n, 300.0, 0.0, counted=True)
    assert budget.outlook(0.0) == (pytest.approx(0.8 * 1000 - 300), 300.0)
    assert budget.wait(0.0) == 0.0  # the bucket is still full: an eighth of the 500 left
    with budget.take():
        pass
    assert budget.tokens == pytest.approx(0.125 * 500 - 1)


@pytest.mark.parametrize(
    ("tokens", "left"),
    [
        (None, 99.0),  # never looked at: the bucket starts full (an eighth of 800), less one
        (5.0, 4.0),
        (0.5, 0.0),  # never below empty
        (0.0, 0.0),
        (-3.0, -3.0),  # already owed: left as it is, not forgiven
    ],
)
def test_draining_takes_a_token_but_never_below_empty(tokens: float | None, left: float) -> None:
    budget = synced(burst=0.125)
    if tokens is not None:
        budget.wait(0.0)
        budget.tokens = tokens
    budget.drain(0.0)
    assert budget.tokens == pytest.approx(left)
    assert budget.inflight == 0  # nothing sent: it only spends the burst


@pytest.mark.parametrize("state", ["unknown", "paused", "nothing to spare"])
def test_draining_does_nothing_while_nothing_can_be_planned(state: str) -> None:
    budget = RateBudget()
    if state != "unknown":
        budget.observe(1000, 0 if state == "nothing to spare" else 1000, 300.0, 0.0, counted=True)
    if state == "paused":
        budget.pause(100.0, 0.0)
    budget.drain(0.0)
    assert budget.tokens is None


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("unknown", None),  # no answer yet: nothing to plan with
        ("paused", None),
        ("over", None),  # past the reset, before an answer from the next window
        ("running", (800.0, 300.0)),
    ],
)
def test_the_outlook_is_the_share_and_the_time_to_the_reset(
    state: str, expected: tuple[float, float] | None
) -> None:
    budget = RateBudget() if state == "unknown" else synced()
    if state == "paused":
        budget.pause(10.0, 0.0)
    now = 301.0 if state == "over" else 0.0
    assert budget.outlook(now) == expected


def test_a_token_short_by_a_rounding_error_is_whole() -> None:
    budget = synced()
    budget.wait(10.0)
    budget.tokens = 1 - 4e-16  # what `tokens -= 1` leaves of a bucket of 1.9999999999999996
    assert budget.wait(10.0) == 0.0  # not a wait of 1e-16 s, which no clock can sleep
    budget.tokens = 1 - 1e-2  # a real deficit waits for its share of the pace
    assert budget.wait(10.0) == pytest.approx(1e-2 * 290 / 800)
    budget.tokens = 1 - 1e-6  # one under a microsecond: raised to a wait that moves a clock
    assert budget.wait(10.0) == MIN_WAIT


@given(
    remaining=st.integers(2, 1000),
    now=st.floats(0.0, 299.0),
    # Any bucket, and buckets a few ulps short of a token (what `tokens -= 1` leaves of 1.9...).
    tokens=st.floats(-5.0, 1.0, exclude_max=True)
    | st.integers(1, 64).map(lambda k: 1 - k * 2**-53),
    burst=st.sampled_from([0.0, 0.125]),
)
def test_after_waiting_what_the_budget_said_a_request_may_go(
    remaining: int, now: float, tokens: float, burst: float
) -> None:
    """The wait is enough whatever the rounding: one look after it, the request goes. (Before,
    a bucket a few ulps short asked for waits of 1e-16 s, which left `now + wait == now`: on a
    virtual clock the watcher asked again at the same time forever.)"""
    budget = synced(remaining=remaining, burst=burst)
    if budget.wait(now) > 0:
        return  # nothing to spare before the reset
    budget.tokens = tokens
    waited = budget.wait(now)
    assume(0 < waited < 300.0 - now)
    assert budget.wait(now + waited) == 0.0

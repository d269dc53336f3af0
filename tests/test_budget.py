"""RateBudget: pacing against X-RateLimit-* values (table-tested, no I/O)."""

from __future__ import annotations

import pytest

from cavatica_async import RateBudget
from cavatica_async.budget import RECHECK


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

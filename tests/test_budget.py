"""RateBudget: pacing against X-RateLimit-* values (table-tested, no I/O)."""

from __future__ import annotations

import pytest

from cavatica_async import RateBudget
from cavatica_async.budget import RECHECK


def synced(
    remaining: int = 1000, reset: float = 300.0, now: float = 0.0, **kw: float
) -> RateBudget:
    budget = RateBudget(**kw)  # type: ignore[arg-type]
    budget.observe(1000, remaining, reset, now, counted=True)
    return budget


def test_nothing_known_lets_the_first_request_go() -> None:
    assert RateBudget().wait(0.0) == 0.0


def test_spends_the_fraction_evenly_until_the_reset() -> None:
    budget = synced()
    assert budget.wait(0.0) == 0.0
    budget.sent(0.0)
    budget.done()
    # 0.8 x 1000 requests over 300 s: one every 0.375 s.
    assert budget.wait(0.0) == pytest.approx(0.375)
    assert budget.wait(0.375) == pytest.approx(0.0, abs=1e-3)


@pytest.mark.parametrize(("fraction", "interval"), [(0.5, 0.6), (0.8, 0.375), (1.0, 0.3)])
def test_the_fraction_sets_the_pace(fraction: float, interval: float) -> None:
    budget = synced(fraction=fraction)
    budget.sent(0.0)
    budget.done()
    assert budget.wait(0.0) == pytest.approx(interval)


def test_nothing_to_spare_waits_for_the_reset() -> None:
    budget = synced(remaining=1, reset=300.0)
    assert budget.wait(100.0) == pytest.approx(200.0)


def test_requests_in_flight_count_as_spent() -> None:
    budget = synced(remaining=2, reset=300.0)
    budget.sent(0.0)
    assert budget.wait(0.0) == pytest.approx(300.0)  # 0.8 x (2 - 1) < 1


def test_a_pause_holds_everything() -> None:
    budget = synced()
    budget.pause(50.0)
    budget.pause(20.0)  # a shorter pause never shortens a longer one
    assert budget.wait(10.0) == pytest.approx(40.0)


def test_after_the_reset_one_probe_at_a_time() -> None:
    budget = synced(remaining=0, reset=300.0)
    assert budget.wait(300.0) == 0.0
    budget.sent(300.0)
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
    budget.sent(100.0)
    budget.done()
    # 800 left minus 1.5/s x 200 s for the others = 500; 0.8 x 500 over 200 s: every 0.5 s.
    assert budget.wait(100.0) == pytest.approx(0.5)


def test_free_calls_do_not_count_as_ours() -> None:
    budget = synced(remaining=1000, now=0.0)
    budget.observe(1000, 990, 300.0, 100.0, counted=False)
    assert budget.own_since_seen == 0
    assert budget.external_rate(100.0) == pytest.approx(0.1)


def test_early_in_a_window_the_estimate_is_spread_over_5_percent_of_it() -> None:
    budget = synced(remaining=1000, reset=300.0, now=0.0)
    budget.observe(1000, 985, 300.0, 0.01, counted=False)  # 15 strangers' requests in 10 ms?
    assert budget.external_rate(0.01) == pytest.approx(15 / 15.0)  # over 15 s, not 10 ms

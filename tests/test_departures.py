"""Departures by age: the doubling bins and the stay left from the rate at an age, by tables."""

from __future__ import annotations

import math

import pytest

from cavatica_async.departures import AGE_BINS, RATE_KNOWN, AgeRates, age_bin, rate_life


@pytest.mark.parametrize(
    ("age", "index"),
    [
        (0.0, 0),
        (1.99, 0),
        (2.0, 1),
        (3.9, 1),
        (4.0, 2),
        (31.0, 4),
        (32.0, 5),
        (1e12, AGE_BINS - 1),  # decades on: the last bin
        (-5.0, 0),  # a clock that went back
        (math.nan, 0),
        (math.inf, AGE_BINS - 1),
    ],
)
def test_ages_go_in_doubling_bins(age: float, index: int) -> None:
    assert age_bin(age) == index


def bins(**by_index: tuple[float, int]) -> tuple[list[float], list[int]]:
    """Time watched and departures per bin, from `b<index>=(time, departures)`."""
    watched, left = [0.0] * AGE_BINS, [0] * AGE_BINS
    for name, (time, departures) in by_index.items():
        watched[int(name[1:])], left[int(name[1:])] = time, departures
    return watched, left


@pytest.mark.parametrize(
    ("record", "age", "life"),
    [
        # 20 departures over 400 s watched at 16-32 s of age: one every 20 s; no bin before.
        (bins(b4=(400.0, 20)), 20.0, 20.0),
        # The rate rose with age (1/100 s at 8-16 s, 1/20 s at 16-32 s): its inverse counts.
        (bins(b3=(1000.0, 10), b4=(400.0, 20)), 20.0, 20.0),
        # The same rate as before: counts too.
        (bins(b3=(200.0, 10), b4=(400.0, 20)), 31.0, 20.0),
        # The rate fell with age (1/5 s, then 1/20 s): a stay may be far longer; nothing said.
        (bins(b3=(50.0, 10), b4=(400.0, 20)), 20.0, None),
        # Too few departures at this age to go by, however short they make the stay.
        (bins(b4=(10.0, RATE_KNOWN - 1)), 20.0, None),
        (bins(b4=(400.0, RATE_KNOWN)), 20.0, 400.0 / RATE_KNOWN),
        # Nothing seen at this age (only younger): nothing said.
        (bins(b3=(400.0, 20)), 20.0, None),
        # Departures with no time watched cannot be a rate.
        (bins(b4=(0.0, 20)), 20.0, None),
        # A bin before with time watched and no departure: a rate of 0, so the rate rose.
        (bins(b3=(500.0, 0), b4=(400.0, 20)), 20.0, 20.0),
        # The first bin has no bin before.
        (bins(b0=(100.0, 10)), 1.0, 10.0),
    ],
)
def test_the_stay_left_is_the_inverse_rate_where_it_does_not_fall(
    record: tuple[list[float], list[int]], age: float, life: float | None
) -> None:
    watched, left = record
    assert rate_life(watched, left, age) == life


def test_each_look_counts_its_time_at_the_middle_age_and_bad_ones_count_nothing() -> None:
    rates = AgeRates()
    for _ in range(RATE_KNOWN):
        rates.seen(10.0, 30.0, left=True)  # 20 s each, counted at 20 s of age (16-32 s)
    rates.seen(10.0, 30.0, left=False)
    assert rates.watched[4] == 20.0 * (RATE_KNOWN + 1)
    assert rates.left[4] == RATE_KNOWN
    assert rates.life(25.0) == pytest.approx(20.0 * (RATE_KNOWN + 1) / RATE_KNOWN)
    for since, until in ((30.0, 10.0), (5.0, 5.0), (-1.0, 5.0), (0.0, math.inf), (math.nan, 1)):
        rates.seen(since, until, left=True)
    assert sum(rates.left) == RATE_KNOWN
    assert sum(rates.watched) == 20.0 * (RATE_KNOWN + 1)

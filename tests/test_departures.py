"""Departures by age: the doubling bins and the stay left from the rate at an age, by tables."""

from __future__ import annotations

import math

import pytest

from cavatica_async.departures import (
    AGE_BINS,
    RATE_KNOWN,
    RISING,
    AgeRates,
    age_bin,
    rate_ahead,
    rate_life,
)


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


# Rates rising RISING times from bin to bin over bins 2-4 (4-32 s of age): 1/400, 1/100, 1/25 s.
STEEP = {"b2": (400.0 * RATE_KNOWN, RATE_KNOWN), "b3": (100.0 * RATE_KNOWN, RATE_KNOWN)}


@pytest.mark.parametrize(
    ("record", "age", "life"),
    [
        # Jobs 40 s in (32-64 s), no departure seen at that age yet: the rate at 16-32 s, which
        # rose 4x from bin to bin, counts on.
        (bins(**STEEP, b4=(25.0 * RATE_KNOWN, RATE_KNOWN)), 40.0, 25.0),
        # Some departures at their age, fewer than RATE_KNOWN: still ahead of the evidence.
        (bins(**STEEP, b4=(25.0 * RATE_KNOWN, RATE_KNOWN), b5=(50.0, RATE_KNOWN - 1)), 40.0, 25.0),
        # Enough departures at their age: that bin's own rate decides (`rate_life`), not this.
        (bins(**STEEP, b4=(25.0 * RATE_KNOWN, RATE_KNOWN), b5=(50.0, RATE_KNOWN)), 40.0, None),
        # A rate that rose, but gently (1.2x, then 1.2x): it may be at its peak.
        (bins(b2=(144.0, 8), b3=(120.0, 8), b4=(100.0, 8)), 40.0, None),
        # Steep, then gentle: the last step decides.
        (bins(**STEEP, b4=(80.0 * RATE_KNOWN, RATE_KNOWN)), 40.0, None),
        # The bin before with too few departures: nothing to take on.
        (bins(**STEEP, b4=(25.0, RATE_KNOWN - 1)), 40.0, None),
        # A bin of the three never watched: no trend to go by.
        (bins(b3=(100.0 * RATE_KNOWN, RATE_KNOWN), b4=(25.0 * RATE_KNOWN, RATE_KNOWN)), 40.0, None),
        # Too young for three bins before its own.
        (bins(b0=(1.0, 1), b1=(1.0, 4), b2=(1.0, 16)), 5.0, None),
    ],
)
def test_a_steeply_rising_rate_counts_past_the_ages_seen(
    record: tuple[list[float], list[int]], age: float, life: float | None
) -> None:
    watched, left = record
    assert rate_ahead(watched, left, age) == life


def test_rising_means_each_bin_at_least_rising_times_the_one_before() -> None:
    watched, left = bins(b2=(RISING**2, 1), b3=(RISING, 1), b4=(1.0 / RATE_KNOWN, 1))
    left[4] = RATE_KNOWN  # the rate at 16-32 s: RATE_KNOWN^2 per second, far above
    assert rate_ahead(watched, left, 40.0) == pytest.approx(1.0 / RATE_KNOWN**2)
    watched[3] *= 1.01  # the middle step a hair short of RISING
    assert rate_ahead(watched, left, 40.0) is None


def test_the_records_life_goes_by_the_rate_past_the_ages_seen() -> None:
    rates = AgeRates()
    rates.watched, rates.left = bins(**STEEP, b4=(25.0 * RATE_KNOWN, RATE_KNOWN))
    assert rate_life(rates.watched, rates.left, 40.0) is None  # nothing at 32-64 s yet
    assert rates.life(40.0) == 25.0
    assert rates.life(20.0) == 25.0  # at 16-32 s its own rate, rising: the same

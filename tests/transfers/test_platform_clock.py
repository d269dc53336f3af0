"""How far back reconciliation looks: a minute, plus how far the platform's clock is behind."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from cavatica_async.transfers.platform_clock import MOST_BEHIND, SKEW, allowance

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (formatdate(NOW, usegmt=True), SKEW),  # the same clock
        (formatdate(NOW - 75, usegmt=True), SKEW + 75),  # the platform 75 s behind
        (formatdate(NOW + 600, usegmt=True), SKEW),  # ahead: its jobs only seem later
        (formatdate(NOW - 10 * MOST_BEHIND, usegmt=True), SKEW + MOST_BEHIND),  # at most a day
        ("Fri, 15 Jan 2027 07:59:00 -0000", SKEW + 60),  # -0000 is UTC
        (None, SKEW),
        ("", SKEW),
        ("yesterday", SKEW),
        ("Mon, 30 Nov 99999 10:00:00 GMT", SKEW),
        ("Mon, 31 Feb 2026 10:00:00 GMT", SKEW),
    ],
)
def test_the_allowance(date: str | None, expected: float) -> None:
    assert allowance(date, NOW) == pytest.approx(expected)

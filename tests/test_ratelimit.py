"""Rate-limit headers and Retry-After, in every form the docs show."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cavatica_async.models import RateLimit
from cavatica_async.ratelimit import rate_limit_from_headers, retry_at_from_headers

NOW = 1_700_000_000.0


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


@pytest.mark.parametrize(
    ("reset", "expected"),
    [
        ("1489700093", at(1489700093)),  # seconds (CGC example)
        ("1445694506797", at(1445694506.797)),  # milliseconds (CAVATICA example)
    ],
)
def test_headers_give_the_rate_limit(reset: str, expected: datetime) -> None:
    headers = {
        "x-ratelimit-limit": "1000",
        "x-ratelimit-remaining": "997",
        "x-ratelimit-reset": reset,
    }
    assert rate_limit_from_headers(headers) == RateLimit(limit=1000, remaining=997, reset=expected)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-ratelimit-limit": "1000", "x-ratelimit-remaining": "3"},
        {"x-ratelimit-limit": "lots", "x-ratelimit-remaining": "3", "x-ratelimit-reset": "1"},
        {"x-ratelimit-limit": "1000", "x-ratelimit-remaining": "3", "x-ratelimit-reset": "soon"},
        {"x-ratelimit-limit": "1000", "x-ratelimit-remaining": "3", "x-ratelimit-reset": "1e400"},
    ],
)
def test_missing_or_malformed_headers_give_nothing(headers: dict[str, str]) -> None:
    assert rate_limit_from_headers(headers) is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "30"}, at(NOW + 30)),
        ({"retry-after": "2.5", "x-ratelimit-reset": "1"}, at(NOW + 2.5)),
        ({"retry-after": "Tue, 14 Nov 2023 22:14:00 GMT"}, at(NOW + 40)),
        ({"retry-after": "whenever", "x-ratelimit-reset": "1700000100"}, at(NOW + 100)),
        ({"retry-after": "-3", "x-ratelimit-reset": "1700000100"}, at(NOW + 100)),
        ({"x-ratelimit-reset": "1700000100000"}, at(NOW + 100)),
        ({"x-ratelimit-reset": "garbage"}, None),
        ({}, None),
    ],
)
def test_retry_at(headers: dict[str, str], expected: datetime | None) -> None:
    assert retry_at_from_headers(headers, NOW) == expected

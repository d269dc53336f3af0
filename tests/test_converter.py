"""The converter's lenient rules: timestamps, numeric strings, decode errors naming fields."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from cavatica_async.converter import parse_int, parse_timestamp, structure
from cavatica_async.errors import DecodeError
from cavatica_async.models import RateLimit


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-22T10:00:00Z", datetime(2026, 11, 22, 10, tzinfo=timezone.utc)),
        ("2026-11-22T10:00:00.5+00:00", datetime(2026, 11, 22, 10, 0, 0, 500000, timezone.utc)),
        ("2026-11-22T10:00:00.123456789Z", datetime(2026, 11, 22, 10, 0, 0, 123456, timezone.utc)),
        (
            "2026-11-22T12:00:00+02:00",
            datetime(2026, 11, 22, 12, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("2026-11-22T10:00:00", datetime(2026, 11, 22, 10, tzinfo=timezone.utc)),
        (1489700093, datetime(2017, 3, 16, 21, 34, 53, tzinfo=timezone.utc)),
        ("1489700093", datetime(2017, 3, 16, 21, 34, 53, tzinfo=timezone.utc)),
        (1445694506797, datetime(2015, 10, 24, 13, 48, 26, 797000, tzinfo=timezone.utc)),
    ],
)
def test_timestamps(value: object, expected: datetime) -> None:
    parsed = parse_timestamp(value)
    assert parsed == expected
    assert parsed.tzinfo is not None


@pytest.mark.parametrize("value", ["yesterday", None, True, [], "nan", float("inf")])
def test_bad_timestamps_raise(value: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        parse_timestamp(value)


@pytest.mark.parametrize(
    ("value", "expected"), [(3, 3), ("42", 42), (" 7 ", 7), ("-1", -1), (5.0, 5)]
)
def test_integers(value: object, expected: int) -> None:
    assert parse_int(value) == expected


@pytest.mark.parametrize("value", [True, 1.5, "1.5", "", "ten", None])
def test_bad_integers_raise(value: object) -> None:
    with pytest.raises(ValueError, match="expected an integer"):
        parse_int(value)


def test_rate_limit_body() -> None:
    body = {
        "rate": {"limit": 1000, "remaining": "998", "reset": 1445694506797},
        "instance_limit": {"limit": -1, "remaining": 0},
        "unknown": "ignored",
    }
    assert structure(body, RateLimit, what="body") == RateLimit(
        limit=1000,
        remaining=998,
        reset=datetime(2015, 10, 24, 13, 48, 26, 797000, tzinfo=timezone.utc),
        instance_limit=-1,
        instance_remaining=0,
    )


def test_rate_limit_body_without_instance_limit() -> None:
    body = {"rate": {"limit": 1000, "remaining": 5, "reset": 1489700093}}
    assert structure(body, RateLimit, what="body").instance_limit is None


def test_decode_error_names_the_field() -> None:
    body = {"rate": {"limit": 1000, "reset": 1489700093}}
    with pytest.raises(
        DecodeError, match=r"GET /rate_limit body does not fit RateLimit: .*remaining"
    ):
        structure(body, RateLimit, what="GET /rate_limit body")


def test_decode_error_for_wrong_types() -> None:
    with pytest.raises(DecodeError, match=r"limit"):
        structure({"rate": {"limit": "many", "remaining": 1, "reset": 1}}, RateLimit, what="b")
    with pytest.raises(DecodeError, match="does not fit RateLimit"):
        structure(["not", "a", "dict"], RateLimit, what="b")

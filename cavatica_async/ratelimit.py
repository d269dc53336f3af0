"""Reading the platform's rate-limit signals from response headers."""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from cavatica_async.converter import parse_int, parse_timestamp
from cavatica_async.models import RateLimit


def rate_limit_from_headers(headers: Mapping[str, str]) -> RateLimit | None:
    """The `X-RateLimit-*` values of a response, or None when absent or malformed.

    Every response carries them (https://docs.sevenbridges.com/docs/api-rate-limit).
    """
    limit = headers.get("x-ratelimit-limit")
    remaining = headers.get("x-ratelimit-remaining")
    reset = headers.get("x-ratelimit-reset")
    if limit is None or remaining is None or reset is None:
        return None
    try:
        return RateLimit(
            limit=parse_int(limit), remaining=parse_int(remaining), reset=parse_timestamp(reset)
        )
    except (ValueError, TypeError, OverflowError, OSError):
        return None


def retry_at_from_headers(headers: Mapping[str, str], now: float) -> datetime | None:
    """When a 429 may be retried: `Retry-After` if sent, else `X-RateLimit-Reset`."""
    retry_after = headers.get("retry-after")
    if retry_after is not None:
        at = _parse_retry_after(retry_after.strip(), now)
        if at is not None:
            return at
    reset = headers.get("x-ratelimit-reset")
    try:
        return parse_timestamp(reset) if reset is not None else None
    except (ValueError, TypeError, OverflowError, OSError):
        return None


def _parse_retry_after(value: str, now: float) -> datetime | None:
    # RFC 9110 §10.2.3: delay-seconds or an HTTP-date.
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        if seconds >= 0:
            return datetime.fromtimestamp(now, tz=timezone.utc) + timedelta(seconds=seconds)
        return None
    try:
        at = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)

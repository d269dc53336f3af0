"""Reading the platform's rate-limit signals from response headers, trusting none of them far."""

from __future__ import annotations

import email.utils
import math
from collections.abc import Mapping
from datetime import datetime, timezone

from cavatica_async.budget import MAX_PAUSE
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
    """When a 429 may be retried: `Retry-After` if usable, else `X-RateLimit-Reset`.

    The answer is never before `now` nor more than `MAX_PAUSE` (one rate window) after it, so
    a `Retry-After` of a year or of 1e20 is taken as one window; a value that is neither a
    number of seconds nor a date is ignored.
    """
    at = _retry_after(headers.get("retry-after"), now)
    if at is None:
        at = _reset(headers.get("x-ratelimit-reset"))
    if at is None:
        return None
    return datetime.fromtimestamp(min(max(at, now), now + MAX_PAUSE), tz=timezone.utc)


def _retry_after(value: str | None, now: float) -> float | None:
    # Delay-seconds or an HTTP-date (https://www.rfc-editor.org/rfc/rfc9110#field.retry-after).
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        if math.isnan(seconds) or seconds < 0:
            return None
        return now + min(seconds, MAX_PAUSE)  # inf and 1e20 included
    try:
        date = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return (date if date.tzinfo else date.replace(tzinfo=timezone.utc)).timestamp()


def _reset(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return parse_timestamp(value).timestamp()
    except (ValueError, TypeError, OverflowError, OSError):
        return None

"""How far back reconciliation looks for a job: the platform's clock may be behind ours.

A job found after a crash is the item's only if it started after the item's start was
announced, in our clock; the job's time is in the platform's. If the platform's clock is
behind, the job seems to have started before the announcement, and a window of a fixed
minute would miss it: the item would be started twice. So the window grows by how far the
platform's clock is behind, read from the `Date` header of an answer (every HTTP server with
a clock sends one) (docs/transfers.md#reconciliation).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timezone
from email.utils import parsedate_to_datetime

from cavatica_async.client import CavaticaClient

SKEW = 60.0  # seconds the clocks may differ by beyond what the Date header shows (its rounding)
MOST_BEHIND = 86_400.0  # a Date further back than a day widens the window by a day, no more


def allowance(date_header: str | None, now: float) -> float:
    """Seconds before an announcement that its job may seem to have started: SKEW, plus how
    far the platform's clock (the answer's `Date`) is behind `now`, up to MOST_BEHIND. A
    missing or unreadable Date leaves SKEW. A clock ahead of ours needs nothing more: its jobs
    only seem later."""
    if not date_header:
        return SKEW
    try:
        moment = parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError, OverflowError):
        return SKEW
    if moment.tzinfo is None:  # "-0000": UTC, says RFC 5322
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        behind = now - moment.timestamp()
    except (OverflowError, ValueError, OSError):
        return SKEW
    if not math.isfinite(behind):
        return SKEW
    return SKEW + min(max(behind, 0.0), MOST_BEHIND)


async def reconcile_allowance(client: CavaticaClient, now: Callable[[], float]) -> float:
    """`allowance` from the platform's answer to `GET /rate_limit` (a call it does not count)
    and our clock `now` when the answer came."""
    answer = await client.transport.request("GET", "/rate_limit", free=True)
    return allowance(answer.headers.get("date"), now())

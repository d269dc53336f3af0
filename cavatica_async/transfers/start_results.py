"""What a start call's answer says of one item: started, refused, to send again, or unknown.

A pure rule, tested by a table. An item the platform may have accepted is never sent again
before reconciliation looks for it (docs/platform.md#bulk-calls):
- an answer item with a resource: started, with that job (unknown if its id could not name
  the job in a later call);
- an error the platform gave about the item or the whole call with a 4xx status: refused,
  nothing was started (a 429, the rate limit, and a 408, a timeout, are the exceptions:
  nothing started, send later);
- maintenance (503, code 0): nothing was started, send later;
- 401, the token refused: nothing was started and no start can be until the token is fixed:
  the item is planned again and the run stops;
- anything else (a 5xx, a connection lost after sending, an answer that left the item out):
  unknown, left `starting` for reconciliation.
"""

from __future__ import annotations

import enum
from typing import Any, TypeGuard

import attrs

from cavatica_async.errors import ErrorCode
from cavatica_async.models import ApiErrorInfo, BulkItem
from cavatica_async.paths import check_id


class StartVerdict(enum.Enum):
    """What became of one item's start."""

    STARTED = "started"
    REFUSED = "refused"
    LATER = "later"  # certainly not started: plan it again
    STOP = "stop"  # not started, and nothing can be (401): plan it again and stop the run
    UNKNOWN = "unknown"  # may have started: reconcile before anything else


@attrs.frozen
class StartResult:
    """The verdict on one item, with the job id (started) or the platform's error."""

    verdict: StartVerdict
    job_id: str | None = None
    error: ApiErrorInfo | None = None


def start_result(item: BulkItem[Any]) -> StartResult:
    """The verdict on one item of a bulk start's answer."""
    if item.resource is not None:
        job_id = getattr(item.resource, "id", None)
        if usable_job_id(job_id):
            return StartResult(StartVerdict.STARTED, job_id=job_id)
        # A job the answer would not name, or by an id no later call could use.
        return StartResult(StartVerdict.UNKNOWN)
    error = item.error
    status = error.status if error is not None else None
    if status in (408, 429) or (
        status == 503 and error is not None and error.code == ErrorCode.MAINTENANCE
    ):
        return StartResult(StartVerdict.LATER, error=error)
    if status == 401:
        return StartResult(StartVerdict.STOP, error=error)
    if status is not None and 400 <= status < 500:
        return StartResult(StartVerdict.REFUSED, error=error)
    return StartResult(StartVerdict.UNKNOWN, error=error)


def usable_job_id(job_id: object) -> TypeGuard[str]:
    """Whether `job_id` can name a job in the calls that read it (one path segment): an id
    that cannot would be recorded and then fail every run that watches it."""
    try:
        check_id(job_id, "job id")
    except (TypeError, ValueError):
        return False
    return True

"""What a failed poll means for the watch: a pure decision from the error and where it came from.

docs/watcher.md#failures states the rules; the HTTP status rules themselves live with the error
classes (`errors.is_permanent`, `errors.TOKEN_STATUSES`).
"""

from __future__ import annotations

import enum

from cavatica_async.errors import (
    TOKEN_STATUSES,
    ApiError,
    CavaticaError,
    ClientClosedError,
    DecodeError,
    MaintenanceError,
    RateLimitError,
    is_permanent,
)
from cavatica_async.models import ApiErrorInfo


class Scope(enum.Enum):
    """What the failed request read."""

    JOB = "one job"  # a single GET, or one item of a bulk answer
    BATCH = "a bulk call"  # a whole bulk get of up to 100 jobs
    LIST = "a job-list page"


class Verdict(enum.Enum):
    """What the watch does about a failure."""

    RETRY = "poll again after a backoff"  # 5xx, 408, the network, a body that is not JSON
    RATE_LIMITED = "pause every poll until the reset"
    MAINTENANCE = "pause every poll, backing off"
    UNKNOWN_JOB = "report the job once with the error"  # 404 and other refusals of one job
    BAD_ANSWER = "count an answer that can never be read"  # reported at max_bad_answers
    LIST_REFUSED = "read the listed kinds one by one from now on"
    FATAL = "end the watch"  # the token refused, the client closed, a whole bulk call refused


def classify(error: CavaticaError, scope: Scope) -> Verdict:
    """The verdict on a poll that raised `error` while reading `scope`."""
    if isinstance(error, ClientClosedError):
        return Verdict.FATAL
    if isinstance(error, DecodeError):
        if not error.permanent:
            return Verdict.RETRY
        return Verdict.LIST_REFUSED if scope is Scope.LIST else Verdict.BAD_ANSWER
    if not isinstance(error, ApiError):
        return Verdict.RETRY  # the network, a timeout, anything unforeseen
    if error.status in TOKEN_STATUSES:
        return Verdict.FATAL
    if isinstance(error, RateLimitError):
        return Verdict.RATE_LIMITED
    if isinstance(error, MaintenanceError):
        return Verdict.MAINTENANCE
    if not is_permanent(error.status):
        return Verdict.RETRY
    return {
        Scope.JOB: Verdict.UNKNOWN_JOB,
        Scope.BATCH: Verdict.FATAL,  # nothing later would go better for any job in it
        Scope.LIST: Verdict.LIST_REFUSED,
    }[scope]


def classify_item(error: ApiErrorInfo) -> Verdict:
    """The verdict on one item's error object in a bulk answer (HTTP 200 as a whole): a
    refusal of that job, 401 and 403 included, reports it; anything else is asked again."""
    return Verdict.UNKNOWN_JOB if is_permanent(error.status) else Verdict.RETRY

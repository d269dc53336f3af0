"""The watcher's verdict on a failed poll: a table of errors and scopes."""

from __future__ import annotations

import pytest

from cavatica_async.errors import (
    ApiError,
    CavaticaError,
    ClientClosedError,
    DecodeError,
    TransportError,
    TransportTimeoutError,
    error_class,
)
from cavatica_async.failures import Scope, Verdict, classify, classify_item
from cavatica_async.models import ApiErrorInfo

JOB, BATCH, LIST = Scope.JOB, Scope.BATCH, Scope.LIST


def api(status: int, code: int | None = None) -> ApiError:
    return error_class(status, code)(
        "x", status=status, method="GET", url="https://h/v2/x", code=code
    )


@pytest.mark.parametrize(
    ("status", "code", "scope", "verdict"),
    [
        (401, 90001, JOB, Verdict.FATAL),
        (403, 90002, BATCH, Verdict.FATAL),
        (403, 90002, LIST, Verdict.FATAL),
        (429, 1000, JOB, Verdict.RATE_LIMITED),
        (429, 1000, LIST, Verdict.RATE_LIMITED),
        (503, 0, JOB, Verdict.MAINTENANCE),
        (503, 90005, JOB, Verdict.RETRY),
        (500, 90004, BATCH, Verdict.RETRY),
        (502, None, LIST, Verdict.RETRY),
        (408, None, JOB, Verdict.RETRY),
        (404, 9008, JOB, Verdict.UNKNOWN_JOB),
        (404, 10211, JOB, Verdict.UNKNOWN_JOB),
        (400, 90000, JOB, Verdict.UNKNOWN_JOB),
        (404, 90003, BATCH, Verdict.FATAL),  # a whole bulk call refused
        (400, 90000, LIST, Verdict.LIST_REFUSED),
        (405, 90006, LIST, Verdict.LIST_REFUSED),
        (302, None, JOB, Verdict.RETRY),
    ],
)
def test_api_errors(status: int, code: int | None, scope: Scope, verdict: Verdict) -> None:
    assert classify(api(status, code), scope) is verdict


@pytest.mark.parametrize(
    ("error", "scope", "verdict"),
    [
        (ClientClosedError("closed"), JOB, Verdict.FATAL),
        (TransportError("reset", method="GET", url="u", request_sent=True), BATCH, Verdict.RETRY),
        (
            TransportTimeoutError("slow", method="GET", url="u", request_sent=True),
            JOB,
            Verdict.RETRY,
        ),
        (DecodeError("an HTML page"), JOB, Verdict.RETRY),
        (DecodeError("a state of 5", permanent=True), JOB, Verdict.BAD_ANSWER),
        (DecodeError("no items", permanent=True), BATCH, Verdict.BAD_ANSWER),
        (DecodeError("no items", permanent=True), LIST, Verdict.LIST_REFUSED),
        (CavaticaError("unexpected RuntimeError"), BATCH, Verdict.RETRY),
    ],
)
def test_other_errors(error: CavaticaError, scope: Scope, verdict: Verdict) -> None:
    assert classify(error, scope) is verdict


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (404, Verdict.UNKNOWN_JOB),
        (403, Verdict.UNKNOWN_JOB),  # about that job, not the token: the call as a whole was 200
        (400, Verdict.UNKNOWN_JOB),
        (500, Verdict.RETRY),
        (429, Verdict.RETRY),
        (None, Verdict.RETRY),
    ],
)
def test_bulk_item_errors(status: int | None, verdict: Verdict) -> None:
    assert classify_item(ApiErrorInfo(status=status, message="x")) is verdict

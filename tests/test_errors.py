"""The error hierarchy: status mapping, codes, messages."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cavatica_async.errors import (
    ApiError,
    BadRequestError,
    ConflictError,
    ErrorCode,
    ForbiddenError,
    MaintenanceError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UnauthorizedError,
    body_excerpt,
    error_class,
)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, 9107, BadRequestError),
        (401, None, UnauthorizedError),
        (403, 9006, ForbiddenError),
        (404, 9008, NotFoundError),
        (409, None, ConflictError),
        (429, 1000, RateLimitError),
        (503, 0, MaintenanceError),
        (503, None, ServerError),
        (503, 90005, ServerError),
        (500, None, ServerError),
        (502, None, ServerError),
        (504, None, ServerError),
        (405, None, ApiError),
        (422, None, ApiError),
    ],
)
def test_error_class_per_status_and_code(
    status: int, code: int | None, expected: type[ApiError]
) -> None:
    assert error_class(status, code) is expected


def test_maintenance_is_a_server_error() -> None:
    assert issubclass(MaintenanceError, ServerError)


def test_message_names_status_code_request_and_link() -> None:
    error = NotFoundError(
        "Requested job does not exist.",
        status=404,
        method="GET",
        url="https://api.test/v2/storage/exports/abc",
        code=9008,
        more_info="https://docs.sevenbridges.com/reference#api-status-codes",
        request_id="req-1",
    )
    assert str(error) == (
        "HTTP 404, code 9008 JOB_NOT_FOUND from GET https://api.test/v2/storage/exports/abc: "
        "Requested job does not exist. "
        "(more info: https://docs.sevenbridges.com/reference#api-status-codes) [request id req-1]"
    )
    assert error.code == ErrorCode.JOB_NOT_FOUND


def test_unknown_code_is_kept_without_a_name() -> None:
    error = ApiError("teapot", status=418, method="GET", url="u", code=77777)
    assert error.code_name is None
    assert str(error) == "HTTP 418, code 77777 from GET u: teapot"


def test_non_json_body_is_shown_as_an_excerpt() -> None:
    error = ServerError(
        "ignored", status=504, method="GET", url="u", body_excerpt="<html><body>504</body></html>"
    )
    assert str(error) == "HTTP 504 from GET u (not JSON): <html><body>504</body></html>"


def test_rate_limit_error_says_when_to_retry() -> None:
    at = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
    error = RateLimitError("Rate limit exceeded", status=429, method="GET", url="u", retry_at=at)
    assert error.retry_at == at
    assert str(error).endswith("; retry at 2026-11-22T12:00:00+00:00")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "(empty body)"),
        (b"<html>\n  <h1>Bad   Gateway</h1>\n</html>", "<html> <h1>Bad Gateway</h1> </html>"),
        (b"x" * 250, "x" * 200 + "..."),
        (b"\xff\xfeok", "\ufffd\ufffdok"),
    ],
)
def test_body_excerpt(content: bytes, expected: str) -> None:
    assert body_excerpt(content) == expected

"""The exception hierarchy: one class per meaning, each saying what failed, where and why."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from cavatica_async._logging import secrets
from cavatica_async.models import ApiErrorInfo


class ErrorCode(enum.IntEnum):
    """Platform error codes (the `code` field of an error body) that callers act on.

    Source: the status-code table of https://docs.sevenbridges.com/reference#api-status-codes,
    as mirrored in sbg/sevenbridges2 R/sevenbridges2-package.R (docs/platform.md#errors).
    """

    MAINTENANCE = 0
    RATE_LIMIT_EXCEEDED = 1000
    PROJECT_NO_PRIVILEGES = 3001
    PROJECT_NOT_FOUND = 3002
    FILE_NO_PRIVILEGES = 5001
    FILE_NOT_FOUND = 5002
    FILE_ALREADY_EXISTS_IN_PROJECT = 5003
    COPY_FAILED = 5007
    NOT_A_FOLDER = 5022
    FILE_CANNOT_BE_EXPORTED = 9006
    VOLUME_NOT_FOUND = 9007
    JOB_NOT_FOUND = 9008
    VOLUME_INSUFFICIENT_PRIVILEGES = 9020
    VOLUME_NOT_WRITABLE = 9026
    VOLUME_ACCESS_MODE_NOT_RW = 9101
    VOLUME_LOCATION_NOT_ACCESSIBLE = 9103
    VOLUME_LOCATION_NOT_FOUND = 9105
    LOCATION_ALREADY_EXISTS = 9107
    FILE_ALREADY_EXISTS = 9108
    FILE_NOT_ACCESSIBLE = 9109
    ASYNC_INVALID_SESSION = 10208
    ASYNC_NO_DESTINATION_PRIVILEGES = 10210
    ASYNC_JOB_NOT_FOUND = 10211
    ASYNC_DESTINATION_NOT_FOUND = 10213
    ASYNC_UNPROCESSABLE_JSON = 10217
    ASYNC_UNEXPECTED_ERROR = 10220
    ASYNC_SOURCE_NOT_FOUND = 10225
    ASYNC_NO_SOURCE_PRIVILEGES = 10226
    ASYNC_EMPTY_SOURCES = 10230
    ASYNC_DUPLICATE_SOURCES = 10231
    CONSISTENCY_VIOLATED = 13004
    BAD_REQUEST = 90000
    UNAUTHORIZED = 90001
    FORBIDDEN = 90002
    NOT_FOUND = 90003
    UNEXPECTED_ERROR = 90004
    SERVICE_UNAVAILABLE = 90005


def clean_text(text: str) -> str:
    """Text from an answer made safe to show: live tokens masked, and what cannot be printed in
    UTF-8 (a lone surrogate from a JSON escape) replaced."""
    text = secrets.redact(text)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def shown(text: str, limit: int) -> str:
    """Text from an answer as it may be shown: masked, then cut to `limit` with no start of a
    token left at the cut."""
    text = clean_text(text)
    if len(text) <= limit:
        return text
    return secrets.redact_cut(text[:limit]) + "..."


def bounded_text(value: object, limit: int = 1000) -> str | None:
    """A text field of an answer, masked then cut to `limit`; anything but text or a number
    (a nested list, say) is None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        return None
    return shown(value, limit)


class CavaticaError(Exception):
    """Base of every error this library raises."""


class ConfigError(CavaticaError, ValueError):
    """The client could not be configured: no token, a malformed file, an unsafe URL.

    Also a `ValueError`: every such problem is a bad argument or a bad setting.
    """


class ClientClosedError(CavaticaError):
    """The client was closed before or while the request ran."""


class ClientLoopError(CavaticaError):
    """The client was used in an event loop other than the one it was first used in: its
    connections belong to that loop (each test loop needs a client of its own)."""


class ApiError(CavaticaError):
    """The platform answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str,
        url: str,
        code: int | None = None,
        more_info: str | None = None,
        request_id: str | None = None,
        body_excerpt: str | None = None,
    ) -> None:
        # Texts taken from an answer may echo the token (a 401 page quoting the request, a link
        # carrying it): masked, like everything shown.
        self.message = clean_text(message)
        self.status = status
        self.method = method
        self.url = clean_text(url)
        self.code = code
        self.more_info = None if more_info is None else clean_text(more_info)
        self.request_id = None if request_id is None else clean_text(request_id)
        self.body_excerpt = None if body_excerpt is None else clean_text(body_excerpt)
        super().__init__(self._describe())

    @property
    def code_name(self) -> str | None:
        """The name of `code` in `ErrorCode`, when the code is a known one."""
        if self.code is None:
            return None
        try:
            return ErrorCode(self.code).name
        except ValueError:
            return None

    def _describe(self) -> str:
        code = ""
        if self.code is not None:
            code = f", code {self.code}" + (f" {self.code_name}" if self.code_name else "")
        text = f"HTTP {self.status}{code} from {self.method} {self.url}"
        # A proxy's HTML page says more as an excerpt than any JSON parser error (issue #118).
        text += f" (not JSON): {self.body_excerpt}" if self.body_excerpt else f": {self.message}"
        if self.more_info:
            text += f" (more info: {self.more_info})"
        if self.request_id:
            text += f" [request id {self.request_id}]"
        return text


class BadRequestError(ApiError):
    """400: the request was malformed or named something invalid."""


class UnauthorizedError(ApiError):
    """401: the token is missing, wrong or expired."""


class ForbiddenError(ApiError):
    """403: the token's user may not do this."""


class NotFoundError(ApiError):
    """404: no such resource (for a job: unknown id, or expired after about a month)."""


class ConflictError(ApiError):
    """409: the request conflicts with the resource's current state."""


class RateLimitError(ApiError):
    """429: the user's rate limit (1000 requests / 5 min) is spent until `retry_at`."""

    def __init__(self, message: str, *, retry_at: datetime | None = None, **kwargs: Any) -> None:
        self.retry_at = retry_at
        super().__init__(message, **kwargs)

    def _describe(self) -> str:
        text = super()._describe()
        if self.retry_at is not None:
            text += f"; retry at {self.retry_at.isoformat()}"
        return text


class ServerError(ApiError):
    """5xx: the platform (or a proxy in front of it) failed."""


class MaintenanceError(ServerError):
    """503 with platform code 0: the platform is under maintenance."""


class TransportError(CavaticaError):
    """The request failed on the network: no HTTP answer was received."""

    def __init__(self, message: str, *, method: str, url: str, request_sent: bool) -> None:
        self.method = method
        self.url = clean_text(url)
        # False only when the connection was never made, so the server cannot have acted on it.
        self.request_sent = request_sent
        super().__init__(clean_text(f"{message} ({method} {url})"))


class TransportTimeoutError(TransportError):
    """The request timed out while connecting, sending or waiting for the answer."""


class DecodeError(CavaticaError):
    """A response body was not JSON, or not the shape the API documents.

    `permanent` is True when the body arrived whole and asking again would only bring the same:
    JSON that does not fit (a field of the wrong type, another job's id), nested too deep, over
    the size cap, or in an encoding the client did not ask for. It is False for a body that is
    not JSON at all, such as a proxy's error page during an outage.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str | None = None,
        url: str | None = None,
        body_excerpt: str | None = None,
        permanent: bool = False,
    ) -> None:
        self.permanent = permanent
        self.status = status
        self.method = method
        self.url = None if url is None else clean_text(url)
        self.body_excerpt = None if body_excerpt is None else clean_text(body_excerpt)
        super().__init__(clean_text(message))


EXCERPT_SOURCE = 65536  # bytes of a body an excerpt is taken from


def body_excerpt(content: bytes, limit: int = 200) -> str:
    """The start of a response body as one line of text, for error messages."""
    # Only the start is decoded (an error body can be megabytes long), but enough of it that a
    # token is masked whole even after a long run of whitespace is folded.
    text = " ".join(content[:EXCERPT_SOURCE].decode("utf-8", errors="replace").split())
    if not text:
        return "(empty body)"
    if len(content) > EXCERPT_SOURCE:
        text = secrets.redact_cut(clean_text(text))  # the source itself was cut
    return shown(text, limit)


# The HTTP status rules, written once (docs/platform.md#errors). A transient status says "try
# again later" without saying the request had no effect; a permanent one says asking again will
# not go better; 401 and 403 are about the token, not what was asked.
TRANSIENT_STATUSES = frozenset({408, 500, 502, 503, 504})
TOKEN_STATUSES = frozenset({401, 403})


def is_permanent(status: int | None) -> bool:
    """Whether an error status will not go better by asking again: 4xx but 408 and 429."""
    return status is not None and 400 <= status < 500 and status not in (408, 429)


def error_info(error: CavaticaError) -> ApiErrorInfo:
    """The `ApiErrorInfo` an error stands for (an item's error, an event's), as its own
    message says it."""
    if isinstance(error, ApiError):
        return ApiErrorInfo(
            status=error.status, code=error.code, message=error.message, more_info=error.more_info
        )
    return ApiErrorInfo(message=str(error))


_STATUS_ERRORS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def error_class(status: int, code: int | None) -> type[ApiError]:
    """The exception class for an HTTP error status and platform code."""
    # 503 + code 0 is the platform's maintenance signal (sevenbridges-python issue #30).
    if status == 503 and code == ErrorCode.MAINTENANCE:
        return MaintenanceError
    if status >= 500:
        return ServerError
    return _STATUS_ERRORS.get(status, ApiError)


class WaitTimeoutError(CavaticaError, TimeoutError):
    """A job did not reach a terminal state within the wait's timeout."""

    def __init__(self, what: str, job_id: str, last_state: str | None, waited: float) -> None:
        self.job_id = job_id
        self.last_state = last_state
        self.waited = waited
        if last_state is None:
            super().__init__(f"{what} {job_id}: no answer within {waited:.0f} s")
        else:
            super().__init__(f"{what} {job_id} is still {last_state} after {waited:.0f} s")


class PartialStartError(CavaticaError):
    """Some chunks of a multi-job start failed; `started` holds the jobs that did start."""

    def __init__(self, what: str, started: list[Any], errors: list[CavaticaError]) -> None:
        self.started = started
        self.errors = errors
        super().__init__(
            f"{what}: {len(started)} job(s) started, {len(errors)} chunk(s) failed; "
            f"first failure: {errors[0]}"
        )

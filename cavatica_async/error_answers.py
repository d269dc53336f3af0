"""An error answer (status, body, headers) as the `ApiError` it means, with every text taken
from the body bounded and masked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cavatica_async.converter import parse_int
from cavatica_async.errors import (
    ApiError,
    RateLimitError,
    body_excerpt,
    bounded_text,
    error_class,
)
from cavatica_async.ratelimit import retry_at_from_headers
from cavatica_async.response import decode_json


def api_error(
    status: int,
    reason: str,
    content: bytes,
    headers: Mapping[str, str],
    *,
    method: str,
    url: str,
    request_id: str | None,
    now: float,
) -> ApiError:
    """The `ApiError` subclass for this status and platform code, carrying what the body says.

    The platform's error object is `{status, code, message, more_info}`
    (https://docs.sevenbridges.com/docs/api-status-codes); any other body (a proxy's HTML page)
    is kept as a one-line excerpt.
    """
    try:
        body = decode_json(content)
    except ValueError:
        body = None
    code: int | None = None
    more_info: str | None = None
    excerpt: str | None = None
    if isinstance(body, dict):
        try:
            code = parse_int(body.get("code"))
        except ValueError:
            code = None
        message = bounded_text(body.get("message")) or reason or "error"
        more_info = bounded_text(body.get("more_info"))
    else:
        excerpt = body_excerpt(content)
        message = excerpt
    cls = error_class(status, code)
    fields: dict[str, Any] = {
        "status": status,
        "method": method,
        "url": url,
        "code": code,
        "more_info": more_info,
        "request_id": request_id,
        "body_excerpt": excerpt,
    }
    if issubclass(cls, RateLimitError):
        fields["retry_at"] = retry_at_from_headers(headers, now)
    return cls(message, **fields)

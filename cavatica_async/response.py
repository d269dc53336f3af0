"""A successful answer as the transport hands it on: status, headers, body, JSON on demand."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from cavatica_async.errors import DecodeError, body_excerpt

NESTED = "JSON nested too deeply"


def decode_json(content: bytes) -> Any:
    """`content` decoded as JSON; `ValueError` saying why not (never `RecursionError`)."""
    try:
        return json.loads(content)
    except RecursionError:
        # A body of thousands of `[` exhausts the parser's recursion limit.
        problem = NESTED
    except ValueError:
        problem = "not JSON"
    # Raised outside the handler so that no exception chain keeps json's error, which holds the
    # whole body (up to the body cap, and perhaps a token it echoes) as `.doc`.
    raise ValueError(problem)


@attrs.frozen
class Response:
    """A successful answer: status, headers and raw body, decoded on demand."""

    status: int
    method: str
    url: str
    request_id: str | None
    headers: Mapping[str, str] = attrs.field(repr=False)
    content: bytes = attrs.field(repr=False)

    def json(self) -> Any:
        """The body decoded as JSON, or `DecodeError` with the status and a body excerpt."""
        try:
            return decode_json(self.content)
        except ValueError as exc:
            problem = str(exc)
        excerpt = body_excerpt(self.content)
        raise DecodeError(
            f"HTTP {self.status} from {self.method} {self.url} ({problem}): {excerpt}",
            status=self.status,
            method=self.method,
            url=self.url,
            body_excerpt=excerpt,
            # Not JSON at all (a proxy's page) may pass; JSON nested too deep will not.
            permanent=problem == NESTED,
        )

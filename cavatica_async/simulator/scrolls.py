"""Continuation tokens: where a file or volume listing goes on, each good until it is used up.

A token stays good while its page may still need asking again (an answer lost on the way);
once the token after it has been used, it is refused (400, code 57001), as a platform cursor
that moved on would refuse it (docs/platform.md#finding-files).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

import attrs
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cavatica_async.simulator.http import HttpError, api_root, page_limit

# The token the first call of a listing sends (sevenbridges-python's `cont_token='init'`).
FIRST = "init"
MAX_CURSORS = 10_000


@attrs.define
class _Cursor:
    key: tuple[str, ...]  # the listing the token belongs to
    position: int  # how many entries the pages before it gave
    previous: str | None  # the token whose page gave this one
    following: str | None = None  # the token this one's page gave, once given


class Scrolls:
    """Every continuation token given out, and what it continues."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._cursors: dict[str, _Cursor] = {}

    def _resolve(self, token: str, key: tuple[str, ...]) -> _Cursor:
        cursor = self._cursors.get(token)
        if cursor is None or cursor.key != key:
            raise HttpError(400, 57001, "The continuation token is invalid or has expired.")
        if cursor.previous is not None:
            # The page before is done with: its token expires.
            self._cursors.pop(cursor.previous, None)
            cursor.previous = None
        return cursor

    def _after(
        self, token: str | None, cursor: _Cursor | None, key: tuple[str, ...], at: int
    ) -> str:
        if cursor is not None and cursor.following is not None:
            return cursor.following  # the same page asked again gives the same next token
        fresh = f"{self._rng.getrandbits(128):032x}"
        self._cursors[fresh] = _Cursor(key, at, token)
        if len(self._cursors) > MAX_CURSORS:
            # Listings abandoned part way leave their last token behind: the oldest expire.
            del self._cursors[next(iter(self._cursors))]
        if cursor is not None:
            cursor.following = fresh
        return fresh

    def page(
        self,
        request: Request,
        path: str,
        listed: Sequence[Any],
        render: Callable[[Any], dict[str, Any]],
    ) -> Response:
        """One page of `listed` from the position `token=` names (`init`: the start)."""
        limit = page_limit(request)
        others = [
            (k, v) for k, v in request.query_params.multi_items() if k not in ("token", "limit")
        ]
        key = (path, *sorted(f"{k}={v}" for k, v in others))
        token = request.query_params.get("token", FIRST)
        cursor = None if token == FIRST else self._resolve(token, key)
        start = 0 if cursor is None else cursor.position
        links = []
        if start + limit < len(listed):
            after = self._after(None if cursor is None else token, cursor, key, start + limit)
            query = urlencode([*others, ("token", after), ("limit", limit)])
            links.append(
                {"href": f"{api_root(request)}{path}?{query}", "rel": "next", "method": "GET"}
            )
        body = {
            "href": str(request.url),
            "items": [render(item) for item in listed[start : start + limit]],
            "links": links,
        }
        return JSONResponse(body, headers={"X-Total-Matching-Query": str(len(listed))})

    def volume_start(self, request: Request, volume_id: str, prefix: str) -> int:
        """Where a volume listing's page starts: 0, or what its `continuation_token` names."""
        token = request.query_params.get("continuation_token")
        if token is None:
            return 0
        return self._resolve(token, ("volume", volume_id, prefix)).position

    def volume_token(self, request: Request, volume_id: str, prefix: str, at: int) -> str:
        """The token of the page from `at` on, given by the page `request` asked for."""
        key = ("volume", volume_id, prefix)
        token = request.query_params.get("continuation_token")
        cursor = self._cursors.get(token) if token is not None else None
        return self._after(token, cursor, key, at)

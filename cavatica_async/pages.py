"""Walking a paginated list: offset/limit pages linked by `links` rel=next."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, TypeVar

from cavatica_async.converter import structure
from cavatica_async.models import Page
from cavatica_async.transport import Transport

T = TypeVar("T")

# `limit` is 1..100, default 50 (sbg/sevenbridges2 R/api-http.R): the largest page costs least.
PAGE_LIMIT = 100


async def iterate(
    transport: Transport, path: str, model: type[T], params: Mapping[str, Any] | None = None
) -> AsyncIterator[T]:
    """Every item of every page, fetching the next page only when the previous one is used up."""
    target = path
    query: Mapping[str, Any] | None = {**(params or {}), "limit": PAGE_LIMIT}
    seen: set[str] = set()
    while True:
        response = await transport.request("GET", target, params=query)
        page = structure(response.json(), Page[model], what=f"GET {target}")  # type: ignore[valid-type]
        for item in page.items:
            yield item
        next_href = page.next_href
        # Stop on an empty page or a link already followed, whatever the links say.
        if not page.items or next_href is None or next_href in seen:
            return
        seen.add(next_href)
        target, query = transport.relative_path(next_href), None

"""Walking a paginated list: offset/limit pages linked by `links` rel=next."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any, Generic, TypeVar
from urllib.parse import unquote, urlsplit

import attrs

from cavatica_async.converter import structure
from cavatica_async.errors import DecodeError, shown
from cavatica_async.models import Page, is_next
from cavatica_async.retry import RetryPolicy
from cavatica_async.timeout import Timeout
from cavatica_async.transport import Transport

T = TypeVar("T")

# `limit` is 1..100, default 50 (docs/platform.md#lists-and-pages): the largest page costs least.
PAGE_LIMIT = 100
# Listings ask for every field: without `fields`, items may carry only href, id, name and
# project (docs/platform.md#finding-files).
ALL_FIELDS = {"fields": "_all"}
# sevenbridges-python refuses URLs over 6,000 characters before sending; a next-page link longer
# than that is not one the platform made (docs/platform.md#lists-and-pages).
MAX_LINK = 6000


class Pager(Generic[T]):
    """Every item of every page, fetching the next page only when the previous one is used up.

    `limit` is the most items to yield; `ids` fill the path's `{name}` fields; `pages()` walks
    the same list a page at a time (each `Pager` is walked once, by item or by page). An
    iterator object rather than an async generator, so leaving a loop early leaves no suspended
    generator behind to be finalised (which trio warns about).
    """

    def __init__(
        self,
        transport: Transport,
        path: str,
        model: type[T],
        params: Mapping[str, Any],
        *,
        ids: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        paced: bool = False,
        limit: int | None = None,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
        ):
            raise ValueError(f"limit must be a whole number >= 0 or None, got {limit!r}")
        self._transport = transport
        self._model = model
        self._left = limit  # items still to yield; None: all of them
        self._target: str | None = None if limit == 0 else path
        size = PAGE_LIMIT if limit is None else min(PAGE_LIMIT, limit)
        self._query: Mapping[str, Any] | None = {**params, "limit": size}
        self._ids = ids  # fills the first path's `{name}` fields; next links are sent as given
        self._headers = headers  # sent with every page
        self._paced = paced  # each page waits its turn in the client-wide rate budget
        self._timeout = timeout
        self._retry = retry
        self._buffer: deque[T] = deque()
        self._followed: set[str] = set()

    def __aiter__(self) -> Pager[T]:
        return self

    async def __anext__(self) -> T:
        while not self._buffer:
            page = await self.next_page()
            if page is None:
                raise StopAsyncIteration
            self._buffer.extend(page.items)
        return self._buffer.popleft()

    def pages(self) -> PageIterator[T]:
        """The list a page at a time (`Page`: its items and links), up to `limit` items."""
        return PageIterator(self)

    @property
    def exhausted(self) -> bool:
        """Whether the list is over: `next_page()` would return None without asking."""
        return self._target is None or self._left == 0

    async def next_page(self) -> Page[T] | None:
        """The next page (cut to what `limit` leaves), or None when the list is over."""
        if self._target is None or self._left == 0:
            return None
        page = await self._fetch(self._target)
        if self._left is not None:
            page = attrs.evolve(page, items=page.items[: self._left])
            self._left -= len(page.items)
        return page

    async def _fetch(self, target: str) -> Page[T]:
        request = self._transport.request(
            "GET",
            target,
            ids=self._ids,
            params=self._query,
            headers=self._headers,
            timeout=self._timeout,
            retry=self._retry,
        )
        if self._paced:
            with await self._transport.spend():
                response = await request
        else:
            response = await request
        body = response.json()
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            # An array, a string or an object without `items` is a broken answer, never an
            # empty list: taking it as one would end a listing early without a word.
            raise DecodeError(f"GET {target} answer has no 'items' list", permanent=True)
        page: Page[T] = structure(body, Page[self._model], what=f"GET {target}")  # type: ignore[name-defined]
        next_href = page.next_href
        # Stop on an empty page or a link already followed, whatever the links say.
        if not page.items or next_href is None or next_href in self._followed:
            self._target = None
        else:
            self._followed.add(next_href)
            self._target = relative_path(self._transport.base_path, next_href)
            self._query = self._ids = None
        return page


class PageIterator(Generic[T]):
    """A `Pager` walked a page at a time."""

    def __init__(self, pager: Pager[T]) -> None:
        self._pager = pager

    def __aiter__(self) -> PageIterator[T]:
        return self

    async def __anext__(self) -> Page[T]:
        page = await self._pager.next_page()
        if page is None:
            raise StopAsyncIteration
        return page


def next_link(body: Any) -> str | None:
    """The next page's URL in a list answer's raw `links`, if there is one."""
    links = body.get("links") if isinstance(body, dict) else None
    if not isinstance(links, list):
        return None
    for link in links:
        if (
            isinstance(link, dict)
            and is_next(link.get("rel"))
            and isinstance(link.get("href"), str)
        ):
            return str(link["href"])
    return None


def relative_path(base_path: str, link: str) -> str:
    """The part of a link from the platform below the API root, to request as a path.

    Only the link's path and query are used, so a link naming another host can never receive
    the token.
    """
    quoted = shown(link, 300)
    try:
        parts = urlsplit(link)
    except ValueError as exc:
        raise DecodeError(f"a link from the platform is not a URL ({exc}): {quoted}") from None
    if len(link) > MAX_LINK or not link.isprintable() or any(ch.isspace() for ch in link):
        raise DecodeError(f"a link from the platform is not a URL one can send: {quoted}")
    # "." and ".." segments (percent-encoded or not) would be resolved by the server after the
    # check below: /v2/../admin starts with /v2 and leaves the API root all the same.
    if any(unquote(segment) in (".", "..") for segment in parts.path.split("/")):
        raise DecodeError(f"a link from the platform has dot segments: {quoted}")
    if not parts.path.startswith(base_path):
        raise DecodeError(f"a link from the platform is outside the API root {base_path}: {quoted}")
    rest = parts.path[len(base_path) :] + (f"?{parts.query}" if parts.query else "")
    # `request` fills `{name}` fields, so braces from the link are escaped.
    return "/" + rest.replace("{", "{{").replace("}", "}}")

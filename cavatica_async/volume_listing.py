"""Listing what a volume holds under a prefix: objects and prefixes, page by continuation link.

A page is `{href, items, prefixes, links}` and its next page is a link object `{"next": url}`,
not the `rel`/`href` form of other lists (docs/platform.md#finding-files); the continuation
token travels inside that URL.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from cavatica_async.converter import structure
from cavatica_async.errors import DecodeError, shown
from cavatica_async.pages import ALL_FIELDS, PAGE_LIMIT, next_link, relative_path
from cavatica_async.resources import VolumeObject, VolumePrefix
from cavatica_async.retry import RetryPolicy
from cavatica_async.timeout import Timeout
from cavatica_async.transport import Transport


def volume_next_link(body: dict[str, Any]) -> str | None:
    """The next page's URL of a volume listing: a `links` entry's `next` (or, as other lists
    write it, `rel` next with `href`)."""
    links = body.get("links")
    for link in links if isinstance(links, list) else ():
        if isinstance(link, dict) and isinstance(link.get("next"), str):
            return str(link["next"])
    return next_link(body)


class VolumeListing:
    """Objects (`VolumeObject`) and prefixes (`VolumePrefix`) under a prefix of a volume.

    With `recursive`, prefixes are descended (breadth-first) and only objects are yielded.
    """

    def __init__(
        self,
        transport: Transport,
        path: str,
        ids: dict[str, str],
        prefix: str,
        *,
        recursive: bool,
        timeout: float | Timeout | None,
        retry: RetryPolicy | None,
    ) -> None:
        self._transport = transport
        self._path = path
        self._ids = ids
        self._recursive = recursive
        self._timeout = timeout
        self._retry = retry
        self._ready: deque[VolumeObject | VolumePrefix] = deque()
        self._prefixes: deque[str] = deque([prefix])  # still to list
        self._listed = prefix  # the prefix whose pages are being read
        self._seen = {prefix}
        self._next: str | None = None  # the current prefix's next page, if one was given
        self._followed: set[str] = set()

    def __aiter__(self) -> VolumeListing:
        return self

    async def __anext__(self) -> VolumeObject | VolumePrefix:
        while not self._ready:
            if self._next is None and not self._prefixes:
                raise StopAsyncIteration
            await self._fetch()
        return self._ready.popleft()

    async def _fetch(self) -> None:
        # Each page waits its turn in the client-wide rate budget (a recursive listing may run
        # to many pages); the prefix is taken off the queue only once its page came.
        if self._next is not None:
            target = relative_path(self._transport.base_path, self._next)
            request = self._transport.request(
                "GET", target, timeout=self._timeout, retry=self._retry
            )
        else:
            params: dict[str, Any] = {"limit": PAGE_LIMIT, **ALL_FIELDS}
            if self._prefixes[0]:
                params["prefix"] = self._prefixes[0]
            request = self._transport.request(
                "GET",
                self._path,
                ids=self._ids,
                params=params,
                timeout=self._timeout,
                retry=self._retry,
            )
        with await self._transport.spend():
            response = await request
        if self._next is None:
            self._listed = self._prefixes.popleft()
        what = f"GET {self._path.format(**self._ids)} answer"
        body = response.json()
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise DecodeError(f"{what} has no 'items' list", permanent=True)
        prefixes = body.get("prefixes", [])
        if not isinstance(prefixes, list):
            raise DecodeError(f"{what}: 'prefixes' is not a list", permanent=True)
        objects = structure(body["items"], list[VolumeObject], what=f"{what} items")
        found = structure(prefixes, list[VolumePrefix], what=f"{what} prefixes")
        # What a listing under a prefix holds starts with it; a deeper prefix is longer. Other
        # entries would take the listing somewhere it was not asked to go (or round in a loop).
        for key in [o.location for o in objects] + [p.prefix for p in found]:
            if not key.startswith(self._listed):
                raise DecodeError(
                    f"{what}: {shown(key, 100)!r} is not under {shown(self._listed, 100)!r}",
                    permanent=True,
                )
        for entry in found:
            if entry.prefix == self._listed:
                raise DecodeError(f"{what}: a prefix lists itself", permanent=True)
        self._ready.extend(objects)
        for entry in found:
            if self._recursive:
                # A prefix shown twice (a cycle) would never end the listing.
                if entry.prefix not in self._seen:
                    self._seen.add(entry.prefix)
                    self._prefixes.append(entry.prefix)
            else:
                self._ready.append(entry)
        next_href = volume_next_link(body)
        # Stop on an empty page or a link already followed, whatever the links say.
        if next_href is None or next_href in self._followed or not (objects or found):
            self._next = None
        else:
            self._followed.add(next_href)
            self._next = next_href

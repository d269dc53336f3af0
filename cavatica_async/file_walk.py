"""Walking a folder tree breadth-first, a bounded number of listings in flight.

Each step fetches the next page of up to `concurrency` listings at once, inside one task group
that ends before anything is yielded: leaving the loop early leaves no task behind, and every
page goes through the transport, hence the client's rate budget.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import anyio
import attrs

from cavatica_async.bulk import unexpected
from cavatica_async.errors import CavaticaError, DecodeError, shown
from cavatica_async.models import File, Page
from cavatica_async.pages import Pager
from cavatica_async.paths import check_id

# A file or folder name is one path segment; the platform refuses names with a slash, and a
# name of "." or ".." from an answer would let it point a path elsewhere.
_NOT_NAMES = {"", ".", ".."}
MAX_NAME_LENGTH = 1024


def is_folder(item: File) -> bool:
    """Whether a listed item is a folder: `type` is `folder`, in any case (the docs' examples
    write both; docs/platform.md#finding-files)."""
    return isinstance(item.type, str) and item.type.lower() == "folder"


def check_name(name: object, what: str) -> str:
    """`name` if it can be one segment of a path, else `ValueError` naming `what`."""
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a string, got {type(name).__name__}")
    if name in _NOT_NAMES or "/" in name or len(name) > MAX_NAME_LENGTH or not name.isprintable():
        raise ValueError(f"invalid {what}: {shown(name, 100)!r}")
    return name


@attrs.define
class _Listing:
    """One folder being listed: where its items go in the walk's paths, and its pages."""

    prefix: str
    pager: Pager[File]
    page: Page[File] | None = None
    done: bool = False


class FileWalk:
    """`(path, File)` for every file under a project root or folder; see `Files.walk`."""

    def __init__(
        self,
        listing: Callable[[str | None], Pager[File]],
        root: str | None,
        *,
        recursive: bool,
        folders: bool,
        concurrency: int,
    ) -> None:
        self._listing = listing
        self._recursive = recursive
        self._folders = folders
        self._concurrency = concurrency
        self._ready: deque[tuple[str, File]] = deque()
        self._active: list[_Listing] = []
        # Folders found and not yet listed: (path prefix, folder id), breadth-first.
        self._waiting: deque[tuple[str, str | None]] = deque([("", root)])
        # Every file and folder met: one an answer shows twice (a cycle) would never end.
        self._seen: set[str | None] = {root}
        self._broken: CavaticaError | None = None  # an answer the walk could not take

    def __aiter__(self) -> FileWalk:
        return self

    async def __anext__(self) -> tuple[str, File]:
        while not self._ready:
            if self._broken is not None:
                raise self._broken
            if not self._active and not self._waiting:
                raise StopAsyncIteration
            await self._step()
        return self._ready.popleft()

    async def _step(self) -> None:
        """Take the pages fetched so far, else fetch the next page of each active listing.

        A step cancelled or failed part way keeps what it fetched, and a listing whose request
        did not finish asks again for the same page: iterating again resumes the walk.
        """
        if not any(listing.page is not None for listing in self._active):
            while self._waiting and len(self._active) < self._concurrency:
                prefix, folder_id = self._waiting.popleft()
                self._active.append(_Listing(prefix, self._listing(folder_id)))
            await self._fetch([listing for listing in self._active if not listing.done])
        for listing in self._active:
            if listing.page is not None:
                page, listing.page = listing.page, None
                try:
                    self._take(listing.prefix, page)
                except DecodeError as error:
                    # Part of the page was taken: the walk cannot go on without losing the rest.
                    self._broken = error
                    self._ready.clear()
                    raise
        self._active = [listing for listing in self._active if not listing.done]

    async def _fetch(self, listings: list[_Listing]) -> None:
        errors: list[CavaticaError] = []

        async def fetch(listing: _Listing) -> None:
            try:
                page = await listing.pager.next_page()
            except Exception as exc:
                errors.append(exc if isinstance(exc, CavaticaError) else unexpected(exc))
                group.cancel_scope.cancel()
                return
            listing.page = page
            # A listing whose last page came needs no step of its own to find that out.
            listing.done = page is None or listing.pager.exhausted

        async with anyio.create_task_group() as group:
            for listing in listings:
                group.start_soon(fetch, listing)
        if errors:
            raise errors[0]  # the first failure as itself, not an exception group

    def _take(self, prefix: str, page: Page[File]) -> None:
        new = 0
        for item in page.items:
            if item.name is None:
                raise DecodeError(f"a listing item ({shown(item.id, 100)!r}) has no name")
            if item.type is None:
                raise DecodeError(
                    f"a listing item ({shown(item.id, 100)!r}) has no type: "
                    "cannot tell a folder from a file"
                )
            try:
                path = prefix + check_name(item.name, "name in a listing")
            except (TypeError, ValueError) as exc:
                raise DecodeError(str(exc)) from None
            # Every file and folder is listed once, in its own folder. Offset pages of a folder
            # that changes while it is listed may show an item again (the items after a new one
            # move one place on): it is yielded once. A folder met again is a cycle.
            item_id = answered_id(item, "file")
            if item_id in self._seen:
                if is_folder(item):
                    raise DecodeError(f"folder {shown(item_id, 100)!r} was listed twice")
                continue
            self._seen.add(item_id)
            new += 1
            if not is_folder(item):
                self._ready.append((path, item))
                continue
            if self._folders:
                self._ready.append((path, item))
            if self._recursive:
                self._waiting.append((path + "/", item_id))
        if page.items and not new:
            # A whole page of what was already listed: an answer going round (a next link that
            # never ends), not a folder that changed; reading on would never stop.
            raise DecodeError("a listing page held only items already listed (a loop)")


def answered_id(item: File, what: str) -> str:
    """The id an answer gave a file or folder, if it could be one (`DecodeError` if not: it
    goes into the next request's path)."""
    try:
        return check_id(item.id, f"{what} id")
    except (TypeError, ValueError):
        pass
    # Raised outside the handler, so that no chain keeps check_id's error, which quotes the
    # whole id the answer chose (it may echo a token); this says it masked and cut.
    raise DecodeError(f"a listing gave a {what} an id no request can name: {shown(item.id, 40)!r}")

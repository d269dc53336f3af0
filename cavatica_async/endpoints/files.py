"""`client.files`: find project files and folders by id, by listing, by walking or by path.

https://docs.sevenbridges.com/reference/list-files-primary-method and the pages named in
docs/platform.md#finding-files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from cavatica_async.bulk import bulk_post
from cavatica_async.converter import structure, structure_about
from cavatica_async.errors import DecodeError
from cavatica_async.file_walk import FileWalk, answered_id, check_name, is_folder
from cavatica_async.models import BulkItem, File
from cavatica_async.pages import ALL_FIELDS, MAX_LINK, Pager
from cavatica_async.paths import check_id, check_pair, check_texts
from cavatica_async.retry import RetryPolicy
from cavatica_async.timeout import Timeout
from cavatica_async.transport import Transport

# The continuation-token form is Advance Access (sevenbridges-python's quickstart); its first
# call sends `token=init` (docs/platform.md#finding-files).
ADVANCE_ACCESS = {"X-SBG-Advance-Access": "advance"}
FIRST_TOKEN = "init"  # noqa: S105 (a page cursor, not a credential)
DEFAULT_WALK_CONCURRENCY = 4
# What the filters may take of a URL, leaving room for the API root, the path and paging.
MAX_QUERY = MAX_LINK - 1000


class Files:
    """`client.files`: get, bulk get, list, walk and find project files and folders."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    async def get(
        self,
        file_id: str,
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> File:
        """The file or folder with this id (`NotFoundError`, code 5002, if there is none)."""
        check_id(file_id, "file id")
        response = await self._transport.request(
            "GET", "/files/{file_id}", ids={"file_id": file_id}, timeout=timeout, retry=retry
        )
        return structure_about(
            response.json(), File, resource_id=file_id, what=f"GET /files/{file_id} answer"
        )

    async def create_folder(
        self,
        name: str,
        *,
        project: str | None = None,
        parent: str | None = None,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> File:
        """Make a folder named `name` at a project's root or in the folder `parent`
        (`ConflictError` if the name is taken). Not retried once sent: a second try could
        only meet the folder the first made."""
        check_name(name, "folder name")
        if (project is None) == (parent is None):
            raise ValueError("files.create_folder: give exactly one of project or parent")
        if project is not None:
            check_pair(project, "project id")
            where = {"project": project}
        else:
            where = {"parent": check_id(parent, "parent folder id")}
        response = await self._transport.request(
            "POST",
            "/files",
            json={"name": name, "type": "folder", **where},
            timeout=timeout,
            retry=retry,
        )
        folder = structure(response.json(), File, what="POST /files answer")
        if folder.name != name or not is_folder(folder):
            # Built outside any except block: the answer's text stays out of the chain.
            raise DecodeError("POST /files answered with another file than the folder made")
        return folder

    async def bulk_get(
        self,
        ids: Sequence[str],
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> list[BulkItem[File]]:
        """One `BulkItem` per id, in order, in calls of at most 100 ids (unknown ids: errors)."""
        if isinstance(ids, str):
            raise TypeError(f"expected a sequence of file ids, got one string {ids!r}")
        checked = [check_id(file_id, "file id") for file_id in ids]
        return await bulk_post(
            self._transport,
            "/bulk/files/get",
            "file_ids",
            checked,
            File,
            idempotent=True,
            timeout=timeout,
            retry=retry,
        )

    def list(
        self,
        *,
        project: str | None = None,
        parent: str | None = None,
        names: Sequence[str] | None = None,
        tags: Sequence[str] | None = None,
        metadata: Mapping[str, str] | None = None,
        origin_task: str | None = None,
        scroll: bool = False,
        limit: int | None = None,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> Pager[File]:
        """The files and folders directly in a project's root or in a folder (`parent`).

        `names` and `tags` match exactly (any of them); `metadata` fields must all match.
        `scroll=True` pages by continuation token (`GET /files/scroll`, Advance Access) instead
        of offsets, for listings of many thousands; it cannot filter by metadata.
        """
        if (project is None) == (parent is None):
            raise ValueError("files.list: give exactly one of project or parent")
        # A walk cannot tell a folder from a file without `type`: every field is asked for.
        params: dict[str, Any] = dict(ALL_FIELDS)
        if project is not None:
            params["project"] = "/".join(check_pair(project, "project id"))
        if parent is not None:
            params["parent"] = check_id(parent, "parent folder id")
        if names is not None:
            params["name"] = check_texts(names, "file name")
        if tags is not None:
            params["tag"] = check_texts(tags, "tag")
        if metadata:
            if scroll:
                raise ValueError("files.list: metadata filters cannot be used with scroll=True")
            for field, value in metadata.items():
                check_texts([field, value], "metadata filter")
                params[f"metadata.{field}"] = value
        if origin_task is not None:
            params["origin.task"] = check_id(origin_task, "origin task id")
        query = len(urlencode(params, doseq=True))
        if query > MAX_QUERY:
            # Next links repeat the query, and URLs past MAX_LINK are not sent
            # (docs/platform.md#lists-and-pages): list in smaller batches of names instead.
            raise ValueError(
                f"files.list: the filters make a query of {query:,} characters, over "
                f"{MAX_QUERY:,}; ask for fewer names or tags at a time"
            )
        return self._pager(
            "/files/scroll" if scroll else "/files", {}, params, scroll, limit, timeout, retry
        )

    def list_folder(
        self,
        folder_id: str,
        *,
        scroll: bool = False,
        limit: int | None = None,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> Pager[File]:
        """The files and folders directly in a folder (`GET /files/{id}/list`, or its
        continuation-token form with `scroll=True`)."""
        check_id(folder_id, "folder id")
        path = "/files/{folder_id}/scroll" if scroll else "/files/{folder_id}/list"
        ids = {"folder_id": folder_id}
        return self._pager(path, ids, dict(ALL_FIELDS), scroll, limit, timeout, retry)

    def walk(
        self,
        *,
        project: str | None = None,
        parent: str | None = None,
        recursive: bool = True,
        folders: bool = False,
        concurrency: int = DEFAULT_WALK_CONCURRENCY,
        scroll: bool = False,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> FileWalk:
        """Every file under a project's root or a folder (`parent`) as `(path, File)`, the path
        relative to it (`"sub/name.vcf"`).

        Folders are descended breadth-first (only the first level with `recursive=False`), at
        most `concurrency` listings in flight, every page inside the client's rate budget.
        `folders=True` yields the folders too. An answer that would mislead the walk (an item
        without a type or a name, a name with a slash, a folder listed twice, a page of only
        items already listed) ends it with a `DecodeError`; an unknown project or folder is a
        `NotFoundError`. Cancelled or failed while fetching, the walk can be iterated again and
        resumes where it was.
        """
        if (project is None) == (parent is None):
            raise ValueError("files.walk: give exactly one of project or parent")
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError(f"concurrency must be a whole number >= 1, got {concurrency!r}")
        if project is not None:
            check_pair(project, "project id")
        else:
            check_id(parent, "parent folder id")

        def listing(folder_id: str | None) -> Pager[File]:
            if folder_id is None:
                return self.list(project=project, scroll=scroll, timeout=timeout, retry=retry)
            return self.list_folder(folder_id, scroll=scroll, timeout=timeout, retry=retry)

        return FileWalk(
            listing, parent, recursive=recursive, folders=folders, concurrency=concurrency
        )

    async def find(
        self,
        project: str,
        path: str,
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> File | None:
        """The file or folder at `path` (`"folder/sub/name.vcf"`) in a project, or None if a
        part of the path is missing (an unknown project is a `NotFoundError`).

        One listing per path segment, each filtered by the segment's name.
        """
        check_pair(project, "project id")
        if not isinstance(path, str):
            raise TypeError(f"path must be a string, got {type(path).__name__}")
        segments = path.strip("/").split("/")
        for segment in segments:
            check_name(segment, f"segment of path {path[:200]!r}")
        found: File | None = None
        for depth, segment in enumerate(segments):
            if depth == 0:
                pager = self.list(project=project, names=[segment], timeout=timeout, retry=retry)
            elif found is None or not is_folder(found):
                return None
            else:
                parent = answered_id(found, "folder")
                pager = self.list(parent=parent, names=[segment], timeout=timeout, retry=retry)
            # Names are unique in a folder, so the exact filter's first page holds the match
            # if there is one: an answer that ignores the filter is not read page after page.
            page = await pager.next_page()
            # The name is checked again, so such an answer cannot resolve a path to the wrong
            # file either.
            found = next((i for i in page.items if i.name == segment), None) if page else None
            if found is None:
                return None
        return found

    def _pager(
        self,
        path: str,
        ids: Mapping[str, str],
        params: dict[str, Any],
        scroll: bool,
        limit: int | None,
        timeout: float | Timeout | None,
        retry: RetryPolicy | None,
    ) -> Pager[File]:
        if scroll:
            params = {**params, "token": FIRST_TOKEN}
        return Pager(
            self._transport,
            path,
            File,
            params,
            ids=ids,
            headers=ADVANCE_ACCESS if scroll else None,
            paced=True,
            limit=limit,
            timeout=timeout,
            retry=retry,
        )

"""Storage imports: cloud volume objects → project files.

https://docs.sevenbridges.com/reference/start-an-import-job-v2 and the bulk import pages.
"""

from __future__ import annotations

from collections.abc import Sequence

from cavatica_async.bulk import bulk_post
from cavatica_async.converter import structure
from cavatica_async.endpoints._storage import StorageJobs, state_params
from cavatica_async.events import JobKind
from cavatica_async.inputs import ImportRequest
from cavatica_async.models import BulkItem, ImportJob, ImportState
from cavatica_async.pages import Pager
from cavatica_async.retry import RetryPolicy
from cavatica_async.timeout import Timeout


class Imports(StorageJobs[ImportJob]):
    """`client.imports`: start, read, list and wait for storage import jobs."""

    kind = JobKind.IMPORT
    path = "/storage/imports"
    model = ImportJob

    async def start(
        self,
        volume: str,
        location: str,
        *,
        project: str | None = None,
        parent: str | None = None,
        name: str | None = None,
        overwrite: bool = False,
        autorename: bool = False,
        preserve_folder_structure: bool | None = None,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> ImportJob:
        """Import `location` on `volume` into a `project` or a `parent` folder (exactly one).

        A folder location ends with `/`; `autorename` prefixes a clashing name with a number.
        The imported file is an alias of the volume object.
        """
        body = ImportRequest(
            volume,
            location,
            project,
            parent,
            name,
            overwrite,
            autorename,
            preserve_folder_structure,
        ).body()
        response = await self._transport.request(
            "POST", self.path, json=body, timeout=timeout, retry=retry
        )
        return structure(response.json(), ImportJob, what=f"POST {self.path} answer")

    async def bulk_start(
        self,
        items: Sequence[ImportRequest],
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> list[BulkItem[ImportJob]]:
        """Start one import per item: any number, in calls of at most 100, one result each."""
        return await bulk_post(
            self._transport,
            "/bulk/storage/imports/create",
            "items",
            [item.body() for item in items],
            ImportJob,
            idempotent=False,
            timeout=timeout,
            retry=retry,
        )

    def list(
        self,
        *,
        project: str | None = None,
        volume: str | None = None,
        state: ImportState | str | Sequence[ImportState | str] | None = None,
        limit: int | None = None,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> Pager[ImportJob]:
        """Import jobs this user started (at most `limit`), optionally filtered by project,
        volume and states; `.pages()` walks them a page at a time."""
        params = {"project": project, "volume": volume, "state": state_params(state)}
        return self._list(params, limit, timeout, retry)

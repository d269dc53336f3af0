"""Storage exports: project files → cloud volumes.

https://docs.sevenbridges.com/reference/start-an-export-job-v2 and the bulk export pages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cavatica_async.bulk import bulk_post
from cavatica_async.converter import structure
from cavatica_async.endpoints._storage import StorageJobs, state_params
from cavatica_async.events import JobKind
from cavatica_async.inputs import ExportRequest
from cavatica_async.models import BulkItem, ExportJob, ExportState
from cavatica_async.pages import Pager
from cavatica_async.retry import RetryPolicy
from cavatica_async.timeout import Timeout

# copy_only is an Advance Access parameter (BDC start-export page); sevenbridges2 sends the
# Advance Access header with every export, we send it exactly when copy_only is asked for.
_COPY_ONLY = {"copy_only": "true"}
_ADVANCE_ACCESS = {"X-SBG-Advance-Access": "advance"}


class Exports(StorageJobs[ExportJob]):
    """`client.exports`: start, read, list and wait for storage export jobs."""

    kind = JobKind.EXPORT
    path = "/storage/exports"
    model = ExportJob

    async def start(
        self,
        file: str,
        volume: str,
        location: str,
        *,
        overwrite: bool = False,
        copy_only: bool = False,
        properties: Mapping[str, Any] | None = None,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> ExportJob:
        """Start exporting project `file` to `location` on `volume` (an `owner/name` id).

        Destructive unless `copy_only=True`. In the platform's words: "If this call is
        successful, the original project file will become an alias to the newly exported object
        on the volume. The source file will be deleted from the Platform ... once you export a
        file from the Platform to a volume, it is no longer part of the storage on the Platform
        and cannot be exported again." With `copy_only=True` (Advance Access) the file is copied
        and the source stays. The volume must be `RW`; an occupied location fails with code 9107
        unless `overwrite=True`. `properties` overrides the volume's defaults (`sse_algorithm`,
        `sse_aws_kms_key_id`, `aws_canned_acl`, `aws_storage_class`).
        """
        body = ExportRequest(file, volume, location, overwrite, properties).body()
        response = await self._transport.request(
            "POST",
            self.path,
            json=body,
            params=_COPY_ONLY if copy_only else None,
            headers=_ADVANCE_ACCESS if copy_only else None,
            timeout=timeout,
            retry=retry,
        )
        return structure(response.json(), ExportJob, what=f"POST {self.path} answer")

    async def bulk_start(
        self,
        items: Sequence[ExportRequest],
        *,
        copy_only: bool = False,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> list[BulkItem[ExportJob]]:
        """Start one export per item (destructive unless `copy_only`, as for `start`).

        Any number of items, in calls of at most 100; one `BulkItem` per item, in order. A call
        that failed as a whole gives its items error entries; started jobs are never dropped.
        """
        return await bulk_post(
            self._transport,
            "/bulk/storage/exports/create",
            "items",
            [item.body() for item in items],
            ExportJob,
            idempotent=False,
            params=_COPY_ONLY if copy_only else None,
            headers=_ADVANCE_ACCESS if copy_only else None,
            timeout=timeout,
            retry=retry,
        )

    def list(
        self,
        *,
        volume: str | None = None,
        state: ExportState | str | Sequence[ExportState | str] | None = None,
        limit: int | None = None,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> Pager[ExportJob]:
        """Export jobs this user started (at most `limit`), optionally for one volume and some
        states; `.pages()` walks them a page at a time."""
        params = {"volume": volume, "state": state_params(state)}
        return self._list(params, limit, timeout, retry)

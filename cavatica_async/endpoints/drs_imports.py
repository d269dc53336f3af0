"""Bulk DRS imports: objects from Data Repository Service servers → project files.

https://docs.cavatica.org/docs/start-a-bulk-drs-import-job and
https://docs.cavatica.org/docs/get-details-of-a-bulk-drs-import-job
"""

from __future__ import annotations

from collections.abc import Sequence

from cavatica_async.bulk import start_jobs
from cavatica_async.endpoints.jobs import get_job
from cavatica_async.events import JobKind
from cavatica_async.inputs import DrsImportItem
from cavatica_async.models import DrsImportJob
from cavatica_async.paths import check_id
from cavatica_async.polling import DEFAULT_WAIT_DEADLINE, PollPolicy, wait_for
from cavatica_async.retry import RetryPolicy
from cavatica_async.timeout import Timeout
from cavatica_async.transport import Transport


class DrsImports:
    """`client.drs_imports`: start, read and wait for bulk DRS import jobs."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    async def start(
        self,
        items: Sequence[DrsImportItem],
        *,
        tags: Sequence[str] | None = None,
        conflict_resolution: str = "SKIP",
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> list[DrsImportJob]:
        """Start importing `items`: one job per 100 items, all jobs returned in order.

        `conflict_resolution` says what to do when a name exists (SKIP, sevenbridges-python's
        default, or OVERWRITE). The platform imports at most 500 files per 5 minutes and queues
        the rest itself. If some calls fail, `PartialStartError.started` has the jobs that did.
        """
        extra: dict[str, object] = {"conflict_resolution": conflict_resolution}
        if tags is not None:
            extra["tags"] = list(tags)
        return await start_jobs(
            self._transport,
            "/bulk/drs/imports/create",
            [item.body() for item in items],
            DrsImportJob,
            what="DRS import",
            extra=extra,
            timeout=timeout,
            retry=retry,
        )

    async def get(
        self,
        import_id: str,
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> DrsImportJob:
        """The DRS import job with this id, with one `result` item per finished URI."""
        job: DrsImportJob = await get_job(
            self._transport, JobKind.DRS_IMPORT, import_id, timeout=timeout, retry=retry
        )
        return job

    async def wait(
        self,
        import_id: str,
        *,
        deadline: float | None = DEFAULT_WAIT_DEADLINE,
        policy: PollPolicy | None = None,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> DrsImportJob:
        """Poll until the job is FINISHED (then check `result`); `WaitTimeoutError` after
        `deadline` s. `timeout` and `retry` are each poll's, as for `get`."""
        check_id(import_id, "DRS import id")
        return await wait_for(
            lambda: self.get(import_id, timeout=timeout, retry=retry),
            transport=self._transport,
            what="DRS import job",
            job_id=import_id,
            deadline=deadline,
            policy=policy or PollPolicy(),
        )

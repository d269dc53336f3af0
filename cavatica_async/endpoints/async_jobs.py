"""Async file jobs: copy, move and delete many files in the background.

https://docs.sevenbridges.com/reference/copy-multiple-files,
https://docs.sevenbridges.com/reference/get-details-of-a-copy-job (kept about a month after
completion) and https://docs.cavatica.org/docs/get-details-of-all-async-jobs
"""

from __future__ import annotations

from collections.abc import Sequence

from cavatica_async.bulk import start_jobs
from cavatica_async.endpoints.jobs import get_job
from cavatica_async.events import JobKind
from cavatica_async.inputs import CopyItem
from cavatica_async.models import AsyncFileJob
from cavatica_async.pages import Pager
from cavatica_async.paths import check_id
from cavatica_async.polling import DEFAULT_WAIT_TIMEOUT, PollPolicy, wait_for
from cavatica_async.retry import RetryPolicy
from cavatica_async.timeout import Timeout
from cavatica_async.transport import Transport


class AsyncJobs:
    """`client.async_jobs`: start, read, list and wait for copy / move / delete jobs."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    async def copy(self, items: Sequence[CopyItem]) -> list[AsyncFileJob]:
        """Copy files or folders (structure kept): one job per 100 items, all jobs returned."""
        return await self._start("copy", [item.body() for item in items])

    async def move(self, items: Sequence[CopyItem]) -> list[AsyncFileJob]:
        """Move files or folders: one job per 100 items, all jobs returned."""
        return await self._start("move", [item.body() for item in items])

    async def delete(self, files: Sequence[str]) -> list[AsyncFileJob]:
        """Delete files or folders (non-empty folders too): one job per 100 ids."""
        if isinstance(files, str):
            raise TypeError(f"expected a sequence of file ids, got one string {files!r}")
        return await self._start("delete", [{"file": check_id(f, "file id")} for f in files])

    async def get_copy(
        self,
        job_id: str,
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> AsyncFileJob:
        """The copy job with this id."""
        return await self._get("copy", job_id, retry, timeout)

    async def get_move(
        self,
        job_id: str,
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> AsyncFileJob:
        """The move job with this id."""
        return await self._get("move", job_id, retry, timeout)

    async def get_delete(
        self,
        job_id: str,
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> AsyncFileJob:
        """The delete job with this id."""
        return await self._get("delete", job_id, retry, timeout)

    async def wait_copy(
        self,
        job_id: str,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        policy: PollPolicy | None = None,
    ) -> AsyncFileJob:
        """Poll the copy job until FINISHED (then check `failed_files`)."""
        return await self._wait("copy", job_id, timeout, policy)

    async def wait_move(
        self,
        job_id: str,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        policy: PollPolicy | None = None,
    ) -> AsyncFileJob:
        """Poll the move job until FINISHED (then check `failed_files`)."""
        return await self._wait("move", job_id, timeout, policy)

    async def wait_delete(
        self,
        job_id: str,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        policy: PollPolicy | None = None,
    ) -> AsyncFileJob:
        """Poll the delete job until FINISHED (then check `failed_files`)."""
        return await self._wait("delete", job_id, timeout, policy)

    async def _start(self, operation: str, items: list[dict[str, str]]) -> list[AsyncFileJob]:
        return await start_jobs(
            self._transport, f"/async/files/{operation}", items, AsyncFileJob, what=operation
        )

    async def _get(
        self,
        operation: str,
        job_id: str,
        retry: RetryPolicy | None = None,
        timeout: float | Timeout | None = None,
    ) -> AsyncFileJob:
        job: AsyncFileJob = await get_job(
            self._transport, JobKind(operation), job_id, timeout=timeout, retry=retry
        )
        return job

    async def _wait(
        self, operation: str, job_id: str, timeout: float | None, policy: PollPolicy | None
    ) -> AsyncFileJob:
        check_id(job_id, f"{operation} job id")
        return await wait_for(
            lambda: self._get(operation, job_id),
            transport=self._transport,
            what=f"{operation} job",
            job_id=job_id,
            timeout=timeout,
            policy=policy or PollPolicy(),
        )

    # Last in the class: a method named `list` shadows the builtin in annotations after it.
    def list(self) -> Pager[AsyncFileJob]:
        """Every async file job this user started (GET /async/files, all pages)."""
        return Pager(self._transport, "/async/files", AsyncFileJob, {})

"""Async file jobs: copy, move and delete many files in the background.

https://docs.sevenbridges.com/reference/copy-multiple-files,
https://docs.sevenbridges.com/reference/get-details-of-a-copy-job (kept about a month after
completion) and https://docs.cavatica.org/docs/get-details-of-all-async-jobs
(docs/platform.md#async-copy-move-and-delete).
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
from cavatica_async.polling import DEFAULT_WAIT_DEADLINE, PollPolicy, wait_for
from cavatica_async.retry import RetryPolicy
from cavatica_async.timeout import Timeout
from cavatica_async.transport import Transport


class AsyncJobs:
    """`client.async_jobs`: start, read, list and wait for copy / move / delete jobs.

    Every method takes `timeout=` (each request's) and `retry=`; a start is never sent twice,
    whatever the policy.
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    async def copy(
        self,
        items: Sequence[CopyItem],
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> list[AsyncFileJob]:
        """Copy files or folders (structure kept): one job per 100 items, all jobs returned."""
        return await self._start("copy", [item.body() for item in items], timeout, retry)

    async def move(
        self,
        items: Sequence[CopyItem],
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> list[AsyncFileJob]:
        """Move files or folders: one job per 100 items, all jobs returned."""
        return await self._start("move", [item.body() for item in items], timeout, retry)

    async def delete(
        self,
        files: Sequence[str],
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> list[AsyncFileJob]:
        """Delete files or folders (non-empty folders too): one job per 100 ids."""
        if isinstance(files, str):
            raise TypeError(f"expected a sequence of file ids, got one string {files!r}")
        items = [{"file": check_id(f, "file id")} for f in files]
        return await self._start("delete", items, timeout, retry)

    async def get_copy(
        self,
        job_id: str,
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> AsyncFileJob:
        """The copy job with this id."""
        return await self._get("copy", job_id, timeout, retry)

    async def get_move(
        self,
        job_id: str,
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> AsyncFileJob:
        """The move job with this id."""
        return await self._get("move", job_id, timeout, retry)

    async def get_delete(
        self,
        job_id: str,
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> AsyncFileJob:
        """The delete job with this id."""
        return await self._get("delete", job_id, timeout, retry)

    async def wait_copy(
        self,
        job_id: str,
        *,
        deadline: float | None = DEFAULT_WAIT_DEADLINE,
        policy: PollPolicy | None = None,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> AsyncFileJob:
        """Poll the copy job until FINISHED (then check `failed_files`); `WaitTimeoutError`
        after `deadline` s."""
        return await self._wait("copy", job_id, deadline, policy, timeout, retry)

    async def wait_move(
        self,
        job_id: str,
        *,
        deadline: float | None = DEFAULT_WAIT_DEADLINE,
        policy: PollPolicy | None = None,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> AsyncFileJob:
        """Poll the move job until FINISHED (then check `failed_files`); `WaitTimeoutError`
        after `deadline` s."""
        return await self._wait("move", job_id, deadline, policy, timeout, retry)

    async def wait_delete(
        self,
        job_id: str,
        *,
        deadline: float | None = DEFAULT_WAIT_DEADLINE,
        policy: PollPolicy | None = None,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> AsyncFileJob:
        """Poll the delete job until FINISHED (then check `failed_files`); `WaitTimeoutError`
        after `deadline` s."""
        return await self._wait("delete", job_id, deadline, policy, timeout, retry)

    async def _start(
        self,
        operation: str,
        items: list[dict[str, str]],
        timeout: float | Timeout | None,
        retry: RetryPolicy | None,
    ) -> list[AsyncFileJob]:
        return await start_jobs(
            self._transport,
            f"/async/files/{operation}",
            items,
            AsyncFileJob,
            what=operation,
            timeout=timeout,
            retry=retry,
        )

    async def _get(
        self,
        operation: str,
        job_id: str,
        timeout: float | Timeout | None,
        retry: RetryPolicy | None,
    ) -> AsyncFileJob:
        job: AsyncFileJob = await get_job(
            self._transport, JobKind(operation), job_id, timeout=timeout, retry=retry
        )
        return job

    async def _wait(
        self,
        operation: str,
        job_id: str,
        deadline: float | None,
        policy: PollPolicy | None,
        timeout: float | Timeout | None,
        retry: RetryPolicy | None,
    ) -> AsyncFileJob:
        check_id(job_id, f"{operation} job id")
        return await wait_for(
            lambda: self._get(operation, job_id, timeout, retry),
            transport=self._transport,
            what=f"{operation} job",
            job_id=job_id,
            deadline=deadline,
            policy=policy or PollPolicy(),
        )

    # Last in the class: a method named `list` shadows the builtin in annotations after it.
    def list(
        self,
        *,
        limit: int | None = None,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> Pager[AsyncFileJob]:
        """The async file jobs this user started (GET /async/files), at most `limit`.

        The platform documents no filter for this list, only paging, which `.pages()` shows
        (docs/platform.md#async-copy-move-and-delete).
        """
        return Pager(
            self._transport,
            "/async/files",
            AsyncFileJob,
            {},
            limit=limit,
            timeout=timeout,
            retry=retry,
        )

"""What storage exports and imports share: get, bulk get, list and wait on one path family."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from cavatica_async.bulk import bulk_post
from cavatica_async.endpoints.jobs import get_job
from cavatica_async.events import JobKind
from cavatica_async.kinds import KINDS
from cavatica_async.models import BulkItem, ExportJob, ImportJob
from cavatica_async.pages import Pager
from cavatica_async.paths import MAX_ID_LENGTH, check_id
from cavatica_async.polling import DEFAULT_WAIT_DEADLINE, PollPolicy, wait_for
from cavatica_async.retry import RetryPolicy
from cavatica_async.timeout import Timeout
from cavatica_async.transport import Transport

J = TypeVar("J", ExportJob, ImportJob)


def check_ids(ids: Sequence[str], what: str) -> list[str]:
    """Every id checked before anything is sent; a lone string is refused, not split."""
    if isinstance(ids, str):
        raise TypeError(f"expected a sequence of {what}s, got one string {ids!r}")
    return [check_id(job_id, what) for job_id in ids]


def state_params(state: str | Sequence[str] | None) -> list[str] | None:
    """The `state` query values; the parameter may be repeated (sevenbridges2 Exports docs)."""
    if state is None:
        return None
    return [str(state)] if isinstance(state, str) else [str(s) for s in state]


class StorageJobs(Generic[J]):
    """Reads of one storage job family; subclasses declare their kind and list path."""

    kind: ClassVar[JobKind]
    path: ClassVar[str]  # the family's list, e.g. /storage/exports
    model: type[J]

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._info = KINDS[self.kind]

    async def get(
        self,
        job_id: str,
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> J:
        """The job with this id (`NotFoundError` if the platform does not know it)."""
        job: J = await get_job(self._transport, self.kind, job_id, timeout=timeout, retry=retry)
        return job

    async def bulk_get(
        self,
        ids: Sequence[str],
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> list[BulkItem[J]]:
        """One `BulkItem` per id, in order, in calls of at most 100 ids (unknown ids: errors).

        Each answer item goes to the id it names; an id the answer left out gets an error item.
        """
        path, key = self._info.bulk_route()
        checked = check_ids(ids, f"{self._info.noun} id")
        return await bulk_post(
            self._transport,
            path,
            key,
            checked,
            self.model,
            idempotent=True,
            timeout=timeout,
            retry=retry,
        )

    async def wait(
        self,
        job_id: str,
        *,
        deadline: float | None = DEFAULT_WAIT_DEADLINE,
        policy: PollPolicy | None = None,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> J:
        """Poll until the job is COMPLETED or FAILED; `WaitTimeoutError` after `deadline` s.

        `timeout` and `retry` are each poll's, as for `get`.
        """
        check_id(job_id, f"{self._info.noun} id")
        return await wait_for(
            lambda: self.get(job_id, timeout=timeout, retry=retry),
            transport=self._transport,
            what=f"{self._info.noun} job",
            job_id=job_id,
            deadline=deadline,
            policy=policy or PollPolicy(),
        )

    def _list(
        self,
        params: dict[str, Any],
        limit: int | None,
        timeout: float | Timeout | None,
        retry: RetryPolicy | None,
    ) -> Pager[J]:
        present = {name: value for name, value in params.items() if value is not None}
        for name, value in present.items():
            for one in [value] if isinstance(value, str) else value:
                if len(str.__str__(one)) > MAX_ID_LENGTH:
                    raise ValueError(
                        f"{self._info.noun} list filter {name} is over {MAX_ID_LENGTH:,} characters"
                    )
        return Pager(
            self._transport,
            self.path,
            self.model,
            present,
            limit=limit,
            timeout=timeout,
            retry=retry,
        )

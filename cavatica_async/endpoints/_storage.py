"""What storage exports and imports share: get, bulk get, list and wait on one path family."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from cavatica_async.bulk import BULK_LIMIT, bulk_post, post_chunk
from cavatica_async.converter import structure_job
from cavatica_async.models import BulkItem, ExportJob, ImportJob
from cavatica_async.pages import Pager
from cavatica_async.paths import MAX_ID_LENGTH, check_id
from cavatica_async.polling import DEFAULT_WAIT_TIMEOUT, PollPolicy, wait_for
from cavatica_async.retry import RetryPolicy
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
    """Reads of one storage job family; subclasses declare the paths, id key and model."""

    path: ClassVar[str]  # e.g. /storage/exports
    bulk_path: ClassVar[str]  # e.g. /bulk/storage/exports
    ids_key: ClassVar[str]  # e.g. export_ids
    noun: ClassVar[str]  # e.g. export
    model: type[J]

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    async def get(self, job_id: str, *, retry: RetryPolicy | None = None) -> J:
        """The job with this id (`NotFoundError` if the platform does not know it)."""
        response = await self._transport.request(
            "GET",
            self.path + "/{job_id}",
            ids={"job_id": check_id(job_id, f"{self.noun} id")},
            retry=retry,
        )
        return structure_job(
            response.json(), self.model, job_id=job_id, what=f"GET {self.path}/{job_id} answer"
        )

    async def bulk_get(
        self, ids: Sequence[str], *, retry: RetryPolicy | None = None
    ) -> list[BulkItem[J]]:
        """One `BulkItem` per id, in order, in calls of at most 100 ids (unknown ids: errors)."""
        checked = check_ids(ids, f"{self.noun} id")
        return await bulk_post(
            self._transport,
            self.bulk_path + "/get",
            self.ids_key,
            checked,
            self.model,
            idempotent=True,
            retry=retry,
        )

    async def _bulk_get_raw(self, ids: Sequence[str], *, retry: RetryPolicy) -> list[Any]:
        """One bulk get of at most 100 ids: the answer's items as JSON, for the watcher to
        read the state of before it pays for structuring the whole job."""
        if len(ids) > BULK_LIMIT:
            raise ValueError(f"at most {BULK_LIMIT} ids per call, got {len(ids)}")
        checked = check_ids(ids, f"{self.noun} id")
        return await post_chunk(
            self._transport,
            self.bulk_path + "/get",
            self.ids_key,
            checked,
            idempotent=True,
            retry=retry,
        )

    async def wait(
        self,
        job_id: str,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        policy: PollPolicy | None = None,
    ) -> J:
        """Poll until the job is COMPLETED or FAILED; `WaitTimeoutError` after `timeout` s."""
        check_id(job_id, f"{self.noun} id")
        return await wait_for(
            lambda: self.get(job_id),
            transport=self._transport,
            what=f"{self.noun} job",
            job_id=job_id,
            timeout=timeout,
            policy=policy or PollPolicy(),
        )

    def _list(self, params: dict[str, Any]) -> Pager[J]:
        present = {name: value for name, value in params.items() if value is not None}
        for name, value in present.items():
            for one in [value] if isinstance(value, str) else value:
                if len(str.__str__(one)) > MAX_ID_LENGTH:
                    raise ValueError(
                        f"{self.noun} list filter {name} is over {MAX_ID_LENGTH:,} characters"
                    )
        return Pager(self._transport, self.path, self.model, present)

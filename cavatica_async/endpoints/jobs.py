"""Reading jobs of any kind: one by id, many at a time with lazy parsing, and the job list.

The lazy reads are for callers that poll many jobs and want to pay for structuring a job only
when its state changed (the watcher): each item gives its id and state as sent, and the model on
demand, much as kubernetes' `deserialize=False` or githubkit's `Response.parsed_data` do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from cavatica_async.bulk import post_chunk, structure_item
from cavatica_async.bulk_match import match, resource_id, resource_of
from cavatica_async.converter import structure, structure_job
from cavatica_async.errors import DecodeError
from cavatica_async.events import Job, JobKind
from cavatica_async.kinds import BULK_LIMIT, KINDS
from cavatica_async.models import AsyncFileJob, BulkItem
from cavatica_async.pages import next_link
from cavatica_async.paths import check_id
from cavatica_async.retry import RetryPolicy
from cavatica_async.timeout import Timeout
from cavatica_async.transport import Transport

JOB_LIST = "/async/files"


@attrs.frozen
class BulkRead:
    """One job of a bulk read, as the answer carried it; `parse()` builds the model."""

    kind: JobKind
    job_id: str
    raw: Any = attrs.field(repr=False)  # the answer's item for this id; None if it had none
    what: str = attrs.field(repr=False)

    @property
    def state(self) -> Any:
        """The job's `state` as sent (not checked), or None."""
        resource = resource_of(self.raw)
        return resource.get("state") if resource is not None else None

    def parse(self) -> BulkItem[Job]:
        """The item as a `BulkItem`; `DecodeError` if the answer had none or it does not fit."""
        if self.raw is None:
            raise DecodeError(f"{self.what}: the answer had no item for this job", permanent=True)
        return structure_item(self.raw, KINDS[self.kind].model, self.what)


class ListedJob:
    """One job of a job-list page, as the answer carried it; `parse()` builds the model.

    Made for every item of every page the watcher reads, so its fields are read from the item
    once, here, and the text naming it for errors is only written when one is raised.
    """

    __slots__ = ("job_id", "position", "raw", "state", "type")

    def __init__(self, raw: Any, position: int) -> None:
        self.raw = raw
        self.position = position  # the item's place in the whole list
        fields = raw if isinstance(raw, dict) else {}
        job_id, kind = fields.get("id"), fields.get("type")
        self.job_id: str | None = job_id if isinstance(job_id, str) else None
        """The job's id as sent, if it is one."""
        self.type: str | None = kind if isinstance(kind, str) else None
        """The job's `type` as sent (COPY, MOVE, DELETE), if it is text."""
        self.state: Any = fields.get("state")
        """The job's `state` as sent (not checked), or None."""

    def parse(self) -> AsyncFileJob:
        """The job as an `AsyncFileJob`, or `DecodeError`."""
        return structure(self.raw, AsyncFileJob, what=f"GET {JOB_LIST} item {self.position}")

    def __repr__(self) -> str:
        return f"ListedJob(job_id={self.job_id!r}, type={self.type!r}, state={self.state!r})"


@attrs.frozen
class JobListPage:
    """One page of the job list: its jobs, where it starts, and whether another follows."""

    offset: int
    jobs: tuple[ListedJob, ...]
    more: bool


async def get_job(
    transport: Transport,
    kind: JobKind | str,
    job_id: str,
    *,
    timeout: float | Timeout | None = None,
    retry: RetryPolicy | None = None,
) -> Any:
    """One job by kind and id, read with its single GET; the answer must be about that job."""
    info = KINDS[JobKind(kind)]
    check_id(job_id, f"{info.noun} id")
    response = await transport.request(
        "GET", info.path, ids={"job_id": job_id}, timeout=timeout, retry=retry
    )
    what = f"GET {info.path.format(job_id=job_id)} answer"
    return structure_job(response.json(), info.model, job_id=job_id, what=what)


class Jobs:
    """`client.jobs`: any kind's job by id, lazy bulk reads, and pages of the job list."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    async def get(
        self,
        kind: JobKind | str,
        job_id: str,
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> Job:
        """The job of this kind with this id (`NotFoundError` if the platform does not know it)."""
        job: Job = await get_job(self._transport, kind, job_id, timeout=timeout, retry=retry)
        return job

    async def bulk_read(
        self,
        kind: JobKind | str,
        ids: Sequence[str],
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> list[BulkRead]:
        """One bulk get of at most 100 exports or imports: one `BulkRead` per id, in order.

        Each answer item goes to the id it names, never to a place alone (bulk_match).
        """
        info = KINDS[JobKind(kind)]
        path, key = info.bulk_route()
        if isinstance(ids, str):
            raise TypeError(f"expected a sequence of {info.noun} ids, got one string {ids!r}")
        if len(ids) > BULK_LIMIT:
            raise ValueError(f"at most {BULK_LIMIT} ids per bulk read, got {len(ids)}")
        checked = [check_id(job_id, f"{info.noun} id") for job_id in ids]
        raw = await post_chunk(
            self._transport,
            path,
            key,
            checked,
            idempotent=True,
            timeout=timeout,
            retry=retry,
        )
        what = f"POST {path}"
        matched = match(checked, raw, resource_id, what)
        return [
            BulkRead(info.kind, job_id, item, f"{what} item {index}")
            for index, (job_id, item) in enumerate(zip(checked, matched, strict=True))
        ]

    async def list_page(
        self,
        offset: int = 0,
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> JobListPage:
        """The page of the user's copy, move and delete jobs from `offset` (100 a page)."""
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise ValueError(f"offset must be a whole number >= 0, got {offset!r}")
        response = await self._transport.request(
            "GET",
            JOB_LIST,
            params={"offset": offset, "limit": BULK_LIMIT},
            timeout=timeout,
            retry=retry,
        )
        body = response.json()
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise DecodeError(
                f"GET {JOB_LIST}?offset={offset} answer has no 'items' list", permanent=True
            )
        jobs = tuple(ListedJob(item, offset + index) for index, item in enumerate(items))
        return JobListPage(offset, jobs, next_link(body) is not None)

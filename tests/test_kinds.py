"""The table of job kinds, and the public reads built on it (respx, asyncio and trio)."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from cavatica_async import AsyncFileJob, DrsImportJob, ExportJob, JobKind
from cavatica_async.kinds import KINDS, LISTED
from cavatica_async.models import AsyncJobState, ExportState

from tests.helpers import FakeClock, make_client

pytestmark = pytest.mark.anyio


def test_every_kind_is_described_once() -> None:
    assert set(KINDS) == set(JobKind)
    assert {kind for kind, info in KINDS.items() if info.bulk} == {JobKind.EXPORT, JobKind.IMPORT}
    assert {JobKind.COPY, JobKind.MOVE, JobKind.DELETE} == LISTED
    assert KINDS[JobKind.MOVE].path == "/async/files/move/{job_id}"
    assert KINDS[JobKind.EXPORT].bulk_route() == ("/bulk/storage/exports/get", "export_ids")
    assert KINDS[JobKind.COPY].state("RUNNING") is AsyncJobState.RUNNING
    assert KINDS[JobKind.EXPORT].state("PAUSED").is_known is False  # kept, not rejected
    with pytest.raises(ValueError, match="drs_import jobs have no bulk get"):
        KINDS[JobKind.DRS_IMPORT].bulk_route()


@pytest.mark.parametrize(
    ("kind", "path", "model"),
    [
        (JobKind.EXPORT, "/storage/exports/j1", ExportJob),
        (JobKind.DRS_IMPORT, "/bulk/drs/imports/j1", DrsImportJob),
        (JobKind.DELETE, "/async/files/delete/j1", AsyncFileJob),
    ],
)
async def test_get_job_reads_any_kind(
    router: respx.MockRouter, clock: FakeClock, kind: JobKind, path: str, model: type
) -> None:
    route = router.get(path).respond(200, json={"id": "j1", "state": "RUNNING"})
    async with make_client(router, clock) as client:
        job = await client.get_job(kind, "j1", timeout=7.0)
    assert isinstance(job, model)
    assert route.calls.last.request.extensions["timeout"]["read"] == 7.0


async def test_a_bulk_read_parses_only_what_is_asked_for(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        ids = json.loads(request.content)["export_ids"]
        return httpx.Response(
            200, json={"items": [{"resource": {"id": i, "state": "RUNNING"}} for i in ids[::-1]]}
        )

    router.post("/bulk/storage/exports/get").mock(side_effect=answer)
    async with make_client(router, clock) as client:
        reads = await client.jobs.bulk_read(JobKind.EXPORT, ["e1", "e2"])
        with pytest.raises(ValueError, match="at most 100 ids"):
            await client.jobs.bulk_read(JobKind.EXPORT, [f"e{n}" for n in range(101)])
        with pytest.raises(ValueError, match="copy jobs have no bulk get"):
            await client.jobs.bulk_read(JobKind.COPY, ["c1"])
    assert [(r.job_id, r.state) for r in reads] == [("e1", "RUNNING"), ("e2", "RUNNING")]
    item = reads[1].parse()
    assert item.resource is not None
    assert (item.resource.id, item.resource.state) == ("e2", ExportState.RUNNING)


async def test_a_job_list_page_reads_lazily(router: respx.MockRouter, clock: FakeClock) -> None:
    router.get("/async/files").respond(
        200,
        json={
            "items": [{"id": "c1", "type": "COPY", "state": "RUNNING"}, {"id": 5}],
            "links": [{"rel": "NEXT", "href": "https://api.test/v2/async/files?offset=100"}],
        },
    )
    async with make_client(router, clock) as client:
        page = await client.jobs.list_page(0)
        with pytest.raises(ValueError, match="offset must be a whole number"):
            await client.jobs.list_page(-1)
    assert page.more  # "NEXT": the one case-insensitive rule
    first, second = page.jobs
    assert (first.job_id, first.type, first.state) == ("c1", "COPY", "RUNNING")
    assert first.parse().state is AsyncJobState.RUNNING
    assert (second.job_id, second.type, second.state) == (None, None, None)

"""client.drs_imports: create (one job per 100 items), get and wait."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from cavatica_async import DrsImportItem, DrsImportState

from tests.helpers import BASE_URL, FakeClock, make_client, sent

pytestmark = pytest.mark.anyio

JOB_ID = "154608246075330560"


async def test_start(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.post("/bulk/drs/imports/create").respond(
        200, json={"id": JOB_ID, "state": "SUBMITTED", "result": []}
    )
    items = [
        DrsImportItem("drs://drs.example.org/a", project="o/p", name="a.cram"),
        DrsImportItem("drs://drs.example.org/b", parent="6130ac6485ecd250bb0c4fed"),
    ]
    async with make_client(router, clock) as client:
        [job] = await client.drs_imports.start(
            items, tags=["batch-7"], conflict_resolution="OVERWRITE"
        )
    assert sent(route) == (
        "POST",
        f"{BASE_URL}/bulk/drs/imports/create",
        {
            "items": [
                {"drs_uri": "drs://drs.example.org/a", "project": "o/p", "name": "a.cram"},
                {"drs_uri": "drs://drs.example.org/b", "parent": "6130ac6485ecd250bb0c4fed"},
            ],
            "conflict_resolution": "OVERWRITE",
            "tags": ["batch-7"],
        },
    )
    assert (job.id, job.state) == (JOB_ID, DrsImportState.SUBMITTED)


async def test_more_than_100_items_start_several_jobs(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    def create(request: httpx.Request) -> httpx.Response:
        first = json.loads(request.content)["items"][0]["drs_uri"]
        return httpx.Response(200, json={"id": f"job-{first[-3:]}", "state": "SUBMITTED"})

    route = router.post("/bulk/drs/imports/create").mock(side_effect=create)
    items = [DrsImportItem(f"drs://drs.example.org/{n:03d}", project="o/p") for n in range(230)]
    async with make_client(router, clock) as client:
        jobs = await client.drs_imports.start(items)
    sizes = sorted(len(json.loads(call.request.content)["items"]) for call in route.calls)
    assert sizes == [30, 100, 100]
    assert [job.id for job in jobs] == ["job-000", "job-100", "job-200"]  # in item order
    assert all(json.loads(c.request.content)["conflict_resolution"] == "SKIP" for c in route.calls)


async def test_start_with_no_items_is_refused(router: respx.MockRouter, clock: FakeClock) -> None:
    async with make_client(router, clock) as client:
        with pytest.raises(ValueError, match="DRS import: no items given"):
            await client.drs_imports.start([])


async def test_get_and_wait(router: respx.MockRouter, clock: FakeClock) -> None:
    finished = {
        "id": JOB_ID,
        "state": "FINISHED",
        "result": [
            {"resource": {"id": "6130ac6485ecd250bb0c4fed", "href": "h"}},
            {"error": {"status": 400, "code": 90000, "message": "bad DRS URI"}},
        ],
    }
    route = router.get(f"/bulk/drs/imports/{JOB_ID}").mock(
        side_effect=[
            httpx.Response(200, json={"id": JOB_ID, "state": "RESOLVING"}),
            httpx.Response(200, json=finished),
            httpx.Response(200, json=finished),
        ]
    )
    async with make_client(router, clock) as client:
        assert (await client.drs_imports.get(JOB_ID)).state is DrsImportState.RESOLVING
        job = await client.drs_imports.wait(JOB_ID)
    assert sent(route) == ("GET", f"{BASE_URL}/bulk/drs/imports/{JOB_ID}", None)
    assert job.state.is_terminal
    assert [item.ok for item in job.result] == [True, False]

"""client.exports: method, path, query and body of every call, and what comes back."""

from __future__ import annotations

import httpx
import pytest
import respx

from cavatica_async import ExportRequest, ExportState, WaitTimeoutError

from tests.helpers import BASE_URL, FakeClock, make_client, sent

pytestmark = pytest.mark.anyio

FILE = "567890abc9b0307bc0414164"
JOB = {"id": "erand0md6gMeuLlhWTNVj192RsnOMgdB", "state": "PENDING"}
BODY = {
    "source": {"file": FILE},
    "destination": {"volume": "rfranklin/output", "location": "output.vcf"},
    "overwrite": False,
}


async def test_start(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.post("/storage/exports").respond(200, json=JOB)
    async with make_client(router, clock) as client:
        job = await client.exports.start(FILE, "rfranklin/output", "output.vcf")
    assert sent(route) == ("POST", f"{BASE_URL}/storage/exports", BODY)
    assert "X-SBG-Advance-Access" not in route.calls.last.request.headers
    assert (job.id, job.state) == (JOB["id"], ExportState.PENDING)


async def test_start_copy_only_is_an_advance_access_query_flag(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.post("/storage/exports").respond(200, json=JOB)
    async with make_client(router, clock) as client:
        await client.exports.start(
            FILE,
            "rfranklin/output",
            "output.vcf",
            overwrite=True,
            copy_only=True,
            properties={"sse_algorithm": "AES256"},
        )
    method, url, body = sent(route)
    assert (method, url) == ("POST", f"{BASE_URL}/storage/exports?copy_only=true")
    assert body == {**BODY, "overwrite": True, "properties": {"sse_algorithm": "AES256"}}
    assert route.calls.last.request.headers["X-SBG-Advance-Access"] == "advance"


async def test_start_is_never_retried(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.post("/storage/exports").respond(502)
    async with make_client(router, clock) as client:
        with pytest.raises(Exception, match="HTTP 502"):
            await client.exports.start(FILE, "rfranklin/output", "output.vcf")
    assert route.call_count == 1


async def test_get(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get(f"/storage/exports/{JOB['id']}").respond(200, json=JOB)
    async with make_client(router, clock) as client:
        job = await client.exports.get(JOB["id"])
    assert sent(route) == ("GET", f"{BASE_URL}/storage/exports/{JOB['id']}", None)
    assert job.id == JOB["id"]


async def test_list_filters_and_pages(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get("/storage/exports").respond(200, json={"items": [JOB], "links": []})
    async with make_client(router, clock) as client:
        jobs = [
            job
            async for job in client.exports.list(
                volume="rfranklin/output", state=[ExportState.RUNNING, "FAILED"]
            )
        ]
        await client.exports.list(state="PENDING").__anext__()
    assert [job.id for job in jobs] == [JOB["id"]]
    assert str(route.calls[0].request.url) == (
        f"{BASE_URL}/storage/exports?volume=rfranklin%2Foutput&state=RUNNING&state=FAILED&limit=100"
    )
    assert str(route.calls[1].request.url) == f"{BASE_URL}/storage/exports?state=PENDING&limit=100"


async def test_bulk_start(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.post("/bulk/storage/exports/create").respond(
        200,
        json={
            "items": [
                {"resource": JOB},
                {"error": {"status": 400, "code": 9107, "message": "occupied"}},
            ]
        },
    )
    async with make_client(router, clock) as client:
        items = await client.exports.bulk_start(
            [
                ExportRequest(FILE, "rfranklin/output", "output.vcf"),
                ExportRequest(FILE, "rfranklin/output", "taken.vcf", overwrite=True),
            ],
            copy_only=True,
        )
    method, url, body = sent(route)
    assert (method, url) == ("POST", f"{BASE_URL}/bulk/storage/exports/create?copy_only=true")
    assert body == {
        "items": [
            BODY,
            {
                **BODY,
                "destination": {**BODY["destination"], "location": "taken.vcf"},
                "overwrite": True,
            },
        ]
    }
    assert route.calls.last.request.headers["X-SBG-Advance-Access"] == "advance"
    assert [item.ok for item in items] == [True, False]


async def test_bulk_get(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.post("/bulk/storage/exports/get").respond(
        200, json={"items": [{"resource": JOB}]}
    )
    async with make_client(router, clock) as client:
        [item] = await client.exports.bulk_get([JOB["id"]])
    assert sent(route) == (
        "POST",
        f"{BASE_URL}/bulk/storage/exports/get",
        {"export_ids": [JOB["id"]]},
    )
    assert item.resource is not None


async def test_wait_returns_on_a_terminal_state(router: respx.MockRouter, clock: FakeClock) -> None:
    states = ["PENDING", "RUNNING", "RUNNING", "FAILED"]
    route = router.get(f"/storage/exports/{JOB['id']}").mock(
        side_effect=[httpx.Response(200, json={**JOB, "state": state}) for state in states]
    )
    async with make_client(router, clock) as client:
        job = await client.exports.wait(JOB["id"])
    assert job.state is ExportState.FAILED
    assert route.call_count == 4
    assert clock.sleeps == [2.0, 2.0, 3.0]  # reset on RUNNING, then grow


async def test_wait_raises_on_timeout(router: respx.MockRouter, clock: FakeClock) -> None:
    router.get(f"/storage/exports/{JOB['id']}").respond(200, json={**JOB, "state": "RUNNING"})
    async with make_client(router, clock) as client:
        with pytest.raises(WaitTimeoutError, match=f"export job {JOB['id']} is still RUNNING"):
            await client.exports.wait(JOB["id"], deadline=30)
    assert sum(clock.sleeps) == pytest.approx(30)


async def test_bad_ids_never_reach_the_transport(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    async with make_client(router, clock) as client:
        with pytest.raises(ValueError, match=r"invalid export id '\.\./x'"):
            await client.exports.get("../x")
        with pytest.raises(ValueError, match="invalid export id ''"):
            await client.exports.wait("")
    assert router.calls.call_count == 0

"""client.async_jobs: copy / move / delete starts, gets, list and waits."""

from __future__ import annotations

import httpx
import pytest
import respx

from cavatica_async import AsyncJobState, AsyncJobType, CopyItem, WaitTimeoutError

from tests.helpers import BASE_URL, FakeClock, make_client, sent

pytestmark = pytest.mark.anyio

FILE = "5c6d3f30e4b038563238932f"
JOB_ID = "70721895322947584"


def job(kind: str, state: str = "SUBMITTED") -> dict[str, str]:
    return {"id": JOB_ID, "type": kind, "state": state}


@pytest.mark.parametrize("operation", ["copy", "move"])
async def test_copy_and_move(router: respx.MockRouter, clock: FakeClock, operation: str) -> None:
    route = router.post(f"/async/files/{operation}").respond(200, json=job(operation.upper()))
    items = [
        CopyItem(FILE, project="rfranklin/destination-project", name="my-new-file"),
        CopyItem("5c6d3f30e4b038563238932b", parent="5c6d3f30e4b0385632389331"),
    ]
    async with make_client(router, clock) as client:
        [started] = await getattr(client.async_jobs, operation)(items)
    assert sent(route) == (
        "POST",
        f"{BASE_URL}/async/files/{operation}",
        {
            "items": [
                {"file": FILE, "project": "rfranklin/destination-project", "name": "my-new-file"},
                {"file": "5c6d3f30e4b038563238932b", "parent": "5c6d3f30e4b0385632389331"},
            ]
        },
    )
    assert started.type == operation.upper()
    assert started.state is AsyncJobState.SUBMITTED
    assert route.call_count == 1


async def test_delete(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.post("/async/files/delete").respond(200, json=job("DELETE"))
    async with make_client(router, clock) as client:
        [started] = await client.async_jobs.delete([FILE, "5c6d3f30e4b038563238932b"])
        with pytest.raises(ValueError, match="invalid file id 'a b'"):
            await client.async_jobs.delete(["a b"])
        with pytest.raises(TypeError, match="got one string"):
            await client.async_jobs.delete(FILE)
    assert sent(route) == (
        "POST",
        f"{BASE_URL}/async/files/delete",
        {"items": [{"file": FILE}, {"file": "5c6d3f30e4b038563238932b"}]},
    )
    assert started.type is AsyncJobType.DELETE
    assert route.call_count == 1


@pytest.mark.parametrize("operation", ["copy", "move", "delete"])
async def test_get_and_wait(router: respx.MockRouter, clock: FakeClock, operation: str) -> None:
    route = router.get(f"/async/files/{operation}/{JOB_ID}").mock(
        side_effect=[
            httpx.Response(200, json=job(operation.upper(), "RESOLVING")),
            httpx.Response(200, json=job(operation.upper(), "RUNNING")),
            httpx.Response(200, json={**job(operation.upper(), "FINISHED"), "failed_files": "0"}),
        ]
    )
    async with make_client(router, clock) as client:
        first = await getattr(client.async_jobs, f"get_{operation}")(JOB_ID)
        done = await getattr(client.async_jobs, f"wait_{operation}")(JOB_ID)
    assert sent(route) == ("GET", f"{BASE_URL}/async/files/{operation}/{JOB_ID}", None)
    assert first.state is AsyncJobState.RESOLVING
    assert done.state is AsyncJobState.FINISHED
    assert done.failed_files == 0


async def test_wait_timeout_names_the_operation(router: respx.MockRouter, clock: FakeClock) -> None:
    router.get(f"/async/files/copy/{JOB_ID}").respond(200, json=job("COPY", "RUNNING"))
    async with make_client(router, clock) as client:
        with pytest.raises(WaitTimeoutError, match=f"copy job {JOB_ID} is still RUNNING after 5 s"):
            await client.async_jobs.wait_copy(JOB_ID, deadline=5)


async def test_list(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get("/async/files").respond(200, json={"items": [job("COPY"), job("DELETE")]})
    async with make_client(router, clock) as client:
        jobs = [listed async for listed in client.async_jobs.list()]
    assert str(route.calls.last.request.url) == f"{BASE_URL}/async/files?limit=100"
    assert [listed.type for listed in jobs] == [AsyncJobType.COPY, AsyncJobType.DELETE]

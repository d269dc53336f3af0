"""Bulk calls of any length: chunking, order, per-item errors, and whole-chunk failures."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import respx

from cavatica_async import (
    NO_RETRY,
    BulkItem,
    CavaticaClient,
    CopyItem,
    DrsImportItem,
    ExportJob,
    ExportRequest,
    ExportState,
    PartialStartError,
    ServerError,
    UnauthorizedError,
)
from cavatica_async.bulk import chunked

from tests.helpers import FakeClock, make_client

pytestmark = pytest.mark.anyio


def export_ids(count: int) -> list[str]:
    return [f"e{index:04d}" for index in range(count)]


def bulk_get_answer(request: httpx.Request) -> httpx.Response:
    """A bulk-get answer in input order; ids ending in 7 are unknown to the platform."""
    items: list[dict[str, Any]] = []
    for job_id in json.loads(request.content)["export_ids"]:
        if job_id.endswith("7"):
            items.append({"error": {"status": 404, "code": 9008, "message": f"no export {job_id}"}})
        else:
            items.append({"resource": {"id": job_id, "state": "RUNNING"}})
    return httpx.Response(200, json={"items": items})


def test_chunked() -> None:
    assert [len(chunk) for chunk in chunked(list(range(250)))] == [100, 100, 50]
    assert chunked([]) == []


async def test_250_ids_take_3_requests_and_keep_their_order(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.post("/bulk/storage/exports/get").mock(side_effect=bulk_get_answer)
    ids = export_ids(250)
    async with make_client(router, clock) as client:
        items = await client.exports.bulk_get(ids)
    sent = [json.loads(call.request.content)["export_ids"] for call in route.calls]
    assert route.call_count == 3
    assert sorted(len(chunk) for chunk in sent) == [50, 100, 100]
    assert sorted(job_id for chunk in sent for job_id in chunk) == ids
    assert len(items) == 250
    for job_id, item in zip(ids, items, strict=True):
        if job_id.endswith("7"):
            assert item.error is not None
            assert (item.error.code, item.error.message) == (9008, f"no export {job_id}")
        else:
            assert item.resource is not None
            assert item.resource.id == job_id


async def test_bulk_get_of_nothing_sends_nothing(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    async with make_client(router, clock) as client:
        assert await client.exports.bulk_get([]) == []
    assert router.calls.call_count == 0


async def test_a_malformed_id_fails_before_any_request(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    ids = [*export_ids(150), "../../user", *export_ids(10)]
    async with make_client(router, clock) as client:
        with pytest.raises(ValueError, match=r"invalid export id '\.\./\.\./user'"):
            await client.exports.bulk_get(ids)
        with pytest.raises(TypeError, match="got one string 'e0001'"):
            await client.exports.bulk_get("e0001")
    assert router.calls.call_count == 0


async def test_bulk_get_raises_when_a_chunk_fails(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.post("/bulk/storage/exports/get").respond(
        401, json={"status": 401, "code": 90001, "message": "bad token"}
    )
    async with make_client(router, clock) as client:
        with pytest.raises(UnauthorizedError):
            await client.exports.bulk_get(export_ids(250))


async def test_bulk_get_is_retried_as_idempotent(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.post("/bulk/storage/exports/get").mock(
        side_effect=[httpx.Response(502), bulk_get_answer]
    )
    async with make_client(router, clock) as client:
        items = await client.exports.bulk_get(["e1"])
    assert route.call_count == 2
    assert items[0].ok


async def test_an_answer_of_the_wrong_length_gives_the_ids_it_lacks_an_error(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.post("/bulk/storage/exports/get").respond(200, json={"items": []})
    async with make_client(router, clock) as client:
        items = await client.exports.bulk_get(["e1", "e2"])
    assert [item.error.message for item in items if item.error] == [
        "POST /bulk/storage/exports/get item 0: the answer had no item for this id",
        "POST /bulk/storage/exports/get item 1: the answer had no item for this id",
    ]


async def test_bulk_start_keeps_started_jobs_when_a_chunk_fails(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    def create(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)["items"]
        if items[0]["destination"]["location"] == "out-100":
            return httpx.Response(500, json={"status": 500, "code": 90004, "message": "boom"})
        return httpx.Response(
            200,
            json={
                "items": [
                    {
                        "resource": {
                            "id": f"job-{item['destination']['location']}",
                            "state": "PENDING",
                        }
                    }
                    for item in items
                ]
            },
        )

    route = router.post("/bulk/storage/exports/create").mock(side_effect=create)
    requests = [ExportRequest(f"{index:024x}", "owner/vol", f"out-{index}") for index in range(250)]
    async with make_client(router, clock) as client:
        items = await client.exports.bulk_start(requests)
    # A create is never re-sent after a 500 (it may have started jobs): 3 calls, not more.
    assert route.call_count == 3
    assert len(items) == 250
    assert [item.ok for item in items] == [True] * 100 + [False] * 100 + [True] * 50
    assert items[0].resource is not None
    assert items[0].resource.id == "job-out-0"
    failed = items[150].error
    assert failed is not None
    assert (failed.status, failed.code) == (500, 90004)
    assert "boom" in (failed.message or "")


async def test_multi_job_start_reports_started_jobs_on_partial_failure(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    started = httpx.Response(200, json={"id": "c1", "state": "SUBMITTED", "type": "COPY"})
    failed = httpx.Response(503, json={"status": 503, "code": 90005, "message": "busy"})
    router.post("/async/files/copy").mock(side_effect=[started, failed])
    items = [CopyItem(f"{index:024x}", project="o/p") for index in range(150)]
    async with make_client(router, clock, retry=NO_RETRY) as client:
        with pytest.raises(PartialStartError) as info:
            await client.async_jobs.copy(items)
    assert [job.id for job in info.value.started] == ["c1"]
    assert isinstance(info.value.errors[0], ServerError)
    assert "1 job(s) started, 1 chunk(s) failed" in str(info.value)


async def test_bulk_items_type(router: respx.MockRouter, clock: FakeClock) -> None:
    router.post("/bulk/storage/exports/get").mock(side_effect=bulk_get_answer)
    async with make_client(router, clock) as client:
        [item] = await client.exports.bulk_get(["e1"])
    assert item == BulkItem(resource=ExportJob(id="e1", state=ExportState.RUNNING))


# --- broken answers (issue 16): nothing the platform confirmed is dropped ---------------------


def nested_or_boom(bad: str) -> httpx.Response:
    if bad == "nested":
        return httpx.Response(200, content=b"[" * 50_000)
    if bad == "html":
        return httpx.Response(200, content=b"<html>proxy</html>")
    raise RuntimeError("a transport's own bug")


@pytest.mark.parametrize("bad", ["nested", "html", "exception"])
async def test_bulk_start_keeps_every_other_chunks_jobs_when_one_answer_is_broken(
    router: respx.MockRouter, clock: FakeClock, bad: str
) -> None:
    def create(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)["items"]
        if items[0]["destination"]["location"] == "out-100":
            return nested_or_boom(bad)
        return httpx.Response(
            200,
            json={
                "items": [
                    {
                        "resource": {
                            "id": f"job-{item['destination']['location']}",
                            "state": "PENDING",
                        }
                    }
                    for item in items
                ]
            },
        )

    router.post("/bulk/storage/exports/create").mock(side_effect=create)
    requests = [ExportRequest(f"{index:024x}", "owner/vol", f"out-{index}") for index in range(250)]
    async with make_client(router, clock) as client:
        items = await client.exports.bulk_start(requests)
    assert [item.ok for item in items] == [True] * 100 + [False] * 100 + [True] * 50
    assert [item.resource.id for item in items if item.resource] == [
        f"job-out-{index}" for index in [*range(100), *range(200, 250)]
    ]


@pytest.mark.parametrize("bad", ["nested", "html", "exception"])
@pytest.mark.parametrize(
    "start",
    [
        lambda client, n: client.drs_imports.start(
            [DrsImportItem(f"drs://h.example/{i}", project="o/p") for i in range(n)]
        ),
        lambda client, n: client.async_jobs.copy(
            [CopyItem(f"{i:024x}", project="o/p") for i in range(n)]
        ),
        lambda client, n: client.async_jobs.move(
            [CopyItem(f"{i:024x}", project="o/p") for i in range(n)]
        ),
        lambda client, n: client.async_jobs.delete([f"{i:024x}" for i in range(n)]),
    ],
    ids=["drs", "copy", "move", "delete"],
)
async def test_a_multi_job_start_carries_the_jobs_of_the_chunks_that_answered(
    router: respx.MockRouter,
    clock: FakeClock,
    bad: str,
    start: Callable[[CavaticaClient, int], Awaitable[list[Any]]],
) -> None:
    calls = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        first = json.dumps(json.loads(request.content)["items"][0])
        if "00000064" in first or "/100" in first:  # the second chunk of 100
            return nested_or_boom(bad)
        return httpx.Response(200, json={"id": f"job-{calls}", "state": "SUBMITTED"})

    router.post(url__regex=r"/(bulk/drs/imports/create|async/files/\w+)$").mock(side_effect=answer)
    async with make_client(router, clock) as client:
        with pytest.raises(PartialStartError) as info:
            await start(client, 300)
    assert calls == 3
    assert len(info.value.started) == 2
    assert len(info.value.errors) == 1
    assert "1 chunk(s) failed" in str(info.value)


async def test_one_undecodable_item_of_a_bulk_start_fails_alone(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.post("/bulk/storage/exports/create").respond(
        200,
        json={
            "items": [
                {"resource": {"id": "j0", "state": "PENDING"}},
                {"resource": {"id": "j1", "state": 5}},  # a state that is a number
                [[[]]],
                {"resource": {"id": "j3", "state": "PENDING"}},
            ]
        },
    )
    requests = [ExportRequest(f"{index:024x}", "owner/vol", f"out-{index}") for index in range(4)]
    async with make_client(router, clock) as client:
        items = await client.exports.bulk_start(requests)
    assert [item.resource.id if item.resource else None for item in items] == [
        "j0",
        None,
        None,
        "j3",
    ]
    assert "(id 'j1') does not fit" in (items[1].error.message or "")  # type: ignore[union-attr]


async def test_a_bulk_start_answer_of_the_wrong_length_is_matched_by_source(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    def created(file: str) -> dict[str, Any]:
        return {"resource": {"id": f"job-{file}", "state": "PENDING", "source": {"file": file}}}

    files = [f"{index:024x}" for index in range(3)]
    router.post("/bulk/storage/exports/create").respond(
        200, json={"items": [created(files[2]), created(files[0])]}
    )
    async with make_client(router, clock) as client:
        items = await client.exports.bulk_start(
            [ExportRequest(file, "owner/vol", f"out-{file}") for file in files]
        )
    assert [item.resource.id if item.resource else None for item in items] == [
        f"job-{files[0]}",
        None,
        f"job-{files[2]}",
    ]
    assert "a job may have started for it" in (items[1].error.message or "")  # type: ignore[union-attr]


async def test_bulk_get_takes_each_item_by_its_id_not_its_place(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.post("/bulk/storage/exports/get").respond(
        200,
        json={
            "items": [
                {"resource": {"id": "e3", "state": "COMPLETED"}},
                {"resource": {"id": "stranger", "state": "FAILED"}},
                {"resource": {"id": "e1", "state": "RUNNING"}},
                {"error": {"status": 404, "message": "which one?"}},
            ]
        },
    )
    async with make_client(router, clock) as client:
        items = await client.exports.bulk_get(["e1", "e2", "e3", "e4"])
    assert [str(item.resource.state) if item.resource else None for item in items] == [
        "RUNNING",
        None,
        "COMPLETED",
        None,
    ]
    assert [item.resource.id for item in items if item.resource] == ["e1", "e3"]

"""Pagination: follow rel=next links to the end, only below the API root."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from cavatica_async import DecodeError

from tests.helpers import BASE_URL, FakeClock, make_client

pytestmark = pytest.mark.anyio


def page(offset: int, count: int, *, last: bool, base: str = BASE_URL) -> dict[str, Any]:
    links = (
        []
        if last
        else [
            {
                "href": f"{base}/async/files?offset={offset + count}&limit=100",
                "rel": "next",
                "method": "GET",
            }
        ]
    )
    items = [
        {"id": str(offset + index), "type": "COPY", "state": "RUNNING"} for index in range(count)
    ]
    return {"href": f"{base}/async/files?offset={offset}&limit=100", "items": items, "links": links}


async def test_walks_three_pages_and_stops(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get("/async/files").mock(
        side_effect=[
            httpx.Response(200, json=page(0, 100, last=False)),
            httpx.Response(200, json=page(100, 100, last=False)),
            httpx.Response(200, json=page(200, 42, last=True)),
        ]
    )
    async with make_client(router, clock) as client:
        jobs = [job async for job in client.async_jobs.list()]
    assert [job.id for job in jobs] == [str(index) for index in range(242)]
    assert [str(call.request.url) for call in route.calls] == [
        f"{BASE_URL}/async/files?limit=100",
        f"{BASE_URL}/async/files?offset=100&limit=100",
        f"{BASE_URL}/async/files?offset=200&limit=100",
    ]


async def test_fetches_a_page_only_when_needed(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get("/async/files").mock(
        side_effect=[httpx.Response(200, json=page(0, 100, last=False))]
    )
    async with make_client(router, clock) as client:
        async for job in client.async_jobs.list():
            assert job.id == "0"
            break
    assert route.call_count == 1


async def test_links_to_another_host_keep_to_the_api_root(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get("/async/files").mock(
        side_effect=[
            httpx.Response(200, json=page(0, 1, last=False, base="https://evil.example/v2")),
            httpx.Response(200, json=page(1, 1, last=True)),
        ]
    )
    async with make_client(router, clock) as client:
        jobs = [job async for job in client.async_jobs.list()]
    assert len(jobs) == 2
    # Only the link's path and query were used: the token went to the API host only.
    assert route.calls[1].request.url == f"{BASE_URL}/async/files?offset=1&limit=100"


async def test_a_link_outside_the_api_root_is_refused(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    body = page(0, 1, last=True)
    body["links"] = [{"href": "https://api.test/admin/secrets?x=1", "rel": "next"}]
    router.get("/async/files").respond(200, json=body)
    async with make_client(router, clock) as client:
        with pytest.raises(DecodeError, match="outside the API root /v2/"):
            [job async for job in client.async_jobs.list()]


async def test_a_link_loop_stops(router: respx.MockRouter, clock: FakeClock) -> None:
    looping = page(0, 1, last=False)
    looping["links"][0]["href"] = f"{BASE_URL}/async/files?offset=0&limit=100"
    route = router.get("/async/files").respond(200, json=looping)
    async with make_client(router, clock) as client:
        jobs = [job async for job in client.async_jobs.list()]
    assert route.call_count == 2
    assert len(jobs) == 2


@pytest.mark.parametrize(
    "body",
    [
        [],
        [{"id": "1", "type": "COPY", "state": "RUNNING"}],
        "items",
        {"href": "x", "links": []},
        {"items": {"id": "1"}},
        {"items": "abc"},
        None,
    ],
)
async def test_a_list_answer_without_an_items_list_is_a_decode_error(
    router: respx.MockRouter, clock: FakeClock, body: Any
) -> None:
    router.get("/async/files").respond(200, content=json.dumps(body).encode())
    async with make_client(router, clock) as client:
        with pytest.raises(DecodeError, match="answer has no 'items' list"):
            [job async for job in client.async_jobs.list()]


async def test_limit_stops_the_listing_and_asks_for_no_more(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get("/async/files").mock(
        side_effect=[
            httpx.Response(200, json=page(0, 3, last=False)),
            httpx.Response(200, json=page(3, 3, last=True)),
        ]
    )
    async with make_client(router, clock) as client:
        jobs = [job.id async for job in client.async_jobs.list(limit=4)]
        nothing = [job async for job in client.async_jobs.list(limit=0)]
        with pytest.raises(ValueError, match="limit must be a whole number"):
            client.async_jobs.list(limit=-1)
    assert jobs == ["0", "1", "2", "3"]
    assert nothing == []
    assert route.calls[0].request.url.params["limit"] == "4"  # no more asked for than wanted
    assert route.call_count == 2


async def test_pages_walk_the_list_a_page_at_a_time(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.get("/async/files").mock(
        side_effect=[
            httpx.Response(200, json=page(0, 3, last=False)),
            httpx.Response(200, json=page(3, 2, last=True)),
        ]
    )
    async with make_client(router, clock) as client:
        pages = [p async for p in client.async_jobs.list(timeout=9.0).pages()]
    assert [[job.id for job in p.items] for p in pages] == [["0", "1", "2"], ["3", "4"]]
    assert pages[0].next_href is not None
    assert pages[1].next_href is None


async def test_exhausted_says_whether_a_page_is_left(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get("/async/files").mock(
        side_effect=[
            httpx.Response(200, json=page(0, 3, last=False)),
            httpx.Response(200, json=page(3, 2, last=True)),
        ]
    )
    async with make_client(router, clock) as client:
        pager = client.async_jobs.list()
        assert not pager.exhausted
        await pager.next_page()
        assert not pager.exhausted
        await pager.next_page()
        assert pager.exhausted
        assert await pager.next_page() is None
        assert client.async_jobs.list(limit=0).exhausted
    assert route.call_count == 2


@pytest.mark.parametrize(
    "link",
    [
        f"{BASE_URL}/../admin/x",
        f"{BASE_URL}/async/%2e%2e/%2E%2E/admin",
        "/v2/./async/files?offset=100",
    ],
)
async def test_a_link_with_dot_segments_is_refused(
    router: respx.MockRouter, clock: FakeClock, link: str
) -> None:
    first = page(0, 1, last=True)
    first["links"] = [{"href": link, "rel": "next", "method": "GET"}]
    route = router.get("/async/files").respond(200, json=first)
    async with make_client(router, clock) as client:
        with pytest.raises(DecodeError, match="dot segments"):
            [job async for job in client.async_jobs.list()]
    assert route.call_count == 1

"""client.files: method, path, query and body of every call, and what comes back."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from cavatica_async import DecodeError, NotFoundError

from tests.helpers import BASE_URL, FakeClock, make_client, sent

pytestmark = pytest.mark.anyio

FILE_ID = "567890abc9b0307bc0414164"
FOLDER_ID = "5bd7c1a2e4b0fb2fcd1d8a45"


def file_body(file_id: str, name: str, kind: str = "file", **more: Any) -> dict[str, Any]:
    """A file as the API renders it with fields=_all (the parts the tests read)."""
    return {
        "href": f"{BASE_URL}/files/{file_id}",
        "id": file_id,
        "name": name,
        "type": kind,
        "project": "rfranklin/p",
        **more,
    }


def page(items: list[dict[str, Any]], next_href: str | None = None) -> dict[str, Any]:
    """A list answer."""
    links = [{"href": next_href, "rel": "next", "method": "GET"}] if next_href else []
    return {"href": "x", "items": items, "links": links}


def query(route: respx.Route, index: int = -1) -> list[tuple[str, str]]:
    """The query of one of the route's requests, in order."""
    return list(route.calls[index].request.url.params.multi_items())


async def test_get(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get(f"/files/{FILE_ID}").respond(200, json=file_body(FILE_ID, "a.vcf", size=7))
    async with make_client(router, clock) as client:
        found = await client.files.get(FILE_ID)
    assert sent(route) == ("GET", f"{BASE_URL}/files/{FILE_ID}", None)
    assert (found.id, found.name, found.size) == (FILE_ID, "a.vcf", 7)


async def test_get_refuses_an_answer_about_another_file(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.get(f"/files/{FILE_ID}").respond(200, json=file_body(FOLDER_ID, "other"))
    async with make_client(router, clock) as client:
        with pytest.raises(DecodeError, match="not the one asked for"):
            await client.files.get(FILE_ID)


async def test_get_unknown_is_not_found(router: respx.MockRouter, clock: FakeClock) -> None:
    router.get(f"/files/{FILE_ID}").respond(
        404, json={"status": 404, "code": 5002, "message": "File does not exist."}
    )
    async with make_client(router, clock) as client:
        with pytest.raises(NotFoundError) as info:
            await client.files.get(FILE_ID)
    assert info.value.code == 5002


async def test_bulk_get_chunks_by_100_and_keeps_order(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    ids = [f"{n:024x}" for n in range(250)]

    def answer(request: httpx.Request) -> httpx.Response:
        asked = json.loads(request.content)["file_ids"]
        # Reversed: each item must go to the id it names, not to its place.
        items = [{"resource": file_body(i, f"f{i}")} for i in reversed(asked)]
        return httpx.Response(200, json={"items": items})

    route = router.post("/bulk/files/get").mock(side_effect=answer)
    async with make_client(router, clock) as client:
        got = await client.files.bulk_get(ids)
    sizes = [len(json.loads(call.request.content)["file_ids"]) for call in route.calls]
    assert sorted(sizes) == [50, 100, 100]
    assert [item.resource.id for item in got if item.resource] == ids


async def test_bulk_get_refuses_one_string(router: respx.MockRouter, clock: FakeClock) -> None:
    async with make_client(router, clock) as client:
        with pytest.raises(TypeError, match="one string"):
            await client.files.bulk_get(FILE_ID)


async def test_list_sends_every_filter(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get("/files").respond(200, json=page([file_body(FILE_ID, "a.vcf")]))
    async with make_client(router, clock) as client:
        listed = [
            f
            async for f in client.files.list(
                project="rfranklin/p",
                names=["a.vcf", "b.vcf"],
                tags=["t1"],
                metadata={"sample_id": "S1"},
                origin_task="task-1",
            )
        ]
    assert [f.id for f in listed] == [FILE_ID]
    assert query(route) == [
        ("fields", "_all"),
        ("project", "rfranklin/p"),
        ("name", "a.vcf"),
        ("name", "b.vcf"),
        ("tag", "t1"),
        ("metadata.sample_id", "S1"),
        ("origin.task", "task-1"),
        ("limit", "100"),
    ]
    assert "X-SBG-Advance-Access" not in route.calls.last.request.headers


async def test_list_follows_next_links(router: respx.MockRouter, clock: FakeClock) -> None:
    second = f"{BASE_URL}/files?parent={FOLDER_ID}&fields=_all&offset=100&limit=100"
    route = router.get("/files")
    route.side_effect = [
        httpx.Response(200, json=page([file_body("1" * 24, "a")], second)),
        httpx.Response(200, json=page([file_body("2" * 24, "b")])),
    ]
    async with make_client(router, clock) as client:
        names = [f.name async for f in client.files.list(parent=FOLDER_ID)]
    assert names == ["a", "b"]
    assert str(route.calls[1].request.url) == second


async def test_scroll_uses_the_token_form(router: respx.MockRouter, clock: FakeClock) -> None:
    second = f"{BASE_URL}/files/scroll?project=rfranklin%2Fp&fields=_all&token=abc&limit=100"
    route = router.get("/files/scroll")
    route.side_effect = [
        httpx.Response(200, json=page([file_body("1" * 24, "a")], second)),
        httpx.Response(200, json=page([file_body("2" * 24, "b")])),
    ]
    async with make_client(router, clock) as client:
        names = [f.name async for f in client.files.list(project="rfranklin/p", scroll=True)]
    assert names == ["a", "b"]
    assert query(route, 0) == [
        ("fields", "_all"),
        ("project", "rfranklin/p"),
        ("token", "init"),
        ("limit", "100"),
    ]
    assert str(route.calls[1].request.url) == second
    assert all(c.request.headers["X-SBG-Advance-Access"] == "advance" for c in route.calls)


async def test_list_folder_and_its_scroll(router: respx.MockRouter, clock: FakeClock) -> None:
    listed = router.get(f"/files/{FOLDER_ID}/list").respond(200, json=page([]))
    scrolled = router.get(f"/files/{FOLDER_ID}/scroll").respond(200, json=page([]))
    async with make_client(router, clock) as client:
        assert [f async for f in client.files.list_folder(FOLDER_ID)] == []
        assert [f async for f in client.files.list_folder(FOLDER_ID, scroll=True, limit=5)] == []
    assert query(listed) == [("fields", "_all"), ("limit", "100")]
    assert query(scrolled) == [("fields", "_all"), ("token", "init"), ("limit", "5")]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, ValueError, "exactly one of project or parent"),
        ({"project": "o/p", "parent": FOLDER_ID}, ValueError, "exactly one"),
        ({"project": "no-slash"}, ValueError, "owner/name"),
        ({"project": "o/p/q"}, ValueError, "owner/name"),
        ({"parent": "a/b"}, ValueError, "path separator"),
        ({"project": "o/p", "names": "a.vcf"}, TypeError, "one string"),
        ({"project": "o/p", "names": ["x" * 5000]}, ValueError, "characters"),
        ({"project": "o/p", "metadata": {"a": "b"}, "scroll": True}, ValueError, "metadata"),
        ({"project": "o/p", "limit": -1}, ValueError, "limit"),
    ],
)
async def test_list_refuses_what_cannot_work(
    router: respx.MockRouter,
    clock: FakeClock,
    kwargs: dict[str, Any],
    error: type[Exception],
    match: str,
) -> None:
    async with make_client(router, clock) as client:
        with pytest.raises(error, match=match):
            client.files.list(**kwargs)
    assert not router.calls


async def test_find_asks_once_per_segment(router: respx.MockRouter, clock: FakeClock) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        found = {
            ("rfranklin/p", None, "results"): file_body(FOLDER_ID, "results", "FOLDER"),
            (None, FOLDER_ID, "a.vcf"): file_body(FILE_ID, "a.vcf"),
        }.get((params.get("project"), params.get("parent"), params.get("name")))
        return httpx.Response(200, json=page([found] if found else []))

    route = router.get("/files").mock(side_effect=answer)
    async with make_client(router, clock) as client:
        found = await client.files.find("rfranklin/p", "results/a.vcf")
        missing = await client.files.find("rfranklin/p", "results/b.vcf")
        through_a_file = await client.files.find("rfranklin/p", "results/a.vcf/c")
    assert found is not None
    assert found.id == FILE_ID
    assert missing is None
    assert through_a_file is None
    assert route.call_count == 2 + 2 + 2  # the last stops at a.vcf: a file has no children
    assert ("name", "results") in query(route, 0)
    assert ("parent", FOLDER_ID) in query(route, 1)


async def test_find_does_not_trust_an_unfiltered_answer(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.get("/files").respond(200, json=page([file_body(FILE_ID, "other.vcf")]))
    async with make_client(router, clock) as client:
        assert await client.files.find("rfranklin/p", "a.vcf") is None


@pytest.mark.parametrize("path", ["", "a//b", "a/../b", "./a", "a/\x00"])
async def test_find_refuses_paths_that_name_nothing(
    router: respx.MockRouter, clock: FakeClock, path: str
) -> None:
    async with make_client(router, clock) as client:
        with pytest.raises(ValueError, match="segment of path"):
            await client.files.find("rfranklin/p", path)
    assert not router.calls


async def test_find_reads_one_page_per_segment(router: respx.MockRouter, clock: FakeClock) -> None:
    # An answer that ignores the name filter and pages on and on is not followed.
    endless = f"{BASE_URL}/files?project=rfranklin%2Fp&offset=100"
    route = router.get("/files").respond(200, json=page([file_body(FILE_ID, "other.vcf")], endless))
    async with make_client(router, clock) as client:
        assert await client.files.find("rfranklin/p", "a.vcf") is None
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"names": []}, ValueError, "matches nothing"),
        ({"tags": []}, ValueError, "matches nothing"),
        ({"tags": 5}, TypeError, "list of tags"),
        ({"names": {"a": "b"}}, TypeError, "list of file names"),
    ],
)
async def test_filters_that_would_be_dropped_or_split_are_refused(
    router: respx.MockRouter,
    clock: FakeClock,
    kwargs: dict[str, Any],
    error: type[Exception],
    match: str,
) -> None:
    async with make_client(router, clock) as client:
        with pytest.raises(error, match=match):
            client.files.list(project="rfranklin/p", **kwargs)


async def test_too_many_names_for_one_url_are_refused_before_sending(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    names = [f"sample_{n:05d}.vcf.gz" for n in range(240)]
    async with make_client(router, clock) as client:
        with pytest.raises(ValueError, match="fewer names"):
            client.files.list(project="rfranklin/p", names=names)
        client.files.list(project="rfranklin/p", names=names[:100])  # fits
    assert not router.calls

"""files.walk against answers made to mislead it, its bound on listings in flight, its errors."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest
import respx

from cavatica_async import DecodeError, NotFoundError

from tests.helpers import BASE_URL, TOKEN, FakeClock, make_client

pytestmark = pytest.mark.anyio

PROJECT = "rfranklin/p"


def item(file_id: str, name: Any, kind: Any = "file") -> dict[str, Any]:
    """A listed file or folder (`kind` None: no type at all)."""
    body: dict[str, Any] = {"id": file_id, "name": name}
    if kind is not None:
        body["type"] = kind
    return body


def tree(folders: dict[str | None, list[dict[str, Any]]]) -> Any:
    """An answer for each listing: the project root (None) or a folder's id."""

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        parent = path.split("/")[-2] if path.endswith("/list") else None
        return httpx.Response(200, json={"items": folders[parent], "links": []})

    return answer


async def walk(router: respx.MockRouter, clock: FakeClock, **kwargs: Any) -> list[str]:
    """The paths a walk of PROJECT yields."""
    async with make_client(router, clock) as client:
        return [path async for path, _ in client.files.walk(project=PROJECT, **kwargs)]


@pytest.mark.parametrize(
    ("root", "match"),
    [
        ([item("a" * 24, "x.vcf", None)], "no type"),
        ([item("a" * 24, None)], "no name"),
        ([item("a" * 24, "../etc")], "invalid name"),
        ([item("a" * 24, "a/b.vcf")], "invalid name"),
        ([item("a" * 24, "..", "folder")], "invalid name"),
    ],
)
async def test_answers_that_would_mislead_a_walk_are_refused(
    router: respx.MockRouter, clock: FakeClock, root: list[dict[str, Any]], match: str
) -> None:
    router.get("/files").mock(side_effect=tree({None: root}))
    with pytest.raises(DecodeError, match=match):
        await walk(router, clock)


async def test_a_folder_listed_twice_ends_the_walk(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    loop = "f" * 24
    router.get("/files").mock(side_effect=tree({None: [item(loop, "d", "folder")]}))
    # The folder lists itself: a cycle that would never end.
    router.get(f"/files/{loop}/list").mock(side_effect=tree({loop: [item(loop, "d", "folder")]}))
    with pytest.raises(DecodeError, match="listed twice"):
        await walk(router, clock)


async def test_folder_types_in_any_case(router: respx.MockRouter, clock: FakeClock) -> None:
    folder = "f" * 24
    router.get("/files").mock(side_effect=tree({None: [item(folder, "d", "FOLDER")]}))
    router.get(f"/files/{folder}/list").mock(
        side_effect=tree({folder: [item("b" * 24, "x.vcf", "FILE")]})
    )
    assert await walk(router, clock) == ["d/x.vcf"]


async def test_a_failed_listing_raises_its_own_error(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    folders = [item(f"{n:024x}", f"d{n}", "folder") for n in range(6)]
    router.get("/files").mock(side_effect=tree({None: folders}))
    for n in range(6):
        route = router.get(f"/files/{n:024x}/list")
        if n == 3:
            route.respond(404, json={"status": 404, "code": 5002, "message": "gone"})
        else:
            route.mock(side_effect=tree({f"{n:024x}": []}))
    # Not an exception group: the error as the caller would meet it from any other call.
    with pytest.raises(NotFoundError):
        await walk(router, clock)


async def test_no_more_listings_in_flight_than_asked(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    folders = [item(f"{n:024x}", f"d{n}", "folder") for n in range(12)]
    router.get("/files").respond(200, json={"items": folders, "links": []})
    in_flight, most = [0], [0]

    async def slow_listing(request: httpx.Request) -> httpx.Response:
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        await anyio.sleep(0.01)
        in_flight[0] -= 1
        name = request.url.path.split("/")[-2]
        return httpx.Response(200, json={"items": [item("e" + name[1:], "x.vcf")], "links": []})

    router.route(method="GET", path__regex=r"/files/[0-9a-f]{24}/list").mock(
        side_effect=slow_listing
    )
    paths = await walk(router, clock, concurrency=3)
    assert len(paths) == 12
    assert most[0] == 3


@pytest.mark.parametrize("concurrency", [0, -1, 1.5, True])
async def test_concurrency_must_be_a_whole_number(
    router: respx.MockRouter, clock: FakeClock, concurrency: Any
) -> None:
    async with make_client(router, clock) as client:
        with pytest.raises(ValueError, match="concurrency"):
            client.files.walk(project=PROJECT, concurrency=concurrency)
        with pytest.raises(ValueError, match="exactly one"):
            client.files.walk()


async def test_a_file_shown_again_by_a_shifting_folder_is_yielded_once(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    # A file added while the folder is listed moves the rest one place on: the next offset
    # page starts with the last item of the page before.
    first = [item(f"{n:024x}", f"f{n}") for n in range(100)]
    second = [first[-1], item("e" * 24, "f100")]
    route = router.get("/files")
    route.side_effect = [
        httpx.Response(
            200,
            json={
                "items": first,
                "links": [{"href": f"{BASE_URL}/files?offset=100", "rel": "next"}],
            },
        ),
        httpx.Response(200, json={"items": second, "links": []}),
    ]
    paths = await walk(router, clock)
    assert paths == [f"f{n}" for n in range(101)]


async def test_a_page_of_nothing_new_ends_an_endless_listing(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    calls = []

    def endless(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        link = f"{BASE_URL}/files?offset={len(calls) * 100}"  # a new link every time
        return httpx.Response(
            200,
            json={"items": [item("a" * 24, "same.vcf")], "links": [{"href": link, "rel": "next"}]},
        )

    router.get("/files").mock(side_effect=endless)
    with pytest.raises(DecodeError, match="only items already listed"):
        await walk(router, clock)
    assert len(calls) == 2


async def test_a_folder_id_no_request_can_name_is_refused_without_echoing_it(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.get("/files").mock(side_effect=tree({None: [item(f"{TOKEN}/../x", "d", "folder")]}))
    with pytest.raises(DecodeError, match="no request can name") as info:
        await walk(router, clock)
    assert TOKEN not in str(info.value)


async def test_a_walk_resumes_after_a_cancelled_step(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    quick, slow = "a" * 24, "b" * 24
    router.get("/files").mock(
        side_effect=tree({None: [item(quick, "A", "folder"), item(slow, "B", "folder")]})
    )
    router.get(f"/files/{quick}/list").mock(
        side_effect=tree({quick: [item("c" * 24, "a1"), item("d" * 24, "a2")]})
    )
    calls = []

    async def slow_listing(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            await anyio.sleep(1)  # cancelled while in flight
        return httpx.Response(200, json={"items": [item("e" * 24, "b1")], "links": []})

    router.get(f"/files/{slow}/list").mock(side_effect=slow_listing)
    async with make_client(router, clock) as client:
        walking = client.files.walk(project=PROJECT)
        seen = []
        with anyio.move_on_after(0.2):
            async for path, _ in walking:
                seen.append(path)
        assert seen == []  # the step with both folders was cancelled before anything came
        seen += [path async for path, _ in walking]
    assert sorted(seen) == ["A/a1", "A/a2", "B/b1"]
    assert len(calls) == 2  # B's page, asked for again


async def test_a_walk_that_could_not_take_a_page_stays_failed(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.get("/files").mock(
        side_effect=tree({None: [item("a" * 24, "fine.vcf"), item("b" * 24, "..")]})
    )
    async with make_client(router, clock) as client:
        walking = client.files.walk(project=PROJECT)
        with pytest.raises(DecodeError):
            await walking.__anext__()
        # Not a quiet end as if the walk were complete: the same error again.
        with pytest.raises(DecodeError):
            await walking.__anext__()

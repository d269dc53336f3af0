"""client.user, client.projects, client.volumes: the requests sent and what comes back."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from cavatica_async import DecodeError, VolumeObject, VolumePrefix

from tests.helpers import BASE_URL, FakeClock, make_client, sent

pytestmark = pytest.mark.anyio

LISTING = "/storage/volumes/rfranklin/input/list"


async def test_user(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get("/user").respond(
        200, json={"username": "rfranklin", "email": "r@example.org", "tags": [{"tag": "x"}]}
    )
    async with make_client(router, clock) as client:
        user = await client.user.get()
    assert sent(route) == ("GET", f"{BASE_URL}/user", None)
    assert (user.username, user.email) == ("rfranklin", "r@example.org")


async def test_projects_list_and_filters(router: respx.MockRouter, clock: FakeClock) -> None:
    mine = router.get("/projects").respond(
        200, json={"href": "x", "items": [{"id": "rfranklin/p", "name": "P"}], "links": []}
    )
    # The owner's list in the docs' example has no links at all.
    theirs = router.get("/projects/someone").respond(200, json={"href": "x", "items": []})
    async with make_client(router, clock) as client:
        listed = [p async for p in client.projects.list(name="P")]
        others = [p async for p in client.projects.list(owner="someone")]
    assert [p.id for p in listed] == ["rfranklin/p"]
    assert others == []
    assert list(mine.calls.last.request.url.params.multi_items()) == [
        ("fields", "_all"),
        ("name", "P"),
        ("limit", "100"),
    ]
    assert theirs.called


async def test_projects_get(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get("/projects/rfranklin/p").respond(
        200, json={"id": "rfranklin/p", "name": "P", "root_folder": "f" * 24, "tags": ["a"]}
    )
    async with make_client(router, clock) as client:
        project = await client.projects.get("rfranklin/p")
    assert sent(route) == ("GET", f"{BASE_URL}/projects/rfranklin/p", None)
    assert (project.root_folder, project.tags) == ("f" * 24, ("a",))


async def test_projects_get_refuses_another_project(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.get("/projects/rfranklin/p").respond(200, json={"id": "rfranklin/q"})
    async with make_client(router, clock) as client:
        with pytest.raises(DecodeError, match="not the one asked for"):
            await client.projects.get("rfranklin/p")


@pytest.mark.parametrize("bad", ["p", "o/p/q", "/p", "o/", "o/..", "o/p q"])
async def test_pair_ids_are_checked(router: respx.MockRouter, clock: FakeClock, bad: str) -> None:
    async with make_client(router, clock) as client:
        with pytest.raises(ValueError, match="id"):
            await client.projects.get(bad)
        with pytest.raises(ValueError, match="id"):
            await client.volumes.get(bad)
        with pytest.raises(ValueError, match="id"):
            client.volumes.list_objects(bad)
    assert not router.calls


async def test_volumes_list_and_get(router: respx.MockRouter, clock: FakeClock) -> None:
    router.get("/storage/volumes").respond(
        200, json={"href": "x", "items": [{"id": "rfranklin/input"}], "links": []}
    )
    route = router.get("/storage/volumes/rfranklin/input").respond(
        200,
        json={
            "id": "rfranklin/input",
            "access_mode": "RW",
            "service": {"type": "s3", "bucket": "b"},
        },
    )
    async with make_client(router, clock) as client:
        assert [v.id async for v in client.volumes.list()] == ["rfranklin/input"]
        volume = await client.volumes.get("rfranklin/input")
    assert route.called
    assert volume.service is not None
    assert (volume.access_mode, volume.service.bucket) == ("RW", "b")


def listing(objects: list[str], prefixes: list[str], next_url: str | None = None) -> dict[str, Any]:
    """A volume listing page; its next link is written `{"next": url}`, as the platform does."""
    return {
        "href": "x",
        "items": [{"location": o, "volume": "rfranklin/input"} for o in objects],
        "prefixes": [{"prefix": p, "volume": "rfranklin/input"} for p in prefixes],
        "links": [{"next": next_url}] if next_url else [],
    }


async def test_list_objects_follows_the_next_link(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    second = f"{BASE_URL}{LISTING}?prefix=reads%2F&limit=100&continuation_token=T1"
    route = router.get(LISTING)
    route.side_effect = [
        httpx.Response(200, json=listing(["reads/a"], ["reads/sub/"], second)),
        httpx.Response(200, json=listing(["reads/b"], [])),
    ]
    async with make_client(router, clock) as client:
        found = [e async for e in client.volumes.list_objects("rfranklin/input", prefix="reads/")]
    assert found == [
        VolumeObject("reads/a", "rfranklin/input"),
        VolumePrefix("reads/sub/", "rfranklin/input"),
        VolumeObject("reads/b", "rfranklin/input"),
    ]
    assert list(route.calls[0].request.url.params.multi_items()) == [
        ("limit", "100"),
        ("fields", "_all"),
        ("prefix", "reads/"),
    ]
    assert str(route.calls[1].request.url) == second


async def test_list_objects_recursive_descends_prefixes(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        tree = {
            "": (["top"], ["a/", "b/"]),
            "a/": (["a/1"], ["a/x/", "a/x/"]),  # a/x/ twice: listed once
            "a/x/": (["a/x/2"], []),
            "b/": (["b/3"], []),
        }
        objects, prefixes = tree[request.url.params.get("prefix", "")]
        return httpx.Response(200, json=listing(objects, prefixes))

    route = router.get(LISTING).mock(side_effect=answer)
    async with make_client(router, clock) as client:
        found = [e async for e in client.volumes.list_objects("rfranklin/input", recursive=True)]
    assert [e.location for e in found if isinstance(e, VolumeObject)] == [
        "top",
        "a/1",
        "b/3",
        "a/x/2",
    ]
    assert all(isinstance(e, VolumeObject) for e in found)
    assert route.call_count == 4


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"items": "no"},
        {"items": [], "prefixes": "no"},
        {"items": [{"volume": "v"}]},  # an object without its location
        {"items": [{"location": "elsewhere/x"}]},  # not under the prefix asked for
        {"items": [], "prefixes": [{"prefix": "other/"}]},
        {"items": [], "prefixes": [{"prefix": "reads/"}]},  # the prefix listing itself
    ],
)
async def test_list_objects_bad_pages_are_decode_errors(
    router: respx.MockRouter, clock: FakeClock, body: object
) -> None:
    router.get(LISTING).respond(200, json=body)
    async with make_client(router, clock) as client:
        with pytest.raises(DecodeError):
            [e async for e in client.volumes.list_objects("rfranklin/input", prefix="reads/")]


async def test_list_objects_stops_on_a_link_seen_before(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    loop = f"{BASE_URL}{LISTING}?continuation_token=same"
    route = router.get(LISTING).respond(200, json=listing(["x"], [], loop))
    async with make_client(router, clock) as client:
        found = [e async for e in client.volumes.list_objects("rfranklin/input")]
    assert len(found) == 2
    assert route.call_count == 2

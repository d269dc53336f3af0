"""Simulated file finding: listings in both forms, tokens that expire, fields, filters, codes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cavatica_async.simulator import ManualClock, Simulator

from tests import canary

pytestmark = pytest.mark.anyio

PROJECT = "rfranklin/project-1"


def next_href(body: dict[str, Any]) -> str | None:
    """The rel=next link of a list answer."""
    return next((link["href"] for link in body["links"] if link["rel"] == "next"), None)


async def test_items_are_short_unless_fields_ask(http: httpx.AsyncClient) -> None:
    short = (await http.get("/files", params={"project": PROJECT, "limit": 1})).json()["items"]
    full = (
        await http.get("/files", params={"project": PROJECT, "limit": 1, "fields": "_all"})
    ).json()["items"]
    chosen = (
        await http.get("/files", params={"project": PROJECT, "limit": 1, "fields": "type,size"})
    ).json()["items"]
    assert set(short[0]) == {"href", "id", "name", "project"}
    assert {"type", "size", "parent", "storage", "created_on"} <= set(full[0])
    assert set(chosen[0]) == {"href", "id", "type", "size"}


async def test_scroll_walks_the_listing_and_tokens_expire(
    sim: Simulator, http: httpx.AsyncClient
) -> None:
    params = {"project": PROJECT, "token": "init", "limit": 10, "fields": "_all"}
    first = await http.get("/files/scroll", params=params)
    assert first.headers["X-Total-Matching-Query"] == "28"
    seen = [f["id"] for f in first.json()["items"]]
    second_url = next_href(first.json())
    assert second_url is not None
    assert "token=" in second_url
    second = await http.get(second_url)
    # The same page asked again (an answer lost on the way) is the same page, same next token.
    again = await http.get(second_url)
    assert again.json() == second.json()
    seen += [f["id"] for f in second.json()["items"]]
    third_url = next_href(second.json())
    assert third_url is not None
    third = await http.get(third_url)
    seen += [f["id"] for f in third.json()["items"]]
    assert next_href(third.json()) is None
    assert seen == [f.id for f in sim.world.children(PROJECT, None)]
    assert len(seen) == 28
    # The second page's token is used up once the third's was used.
    stale = await http.get(second_url)
    assert (stale.status_code, stale.json()["code"]) == (400, 57001)
    assert (await http.get("/files/scroll", params={**params, "token": "nope"})).json()[
        "code"
    ] == 57001


async def test_a_token_belongs_to_its_listing(sim: Simulator, http: httpx.AsyncClient) -> None:
    first = await http.get("/files/scroll", params={"project": PROJECT, "limit": 5})
    url = next_href(first.json())
    assert url is not None
    other = url.replace("project-1", "project-2")
    assert (await http.get(other)).json()["code"] == 57001


async def test_scroll_refuses_metadata_filters(http: httpx.AsyncClient) -> None:
    answer = await http.get("/files/scroll", params={"project": PROJECT, "metadata.sample": "x"})
    assert answer.status_code == 400


async def test_filters(sim: Simulator, http: httpx.AsyncClient) -> None:
    world = sim.world
    files = [f for f in world.children(PROJECT, None) if f.type == "file"]
    files[0].tags, files[1].tags = ["keep"], ["keep", "other"]
    files[1].metadata, files[2].metadata = {"sample": "S1"}, {"sample": "S2"}
    files[2].origin_task = "task-9"

    async def names(**params: Any) -> list[str]:
        body = (await http.get("/files", params={"project": PROJECT, **params})).json()
        return [f["name"] for f in body["items"]]

    assert await names(tag="keep") == [files[0].name, files[1].name]
    assert await names(**{"metadata.sample": "S1"}) == [files[1].name]
    assert await names(**{"origin.task": "task-9"}) == [files[2].name]
    both = [("project", PROJECT), ("name", files[0].name), ("name", files[3].name)]
    body = (await http.get("/files", params=both)).json()
    assert [f["name"] for f in body["items"]] == [files[0].name, files[3].name]


async def test_folders_list_in_both_forms(sim: Simulator, http: httpx.AsyncClient) -> None:
    folder = sim.world.named(PROJECT, None, "results")
    assert folder is not None
    listed = (await http.get(f"/files/{folder.id}/list", params={"limit": 100})).json()
    scrolled = (await http.get(f"/files/{folder.id}/scroll", params={"token": "init"})).json()
    expected = [f.id for f in sim.world.children(PROJECT, folder.id)]
    assert [f["id"] for f in listed["items"]] == expected == [f["id"] for f in scrolled["items"]]
    a_file = next(f for f in sim.world.children(PROJECT, None) if f.type == "file")
    not_a_folder = await http.get(f"/files/{a_file.id}/list")
    assert (not_a_folder.status_code, not_a_folder.json()["code"]) == (400, 5022)
    unknown = await http.get("/files/000000000000000000000000/list")
    assert (unknown.status_code, unknown.json()["code"]) == (404, 5002)


async def test_bulk_file_details(sim: Simulator, http: httpx.AsyncClient) -> None:
    known = sim.world.children(PROJECT, None)[0].id
    answer = await http.post("/bulk/files/get", json={"file_ids": [known, "0" * 24]})
    items = answer.json()["items"]
    assert items[0]["resource"]["id"] == known
    assert (items[1]["error"]["status"], items[1]["error"]["code"]) == (404, 5002)
    too_many = await http.post("/bulk/files/get", json={"file_ids": ["0" * 24] * 101})
    assert too_many.status_code == 400


async def test_projects(http: httpx.AsyncClient) -> None:
    one = (await http.get("/projects/rfranklin/project-2")).json()
    assert (one["id"], one["name"]) == ("rfranklin/project-2", "Project 2")
    missing = await http.get("/projects/rfranklin/none")
    assert (missing.status_code, missing.json()["code"]) == (404, 3002)
    owned = (await http.get("/projects/rfranklin")).json()["items"]
    assert [p["id"] for p in owned] == ["rfranklin/project-1", "rfranklin/project-2"]
    assert (await http.get("/projects/somebody")).json()["items"] == []
    named = (await http.get("/projects", params={"name": "project 2"})).json()["items"]
    assert [p["id"] for p in named] == ["rfranklin/project-2"]


async def test_volume_listing_by_prefix_and_token(sim: Simulator, http: httpx.AsyncClient) -> None:
    base = "/storage/volumes/rfranklin/archive/list"
    top = (await http.get(base)).json()
    assert top["items"] == []
    assert [p["prefix"] for p in top["prefixes"]] == ["runs/"]
    runs = (await http.get(base, params={"prefix": "runs/"})).json()
    assert [p["prefix"] for p in runs["prefixes"]] == [f"runs/run_{n}/" for n in range(4)]
    lane = "runs/run_0/lane_0/"
    expected = sorted(
        k for k in sim.world.volumes["rfranklin/archive"].objects if k.startswith(lane)
    )
    seen: list[str] = []
    answer = (await http.get(base, params={"prefix": lane, "limit": 7})).json()
    pages = 1
    while True:
        seen += [o["location"] for o in answer["items"]]
        if not answer["links"]:
            break
        assert answer["truncated"] is True
        answer = (await http.get(answer["links"][0]["next"])).json()
        pages += 1
    assert seen == expected
    assert pages == -(-len(expected) // 7)
    missing = await http.get("/storage/volumes/rfranklin/none/list")
    assert (missing.status_code, missing.json()["code"]) == (404, 9007)


async def test_a_project_of_100000_files_scrolls_to_the_end(manual: ManualClock) -> None:
    sim = Simulator(token=canary.CANARY, seed=1, projects=1, files_per_project=0, clock=manual)
    sim.world.grow_project("rfranklin/huge", "Huge", 0.0, files=100_000, folders=0)
    headers = {"X-SBG-Auth-Token": sim.token}
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url=sim.base_url, headers=headers
    ) as http:
        seen, url, pages = 0, "/files/scroll?project=rfranklin/huge&limit=100&token=init", 0
        while url is not None:
            manual.advance(0.35)  # 1,000 pages: more than one rate window holds
            answer = await http.get(url)
            assert answer.status_code == 200, answer.text
            seen += len(answer.json()["items"])
            url, pages = next_href(answer.json()), pages + 1
    assert (seen, pages) == (100_000, 1_000)

"""Simulated discovery calls: what scripts read before they start jobs."""

from __future__ import annotations

import httpx
import pytest

from cavatica_async.simulator import Simulator

pytestmark = pytest.mark.anyio


async def test_root_needs_no_token(sim: Simulator) -> None:
    async with httpx.AsyncClient(transport=sim.transport(), base_url=sim.base_url) as anonymous:
        root = await anonymous.get("/")
        user = await anonymous.get("/user")
    assert root.status_code == 200
    assert root.json()["rate_limit_url"] == f"{sim.base_url}/rate_limit"
    assert (user.status_code, user.json()["code"]) == (401, 90001)


async def test_bearer_token_works(sim: Simulator) -> None:
    headers = {"Authorization": f"Bearer {sim.token}"}
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url=sim.base_url, headers=headers
    ) as c:
        assert (await c.get("/user")).json()["username"] == "rfranklin"


async def test_projects_and_files_page_through(sim: Simulator, http: httpx.AsyncClient) -> None:
    projects = (await http.get("/projects")).json()["items"]
    assert [p["id"] for p in projects] == ["rfranklin/project-1", "rfranklin/project-2"]
    seen, url = [], "/files?project=rfranklin/project-1&limit=10"
    while url:
        page = await http.get(url)
        total = int(page.headers["X-Total-Matching-Query"])
        seen += [f["id"] for f in page.json()["items"]]
        url = next((link["href"] for link in page.json()["links"] if link["rel"] == "next"), None)
    assert len(seen) == total == len(set(seen)) == 28  # 27 files and the results folder
    one = (await http.get(f"/files/{seen[1]}")).json()
    assert len(one["id"]) == 24
    assert int(one["id"], 16) >= 0
    assert one["project"] == "rfranklin/project-1"


async def test_files_need_a_place(http: httpx.AsyncClient) -> None:
    assert (await http.get("/files")).status_code == 400
    assert (await http.get("/files?project=x/y")).status_code == 404
    assert (await http.get("/files/000000000000000000000000")).status_code == 404
    assert (await http.get("/files?project=rfranklin/project-1&limit=101")).status_code == 400


async def test_volumes(http: httpx.AsyncClient) -> None:
    volumes = (await http.get("/storage/volumes")).json()["items"]
    modes = {v["id"]: v["access_mode"] for v in volumes}
    assert modes == {"rfranklin/output": "RW", "rfranklin/archive": "RO", "rfranklin/input": "RW"}
    one = await http.get("/storage/volumes/rfranklin/archive")
    assert one.json()["access_mode"] == "RO"
    assert (await http.get("/storage/volumes/rfranklin/none")).json()["code"] == 9007

"""Simulated async copy / move / delete jobs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cavatica_async.simulator import ManualClock, Simulator

from .helpers_sim import folder_id, project_files

pytestmark = pytest.mark.anyio


async def finish(http: httpx.AsyncClient, manual: ManualClock, operation: str, job_id: str) -> Any:
    manual.advance(10_000)
    return (await http.get(f"/async/files/{operation}/{job_id}")).json()


async def test_copy_creates_new_files(
    sim: Simulator, http: httpx.AsyncClient, manual: ManualClock
) -> None:
    source = project_files(sim)[0]
    items = [
        {"file": source, "project": "rfranklin/project-2", "name": "copy.vcf.gz"},
        {"file": folder_id(sim), "project": "rfranklin/project-2"},
        {"file": "0" * 24, "project": "rfranklin/project-2"},
        {"file": source, "project": "nobody/nothing"},
    ]
    job = (await http.post("/async/files/copy", json={"items": items})).json()
    assert (job["type"], job["state"]) == ("COPY", "SUBMITTED")
    assert job["href"] == f"{sim.base_url}/async/files/copy/{job['id']}"
    done = await finish(http, manual, "copy", job["id"])
    assert done["state"] == "FINISHED"
    assert (done["total_files"], done["completed_files"], done["failed_files"]) == (4, 2, 2)
    copied, folder, missing, nowhere = done["result"]
    assert missing["error"]["code"] == 10225
    assert nowhere["error"]["code"] == 10228
    made = sim.world.files[copied["resource"]["id"]]
    assert made.id != source
    assert (made.project, made.name) == ("rfranklin/project-2", "copy.vcf.gz")
    assert source in sim.world.files  # a copy leaves the source
    copied_folder = sim.world.files[folder["resource"]["id"]]
    original = sim.world.children("rfranklin/project-1", folder_id(sim))
    assert len(sim.world.children("rfranklin/project-2", copied_folder.id)) == len(original) > 0


async def test_move_and_delete(
    sim: Simulator, http: httpx.AsyncClient, manual: ManualClock
) -> None:
    first, second = project_files(sim)[:2]
    move = (
        await http.post(
            "/async/files/move", json={"items": [{"file": first, "parent": folder_id(sim)}]}
        )
    ).json()
    delete = (await http.post("/async/files/delete", json={"items": [{"file": second}]})).json()
    assert (move["type"], delete["type"]) == ("MOVE", "DELETE")
    moved = await finish(http, manual, "move", move["id"])
    assert moved["result"][0]["resource"]["id"] == first
    assert sim.world.files[first].parent == folder_id(sim)
    deleted = await finish(http, manual, "delete", delete["id"])
    assert deleted["failed_files"] == 0
    assert second not in sim.world.files


async def test_jobs_are_found_only_under_their_own_kind(
    http: httpx.AsyncClient, sim: Simulator
) -> None:
    job = (
        await http.post("/async/files/delete", json={"items": [{"file": project_files(sim)[0]}]})
    ).json()
    assert (await http.get(f"/async/files/delete/{job['id']}")).status_code == 200
    wrong = await http.get(f"/async/files/copy/{job['id']}")
    assert (wrong.status_code, wrong.json()["code"]) == (404, 10211)


async def test_list_all_async_jobs(sim: Simulator, http: httpx.AsyncClient) -> None:
    file_id = project_files(sim)[0]
    for operation in ("copy", "delete"):
        item = (
            {"file": file_id, "project": "rfranklin/project-2"}
            if operation == "copy"
            else {"file": file_id}
        )
        await http.post(f"/async/files/{operation}", json={"items": [item]})
    listed = await http.get("/async/files")
    assert listed.headers["X-Total-Matching-Query"] == "2"
    assert {job["type"] for job in listed.json()["items"]} == {"COPY", "DELETE"}


async def test_bad_requests(http: httpx.AsyncClient) -> None:
    for body in ({"items": [{"file": "x"}] * 101}, {"items": []}, {"nothing": 1}):
        answer = await http.post("/async/files/copy", json=body)
        assert answer.status_code == 400
    bad_json = await http.post("/async/files/copy", content=b"[")
    assert (bad_json.status_code, bad_json.json()["code"]) == (400, 90009)

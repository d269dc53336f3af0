"""The simulator's inspection routes: the jobs it started and the answers it gave."""

from __future__ import annotations

import httpx
import pytest

from cavatica_async.simulator import ManualClock, Simulator

from .helpers_sim import project_files

pytestmark = pytest.mark.anyio
INSPECT = "http://localhost/__simulator"  # outside the API root


async def test_jobs_lists_each_start_with_its_sources_and_state_now(
    sim: Simulator, http: httpx.AsyncClient, manual: ManualClock
) -> None:
    file_id = project_files(sim)[0]
    body = {
        "source": {"file": file_id},
        "destination": {"volume": "rfranklin/output", "location": "x"},
    }
    started = (await http.post("/storage/exports?copy_only=true", json=body)).json()
    copied = await http.post(
        "/async/files/copy", json={"items": [{"file": file_id, "project": "rfranklin/project-2"}]}
    )
    listed = (await http.get(f"{INSPECT}/jobs")).json()["jobs"]
    assert {(j["kind"], j["id"], j["state"]) for j in listed} == {
        ("export", started["id"], "PENDING"),
        ("copy", copied.json()["id"], "SUBMITTED"),
    }
    assert all(j["sources"] == [file_id] for j in listed)
    assert all(j["created"] == manual.now() and j["ended"] is None for j in listed)
    manual.advance(3600)
    later = (await http.get(f"{INSPECT}/jobs")).json()["jobs"]
    assert {j["state"] for j in later} == {"COMPLETED", "FINISHED"}
    assert all(j["created"] < j["ended"] <= manual.now() and j["queued"] == 0 for j in later)


async def test_requests_counts_platform_answers_but_not_its_own(
    sim: Simulator, http: httpx.AsyncClient
) -> None:
    await http.get("/user")
    await http.get("/storage/exports/nope")
    for _ in range(3):
        counted = (await http.get(f"{INSPECT}/requests")).json()
    assert counted["requests"] == [
        {"method": "GET", "path": "/storage/exports/{job_id}", "status": 404, "count": 1},
        {"method": "GET", "path": "/user", "status": 200, "count": 1},
    ]
    assert sim.limiter.remaining(sim.clock.now()) == sim.limiter.limit - 2


@pytest.mark.parametrize("path", ["/__simulator/jobs", "/__simulator/requests"])
async def test_inspection_needs_the_token(sim: Simulator, path: str) -> None:
    async with httpx.AsyncClient(transport=sim.transport(), base_url="http://localhost") as http:
        answer = await http.get(path, headers={"X-SBG-Auth-Token": "wrong"})
    assert answer.status_code == 401

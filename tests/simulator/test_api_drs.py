"""Simulated bulk DRS imports."""

from __future__ import annotations

import httpx
import pytest

from cavatica_async.simulator import ManualClock, Simulator
from cavatica_async.simulator.api_drs import queue_turn

from .helpers_sim import folder_id

pytestmark = pytest.mark.anyio


async def test_create_then_finish_with_per_item_results(
    sim: Simulator, http: httpx.AsyncClient, manual: ManualClock
) -> None:
    items = [
        {
            "drs_uri": "drs://drs.example.org/abc",
            "project": "rfranklin/project-1",
            "name": "a.cram",
        },
        {"drs_uri": "not-a-drs-uri", "project": "rfranklin/project-1"},
        {"drs_uri": "drs://drs.example.org/def", "parent": folder_id(sim)},
        {"drs_uri": "drs://drs.example.org/ghi", "project": "nobody/nothing"},
    ]
    answer = await http.post(
        "/bulk/drs/imports/create",
        json={"items": items, "tags": ["t1"], "conflict_resolution": "SKIP"},
    )
    assert answer.status_code == 200
    job = answer.json()
    assert job["state"] == "SUBMITTED"
    assert job["id"].isdigit()
    assert len(job["id"]) == 18
    assert job["href"] == f"{sim.base_url}/bulk/drs/imports/{job['id']}"
    assert job["result"] == []
    manual.advance(10_000)
    done = (await http.get(f"/bulk/drs/imports/{job['id']}")).json()
    assert done["state"] == "FINISHED"
    assert (done["total_files"], done["completed_files"], done["failed_files"]) == (4, 2, 2)
    first, bad, second, nowhere = done["result"]
    assert bad["error"]["message"] == "Invalid DRS URI: not-a-drs-uri"
    assert nowhere["error"]["status"] == 404
    made = sim.world.files[first["resource"]["id"]]
    assert (made.name, made.project, made.tags) == ("a.cram", "rfranklin/project-1", ["t1"])
    assert sim.world.files[second["resource"]["id"]].parent == folder_id(sim)
    assert [t.current for t in sim.ground_truth() if t.job_id == job["id"]] == [
        "SUBMITTED",
        "RESOLVING",
        "RUNNING",
        "FINISHED",
    ]


async def test_name_conflicts(sim: Simulator, http: httpx.AsyncClient, manual: ManualClock) -> None:
    item = {"drs_uri": "drs://h/x", "project": "rfranklin/project-1", "name": "sample_00000.vcf.gz"}
    skip = (await http.post("/bulk/drs/imports/create", json={"items": [item]})).json()
    rename = (
        await http.post(
            "/bulk/drs/imports/create", json={"items": [item], "conflict_resolution": "AUTORENAME"}
        )
    ).json()
    manual.advance(10_000)
    skipped = (await http.get(f"/bulk/drs/imports/{skip['id']}")).json()["result"][0]
    assert skipped["error"]["code"] == 9108
    renamed = (await http.get(f"/bulk/drs/imports/{rename['id']}")).json()["result"][0]
    assert sim.world.files[renamed["resource"]["id"]].name == "_1_sample_00000.vcf.gz"


async def test_bad_requests(http: httpx.AsyncClient) -> None:
    too_many = [{"drs_uri": "drs://h/x", "project": "rfranklin/project-1"}] * 101
    for body in (
        {"items": too_many},
        {"items": []},
        {"items": [{}], "conflict_resolution": "NOPE"},
    ):
        answer = await http.post("/bulk/drs/imports/create", json=body)
        assert (answer.status_code, answer.json()["code"]) == (400, 90000)
    unknown = await http.get("/bulk/drs/imports/123")
    assert (unknown.status_code, unknown.json()["code"]) == (404, 10211)


@pytest.mark.parametrize(
    ("admitted", "now", "files", "turn"),
    [
        ([], 10.0, 100, 10.0),  # an empty queue: at once
        ([(0.0, 400)], 10.0, 100, 10.0),  # 500 in the window: still at once
        ([(0.0, 400)], 10.0, 101, 300.0),  # one file over: when the first leaves the window
        ([(0.0, 300), (50.0, 200)], 60.0, 100, 300.0),
        ([(0.0, 300), (50.0, 200)], 60.0, 301, 350.0),  # both must leave
        ([(0.0, 100)], 400.0, 100, 400.0),  # the window has moved on
        ([(500.0, 100)], 400.0, 100, 500.0),  # first come, first served
    ],
)
def test_the_queue_lets_500_files_in_per_window(
    admitted: list[tuple[float, int]], now: float, files: int, turn: float
) -> None:
    assert queue_turn(admitted, now, files, 300.0) == turn


async def test_a_job_beyond_500_files_waits_submitted_for_its_turn(
    sim: Simulator, http: httpx.AsyncClient, manual: ManualClock
) -> None:
    ids = []
    for call in range(6):
        items = [
            {"drs_uri": f"drs://h/{call}-{n}", "project": "rfranklin/project-1"} for n in range(100)
        ]
        ids.append(
            (await http.post("/bulk/drs/imports/create", json={"items": items})).json()["id"]
        )
    manual.advance(299)
    states = [(await http.get(f"/bulk/drs/imports/{i}")).json()["state"] for i in ids]
    assert states[5] == "SUBMITTED"
    assert "SUBMITTED" not in states[:5]
    last = sim.jobs.get("drs_import", ids[5])
    assert last is not None
    assert last.timeline[1][1] - last.timeline[0][1] >= 300  # its turn came with the window
    assert last.queued == 300

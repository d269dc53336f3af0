"""Each fault switch of the simulator does what it says."""

from __future__ import annotations

import json

import anyio
import httpx
import pytest

from cavatica_async.simulator import ManualClock, Simulator

pytestmark = pytest.mark.anyio


async def test_maintenance_for_a_period(
    sim: Simulator, http: httpx.AsyncClient, manual: ManualClock
) -> None:
    sim.maintenance(60)
    answer = await http.get("/user")
    assert (answer.status_code, answer.json()["code"]) == (503, 0)
    manual.advance(60)
    assert (await http.get("/user")).status_code == 200


async def test_random_server_errors(sim: Simulator, http: httpx.AsyncClient) -> None:
    sim.faults.error_rate = 1.0
    statuses = {(await http.get("/user")).status_code for _ in range(40)}
    assert statuses == {500, 502, 503, 504}
    sim.faults.error_rate = 0.0
    assert (await http.get("/user")).status_code == 200


async def test_html_error_pages(sim: Simulator, http: httpx.AsyncClient) -> None:
    sim.faults.error_rate = 1.0
    sim.faults.html_errors = True
    answer = await http.get("/user")
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.text.startswith("<html>")
    sim.maintenance(10)
    assert (await http.get("/user")).headers["content-type"].startswith("text/html")


async def test_added_latency(sim: Simulator, http: httpx.AsyncClient) -> None:
    sim.faults.latency = 0.05
    started = anyio.current_time()
    await http.get("/user")
    assert anyio.current_time() - started >= 0.05


async def test_latency_spikes(sim: Simulator, http: httpx.AsyncClient) -> None:
    # (In-process httpx enforces no timeouts; test_server shows a spike timing out a real read.)
    sim.faults.spike_rate = 1.0
    sim.faults.spike_latency = 0.05
    started = anyio.current_time()
    await http.get("/user")
    assert anyio.current_time() - started >= 0.05


async def test_dropped_connections(sim: Simulator, http: httpx.AsyncClient) -> None:
    sim.faults.drop_rate = 1.0
    with pytest.raises(httpx.RemoteProtocolError):
        await http.get("/user")
    assert sim.request_counts()[("GET", "/user", 0)] == 1


async def test_external_consumer_eats_the_budget(manual: ManualClock) -> None:
    sim = Simulator(clock=manual, rate_limit=100, external_usage=80)
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url=sim.base_url, headers={"X-SBG-Auth-Token": sim.token}
    ) as http:
        await http.get("/user")
        manual.advance(150)
        answer = await http.get("/user")
    assert answer.headers["X-RateLimit-Remaining"] == str(100 - 2 - 40)


async def test_hostile_answers_replace_reads_only(sim: Simulator, http: httpx.AsyncClient) -> None:
    files = [f.id for f in sim.world.children("rfranklin/project-1", None) if f.type == "file"]
    items = [
        {"source": {"file": f}, "destination": {"volume": "rfranklin/output", "location": f}}
        for f in files[:3]
    ]
    sim.faults.hostile_rate, sim.faults.oversize = 1.0, 5000
    created = await http.post("/bulk/storage/exports/create", json={"items": items})
    ids = [item["resource"]["id"] for item in created.json()["items"]]  # a create is never touched
    bodies = [
        (await http.post("/bulk/storage/exports/get", json={"export_ids": ids})).content
        for _ in range(4)
    ]
    # Each kind first where it fits, in order: nested, reordered, foreign id, oversized.
    assert bodies[0] == b"[" * 100_000
    assert [i["resource"]["id"] for i in json.loads(bodies[1])["items"]] == ids[::-1]
    assert json.loads(bodies[2])["items"][0]["resource"]["id"] == f"{ids[0]}-foreign"
    oversized = json.loads(bodies[3])
    assert len(bodies[3]) > 5000
    assert [i["resource"]["id"] for i in oversized["data"]["items"]] == ids
    hostile = (await http.get(f"/storage/exports/{ids[0]}")).content  # a rate of 1: always
    assert dict(sim.faults.injected).keys() >= {
        "nested body",
        "reordered items",
        "foreign id",
        "oversized body",
    }
    sim.faults.hostile_rate = 0.0
    honest = (await http.get(f"/storage/exports/{ids[0]}")).content
    assert json.loads(honest)["id"] == ids[0]
    assert hostile != honest

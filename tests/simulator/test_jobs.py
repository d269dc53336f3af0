"""Job timelines follow the configured clock and timing, and the ground truth matches GETs."""

from __future__ import annotations

import random

import httpx
import pytest

from cavatica_async.simulator import ManualClock, Simulator, Timing
from cavatica_async.simulator.jobs import draw_timeline
from cavatica_async.simulator.timing import INSTANT

from .helpers_sim import project_files

pytestmark = pytest.mark.anyio


def test_timelines_are_seeded_and_scaled_by_speed() -> None:
    timing = Timing(median=10.0, sigma=0.5)
    slow = draw_timeline("copy", 0.0, timing, random.Random(3), 1.0, failed=False)
    fast = draw_timeline("copy", 0.0, timing, random.Random(3), 10.0, failed=False)
    assert [s for s, _ in slow] == ["SUBMITTED", "RESOLVING", "RUNNING", "FINISHED"]
    assert [round(at / 10, 9) for _, at in slow] == [round(at, 9) for _, at in fast]
    assert slow == draw_timeline("copy", 0.0, timing, random.Random(3), 1.0, failed=False)


def test_instant_dwell_and_failure_probability() -> None:
    timing = Timing(instant=1.0, failure=1.0)
    timeline = draw_timeline(
        "export", 5.0, timing, random.Random(0), 1.0, failed=timing.fails(random.Random(0))
    )
    assert [state for state, _ in timeline] == ["PENDING", "RUNNING", "FAILED"]
    assert [at for _, at in timeline] == pytest.approx([5.0, 5.0 + INSTANT, 5.0 + 2 * INSTANT])


async def test_ground_truth_matches_what_gets_observe(manual: ManualClock) -> None:
    sim = Simulator(
        seed=11, clock=manual, files_per_project=40, timing=Timing(median=10, failure=0.3)
    )
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url=sim.base_url, headers={"X-SBG-Auth-Token": sim.token}
    ) as http:
        ids = []
        for file_id in project_files(sim)[:20]:
            job = (
                await http.post(
                    "/storage/exports?copy_only=true",
                    json={
                        "source": {"file": file_id},
                        "destination": {"volume": "rfranklin/output", "location": f"gt/{file_id}"},
                    },
                )
            ).json()
            ids.append(job["id"])
        observed: dict[str, list[str]] = {job_id: [] for job_id in ids}
        for _ in range(300):
            manual.advance(1.0)
            items = (await http.post("/bulk/storage/exports/get", json={"export_ids": ids})).json()
            for item in items["items"]:
                states = observed[item["resource"]["id"]]
                if not states or states[-1] != item["resource"]["state"]:
                    states.append(item["resource"]["state"])
    truth: dict[str, list[str]] = {job_id: [] for job_id in ids}
    for transition in sim.ground_truth():
        truth[transition.job_id].append(transition.current)
        assert transition.at <= manual.now()
    # Polling every second from creation sees every state: dwell is far longer than a second.
    assert observed == truth
    assert {states[-1] for states in truth.values()} == {"COMPLETED", "FAILED"}


async def test_ground_truth_excludes_the_future(
    sim: Simulator, http: httpx.AsyncClient, manual: ManualClock
) -> None:
    await http.post("/async/files/delete", json={"items": [{"file": project_files(sim)[0]}]})
    assert [t.current for t in sim.ground_truth()] == ["SUBMITTED"]
    manual.advance(10_000)
    assert [t.current for t in sim.ground_truth()] == [
        "SUBMITTED",
        "RESOLVING",
        "RUNNING",
        "FINISHED",
    ]
    times = [t.at for t in sim.ground_truth()]
    assert times == sorted(times)

"""Simulated storage exports and imports: platform semantics, not echoes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cavatica_async.simulator import ManualClock, Simulator

from .helpers_sim import folder_id, project_files

pytestmark = pytest.mark.anyio

OUT = "rfranklin/output"


def export(file_id: str, location: str, volume: str = OUT, **extra: Any) -> dict[str, Any]:
    return {
        "source": {"file": file_id},
        "destination": {"volume": volume, "location": location},
        **extra,
    }


async def test_export_walks_its_states_and_makes_an_alias(
    sim: Simulator, http: httpx.AsyncClient, manual: ManualClock
) -> None:
    file_id = project_files(sim)[0]
    started = await http.post("/storage/exports", json=export(file_id, "out/a.vcf"))
    assert started.status_code == 200
    job = started.json()
    assert job["state"] == "PENDING"
    assert job["href"] == f"{sim.base_url}/storage/exports/{job['id']}"
    assert len(job["id"]) == 32
    assert job["source"] == {"file": file_id}
    assert job["destination"] == {"volume": OUT, "location": "out/a.vcf"}
    assert job["overwrite"] is False
    assert "finished_on" not in job
    seen = []
    for _ in range(40):
        manual.advance(5)
        body = (await http.get(f"/storage/exports/{job['id']}")).json()
        if not seen or seen[-1] != body["state"]:
            seen.append(body["state"])
    assert seen == ["RUNNING", "COMPLETED"] or seen == ["PENDING", "RUNNING", "COMPLETED"]
    assert body["result"]["id"] == file_id
    assert body["result"]["storage"] == {"type": "VOLUME", "volume": OUT, "location": "out/a.vcf"}
    assert "out/a.vcf" in sim.world.volumes[OUT].objects
    # An exported file is an alias now and "cannot be exported again".
    again = await http.post("/storage/exports", json=export(file_id, "out/b.vcf"))
    assert (again.status_code, again.json()["code"]) == (403, 9006)


async def test_copy_only_keeps_the_source(
    sim: Simulator, http: httpx.AsyncClient, manual: ManualClock
) -> None:
    file_id = project_files(sim)[1]
    job = (await http.post("/storage/exports?copy_only=True", json=export(file_id, "c.vcf"))).json()
    manual.advance(10_000)
    assert (await http.get(f"/storage/exports/{job['id']}")).json()["state"] == "COMPLETED"
    assert sim.world.files[file_id].storage is None
    second = await http.post("/storage/exports?copy_only=true", json=export(file_id, "d.vcf"))
    assert second.status_code == 200


async def test_export_refusals(sim: Simulator, http: httpx.AsyncClient) -> None:
    file_id = project_files(sim)[2]
    cases = [
        (export(file_id, "x", volume="rfranklin/archive"), 403, 9026),  # RO volume
        (export(file_id, "x", volume="rfranklin/nope"), 404, 9007),
        (export("0" * 24, "x"), 404, 9109),
        (export(folder_id(sim), "x"), 403, 9006),  # a folder
        ({"source": {}, "destination": {"volume": OUT, "location": "x"}}, 400, 90000),
    ]
    for body, status, code in cases:
        answer = await http.post("/storage/exports", json=body)
        assert (answer.status_code, answer.json()["code"]) == (status, code), body
        assert answer.json()["more_info"].endswith(f"#{code}")
    malformed = await http.post("/storage/exports", content=b"{not json")
    assert (malformed.status_code, malformed.json()["code"]) == (400, 90009)


async def test_an_occupied_location_fails_the_job_with_9107(
    sim: Simulator, http: httpx.AsyncClient, manual: ManualClock
) -> None:
    files = project_files(sim)
    occupied = "exports/sample_00000.vcf.gz"  # seeded on the output volume
    assert occupied in sim.world.volumes[OUT].objects
    failing = (await http.post("/storage/exports", json=export(files[3], occupied))).json()
    allowed = (
        await http.post("/storage/exports", json=export(files[4], occupied, overwrite=True))
    ).json()
    manual.advance(10_000)
    failed = (await http.get(f"/storage/exports/{failing['id']}")).json()
    assert failed["state"] == "FAILED"
    assert failed["error"]["code"] == 9107
    assert failed["error"]["status"] == 409
    assert [t.current for t in sim.ground_truth() if t.job_id == failing["id"]] == [
        "PENDING",
        "FAILED",
    ]
    assert (await http.get(f"/storage/exports/{allowed['id']}")).json()["state"] == "COMPLETED"


async def test_bulk_export_create_and_get(sim: Simulator, http: httpx.AsyncClient) -> None:
    files = project_files(sim)
    answer = await http.post(
        "/bulk/storage/exports/create",
        json={
            "items": [export(files[5], "b1"), export(files[6], "b2", volume="rfranklin/archive")]
        },
    )
    assert answer.status_code == 200
    first, second = answer.json()["items"]
    assert first["resource"]["state"] == "PENDING"
    assert second["error"]["code"] == 9026
    ids = [first["resource"]["id"], "unknown-export"]
    got = (await http.post("/bulk/storage/exports/get", json={"export_ids": ids})).json()["items"]
    assert got[0]["resource"]["id"] == ids[0]
    assert (got[1]["error"]["status"], got[1]["error"]["code"]) == (404, 9008)


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/bulk/storage/exports/get", "export_ids"),
        ("/bulk/storage/exports/create", "items"),
        ("/bulk/storage/imports/get", "import_ids"),
        ("/bulk/storage/imports/create", "items"),
    ],
)
async def test_more_than_100_items_is_a_400(http: httpx.AsyncClient, path: str, key: str) -> None:
    answer = await http.post(path, json={key: ["x"] * 101})
    assert (answer.status_code, answer.json()["code"]) == (400, 90000)
    assert "At most 100" in answer.json()["message"]


async def test_unknown_jobs_are_404_9008(http: httpx.AsyncClient) -> None:
    for path in ("/storage/exports/nope", "/storage/imports/nope"):
        answer = await http.get(path)
        assert (answer.status_code, answer.json()["code"]) == (404, 9008)


async def test_list_filters_by_state_and_volume(
    sim: Simulator, http: httpx.AsyncClient, manual: ManualClock
) -> None:
    files = project_files(sim)
    for index in range(3):
        await http.post("/storage/exports", json=export(files[10 + index], f"l{index}"))
    listed = await http.get("/storage/exports", params={"volume": OUT, "limit": 2})
    assert listed.headers["X-Total-Matching-Query"] == "3"
    assert len(listed.json()["items"]) == 2
    assert listed.json()["links"][0]["rel"] == "next"
    manual.advance(10_000)
    done = await http.get("/storage/exports", params=[("state", "COMPLETED"), ("state", "FAILED")])
    assert done.headers["X-Total-Matching-Query"] == "3"
    assert (await http.get("/storage/exports?state=PENDING")).json()["items"] == []


async def test_import_creates_an_alias_file(
    sim: Simulator, http: httpx.AsyncClient, manual: ManualClock
) -> None:
    body = {
        "source": {"volume": "rfranklin/input", "location": "reads/sample_00001.fastq.gz"},
        "destination": {"project": "rfranklin/project-2", "name": "s1.fastq.gz"},
    }
    job = (await http.post("/storage/imports", json=body)).json()
    assert job["state"] == "PENDING"
    manual.advance(10_000)
    done = (await http.get(f"/storage/imports/{job['id']}")).json()
    assert done["state"] == "COMPLETED"
    made = sim.world.files[done["result"]["id"]]
    assert (made.project, made.name) == ("rfranklin/project-2", "s1.fastq.gz")
    assert made.storage is not None
    assert made.storage["type"] == "VOLUME"
    # The same name again: FAILED 9108 unless autorename, which prefixes _1_.
    clash = (await http.post("/storage/imports", json=body)).json()
    renamed = (await http.post("/storage/imports", json={**body, "autorename": True})).json()
    manual.advance(10_000)
    assert (await http.get(f"/storage/imports/{clash['id']}")).json()["error"]["code"] == 9108
    result = (await http.get(f"/storage/imports/{renamed['id']}")).json()["result"]
    assert result["name"] == "_1_s1.fastq.gz"


async def test_import_of_a_missing_location_fails_with_9105(
    http: httpx.AsyncClient, manual: ManualClock
) -> None:
    body = {
        "source": {"volume": "rfranklin/input", "location": "reads/missing.fastq"},
        "destination": {"project": "rfranklin/project-1"},
    }
    job = (await http.post("/storage/imports", json=body)).json()
    manual.advance(10_000)
    failed = (await http.get(f"/storage/imports/{job['id']}")).json()
    assert (failed["state"], failed["error"]["code"]) == ("FAILED", 9105)


async def test_import_destination_rules(sim: Simulator, http: httpx.AsyncClient) -> None:
    source = {"volume": "rfranklin/input", "location": "reads/sample_00002.fastq.gz"}
    both = {"project": "rfranklin/project-1", "parent": folder_id(sim)}
    for destination, status in (({}, 400), (both, 400), ({"project": "x/y"}, 404)):
        answer = await http.post(
            "/storage/imports", json={"source": source, "destination": destination}
        )
        assert answer.status_code == status, destination
    into_folder = await http.post(
        "/storage/imports", json={"source": source, "destination": {"parent": folder_id(sim)}}
    )
    assert into_folder.json()["destination"] == {"parent": folder_id(sim)}


async def test_bulk_import_create_get_and_list(
    sim: Simulator, http: httpx.AsyncClient, manual: ManualClock
) -> None:
    good = {
        "source": {"volume": "rfranklin/input", "location": "reads/sample_00003.fastq.gz"},
        "destination": {"project": "rfranklin/project-1"},
    }
    bad = {
        "source": {"volume": "rfranklin/none", "location": "x"},
        "destination": {"project": "rfranklin/project-1"},
    }
    created = (await http.post("/bulk/storage/imports/create", json={"items": [good, bad]})).json()
    first, second = created["items"]
    assert first["resource"]["state"] == "PENDING"
    assert second["error"]["code"] == 9007
    job_id = first["resource"]["id"]
    manual.advance(10_000)
    got = (await http.post("/bulk/storage/imports/get", json={"import_ids": [job_id, "zz"]})).json()
    assert got["items"][0]["resource"]["state"] == "COMPLETED"
    assert got["items"][1]["error"]["code"] == 9008
    listed = await http.get(
        "/storage/imports", params={"project": "rfranklin/project-1", "state": "COMPLETED"}
    )
    assert [job["id"] for job in listed.json()["items"]] == [job_id]
    assert (await http.get("/storage/imports", params={"project": "rfranklin/project-2"})).json()[
        "items"
    ] == []

"""client.imports: method, path, query and body of every call, and what comes back."""

from __future__ import annotations

import httpx
import pytest
import respx

from cavatica_async import ImportRequest, ImportState

from tests.helpers import BASE_URL, FakeClock, make_client, sent

pytestmark = pytest.mark.anyio

FOLDER = "5c6d3f30e4b038563238932f"
JOB = {"id": "imp1", "state": "RUNNING", "destination": {"project": "o/p"}}


async def test_start_into_a_project(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.post("/storage/imports").respond(200, json=JOB)
    async with make_client(router, clock) as client:
        job = await client.imports.start(
            "rfranklin/input", "reads/a.fastq", project="o/p", name="a.fastq", overwrite=True
        )
    assert sent(route) == (
        "POST",
        f"{BASE_URL}/storage/imports",
        {
            "source": {"volume": "rfranklin/input", "location": "reads/a.fastq"},
            "destination": {"project": "o/p", "name": "a.fastq"},
            "overwrite": True,
            "autorename": False,
        },
    )
    assert job.state is ImportState.RUNNING
    assert job.destination is not None
    assert job.destination.project == "o/p"


async def test_start_a_folder_into_a_folder(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.post("/storage/imports").respond(200, json=JOB)
    async with make_client(router, clock) as client:
        await client.imports.start(
            "rfranklin/input",
            "runs/",
            parent=FOLDER,
            autorename=True,
            preserve_folder_structure=True,
        )
    assert sent(route)[2] == {
        "source": {"volume": "rfranklin/input", "location": "runs/"},
        "destination": {"parent": FOLDER},
        "overwrite": False,
        "autorename": True,
        "preserve_folder_structure": True,
    }


@pytest.mark.parametrize(
    "destination", [{}, {"project": "o/p", "parent": FOLDER}], ids=["neither", "both"]
)
async def test_start_needs_one_destination(
    router: respx.MockRouter, clock: FakeClock, destination: dict[str, str]
) -> None:
    async with make_client(router, clock) as client:
        with pytest.raises(ValueError, match="exactly one of project or parent"):
            await client.imports.start("v/in", "a.bam", **destination)
    assert router.calls.call_count == 0


async def test_get_list_bulk_and_wait(router: respx.MockRouter, clock: FakeClock) -> None:
    get = router.get("/storage/imports/imp1").mock(
        side_effect=[
            httpx.Response(200, json=JOB),
            httpx.Response(200, json={**JOB, "state": "COMPLETED"}),
        ]
    )
    listing = router.get("/storage/imports").respond(200, json={"items": [JOB]})
    bulk_get = router.post("/bulk/storage/imports/get").respond(
        200, json={"items": [{"resource": JOB}]}
    )
    bulk_start = router.post("/bulk/storage/imports/create").respond(
        200, json={"items": [{"resource": JOB}]}
    )
    async with make_client(router, clock) as client:
        assert (await client.imports.get("imp1")).id == "imp1"
        assert [
            job.id
            async for job in client.imports.list(project="o/p", volume="v/in", state="FAILED")
        ] == ["imp1"]
        assert (await client.imports.bulk_get(["imp1"]))[0].ok
        assert (await client.imports.bulk_start([ImportRequest("v/in", "a.bam", project="o/p")]))[
            0
        ].ok
        assert (await client.imports.wait("imp1")).state is ImportState.COMPLETED
    assert sent(get) == ("GET", f"{BASE_URL}/storage/imports/imp1", None)
    assert str(listing.calls.last.request.url) == (
        f"{BASE_URL}/storage/imports?project=o%2Fp&volume=v%2Fin&state=FAILED&limit=100"
    )
    assert sent(bulk_get) == (
        "POST",
        f"{BASE_URL}/bulk/storage/imports/get",
        {"import_ids": ["imp1"]},
    )
    assert sent(bulk_start) == (
        "POST",
        f"{BASE_URL}/bulk/storage/imports/create",
        {
            "items": [
                {
                    "source": {"volume": "v/in", "location": "a.bam"},
                    "destination": {"project": "o/p"},
                    "overwrite": False,
                    "autorename": False,
                }
            ]
        },
    )

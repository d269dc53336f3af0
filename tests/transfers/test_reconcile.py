"""Reconciling exports and imports left `starting` by a crash, against the simulator."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx

from cavatica_async import CavaticaClient, CopyItem, DrsImportItem, ExportRequest, ImportRequest
from cavatica_async.simulator import ManualClock, Simulator, Timing
from cavatica_async.transfers import ItemState, Journal
from cavatica_async.transfers.platform_clock import SKEW, reconcile_allowance
from cavatica_async.transfers.reconcile import FOUND_IN_LIST, UNUSABLE_ID, reconcile_storage
from cavatica_async.transfers.reconcile_jobs import reconcile_async, reconcile_drs
from cavatica_async.transfers.requests import body_of

from tests import canary
from tests.helpers import FakeClock, make_client

pytestmark = pytest.mark.anyio

PROJECT, P2 = "rfranklin/project-1", "rfranklin/project-2"


def simulator(clock: ManualClock) -> Simulator:
    return Simulator(
        token=canary.CANARY,
        seed=6,
        files_per_project=40,
        clock=clock,
        timing=Timing(median=5, failure=0.0),
    )


async def test_exports_are_found_by_job_or_by_effect_or_planned_again(tmp_path: Path) -> None:
    clock = ManualClock()
    sim = simulator(clock)
    files = [f.id for f in sim.world.children(PROJECT, None) if f.type == "file"][:9]
    requests = [ExportRequest(f, "rfranklin/output", f"r/{f}") for f in files]
    async with (
        await Journal.open(tmp_path / "j.db", clock=clock.now) as journal,
        CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client,
    ):
        await journal.plan("export", [(r.file, r.body()) for r in requests])
        items = await journal.items()
        await journal.mark_starting([item.id for item in items])
        # The crash: the first six starts reached the platform, their answers never the journal.
        started = await client.exports.bulk_start(requests[:6])
        assert all(item.ok for item in started)
        clock.advance(3600)  # they ran to the end: their files are aliases now
        outcome = await reconcile_storage(client, journal, "export")
        after = {item.source: item for item in await journal.items()}
    assert (outcome.found, outcome.planned_again, outcome.unsure) == (6, 3, 0)
    job_of = {requests[n].file: r.resource.id for n, r in enumerate(started) if r.resource}
    for file in files[:6]:
        assert after[file].state is ItemState.STARTED
        assert after[file].job_id == job_of[file]
        assert after[file].note == FOUND_IN_LIST
    assert {after[f].state for f in files[6:]} == {ItemState.PLANNED}


async def test_imports_are_found_and_a_name_already_taken_is_unsure(tmp_path: Path) -> None:
    clock = ManualClock()
    sim = simulator(clock)
    locations = sorted(sim.world.volumes["rfranklin/input"].objects)[:4]
    requests = [
        ImportRequest("rfranklin/input", loc, project="rfranklin/project-2") for loc in locations
    ]
    # Someone else's file already has the last one's name in the destination.
    taken = locations[3].rsplit("/", 1)[-1]
    sim.world.add_file("rfranklin/project-2", None, taken, clock.now())
    async with (
        await Journal.open(tmp_path / "j.db", clock=clock.now) as journal,
        CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client,
    ):
        await journal.plan("import", [(f"{r.volume}:{r.location}", r.body()) for r in requests])
        await journal.mark_starting([item.id for item in await journal.items()])
        await client.imports.bulk_start(requests[:2])
        clock.advance(3600)
        outcome = await reconcile_storage(client, journal, "import")
        states = [item.state for item in await journal.items()]
    assert (outcome.found, outcome.planned_again, outcome.unsure) == (2, 1, 1)
    assert states == [ItemState.STARTED, ItemState.STARTED, ItemState.PLANNED, ItemState.UNSURE]


@pytest.mark.parametrize(
    ("answer", "state"),
    [
        ({"storage": {"type": "VOLUME", "volume": "o/v", "location": "r/a"}}, ItemState.DONE),
        ({"storage": {"type": "PLATFORM"}}, ItemState.PLANNED),
        (
            {"storage": {"type": "VOLUME", "volume": "o/v", "location": "elsewhere"}},
            ItemState.PLANNED,
        ),
        (None, ItemState.UNSURE),  # the file is gone, and no export of it was found
    ],
)
async def test_an_export_missing_from_the_list_is_decided_by_its_effect(
    tmp_path: Path, router: respx.MockRouter, clock: FakeClock, answer: object, state: ItemState
) -> None:
    file_id = "5" * 24
    router.get("/storage/exports").respond(200, json={"items": [], "links": []})
    route = router.get(f"/files/{file_id}")
    if answer is None:
        route.respond(404, json={"status": 404, "code": 5002, "message": "gone"})
    else:
        route.respond(200, json={"id": file_id, **answer})
    request = ExportRequest(file_id, "o/v", "r/a")
    async with (
        await Journal.open(tmp_path / "j.db") as journal,
        make_client(router, clock) as client,
    ):
        await journal.plan("export", [(file_id, request.body())])
        await journal.mark_starting([item.id for item in await journal.items()])
        await reconcile_storage(client, journal, "export")
        [item] = await journal.items()
    assert item.state is state
    if state is ItemState.DONE:
        assert (item.job_state, item.job_id) == ("COMPLETED", None)


async def test_an_earlier_job_of_the_same_export_is_not_the_items(tmp_path: Path) -> None:
    # Yesterday's copy_only export of the file to the same location; today's start of it is
    # announced and its answer lost before any call: the old job is not today's item's job.
    clock = ManualClock()
    sim = simulator(clock)
    [file] = [f.id for f in sim.world.children(PROJECT, None) if f.type == "file"][:1]
    request = ExportRequest(file, "rfranklin/output", f"r/{file}")
    async with (
        await Journal.open(tmp_path / "j.db", clock=clock.now) as journal,
        CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client,
    ):
        [old] = await client.exports.bulk_start([request], copy_only=True)
        clock.advance(86_400)
        await journal.plan("export", [(file, request.body())])
        await journal.mark_starting([item.id for item in await journal.items()])
        outcome = await reconcile_storage(client, journal, "export", copy_only=True)
        [item] = await journal.items()
    assert old.resource is not None
    assert outcome.found == 0
    assert item.job_id != old.resource.id
    assert item.state is ItemState.UNSURE  # copy_only: the object there could be either's


@pytest.mark.parametrize(
    ("resolution", "state"),
    [("SKIP", ItemState.DONE), ("OVERWRITE", ItemState.UNSURE), ("AUTORENAME", ItemState.UNSURE)],
)
async def test_a_drs_name_proves_the_import_only_when_taken_names_are_skipped(
    tmp_path: Path, resolution: str, state: ItemState
) -> None:
    clock = ManualClock()
    sim = simulator(clock)
    taken = next(f.name for f in sim.world.children(PROJECT, None) if f.type == "file")
    item = DrsImportItem("drs://h.example/1", project=PROJECT, name=taken)
    async with (
        await Journal.open(tmp_path / "j.db", clock=clock.now) as journal,
        CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client,
    ):
        await journal.plan("drs_import", [(item.drs_uri, item.body())])
        await journal.mark_starting([i.id for i in await journal.items()])
        await reconcile_drs(client, journal, conflict_resolution=resolution)
        [after] = await journal.items()
    assert after.state is state
    assert (after.note or "").startswith(
        "its effect" if state is ItemState.DONE else "the platform lists no DRS import jobs"
    )


class BadListedIds(httpx.AsyncBaseTransport):
    """The simulator, its export list naming every job by an id no call could use."""

    def __init__(self, sim: Simulator) -> None:
        self._inner = sim.transport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = await self._inner.handle_async_request(request)
        if request.method == "GET" and request.url.path.endswith("/storage/exports"):
            body = json.loads(await answer.aread())
            for item in body["items"]:
                item["id"] = f"{item['id']}/x"
            return httpx.Response(200, json=body, headers=answer.headers)
        return answer


async def test_a_listed_job_with_an_unusable_id_leaves_its_item_unsure(tmp_path: Path) -> None:
    clock = ManualClock()
    sim = simulator(clock)
    [file] = [f.id for f in sim.world.children(PROJECT, None) if f.type == "file"][:1]
    request = ExportRequest(file, "rfranklin/output", f"r/{file}")
    async with (
        await Journal.open(tmp_path / "j.db", clock=clock.now) as journal,
        CavaticaClient(sim.token, sim.base_url, transport=BadListedIds(sim)) as client,
    ):
        await journal.plan("export", [(file, request.body())])
        await journal.mark_starting([item.id for item in await journal.items()])
        await client.exports.bulk_start([request])  # its answer lost
        outcome = await reconcile_storage(client, journal, "export")
        [item] = await journal.items()
    # Not planned again (the running export has not moved the file yet): that would start it
    # a second time.
    assert (item.state, item.note) == (ItemState.UNSURE, UNUSABLE_ID)
    assert outcome.unsure == 1
    assert sim.start_counts() == {("export", file): 1}


@pytest.mark.parametrize("kind", ["export", "copy"])
async def test_a_platform_clock_behind_ours_still_finds_the_job(tmp_path: Path, kind: str) -> None:
    # Our clock 75 s ahead of the platform's: the job the lost answer made seems to have
    # started before its announcement. A fixed minute's allowance would start it again.
    clock = ManualClock()
    sim = simulator(clock)
    files = [f.id for f in sim.world.children(PROJECT, None) if f.type == "file"][:3]
    ahead = 75.0
    async with (
        await Journal.open(tmp_path / "j.db", clock=lambda: clock.now() + ahead) as journal,
        CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client,
    ):
        if kind == "export":
            requests = [ExportRequest(f, "rfranklin/output", f"r/{f}") for f in files]
            await journal.plan("export", [(r.file, r.body()) for r in requests])
        else:
            copies = [CopyItem(f, project=P2) for f in files]
            await journal.plan("copy", [(c.file, body_of("copy", c)) for c in copies])
        await journal.mark_starting([item.id for item in await journal.items()])
        clock.advance(1)
        if kind == "export":
            await client.exports.bulk_start(requests)
        else:
            await client.async_jobs.copy(copies)
        window = await reconcile_allowance(client, journal.now)
        assert window == pytest.approx(SKEW + ahead)
        # A minute only: nothing seems to have started, and the items would start again.
        reconcile = reconcile_storage if kind == "export" else reconcile_async
        narrow = await reconcile(client, journal, kind, allowance=SKEW)
        assert narrow.planned_again == 3
        await journal.mark_starting([item.id for item in await journal.items()])
        outcome = await reconcile(client, journal, kind, allowance=window)
        states = {item.state for item in await journal.items()}
    assert outcome.found == 3
    assert states == {ItemState.STARTED}

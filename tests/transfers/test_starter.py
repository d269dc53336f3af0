"""Starting exports and imports once: the intent is on disk before the call, the answer after."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from cavatica_async import CavaticaClient, ExportRequest, ImportRequest
from cavatica_async.simulator import Simulator
from cavatica_async.transfers import ItemState, Journal
from cavatica_async.transfers.requests import storage_request
from cavatica_async.transfers.starter import StartOptions, StartStoppedError, start_chunk

from tests import canary

pytestmark = pytest.mark.anyio

PROJECT = "rfranklin/project-1"


class Watching(httpx.AsyncBaseTransport):
    """The simulator's transport, reading the journal file as each start call arrives."""

    def __init__(self, sim: Simulator, path: Path) -> None:
        self._inner = sim.transport()
        self._path = path
        self.seen: list[dict[str, int]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/create"):
            with closing(sqlite3.connect(self._path)) as connection, connection:
                rows = connection.execute("SELECT state, COUNT(*) FROM items GROUP BY state")
                self.seen.append(dict(rows.fetchall()))
        return await self._inner.handle_async_request(request)


async def test_exports_start_once_with_the_intent_committed_first(tmp_path: Path) -> None:
    sim = Simulator(token=canary.CANARY, seed=4, files_per_project=300)
    files = [f.id for f in sim.world.children(PROJECT, None) if f.type == "file"][:150]
    path = tmp_path / "journal.db"
    transport = Watching(sim, path)
    async with (
        await Journal.open(path) as journal,
        CavaticaClient(sim.token, sim.base_url, transport=transport) as client,
    ):
        planned = [ExportRequest(f, "rfranklin/output", f"t/{f}") for f in files[:149]]
        # One to a read-only volume: refused at start, recorded, and the run goes on.
        planned.append(ExportRequest(files[149], "rfranklin/archive", "t/x"))
        await journal.plan("export", [(r.file, r.body()) for r in planned])
        items = await journal.items(ItemState.PLANNED)
        first = await start_chunk(
            client, journal, "export", items[:100], StartOptions(copy_only=True)
        )
        second = await start_chunk(
            client, journal, "export", items[100:], StartOptions(copy_only=True)
        )
        done = await journal.items()
    # At each start call, the chunk's items were already `starting` on disk.
    assert transport.seen == [
        {"starting": 100, "planned": 50},
        {"started": 100, "starting": 50},
    ]
    assert (first.started, second.started, second.refused) == (100, 49, 1)
    jobs = set(sim.jobs.jobs["export"])
    started = {item.job_id for item in done if item.state is ItemState.STARTED}
    assert started == jobs
    assert len(jobs) == 149
    [refused] = [item for item in done if item.state is ItemState.REFUSED]
    assert refused.source == files[149]
    assert refused.error is not None
    assert refused.error["status"] in (400, 403)


async def test_a_start_the_platform_may_have_taken_stays_starting(tmp_path: Path) -> None:
    sim = Simulator(token=canary.CANARY, seed=4, files_per_project=30)
    files = [f.id for f in sim.world.children(PROJECT, None) if f.type == "file"][:5]

    def lost(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("the connection broke after the call was sent")

    async with (
        await Journal.open(tmp_path / "j.db") as journal,
        CavaticaClient(sim.token, sim.base_url, transport=httpx.MockTransport(lost)) as client,
    ):
        await journal.plan(
            "export", [(f, ExportRequest(f, "rfranklin/output", f).body()) for f in files]
        )
        outcome = await start_chunk(client, journal, "export", await journal.items())
        states = {item.state for item in await journal.items()}
    assert outcome.unknown == 5
    assert states == {ItemState.STARTING}


def test_journal_bodies_become_typed_requests_again() -> None:
    export = ExportRequest("5" * 24, "o/v", "a/b.vcf", overwrite=True, properties={"x": "y"})
    imported = ImportRequest("o/v", "reads/", parent="f" * 24, name="n", autorename=True)
    assert storage_request("export", export.body()) == export
    assert storage_request("import", imported.body()) == imported
    with pytest.raises(ValueError, match="not a export request"):
        storage_request("export", {"source": {}})


@pytest.mark.parametrize("kind", ["export", "delete"])
async def test_a_refused_token_plans_the_chunk_again_and_stops(tmp_path: Path, kind: str) -> None:
    sim = Simulator(token=canary.CANARY, seed=4, files_per_project=300)
    files = [f.id for f in sim.world.children(PROJECT, None) if f.type == "file"][:3]
    requests = {
        "export": [(f, ExportRequest(f, "rfranklin/output", f"t/{f}").body()) for f in files],
        "delete": [(f, {"file": f}) for f in files],
    }[kind]
    async with (
        await Journal.open(tmp_path / "t.db") as journal,
        CavaticaClient("e" * 32, sim.base_url, transport=sim.transport()) as client,
    ):
        await journal.plan(kind, requests)
        with pytest.raises(StartStoppedError, match="401") as error:
            await start_chunk(client, journal, kind, await journal.items())
        states = {item.state for item in await journal.items()}
    assert "e" * 32 not in str(error.value)
    assert states == {ItemState.PLANNED}
    assert sim.start_counts() == {}


def echoing(ids: list[str]) -> httpx.MockTransport:
    """Bulk export starts answered with the jobs `ids`, in turn, each naming its own source."""
    handed = iter(ids)

    def answer(request: httpx.Request) -> httpx.Response:
        bodies = json.loads(request.content)["items"]
        items = [
            {"resource": {"id": next(handed), "state": "PENDING", "source": body["source"]}}
            for body in bodies
        ]
        return httpx.Response(200, json={"items": items})

    return httpx.MockTransport(answer)


@pytest.mark.parametrize(
    ("first", "second", "states"),
    [
        # A replayed answer: the second call's jobs are the first call's.
        (["j1", "j2"], ["j1", "j2"], [ItemState.STARTED] * 2 + [ItemState.STARTING] * 2),
        # One job for two exports: neither can be told to be its own.
        (["j1", "j2"], ["j3", "j3"], [ItemState.STARTED] * 2 + [ItemState.STARTING] * 2),
        (["j1", "j2"], ["j3", "j4"], [ItemState.STARTED] * 4),
    ],
)
async def test_a_job_named_twice_is_recorded_for_no_item(
    tmp_path: Path, first: list[str], second: list[str], states: list[ItemState]
) -> None:
    files = [f"{n:024x}" for n in range(4)]
    async with (
        await Journal.open(tmp_path / "t.db") as journal,
        CavaticaClient("t" * 32, "https://x.test/v2", transport=echoing(first + second)) as client,
    ):
        await journal.plan("export", [(f, ExportRequest(f, "o/v", f).body()) for f in files])
        items = await journal.items()
        await start_chunk(client, journal, "export", items[:2])
        outcome = await start_chunk(client, journal, "export", items[2:])
        after = await journal.items()
    assert [item.state for item in after] == states
    assert outcome.unknown == states.count(ItemState.STARTING)
    assert len({item.job_id for item in after if item.job_id}) == len(
        [item for item in after if item.job_id]
    )


async def test_a_reordered_answer_gives_each_export_its_own_job(tmp_path: Path) -> None:
    files = [f"{n:024x}" for n in range(3)]

    def reordered(request: httpx.Request) -> httpx.Response:
        bodies = json.loads(request.content)["items"]
        items = [
            {"resource": {"id": f"job-{b['source']['file']}", "state": "PENDING", **b}}
            for b in reversed(bodies)
        ]
        return httpx.Response(200, json={"items": items})

    async with (
        await Journal.open(tmp_path / "t.db") as journal,
        CavaticaClient(
            "t" * 32, "https://x.test/v2", transport=httpx.MockTransport(reordered)
        ) as client,
    ):
        await journal.plan("export", [(f, ExportRequest(f, "o/v", f).body()) for f in files])
        await start_chunk(client, journal, "export", await journal.items())
        after = await journal.items()
    assert [(item.source, item.job_id) for item in after] == [(f, f"job-{f}") for f in files]


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ({"copy_only": "no"}, TypeError),
        ({"tags": ("bad\ud800",)}, ValueError),
        ({"tags": ["a"]}, TypeError),
        ({"conflict_resolution": None}, TypeError),
    ],
)
def test_start_options_that_could_not_be_sent_are_refused(
    settings: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        StartOptions(**settings)  # type: ignore[arg-type]


@pytest.mark.parametrize("job_id", ["a/b", "a\nb", " ", "..", "x" * 1001, ""])
async def test_a_job_id_no_call_could_use_leaves_the_item_starting(
    tmp_path: Path, job_id: str
) -> None:
    files = [f"{n:024x}" for n in range(2)]
    async with (
        await Journal.open(tmp_path / "t.db") as journal,
        CavaticaClient("t" * 32, "https://x.test/v2", transport=echoing([job_id, "j2"])) as client,
    ):
        await journal.plan("export", [(f, ExportRequest(f, "o/v", f).body()) for f in files])
        outcome = await start_chunk(client, journal, "export", await journal.items())
        after = await journal.items()
    assert [(item.state, item.job_id) for item in after] == [
        (ItemState.STARTING, None),
        (ItemState.STARTED, "j2"),
    ]
    assert (outcome.started, outcome.unknown) == (1, 1)

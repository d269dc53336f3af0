"""A transfer end to end on the simulator: every kind, from planned items to journaled ends."""

from __future__ import annotations

from collections import Counter
from contextlib import aclosing
from pathlib import Path

import anyio
import httpx
import pytest

from cavatica_async import (
    CavaticaClient,
    CopyItem,
    DrsImportItem,
    ExportRequest,
    ForbiddenError,
    ImportRequest,
    RetryPolicy,
    TransportError,
    UnauthorizedError,
)
from cavatica_async.simulator import Simulator
from cavatica_async.transfers import ItemState, Journal, JournalError, read_manifest
from cavatica_async.transfers.engine import SETTLE_TRIES, Transfer
from cavatica_async.transfers.run_options import Progress, TransferOptions
from cavatica_async.transfers.starter import StartOptions, StartStoppedError

from tests.helpers import FakeClock
from tests.helpers_watch import FAST, simulator

pytestmark = pytest.mark.anyio

P1, P2 = "rfranklin/project-1", "rfranklin/project-2"
NAN, INF = float("nan"), float("inf")


def every_kind(sim: Simulator) -> dict[str, list[object]]:
    ours, theirs = sim.file_ids(P1), sim.file_ids(P2)
    exports: list[object] = [ExportRequest(f, "rfranklin/output", f"t/{f}") for f in ours[:230]]
    # A read-only volume: refused at start, recorded, and the run goes on.
    exports.append(ExportRequest(ours[230], "rfranklin/archive", "t/ro"))
    return {
        "export": exports,
        "import": [
            ImportRequest("rfranklin/input", f"reads/sample_{n:05d}.fastq.gz", project=P2)
            for n in range(120)
        ],
        # Two URIs the platform cannot read: failures of those files, inside finished jobs.
        "drs_import": [
            DrsImportItem(f"drs://h.example/{n}" if n % 50 else f"not-a-uri-{n}", project=P1)
            for n in range(150)
        ],
        "copy": [CopyItem(f, project=P1) for f in theirs[:110]],
        "move": [CopyItem(f, project=P1) for f in theirs[110:150]],
        "delete": list(theirs[150:190]),
    }


async def test_every_kind_ends_once_and_is_journaled(tmp_path: Path) -> None:
    sim = simulator()
    plan = every_kind(sim)
    async with (
        await Journal.open(tmp_path / "t.db") as journal,
        CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client,
    ):
        # The simulator runs 100x fast: its DRS window is 3 s; 100 files per window paces it.
        options = TransferOptions(poll=FAST, drs_files_per_window=100, drs_window=3.0)
        transfer = Transfer(client, journal, options)
        for kind, requests in plan.items():
            assert await transfer.add(kind, requests) == len(requests)  # type: ignore[arg-type]
        assert await transfer.add("copy", plan["copy"][:5]) == 0  # planned once only
        seen: list[Progress] = []

        async def watch_progress() -> None:
            async for progress in transfer.progress(every=0.2):
                seen.append(progress)

        async with anyio.create_task_group() as group:
            group.start_soon(watch_progress)
            counts = await transfer.run()
        items = await journal.items()
        assert await journal.integrity_check() == "ok"
    total = sum(len(requests) for requests in plan.values())
    assert counts[ItemState.DONE] + counts[ItemState.REFUSED] == total
    assert counts[ItemState.REFUSED] == 1
    [refused] = [item for item in items if item.state is ItemState.REFUSED]
    assert refused.request["destination"]["volume"] == "rfranklin/archive"
    assert refused.error is not None
    assert refused.error.get("status") == 403
    # No source was started twice (the simulator's own record of start calls).
    starts = sim.start_counts()
    assert max(starts.values()) == 1
    assert len(starts) == total - 1  # the refused export started nothing
    # Per-file outcomes of DRS jobs: the bad URIs failed, each on its own item.
    drs = {item.source: item for item in items if item.kind == "drs_import"}
    assert {s for s, item in drs.items() if item.job_state == "FAILED"} >= {
        "not-a-uri-0",
        "not-a-uri-50",
        "not-a-uri-100",
    }
    assert all(item.job_state in ("COMPLETED", "FAILED") for item in items if item.job_id)
    # The journal agrees with the platform on every job's end.
    by_kind = Counter(item.kind for item in items if item.state is ItemState.DONE)
    assert by_kind["export"] == 230
    assert by_kind["delete"] == 40
    for item in items:
        if item.kind in ("export", "import") and item.job_id:
            job = sim.jobs.get(item.kind, item.job_id)
            assert job is not None
            assert job.timeline[-1][0] == item.job_state
    assert client.transport.stats.rate_limited == 0
    assert seen[-1].items["done"] == total - 1
    assert seen[-1].jobs_watched == 0
    assert seen[-1].seconds_left == 0.0
    estimates = [p.seconds_left for p in seen if p.seconds_left]
    assert estimates  # an estimate while jobs were still running
    # 100 items a call: 231 exports, 120 imports, 150 DRS, 110 copies, 40 moves, 40 deletes.
    assert seen[-1].start_calls == 3 + 2 + 2 + 2 + 1 + 1


async def test_nothing_to_do_ends_at_once(tmp_path: Path) -> None:
    sim = simulator()
    async with (
        await Journal.open(tmp_path / "t.db") as journal,
        CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client,
    ):
        counts = await Transfer(client, journal).run()
    assert sum(counts.values()) == 0


@pytest.mark.parametrize("kind", ["export", "delete"])
async def test_a_refused_token_stops_the_run_and_starts_nothing(tmp_path: Path, kind: str) -> None:
    sim = simulator()
    plan = every_kind(sim)[kind]
    async with (
        await Journal.open(tmp_path / "t.db") as journal,
        CavaticaClient("f" * 32, sim.base_url, transport=sim.transport()) as client,
    ):
        transfer = Transfer(client, journal)
        await transfer.add(kind, plan)  # type: ignore[arg-type]
        # The watcher's first call, or the first start, says 401: the run stops either way.
        with pytest.raises((UnauthorizedError, StartStoppedError), match="401") as error:
            await transfer.run()
        counts = await journal.counts()
    assert "f" * 32 not in str(error.value)
    assert counts[ItemState.PLANNED] == len(plan)  # planned again, for a run with a good token
    assert sim.start_counts() == {}


@pytest.mark.parametrize(("kind", "bound"), [("export", 30), ("copy", 1)])
async def test_jobs_in_flight_stay_within_the_bound(tmp_path: Path, kind: str, bound: int) -> None:
    sim = simulator()
    plan = every_kind(sim)[kind][:120]
    async with (
        await Journal.open(tmp_path / "t.db") as journal,
        CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client,
    ):
        transfer = Transfer(client, journal, TransferOptions(poll=FAST, jobs_in_flight=bound))
        await transfer.add(kind, plan)  # type: ignore[arg-type]
        counts = await transfer.run()
        calls = (await transfer.snapshot()).start_calls
    assert counts[ItemState.DONE] == len(plan)
    # Exports wait for room for a whole chunk (of `bound`) rather than start as jobs end one
    # by one: 120 in four calls of 30. Copies: 100 items a call, whatever the bound.
    assert calls == {"export": 4, "copy": 2}[kind]
    # The simulator's record: at no moment were more of the kind's jobs running than the bound
    # (a job counts from its start until the watcher saw it end, which is after its last state).
    events = sorted(
        [(job.timeline[0][1], 1) for job in sim.jobs.jobs[kind].values()]
        + [(job.timeline[-1][1], -1) for job in sim.jobs.jobs[kind].values()]
    )
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    assert peak <= bound


async def test_a_rerun_must_send_the_first_runs_start_options(tmp_path: Path) -> None:
    sim = simulator()
    exports = every_kind(sim)["export"][:5]
    path = tmp_path / "t.db"
    for options, fails in [(StartOptions(copy_only=True), False), (StartOptions(), True)]:
        async with (
            await Journal.open(path) as journal,
            CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client,
        ):
            transfer = Transfer(client, journal, TransferOptions(poll=FAST, start=options))
            await transfer.add("export", exports)  # type: ignore[arg-type]
            if fails:
                with pytest.raises(ValueError, match="copy_only"):
                    await transfer.run()
            else:
                await transfer.run()
    assert all(n == 1 for n in sim.start_counts().values())


async def test_a_rerun_must_go_to_the_first_runs_platform(tmp_path: Path) -> None:
    sim = simulator()
    path = tmp_path / "t.db"
    deletes = sim.file_ids(P2)[:3]
    shouted = sim.base_url.replace("localhost", "LocalHost")  # a host is the same in any case
    for base_url in (sim.base_url, shouted, "https://cavatica-api.sbgenomics.com/v2"):
        async with (
            await Journal.open(path) as journal,
            CavaticaClient(sim.token, base_url, transport=sim.transport()) as client,
        ):
            transfer = Transfer(client, journal, TransferOptions(poll=FAST))
            await transfer.add("delete", deletes)
            if "localhost" in base_url.lower():
                await transfer.run()
            else:
                with pytest.raises(ValueError, match="started with platform http"):
                    await transfer.run()
    assert len(sim.start_counts()) == 3


@pytest.mark.parametrize(
    ("kind", "requests", "error"),
    [
        ("delete", "0123456789abcdef01234567", TypeError),
        (
            "export",
            [ExportRequest("f" * 24, "v/o", "x", properties={"a": float("nan")})],
            ValueError,
        ),
        ("copy", ["0123456789abcdef01234567"], TypeError),
    ],
)
async def test_add_refuses_what_could_not_be_sent(
    tmp_path: Path, kind: str, requests: object, error: type[Exception]
) -> None:
    sim = simulator()
    async with (
        await Journal.open(tmp_path / "t.db") as journal,
        CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client,
    ):
        with pytest.raises(error):
            await Transfer(client, journal).add(kind, requests)  # type: ignore[arg-type]
        assert sum((await journal.counts()).values()) == 0


class LostThenRefused(httpx.AsyncBaseTransport):
    """The simulator's transport, losing the answer to the first export start after the
    platform took it (its items stay `starting`), then failing the next read of the volume's
    job list (the mid-run reconcile's) with `status`."""

    def __init__(self, sim: Simulator, status: int) -> None:
        self._inner = sim.transport()
        self._status = status
        self.lost = self.failed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.lost and not self.failed and request.url.path.endswith("/storage/exports"):
            self.failed = True
            return httpx.Response(self._status, json={"status": self._status, "message": "no"})
        answer = await self._inner.handle_async_request(request)
        if not self.lost and request.url.path.endswith("/bulk/storage/exports/create"):
            self.lost = True
            raise httpx.ReadError("the connection broke after the call was sent")
        return answer


@pytest.mark.parametrize(("status", "ends"), [(502, False), (429, False), (403, True)])
async def test_a_mid_run_reconcile_outlives_a_failed_read(
    tmp_path: Path, status: int, ends: bool
) -> None:
    sim = simulator()
    exports = every_kind(sim)["export"][:30]
    transport = LostThenRefused(sim, status)
    async with (
        await Journal.open(tmp_path / "t.db") as journal,
        CavaticaClient(
            sim.token, sim.base_url, transport=transport, retry=RetryPolicy(max_retries=0)
        ) as client,
    ):
        transfer = Transfer(client, journal, TransferOptions(poll=FAST))
        await transfer.add("export", exports)  # type: ignore[arg-type]
        if ends:
            with pytest.raises(ForbiddenError):
                await transfer.run()
            counts = await journal.counts()
            assert counts[ItemState.STARTING] == 30  # left for the next run to reconcile
        else:
            counts = await transfer.run()
            assert counts[ItemState.DONE] == 30
    assert transport.failed
    assert all(n == 1 for n in sim.start_counts().values())


async def test_progress_follows_a_run_begun_later_and_failures_can_be_retried(
    tmp_path: Path,
) -> None:
    sim = simulator()
    plan = every_kind(sim)
    exports = [*plan["export"][:4], plan["export"][-1]]  # the last: a read-only volume
    drs = plan["drs_import"][:50]  # not-a-uri-0 fails inside its job
    async with (
        await Journal.open(tmp_path / "t.db") as journal,
        CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client,
    ):
        options = TransferOptions(poll=FAST, drs_files_per_window=100, drs_window=3.0)
        transfer = Transfer(client, journal, options)
        await transfer.add("export", exports)  # type: ignore[arg-type]
        await transfer.add("drs_import", drs)  # type: ignore[arg-type]
        seen: list[Progress] = []
        refusals: list[str] = []

        async def follow() -> None:
            async for progress in transfer.progress(every=0.05):
                seen.append(progress)
                if progress.phase == "running" and not refusals:
                    with pytest.raises(RuntimeError) as error:
                        await transfer.retry(failed=True)
                    refusals.append(str(error.value))

        async with anyio.create_task_group() as group:
            group.start_soon(follow)
            await anyio.sleep(0.2)  # the progress begins first, and waits
            await transfer.run()
        items = await journal.items()
        failed = [
            i.source for i in items if i.state is ItemState.DONE and i.job_state != "COMPLETED"
        ]
        assert "not-a-uri-0" in failed
        assert seen[0].phase == "waiting"
        assert seen[0].seconds_left is None  # no pace before the run starts something
        assert seen[-1].phase == "ended"
        assert seen[-1].failed == len(failed)
        assert seen[-1].items["refused"] == 1
        assert refusals
        assert "while the transfer runs" in refusals[0]
        assert await transfer.retry(refused=True, failed=True) == len(failed) + 1
        again = await journal.items(ItemState.PLANNED)
        assert {i.source for i in again} == {*failed, exports[-1].file}  # type: ignore[attr-defined]
        assert all(i.error is None and i.job_id is None and i.note is None for i in again)
        await transfer.run()
        items = await journal.items()
    ro = next(i for i in items if i.source == exports[-1].file)  # type: ignore[attr-defined]
    assert (ro.state, ro.attempts) == (ItemState.REFUSED, 2)
    bad = next(i for i in items if i.source == "not-a-uri-0")
    assert (bad.state, bad.job_state, bad.attempts) == (ItemState.DONE, "FAILED", 2)


async def test_progress_refuses_an_interval_that_cannot_work(tmp_path: Path) -> None:
    sim = simulator()
    async with (
        await Journal.open(tmp_path / "t.db") as journal,
        CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client,
    ):
        with pytest.raises(ValueError, match="every"):
            await Transfer(client, journal).progress(every=NAN).__anext__()


async def test_start_calls_spend_the_budget_and_draw_no_429(tmp_path: Path) -> None:
    # A limit of 5 requests a window (3 s here) against 7 copy calls (630 files) and the
    # watcher's polls: unpaced, the calls alone would go past it in the first window.
    sim = simulator(rate_limit=5)
    copies = [CopyItem(f, project=P1) for f in sim.file_ids(P2)]
    async with (
        await Journal.open(tmp_path / "t.db") as journal,
        CavaticaClient(
            sim.token, sim.base_url, transport=sim.transport(), retry=RetryPolicy(max_retries=0)
        ) as client,
    ):
        transfer = Transfer(client, journal, TransferOptions(poll=FAST))
        await transfer.add("copy", copies)
        counts = await transfer.run()
        calls = (await transfer.snapshot()).start_calls
    assert counts[ItemState.DONE] == len(copies) == 630
    assert client.transport.stats.rate_limited == 0
    assert calls == 7


async def test_two_transfers_over_one_journal_do_not_both_run(tmp_path: Path) -> None:
    sim = simulator()
    exports = every_kind(sim)["export"][:50]
    async with (
        await Journal.open(tmp_path / "t.db") as journal,
        CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client,
    ):
        first, second = (Transfer(client, journal, TransferOptions(poll=FAST)) for _ in "12")
        await first.add("export", exports)  # type: ignore[arg-type]
        refused: list[str] = []

        async def run_second() -> None:
            await anyio.sleep(0.05)
            with pytest.raises(JournalError, match="in use by another run") as error:
                await second.run()
            refused.append(str(error.value))

        async with anyio.create_task_group() as group:
            group.start_soon(run_second)
            counts = await first.run()
    assert refused
    assert counts[ItemState.DONE] == 50
    assert all(n == 1 for n in sim.start_counts().values())


async def test_a_transfer_runs_again_after_a_cancelled_run(tmp_path: Path) -> None:
    sim = simulator()
    exports = every_kind(sim)["export"][:50]
    async with (
        await Journal.open(tmp_path / "t.db") as journal,
        CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client,
    ):
        transfer = Transfer(client, journal, TransferOptions(poll=FAST))
        await transfer.add("export", exports)  # type: ignore[arg-type]

        async def cut_off_once_jobs_run(scope: anyio.CancelScope) -> None:
            # Once a job has started, not after a fixed time: on a busy machine 0.3 s went by
            # before the first start call was answered.
            with anyio.fail_after(30):
                async with aclosing(transfer.progress(every=0.005)) as stream:
                    async for progress in stream:
                        if progress.items[ItemState.STARTED.value] > 0:
                            break
            scope.cancel()

        async with anyio.create_task_group() as group:
            group.start_soon(cut_off_once_jobs_run, group.cancel_scope)
            await transfer.run()
        assert (await journal.counts())[ItemState.STARTED] > 0  # cut off with jobs running
        with anyio.fail_after(30):
            counts = await transfer.run()
    assert counts[ItemState.DONE] == 50
    assert all(n == 1 for n in sim.start_counts().values())


async def test_progress_ends_with_the_run_not_a_tick_later(tmp_path: Path) -> None:
    sim = simulator()
    async with (
        await Journal.open(tmp_path / "t.db") as journal,
        CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client,
    ):
        transfer = Transfer(client, journal, TransferOptions(poll=FAST))
        await transfer.add("delete", sim.file_ids(P2)[:5])
        seen: list[Progress] = []

        async def follow() -> None:
            async for progress in transfer.progress(every=60.0):
                seen.append(progress)

        with anyio.fail_after(30):  # a tick of 60 s would fail it
            async with anyio.create_task_group() as group:
                group.start_soon(follow)
                await anyio.sleep(0.05)
                await transfer.run()
    assert [p.phase for p in seen] == ["waiting", "ended"]


async def test_a_platform_never_reached_ends_the_run(tmp_path: Path) -> None:
    # A mistyped URL: every request fails to connect. The start call's items may have gone
    # out for all the library knows, so they stay starting; the run raises, it does not wait
    # forever for a list it can never read.
    sent: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url.path}")
        raise httpx.ConnectError("connection refused")

    clock = FakeClock()
    async with (
        await Journal.open(tmp_path / "t.db") as journal,
        CavaticaClient(
            "t" * 32,
            "http://127.0.0.1:9/v2",
            transport=httpx.MockTransport(refuse),
            retry=RetryPolicy(max_retries=0),
            clock=clock,
        ) as client,
    ):
        transfer = Transfer(client, journal, TransferOptions(poll=FAST))
        await transfer.add("export", [ExportRequest("f" * 24, "o/v", "x")])
        with anyio.fail_after(30), pytest.raises(TransportError, match="connection refused"):
            await transfer.run()
        counts = await journal.counts()
    assert counts[ItemState.STARTING] == 1
    # Each try of the reconciliation begins by asking the platform's time, and fails there.
    assert sent.count("GET /v2/rate_limit") == SETTLE_TRIES + 1  # and the run's first read


async def test_a_drs_manifest_with_bad_uris_records_each_files_failure(tmp_path: Path) -> None:
    sim = simulator()
    manifest = tmp_path / "drs.csv"
    rows = [f"drs://h.example/{n},{P1},from-drs-{n}.bam" for n in range(120)]
    rows[7] = f"https://h.example/7,{P1},from-drs-7.bam"  # not a DRS URI: fails in its job
    rows[90] = f"drs://nohostid,{P1},from-drs-90.bam"
    manifest.write_text("drs_uri,project,name\n" + "\n".join(rows) + "\n")
    async with (
        await Journal.open(tmp_path / "t.db") as journal,
        CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client,
    ):
        options = TransferOptions(poll=FAST, drs_files_per_window=100, drs_window=3.0)
        transfer = Transfer(client, journal, options)
        await transfer.add("drs_import", read_manifest(manifest, "drs_import").requests())
        counts = await transfer.run()
        items = await journal.items()
        failed = (await transfer.snapshot()).failed
    assert counts[ItemState.DONE] == 120
    bad = {item.source: item for item in items if item.job_state == "FAILED"}
    # The two bad URIs, and files the simulator fails at random (its `failure` rate).
    assert set(bad) >= {"https://h.example/7", "drs://nohostid"}
    assert "Invalid DRS URI" in str(bad["https://h.example/7"].error)
    assert all(item.error and item.error.get("message") for item in bad.values())
    assert failed == len(bad)
    assert len({item.job_id for item in items}) == 2  # 100 files a job

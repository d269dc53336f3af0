"""The transfer commands as a user runs them: the real CLI in a subprocess, against
`cavatica-async simulate` in another process, killed and run again until it ends."""

from __future__ import annotations

import csv
import json
import os
import pty
import random
import re
import select
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import anyio
import pytest

from cavatica_async.transfers import Journal

from tests import canary
from tests.cli.conftest import Simulate, SimulatorProcess

pytestmark = pytest.mark.anyio

P1, P2 = "rfranklin/project-1", "rfranklin/project-2"
EXPORT_P1 = ("export", "--project", P1, "--volume", "rfranklin/output", "--copy-only")


# 100x: a job's states last tenths of a second, and the rate window 3 s.
QUICK = ("--seed", "9", "--files", "120", "--speed", "100", "--state-seconds", "5")


async def cli(base_url: str, *args: str, wait: float = 60.0) -> subprocess.CompletedProcess[str]:
    """Run `cavatica-async ARGS` to its end."""
    env = {**os.environ, "SB_API_ENDPOINT": base_url, "SB_AUTH_TOKEN": canary.CANARY}
    with anyio.fail_after(wait):
        done = await anyio.run_process(
            [sys.executable, "-m", "cavatica_async.cli", *args], env=env, check=False
        )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


async def status(base_url: str, journal: Path) -> list[dict[str, object]]:
    done = await cli(base_url, "status", "--journal", str(journal), "--json")
    return [json.loads(line) for line in done.stdout.splitlines()]


def export_args(journal: Path, *more: str) -> Sequence[str]:
    return (
        "export",
        *("--project", P1, "--volume", "rfranklin/output", "--prefix", "cli"),
        *("--copy-only", "--journal", str(journal), *more),
    )


async def test_an_export_ends_with_every_item_and_a_report(
    tmp_path: Path, simulate: Simulate
) -> None:
    sim = simulate(*QUICK)
    journal, report = tmp_path / "t.db", tmp_path / "r.csv"
    done = await cli(sim.base_url, *export_args(journal, "--report", str(report)))
    items = await status(sim.base_url, journal)
    assert done.returncode in (0, 1), done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(items) == 120  # every file of the project, its folder's too
    assert {line.split()[0] for line in lines} <= {"completed", "failed"}
    assert sorted(item["source"] for item in items) == sorted(line.split()[2] for line in lines)
    failed = sum(1 for item in items if item["outcome"] == "failed")
    assert done.returncode == (1 if failed else 0)
    assert f"{len(items) - failed} completed, {failed} failed" in done.stderr
    with report.open() as handle:
        assert len(list(csv.DictReader(handle))) == len(items)
    assert canary.CANARY not in done.stdout + done.stderr
    assert max(sim.start_counts().values()) == 1
    assert sim.start_calls() == 2  # bulk starts of 100


# One backend: the subprocess is the CLI's own event loop; this test's loop only waits.
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_killed_twenty_times_it_still_ends_every_file_once(
    tmp_path: Path, simulate: Simulate
) -> None:
    # Jobs of about half a minute, so that twenty kills land while the transfer runs: while
    # planning, between a start's intent and its answer, while jobs are watched.
    sim = simulate(
        *("--seed", "5", "--files", "400", "--failure", "0.02"),
        *("--state-seconds", "15", "--state-spread", "0.3"),
    )
    journal = tmp_path / "t.db"
    rng = random.Random(5)
    env = {**os.environ, "SB_API_ENDPOINT": sim.base_url, "SB_AUTH_TOKEN": canary.CANARY}
    kills = 0
    command = [sys.executable, "-m", "cavatica_async.cli", *export_args(journal)]
    log = tmp_path / "run.log"
    while True:
        # Each run's output kept, so that a run ending before its kill says why.
        with log.open("w") as output:
            process = await anyio.open_process(command, env=env, stdout=output, stderr=output)
        async with process:
            if kills < 20:
                # Kills come faster than the jobs end, even where each CLI starts slowly.
                with anyio.move_on_after(rng.uniform(0.3, 1.2)):
                    await process.wait()
            if process.returncode is None and kills < 20:
                process.send_signal(signal.SIGKILL)
                await process.wait()
                kills += 1
                continue
            with anyio.fail_after(120):
                code = await process.wait()
            break
    items = await status(sim.base_url, journal)
    assert kills == 20, f"run {kills + 1} ended by itself: {log.read_text()[-2000:]}"
    assert code in (0, 1)
    assert all(item["outcome"] in ("completed", "failed") for item in items)
    assert len({item["source"] for item in items}) == len(items) == 400
    # No source was started twice: the simulator's own list of the jobs it started.
    starts = sim.start_counts()
    assert max(starts.values()) == 1
    assert len(starts) == 400
    ended = {job["state"] for job in sim.jobs()}
    assert ended <= {"COMPLETED", "FAILED"}
    failed = sum(1 for item in items if item["outcome"] == "failed")
    assert code == (1 if failed else 0)


async def test_a_dry_run_starts_nothing_and_writes_no_journal(
    tmp_path: Path, simulate: Simulate
) -> None:
    sim = simulate(*QUICK)
    journal = tmp_path / "t.db"
    done = await cli(sim.base_url, *export_args(journal, "--dry-run"))
    assert done.returncode == 0, done.stderr
    assert "120 items, 2 start calls" in done.stderr
    assert sim.reads() > 0  # it read the project...
    assert sim.start_calls() == 0  # ...and asked for nothing to start
    assert sim.jobs() == []
    assert not journal.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("delete", "--manifest", "{m}", "--journal", "{j}"), "give --yes"),
        (("export", "--project", P1, "--volume", "rfranklin/output", "--journal", "{j}"), "--yes"),
        (("drs-import", "--manifest", "{m}", "--project", P1, "--journal", "{j}"), "line 3"),
        (("copy", "--to-project", P2, "--journal", "{j}"), "needs --manifest or --from-folder"),
        (
            (*EXPORT_P1, "--journal", "{j}", "--report", "{d}/r.xlsx"),
            "a report is .csv",
        ),
        (
            (*EXPORT_P1, "--journal", "{j}", "--manifest", "{m}"),
            "give --manifest or --project, not both",
        ),
        (("drs-import", "--manifest", "{e}", "--project", P1, "--journal", "{j}"), "nothing to"),
        (
            ("export", "--project", P1, "--volume", "rfranklin/nope", "--journal", "{j}", "--yes"),
            "there is no volume rfranklin/nope",
        ),
        (
            (*EXPORT_P1[:3], "--volume", "rfranklin/archive", "--copy-only", "--journal", "{j}"),
            "rfranklin/archive is read-only",
        ),
    ],
)
async def test_what_cannot_run_exits_2_saying_why(
    tmp_path: Path, simulate: Simulate, args: tuple[str, ...], message: str
) -> None:
    manifest, empty = tmp_path / "m.csv", tmp_path / "empty.csv"
    manifest.write_text("drs_uri\ndrs://h.example/1\nnot a uri, at all\n")
    empty.write_text("drs_uri\n")
    journal = tmp_path / "t.db"
    sim = simulate(*QUICK)
    given = [a.format(m=manifest, j=journal, e=empty, d=tmp_path) for a in args]
    done = await cli(sim.base_url, *given)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert sim.start_calls() == 0
    assert not journal.exists()  # refused before its file was made


async def test_a_journal_keeps_to_its_command_line(tmp_path: Path, simulate: Simulate) -> None:
    sim = simulate(*QUICK)
    journal = tmp_path / "t.db"
    first = await cli(sim.base_url, *export_args(journal))
    again = await cli(sim.base_url, *export_args(journal))
    other = await cli(
        sim.base_url,
        *("export", "--project", P2, "--volume", "rfranklin/output", "--copy-only"),
        *("--journal", str(journal)),
    )
    assert first.returncode in (0, 1)
    assert again.returncode == first.returncode
    assert again.stdout == ""  # nothing new ended: everything had
    assert other.returncode == 2
    assert "another command line" in other.stderr
    assert max(sim.start_counts().values()) == 1


async def export_until_signal(
    sim: SimulatorProcess, journal: Path, sent: signal.Signals
) -> tuple[int, str]:
    """Run the export of `journal`, send `sent` once the simulator has started a job; its exit
    status and the first of what it then said on stderr."""
    env = {**os.environ, "SB_API_ENDPOINT": sim.base_url, "SB_AUTH_TOKEN": canary.CANARY}
    command = [sys.executable, "-m", "cavatica_async.cli", *export_args(journal)]
    async with await anyio.open_process(command, env=env) as process:
        # Another process's progress: no event to wait on, so it is polled.
        while not sim.jobs():  # noqa: ASYNC110 (jobs started, watched for a minute)
            await anyio.sleep(0.05)
        process.send_signal(sent)
        with anyio.fail_after(30):
            code = await process.wait()
        assert process.stderr is not None
        said = (await process.stderr.receive()).decode()
    return code, said


@pytest.mark.parametrize(("sent", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
async def test_a_signal_stops_the_run_with_its_exit_status(
    tmp_path: Path, simulate: Simulate, sent: signal.Signals, code: int
) -> None:
    sim = simulate("--seed", "3", "--files", "60", "--state-seconds", "30")
    journal = tmp_path / "t.db"
    status_code, said = await export_until_signal(sim, journal, sent)
    assert status_code == code
    assert "not ended (run the command again)" in said
    # The journal was left whole, ready to resume: every source the platform started is in it
    # as started (or starting: a resume reconciles those with the platform before any start),
    # so running the command again starts none of them twice.
    items = await status(sim.base_url, journal)
    assert len(items) == 60
    started = {source for (_, source) in sim.start_counts()}
    assert started
    known = {item["source"] for item in items if item["outcome"] in ("started", "starting")}
    assert started <= known


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_after_sigterm_the_same_command_finishes_the_transfer(
    tmp_path: Path, simulate: Simulate
) -> None:
    sim = simulate("--seed", "4", "--files", "60", "--state-seconds", "2")
    journal = tmp_path / "t.db"
    status_code, _ = await export_until_signal(sim, journal, signal.SIGTERM)
    assert status_code == 143
    # The same command line again: it resumes from the journal and runs to the end.
    again = await cli(sim.base_url, *export_args(journal), wait=120)
    assert again.returncode in (0, 1), again.stderr  # 1 if an export failed, as real ones do
    items = await status(sim.base_url, journal)
    assert len(items) == 60
    assert all(item["outcome"] in ("completed", "failed") for item in items)
    assert max(sim.start_counts().values()) == 1  # nothing started twice across both runs
    assert len(sim.start_counts()) == 60


def test_status_into_a_reader_that_leaves_early_ends_quietly(tmp_path: Path) -> None:
    # `status --json | head -1`: the reader goes after one line; the command goes quietly.
    journal = tmp_path / "t.db"

    async def plan() -> None:
        async with await Journal.open(journal) as opened:
            await opened.plan("delete", [(f"{n:024x}", {"file": f"{n:024x}"}) for n in range(5000)])

    anyio.run(plan)
    command = [sys.executable, "-m", "cavatica_async.cli", "status", "--journal", str(journal)]
    with subprocess.Popen(
        [*command, "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0
    ) as reader:
        assert reader.stdout is not None
        assert reader.stderr is not None
        reader.stdout.read(10)
        reader.stdout.close()
        assert reader.wait(timeout=30) == 141
        assert reader.stderr.read() == b""


def _read_terminal(leader: int, process: subprocess.Popen[bytes]) -> str:
    """All a process wrote to its terminal until it closed it (60 s at most)."""
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            process.kill()
            pytest.fail("the command wrote nothing to its terminal for 60 s")
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: every copy of the terminal's other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


@pytest.mark.parametrize("stdout", ["terminal", "file"])
def test_a_terminal_gets_a_live_table_with_a_bar_per_kind(
    tmp_path: Path, simulate: Simulate, stdout: str
) -> None:
    sim = simulate(*QUICK)
    journal, outcomes = tmp_path / "t.db", tmp_path / "outcomes.txt"
    env = {**os.environ, "SB_API_ENDPOINT": sim.base_url, "SB_AUTH_TOKEN": canary.CANARY}
    env |= {"COLUMNS": "160", "TERM": "xterm"}
    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "cavatica_async.cli", *export_args(journal)]
    with (
        outcomes.open("wb") as into,
        subprocess.Popen(
            command,
            stdin=follower,
            stdout=follower if stdout == "terminal" else into,
            stderr=follower,
            env=env,
        ) as process,
    ):
        os.close(follower)
        shown = _read_terminal(leader, process)
        code = process.wait(timeout=60)
    os.close(leader)
    assert code in (0, 1), shown
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown)  # without colours and cursor moves
    assert "transfer: " in plain  # the table's title, with the phase
    assert re.search(r"│ export\s+│ [━╸╺]{20} │", plain)  # the export row's bar
    assert "left this window" in shown  # the requests and the budget left
    assert "to go" in shown  # the time left
    assert "completed, " in shown  # the summary
    lines = outcomes.read_text().splitlines()
    # Outcome lines go where stdout goes, unless that is the table's terminal.
    assert "completed export " not in shown
    assert len(lines) == (0 if stdout == "terminal" else 120)
    assert canary.CANARY not in shown


def test_a_transfer_whose_reader_leaves_early_runs_on_to_its_end(
    tmp_path: Path, simulate: Simulate
) -> None:
    # `export ... | head -1`: the lines stop, the transfer does not.
    sim = simulate(*QUICK)
    journal, report = tmp_path / "t.db", tmp_path / "r.csv"
    env = {**os.environ, "SB_API_ENDPOINT": sim.base_url, "SB_AUTH_TOKEN": canary.CANARY}
    command = [sys.executable, "-m", "cavatica_async.cli", *export_args(journal)]
    with subprocess.Popen(
        [*command, "--report", str(report)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        bufsize=0,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        assert process.stdout.read(10)  # the first line has come
        process.stdout.close()
        code = process.wait(timeout=60)
        said = process.stderr.read().decode()
    assert code in (0, 1), said
    assert "Traceback" not in said
    assert "not ended" not in said
    assert "0 unsure" in said  # the summary
    with report.open() as handle:
        assert len(list(csv.DictReader(handle))) == 120
    assert len(sim.start_counts()) == 120


async def test_retry_failed_starts_again_only_what_did_not_complete(
    tmp_path: Path, simulate: Simulate
) -> None:
    sim = simulate(*QUICK, "--failure", "0.3")
    journal = tmp_path / "t.db"
    first = await cli(sim.base_url, *export_args(journal))
    items = await status(sim.base_url, journal)
    failed = {item["source"] for item in items if item["outcome"] != "completed"}
    assert first.returncode == 1
    assert failed
    again = await cli(sim.base_url, *export_args(journal, "--retry-failed"))
    assert f"planned again: {len(failed)} refused or failed items" in again.stderr
    starts = sim.start_counts()
    assert {source for (_, source), n in starts.items() if n == 2} == failed
    assert max(starts.values()) == 2
    assert len(again.stdout.splitlines()) == len(failed)  # only they ended in this run

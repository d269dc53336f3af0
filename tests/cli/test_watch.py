"""`cavatica-async watch` end to end: a subprocess against the simulator over loopback HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest

from cavatica_async import CavaticaClient, CopyItem, ExportRequest
from cavatica_async.simulator import Simulator, Timing

from tests import canary
from tests.loopback import LoopbackServer, Reply, serve

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("anyio_backend", ["asyncio"])]

CLI = [sys.executable, "-m", "cavatica_async.cli"]


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SB_")}
    env.update(HOME=str(home), PYTHONUNBUFFERED="1", COLUMNS="120", **extra)
    return env


@asynccontextmanager
async def served(**settings: Any) -> AsyncIterator[tuple[Simulator, str]]:
    sim = Simulator(token=canary.CANARY, seed=9, files_per_project=60, reset_in_ms=True, **settings)
    async with sim.serve() as base_url:
        yield sim, base_url


async def start_exports(sim: Simulator, base_url: str, locations: list[str]) -> list[str]:
    files = [f.id for f in sim.world.children("rfranklin/project-1", None) if f.type == "file"]
    async with CavaticaClient(token=sim.token, base_url=base_url) as client:
        requests = [
            ExportRequest(f, "rfranklin/output", loc)
            for f, loc in zip(files, locations, strict=False)
        ]
        items = await client.exports.bulk_start(requests, copy_only=True)
    return [item.resource.id for item in items if item.resource]


async def run_cli(
    args: list[str], env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return await anyio.run_process([*CLI, *args], input=stdin.encode(), env=env, check=False)  # type: ignore[return-value]


def text(process: subprocess.CompletedProcess[Any]) -> tuple[str, str]:
    out, err = process.stdout.decode(), process.stderr.decode()
    canary.shown("CLI output", out + err)
    return out, err


def events_of(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def check_json_against_truth(events: list[dict[str, Any]], sim: Simulator, ids: list[str]) -> None:
    truth: dict[str, list[str]] = {}
    for t in sim.ground_truth():
        truth.setdefault(t.job_id, []).append(t.current)
    for job_id in ids:
        mine = [e for e in events if e["job_id"] == job_id]
        currents = [e["current"] for e in mine]
        assert currents[-1] == truth[job_id][-1]
        assert len(currents) == len(set(currents))  # no duplicate
        assert all(state in truth[job_id] for state in currents)  # nothing invented
        assert [e["terminal"] for e in mine].count(True) == 1


async def test_json_events_match_the_ground_truth_and_exit_0(tmp_path: Path) -> None:
    async with served(speed=50, timing=Timing(median=5, failure=0.0)) as (sim, base_url):
        ids = await start_exports(sim, base_url, [f"ok/{n}" for n in range(8)])
        jobs_file = tmp_path / "jobs.txt"
        jobs_file.write_text("# kind id\n" + "".join(f"export {i}\n" for i in ids[4:]))
        args = ["watch", "--json", "--file", str(jobs_file)]
        for job_id in ids[:4]:
            args += ["--export", job_id]
        env = cli_env(tmp_path, SB_API_ENDPOINT=base_url, SB_AUTH_TOKEN=sim.token)
        process = await run_cli(args, env)
    stdout, stderr = text(process)
    assert process.returncode == 0, stderr
    events = events_of(stdout)  # stdout holds JSON lines only: the summary went to stderr
    check_json_against_truth(events, sim, ids)
    assert all(e["succeeded"] for e in events if e["terminal"])
    assert "Summary" in stderr


async def test_a_failed_or_unknown_job_exits_1(tmp_path: Path) -> None:
    async with served(speed=50, timing=Timing(median=5, failure=0.0)) as (sim, base_url):
        occupied = "exports/sample_00000.vcf.gz"  # already on the volume: the job fails (9107)
        [failing] = await start_exports(sim, base_url, [occupied])
        env = cli_env(tmp_path, SB_API_ENDPOINT=base_url, SB_AUTH_TOKEN=sim.token)
        process = await run_cli(["watch", "--json", "--export", failing, "--copy", "123"], env)
    stdout, _ = text(process)
    assert process.returncode == 1
    finals = {e["job_id"]: e for e in events_of(stdout) if e["terminal"]}
    assert finals[failing]["current"] == "FAILED"
    assert finals["123"]["error"]["status"] == 404


async def test_job_list_reads_copy_jobs_from_the_list(tmp_path: Path) -> None:
    async with served(speed=50, timing=Timing(median=5, failure=0.0)) as (sim, base_url):
        theirs = [f.id for f in sim.world.children("rfranklin/project-2", None) if f.type == "file"]
        async with CavaticaClient(token=sim.token, base_url=base_url) as client:
            copies = [
                (await client.async_jobs.copy([CopyItem(f, project="rfranklin/project-1")]))[0]
                for f in theirs[:3]
            ]
        args = ["watch", "--json", "--job-list"]
        for copy in copies:
            args += ["--copy", copy.id]
        env = cli_env(tmp_path, SB_API_ENDPOINT=base_url, SB_AUTH_TOKEN=sim.token)
        process = await run_cli(args, env)
    stdout, stderr = text(process)
    assert process.returncode == 0, stderr
    check_json_against_truth(events_of(stdout), sim, [copy.id for copy in copies])
    gets = {path for (method, path, _), _ in sim.request_counts().items() if method == "GET"}
    assert "/async/files" in gets
    assert not any(path.startswith("/async/files/") for path in gets)


@pytest.mark.parametrize(("sent", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
async def test_a_signal_stops_with_a_partial_summary_and_resume_has_no_duplicates(
    tmp_path: Path, sent: signal.Signals, code: int
) -> None:
    # Ctrl-C and SIGTERM (a service manager, `kill`) alike: the summary, the snapshot written.
    snapshot = tmp_path / "watch.json"
    async with served(speed=20, timing=Timing(median=8, failure=0.0)) as (sim, base_url):
        ids = await start_exports(sim, base_url, [f"int/{n}" for n in range(6)])
        async with CavaticaClient(token=sim.token, base_url=base_url) as client:
            theirs = [
                f.id for f in sim.world.children("rfranklin/project-2", None) if f.type == "file"
            ]
            [copy] = await client.async_jobs.copy(
                [CopyItem(theirs[0], project="rfranklin/project-1")]
            )
        env = cli_env(tmp_path, SB_API_ENDPOINT=base_url, SB_AUTH_TOKEN=sim.token)
        args = ["watch", "--json", "--snapshot", str(snapshot), "--copy", copy.id]
        for job_id in ids:
            args += ["--export", job_id]
        async with await anyio.open_process([*CLI, *args], env=env) as process:
            assert process.stdout is not None
            assert process.stderr is not None
            first = b""
            while b"\n" not in first:
                first += await process.stdout.receive()
            process.send_signal(sent)
            rest, stderr_bytes = b"", b""
            async for chunk in process.stdout:
                rest += chunk
            async for chunk in process.stderr:
                stderr_bytes += chunk
            await process.wait()
        stderr = stderr_bytes.decode()
        canary.shown("CLI output", (first + rest).decode() + stderr)
        assert process.returncode == code, stderr
        assert "Interrupted" in stderr
        assert "Summary" in stderr
        assert "Traceback" not in stderr
        before = events_of((first + rest).decode())
        assert before
        saved = json.loads(snapshot.read_text())
        assert len(saved["jobs"]) == 7
        resumed = await run_cli(["watch", "--json", "--snapshot", str(snapshot)], env)
    stdout, stderr = text(resumed)
    assert resumed.returncode == 0, stderr
    after = events_of(stdout)
    seen = [(e["job_id"], e["current"]) for e in before + after]
    assert len(seen) == len(set(seen))  # the resumed run repeats nothing
    check_json_against_truth(before + after, sim, [*ids, copy.id])


@pytest.mark.parametrize(
    ("args", "env_extra", "message"),
    [
        # In the command line's words: no token argument to pass, the variable and the file.
        (["watch", "--export", "e1"], {}, "no auth token found; looked at: $SB_AUTH_TOKEN"),
        (
            ["watch", "--export", "e1", "--base-url", "http://cavatica.example.org/v2"],
            {"SB_AUTH_TOKEN": "t"},
            "refusing to send the auth token over plain http to cavatica.example.org",
        ),
        (["watch", "--export", "a/b"], {"SB_AUTH_TOKEN": "t"}, "invalid export job id 'a/b'"),
        (
            ["watch", "--export", "e1", "--base-url", "http://127.0.0.1:9/v2"],
            {"SB_AUTH_TOKEN": "t"},
            "cannot reach http://127.0.0.1:9/v2: ConnectError",
        ),
        (["watch"], {"SB_AUTH_TOKEN": "t"}, "no jobs to watch"),
        (["watch", "--file", "/dev/null"], {"SB_AUTH_TOKEN": "t"}, "/dev/null has no `kind id`"),
    ],
    ids=["no-credentials", "http-remote", "malformed-id", "unreachable", "no-jobs", "empty-file"],
)
async def test_usage_and_config_errors_are_one_line(
    tmp_path: Path, args: list[str], env_extra: dict[str, str], message: str
) -> None:
    process = await run_cli(args, cli_env(tmp_path, **env_extra))
    _, stderr = text(process)
    assert process.returncode == 2
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert stderr.startswith("cavatica-async watch: ")
    assert "Traceback" not in stderr


async def test_a_bad_token_is_one_line(tmp_path: Path) -> None:
    async with served() as (_, base_url):
        env = cli_env(tmp_path, SB_API_ENDPOINT=base_url, SB_AUTH_TOKEN="not-the-token")
        process = await run_cli(["watch", "--export", "e1"], env)
    _, stderr = text(process)
    assert process.returncode == 2
    assert "the platform refused the token: HTTP 401" in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert "not-the-token" not in stderr


async def test_debug_shows_the_traceback_and_keeps_the_status(tmp_path: Path) -> None:
    process = await run_cli(["--debug", "watch", "--export", "e1"], cli_env(tmp_path))
    assert process.returncode == 2  # a configuration error, with or without --debug
    err = text(process)[1]
    assert "Traceback" in err
    assert err.strip().splitlines()[-1].startswith("cavatica-async watch: ")


@pytest.mark.parametrize("debug", [[], ["--debug"]], ids=["plain", "debug"])
async def test_a_401_body_echoing_the_token_never_shows_it(
    tmp_path: Path, debug: list[str]
) -> None:
    token = "ECHO0e5c0e5c0e5c0e5c0e5c0e5c0e5c"
    canary.TOKENS.add(token)
    echo = Reply(
        {"status": 401, "code": 90001, "message": f"token {token} is not valid"},
        status=401,
        headers={"X-Request-Id": f"rq-{token}"[:12]},
    )
    async with serve(LoopbackServer(answer=lambda target, body: echo)) as base_url:
        env = cli_env(tmp_path, SB_API_ENDPOINT=base_url, SB_AUTH_TOKEN=token)
        process = await run_cli([*debug, "watch", "--export", "e1"], env)
    out, err = text(process)
    assert process.returncode != 0
    assert "HTTP 401" in err
    assert "token *** is not valid" in err
    assert token not in out + err


async def test_text_the_terminal_cannot_encode_never_crashes_the_cli(tmp_path: Path) -> None:
    def answer(target: str, body: bytes) -> Reply:
        if target.endswith("/rate_limit"):
            return Reply({"rate": {"limit": 1000, "remaining": 999, "reset": 4102444800}})
        # A lone surrogate, as a JSON escape: valid JSON, not encodable as UTF-8.
        item = b'{"items": [{"error": {"status": 404, "message": "gone \\ud800 \\udfff"}}]}'
        return Reply(raw=item)

    async with serve(LoopbackServer(answer=answer)) as base_url:
        env = cli_env(tmp_path, SB_API_ENDPOINT=base_url, SB_AUTH_TOKEN="s" * 32)
        process = await run_cli(["watch", "--export", "e1"], env)
    out, err = text(process)
    assert "Traceback" not in out + err
    assert process.returncode == 1  # the job is unknown: one event, exit 1
    assert "gone ? ?" in out + err

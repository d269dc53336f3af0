"""The simulator in a process of its own, loaded with one workload's jobs, for the benchmarks.

Run by `benchmarks.run`, never by hand: `python -m benchmarks.simproc CONFIG_JSON`. It creates the
workload's jobs through the simulator's own API in-process (or grows a project of files for a
transfer, their ids in `files.json`), resets the rate limit and counters so setup costs nothing,
writes the job list to `jobs.json` next to the config, serves on a free
127.0.0.1 port and prints one JSON line `{"base_url", "token"}` when ready. `GET
/__bench/report` returns the ground truth, the answer counts, each rate window's tally and the
job statuses the answers carried.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cavatica_async.simulator import Simulator, Timing, server
from cavatica_async.simulator.ratelimit import FixedWindow


async def create_jobs(sim: Simulator, mix: dict[str, int]) -> list[list[str]]:
    """Start the workload's jobs through the API, as a user would; return [kind, id] pairs."""
    jobs: list[list[str]] = []
    project, other = "rfranklin/project-1", "rfranklin/project-2"
    ours = [f.id for f in sim.world.children(project, None) if f.type == "file"]
    theirs = [f.id for f in sim.world.children(other, None) if f.type == "file"]
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url=sim.base_url, headers={"X-SBG-Auth-Token": sim.token}
    ) as http:
        exports = ours[: mix.get("export", 0)]
        for start in range(0, len(exports), 100):
            items = [
                {
                    "source": {"file": f},
                    "destination": {"volume": "rfranklin/output", "location": f"b/{f}"},
                }
                for f in exports[start : start + 100]
            ]
            answer = await http.post(
                "/bulk/storage/exports/create?copy_only=true", json={"items": items}
            )
            jobs += [
                ["export", i["resource"]["id"]] for i in answer.json()["items"] if "resource" in i
            ]
        for n in range(mix.get("drs_import", 0)):
            item = {"drs_uri": f"drs://drs.example.org/b{n}", "project": project}
            answer = await http.post("/bulk/drs/imports/create", json={"items": [item]})
            jobs.append(["drs_import", answer.json()["id"]])
        for n in range(mix.get("copy", 0)):
            item = {"file": theirs[n % len(theirs)], "project": project}
            answer = await http.post("/async/files/copy", json={"items": [item]})
            jobs.append(["copy", answer.json()["id"]])
    return jobs


def unknown_ids(mix: dict[str, int], share: float) -> list[list[str]]:
    """`share` more ids of each kind, well formed, that the platform does not know."""
    unknown: list[list[str]] = []
    for kind, count in mix.items():
        for n in range(round(share * count)):
            # Export ids are 32 alphanumerics; async job ids 18 digits (the docs' examples).
            job_id = f"unknown{n:025d}" if kind == "export" else str(999 * 10**15 + n)
            unknown.append([kind, job_id])
    return unknown


@contextmanager
def running(config: dict[str, Any]) -> Iterator[tuple[dict[str, str], Path]]:
    """This module in a process of its own with `config`: its ready line and its jobs file."""
    with tempfile.TemporaryDirectory() as folder:
        config_path = Path(folder) / "config.json"
        config_path.write_text(json.dumps(config))
        process = subprocess.Popen(  # noqa: S603 (our own module, our own arguments)
            [sys.executable, "-m", "benchmarks.simproc", str(config_path)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parent.parent,
        )
        try:
            assert process.stdout is not None
            ready: dict[str, str] = json.loads(process.stdout.readline())
            yield ready, Path(folder) / "jobs.json"
        finally:
            process.terminate()
            process.wait(timeout=30)
            if process.stdout is not None:
                process.stdout.close()


def statuses_in(body: bytes) -> int:
    """How many job statuses one answer carries: a job, or a page or bulk result of them."""
    try:
        answer = json.loads(body)
    except ValueError:
        return 0
    if not isinstance(answer, dict):
        return 0
    if "state" in answer:
        return 1
    items = answer.get("items")
    if not isinstance(items, list):
        return 0
    # A bulk get's item holds its job under "resource", or an "error" for an id it does not know.
    jobs = [item.get("resource", item) for item in items if isinstance(item, dict)]
    return sum(1 for job in jobs if isinstance(job, dict) and "state" in job)


def counting_statuses(app: ASGIApp, tally: list[int]) -> ASGIApp:
    """`app`, adding to `tally[0]` the job statuses of every 200 answer it sends."""

    async def counted(scope: Scope, receive: Receive, send: Send) -> None:
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status == 200:
                tally[0] += statuses_in(message.get("body", b""))
            await send(message)

        await app(scope, receive, sending)

    return counted


def main() -> None:
    config_path = Path(sys.argv[1])
    config: dict[str, Any] = json.loads(config_path.read_text())
    mix: dict[str, int] = config["mix"]
    sim = Simulator(
        seed=config["seed"],
        speed=config["speed"],
        # Every tenth file sits in a folder, so the project root holds 90% of them.
        files_per_project=int(max(mix.get("export", 0), mix.get("copy", 0)) / 0.9) + 10,
        timing=Timing(**config["timing"]),
        external_usage=config.get("external_usage", 0),
    )
    grow = config.get("grow")
    if grow is not None:
        # A project for a transfer to read from (workload G): its file ids go to files.json.
        sim.world.grow_project(grow["project"], "Transfer", 0.0, files=grow["files"], folders=0)
        files = [f.id for f in sim.world.children(grow["project"], None) if f.type == "file"]
        (config_path.parent / "files.json").write_text(json.dumps(files))
    jobs = anyio.run(create_jobs, sim, mix)
    # Setup is free: a fresh window, fresh counters, an optional pre-spent budget.
    sim.limiter = FixedWindow(sim.limiter.limit, sim.limiter.seconds, sim.limiter.external)
    sim.limiter.hit(sim.clock.now())  # open the first window now...
    sim.limiter.windows[0].used = config.get("prespent", 0)  # ...with what is already spent
    sim.pipeline.counts.clear()
    unknown = unknown_ids(mix, config.get("unknown", 0.0))
    jobs += unknown
    (config_path.parent / "jobs.json").write_text(json.dumps(jobs))
    for at, seconds in config.get("maintenance", []):
        threading.Timer(at / sim.speed, sim.maintenance, (seconds,)).start()
    sim.faults.error_rate = config.get("error_rate", 0.0)

    statuses = [0]

    async def report(request: Request) -> JSONResponse:
        truth = [[t.kind, t.job_id, t.previous, t.current, t.at] for t in sim.ground_truth()]
        counts = [[m, p, s, n] for (m, p, s), n in sim.request_counts().items()]
        windows = [[w.start, w.used, w.rejected] for w in sim.limiter.windows]
        return JSONResponse(
            {
                "truth": truth,
                "counts": counts,
                "windows": windows,
                "limit": sim.limiter.limit,
                "external": sim.limiter.external,
                "unknown": len(unknown),
                "statuses": statuses[0],
            }
        )

    sim.app.router.routes.append(Route("/__bench/report", report))

    def ready(base_url: str) -> None:
        print(json.dumps({"base_url": base_url, "token": sim.token}), flush=True)

    server.run(counting_statuses(sim.app, statuses), "127.0.0.1", 0, ready)


if __name__ == "__main__":
    main()

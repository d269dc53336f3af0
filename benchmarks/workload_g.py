"""Workload G: a 10,000-file export and a 1,000-URI DRS manifest, as transfers, end to end.

Three cases, each against a fresh simulator process (`benchmarks.simproc`) at SPEED times the
platform's pace:

- the transfer engine the `export` / `drs-import` commands run (`benchmarks.transfer_worker`, a
  process of its own), to the end;
- the same, killed with SIGKILL once (at 5% of the first case's time, while jobs start, or at
  half of it) and run again on its journal until it ends: the cost of one `kill -9`;
- a careful user of sevenbridges-python (`benchmarks.official.transfer`): bulk starts of 100,
  then a bulk get of the unfinished exports every 10 s, each DRS job polled one by one.

Each case's requests, 429s and start calls are the simulator's own counts; starts are checked
against its job list. The bound: the start calls plus one read per job chunk (requests), and
the time to end if every job began at once, the platform's DRS queue (500 files per 5 minutes)
its only wait, with no poll lag (makespan; `benchmarks.transfer.bound` adds the budget's pace).
"""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import httpx

from cavatica_async import ClientOptions, RateBudget
from cavatica_async.simulator.api_drs import QUEUE_SECONDS, queue_turn

from benchmarks import official
from benchmarks.simproc import running
from benchmarks.transfer import bound

FILES, URIS = 10_000, 1_000
PROJECT = "rfranklin/transfer"  # the grown project the exports read
DESTINATION = "rfranklin/project-1"  # where the DRS imports land
TIMING = {"median": 30.0, "sigma": 0.6, "failure": 0.02}
TRANSFER = "cavatica-async transfer"
# One kill -9 at these shares of the clean run's time: while jobs start, and half-way.
KILLS = {
    "cavatica-async transfer, kill -9 while starting (at 5%), resumed": 0.05,
    "cavatica-async transfer, kill -9 half-way, resumed": 0.5,
}
OFFICIAL = "sevenbridges-python: bulk start by 100, bulk get every 10 s, DRS one by one"
ROOT = Path(__file__).resolve().parent.parent


def _config(seed: int, speed: float, files: int) -> dict[str, Any]:
    return {
        "seed": seed,
        "speed": speed,
        "timing": TIMING,
        "mix": {},
        "grow": {"project": PROJECT, "files": files},
    }


def _inspect(ready: dict[str, str], what: str) -> Any:
    root = ready["base_url"].removesuffix("/v2")
    answer = httpx.get(
        f"{root}/__simulator/{what}", headers={"X-SBG-Auth-Token": ready["token"]}, timeout=120
    )
    answer.raise_for_status()
    return answer.json()[what]


def _worker(config: Path, kill_after: float | None) -> tuple[float, float, dict[str, int] | None]:
    """Run the worker: (when it began, when it ended or was killed, its counts if it ended)."""
    process = subprocess.Popen(  # noqa: S603 (our own module and config)
        [sys.executable, "-m", "benchmarks.transfer_worker", str(config)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    with process:
        began = float(json.loads(process.stdout.readline())["began"])
        if kill_after is not None:
            try:
                process.wait(timeout=max(0.0, began + kill_after - time.time()))
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
                return began, time.time(), None
        ended = json.loads(process.stdout.readline())
    return began, float(ended["ended"]), ended["counts"]


def _transfer(
    seed: int, speed: float, size: tuple[int, int], kill_after: float | None
) -> dict[str, Any]:
    with running(_config(seed, speed, size[0])) as (ready, jobs_file):
        worker = {
            **ready,
            "files": str(jobs_file.with_name("files.json")),
            "journal": str(jobs_file.with_name("g.db")),
            "uris": size[1],
            "project": DESTINATION,
            "speed": speed,
        }
        config = jobs_file.with_name("worker.json")
        config.write_text(json.dumps(worker))
        began, stopped, counts = _worker(config, kill_after)
        killed_at = None
        if counts is None:
            killed_at = stopped - began
            _, stopped, counts = _worker(config, None)
        figures = _figures(ready, (stopped - began) * speed)
    figures["items"] = counts
    if killed_at is not None:
        figures["killed_at_platform_s"] = round(killed_at * speed, 1)
    return figures


def _official(seed: int, speed: float, size: tuple[int, int]) -> dict[str, Any]:
    with running(_config(seed, speed, size[0])) as (ready, jobs_file):
        files = json.loads(jobs_file.with_name("files.json").read_text())
        uris = [f"drs://drs.example.org/g{n:05d}" for n in range(size[1])]
        work = (files, uris, DESTINATION)
        seconds = anyio.run(official.transfer, ready["base_url"], ready["token"], work, speed)
        return _figures(ready, seconds * speed)


def _figures(ready: dict[str, str], makespan: float) -> dict[str, Any]:
    counts = _inspect(ready, "requests")
    jobs = _inspect(ready, "jobs")
    starts = Counter(source for job in jobs for source in job["sources"])
    return {
        "makespan_platform_s": round(makespan, 1),
        "requests": sum(row["count"] for row in counts),
        "rate_limited": sum(row["count"] for row in counts if row["status"] == 429),
        "start_calls": sum(
            row["count"]
            for row in counts
            if row["method"] == "POST" and not row["path"].endswith("/get") and row["status"] == 200
        ),
        "jobs_started": len(jobs),
        "sources_started": len(starts),
        "sources_started_twice": sum(1 for n in starts.values() if n > 1),
        "jobs_not_ended": sum(1 for job in jobs if job["ended"] is None),
        "jobs": jobs,
    }


def _bound(jobs: list[dict[str, Any]], speed: float, size: tuple[int, int]) -> dict[str, float]:
    """The bound on a case's jobs (see the module's docstring), in platform seconds."""
    window = QUEUE_SECONDS / speed
    longest, admitted = 0.0, list[tuple[float, int]]()
    for job in sorted(jobs, key=lambda job: job["created"]):
        work = job["ended"] - job["created"] - job["queued"]
        turn = 0.0
        if job["kind"] == "drs_import":
            turn = queue_turn(admitted, 0.0, len(job["sources"]), window)
            admitted.append((turn, len(job["sources"])))
        longest = max(longest, turn + work)
    chunks = math.ceil(size[0] / 100) + math.ceil(size[1] / 100)
    fraction, burst = ClientOptions().budget_fraction, RateBudget().burst
    return {
        "requests": 2 * chunks,
        "makespan_platform_s": round(bound(chunks, chunks, longest * speed, fraction, burst), 1),
    }


def run(seed: int, speed: float, files: int = FILES, uris: int = URIS) -> dict[str, Any]:
    """Every case of workload G (`files` exports, `uris` DRS imports), and the bound."""
    size, cases = (files, uris), dict[str, Any]()
    print(f"workload G: {TRANSFER} ...", flush=True)
    cases[TRANSFER] = _transfer(seed, speed, size, None)
    clean = cases[TRANSFER]["makespan_platform_s"] / speed
    for label, share in KILLS.items():
        print(f"workload G: {label} ...", flush=True)
        cases[label] = _transfer(seed, speed, size, share * clean)
    print(f"workload G: {OFFICIAL} ...", flush=True)
    cases[OFFICIAL] = _official(seed, speed, size)
    for case in cases.values():
        # Each case's own bound: its jobs drew their own durations (the simulator's random
        # draws follow the order of the calls), so one case's bound is not another's.
        case["bound"] = _bound(case.pop("jobs"), speed, size)
    return {"speed": speed, "files": files, "uris": uris, "cases": cases}


def markdown(result: dict[str, Any]) -> list[str]:
    """BENCHMARKS.md's section for G."""
    cases = result["cases"]
    clean = cases[TRANSFER]
    least = clean["bound"]["requests"]
    lines = [
        f"## G: {result['files']:,} exports and {result['uris']:,} DRS URIs as transfers, "
        "end to end",
        "",
        f"`benchmarks/workload_g.py`, time compressed {result['speed']:g}x. The transfer is the "
        "engine the `export` and `drs-import` commands run, in a process of its own; requests, "
        "429s and start calls are the simulator's counts, starts checked against its job list. "
        f"Bound: {least} requests (one start call and one read per 100 exports or DRS job), and "
        "for the makespan each case's own jobs, every one begun at once, the DRS queue (500 "
        "files per 5 minutes) its only wait, no poll lag. Each case's jobs draw their own "
        "durations, so makespans compare through their bounds.",
        "",
        "| case | requests (x bound) | 429s | start calls | sources started twice | jobs not "
        "ended | makespan / bound, platform s | beyond the bound, platform s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, case in cases.items():
        bound = case["bound"]["makespan_platform_s"]
        lines.append(
            f"| {label} | {case['requests']:,} ({case['requests'] / least:.1f}x) | "
            f"{case['rate_limited']:,} | {case['start_calls']} | "
            f"{case['sources_started_twice']} | {case['jobs_not_ended']} | "
            f"{case['makespan_platform_s']:,.1f} / {bound:,.1f} "
            f"({case['makespan_platform_s'] / bound:.2f}x) | "
            f"{case['makespan_platform_s'] - bound:+,.1f} |"
        )
    lines += [
        "",
        "Requests above the bound are the watcher's polls of jobs not yet ended: it spends the "
        "budget it has on seeing ends sooner (docs/watcher.md#the-lower-bound). The "
        "sevenbridges-python loop reads every 10 s whatever is left; at this compression its "
        "client's own CPU also slows its sweeps, which lowers its request count and lengthens "
        "its makespan.",
        "",
    ]
    beyond = clean["makespan_platform_s"] - clean["bound"]["makespan_platform_s"]
    for label in KILLS:
        killed = cases[label]
        if "killed_at_platform_s" not in killed:
            lines.append(f"- {label}: the run ended before the kill.")
            continue
        extra = killed["makespan_platform_s"] - killed["bound"]["makespan_platform_s"] - beyond
        lines += [
            f"- One `kill -9` at {killed['killed_at_platform_s']:,.1f} platform s, then the same "
            f"run again: {killed['requests'] - clean['requests']:+,} requests and "
            f"{extra:+,.1f} platform s beyond the bound against the run that was not killed "
            f"(the restart's start-up included), {killed['sources_started_twice']} sources "
            f"started twice, {killed['items']['unsure']} items unsure.",
        ]
    return [*lines, ""]

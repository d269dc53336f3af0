"""A 20,000-file export transfer on the simulator: start calls, 429s, requests, makespan.

`python -m benchmarks.transfer` (`make bench-transfer`) runs a `Transfer` of 20,000 exports
(copy_only) from one project to a volume against the simulator in-process, with the platform's
pace compressed SPEED times: job states of about a minute, the 1000-requests-per-5-minutes
window, the watcher's default intervals, all divided by SPEED. It reports, in platform seconds:

- start calls (the floor is 20,000 / 100 = 200) and 429s drawn (the target is 0);
- requests against the minimum: the start calls plus one bulk read per 100 jobs after they
  end (each job must be seen final once);
- the makespan against its bound: the time the budget needs to send the minimum requests
  (its share of each window, after a first burst), or the first start plus the longest job if
  that is longer.

It writes `benchmarks/results/transfer.json` and `benchmarks/TRANSFER.md`.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

from cavatica_async import CavaticaClient, ClientOptions, ExportRequest, RateBudget
from cavatica_async.simulator import Simulator, Timing
from cavatica_async.transfers import ItemState, Journal, Transfer

from benchmarks.transfer_worker import options as compressed_options

ROOT = Path(__file__).resolve().parent
PROJECT = "rfranklin/transfer"
SPEED = 20.0
WINDOW, LIMIT = 300.0, 1000


def bound(starts: int, reads: int, longest: float, fraction: float, burst: float) -> float:
    """The fastest a run may end, in platform seconds: the budget's pace for the minimum
    requests (a burst of `burst` of the share at once, then the share over each window), or the
    longest job after the first start, whichever is longer."""
    share = fraction * LIMIT
    requests = starts + reads
    windows = max(0.0, requests - burst * share) / share
    return max(windows * WINDOW, longest)


def wave_bound(durations: list[float], in_flight: int) -> float:
    """The fastest the jobs could all end if each started the moment one of the `in_flight`
    places was free, in the order they did start: the cap on jobs in flight, with no time lost
    to polls or start calls."""
    ends = [0.0] * min(in_flight, len(durations))  # when each place is free again
    heapq.heapify(ends)
    last = 0.0
    for duration in durations:
        end = heapq.heappop(ends) + duration
        heapq.heappush(ends, end)
        last = max(last, end)
    return last


async def run(files: int) -> dict[str, Any]:
    """One transfer of `files` exports; its figures."""
    sim = Simulator(
        seed=7,
        projects=1,
        files_per_project=10,
        speed=SPEED,
        rate_window=WINDOW / SPEED,
        timing=Timing(median=60.0, sigma=0.5, failure=0.02),
    )
    sim.world.grow_project(PROJECT, "Transfer", 0.0, files=files, folders=0)
    ids = [f.id for f in sim.world.files.values() if f.project == PROJECT and f.type == "file"]
    options = compressed_options(SPEED)  # exports only: its DRS window does not come into it
    client_options = ClientOptions()
    with tempfile.TemporaryDirectory() as folder:
        async with (
            await Journal.open(Path(folder) / "t.db") as journal,
            CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client,
        ):
            transfer = Transfer(client, journal, options)
            await transfer.add(
                "export", [ExportRequest(f, "rfranklin/output", f"bench/{f}") for f in ids]
            )
            started, cpu = time.perf_counter(), time.process_time()
            counts = await transfer.run()
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            last = await transfer.snapshot()
    jobs = list(sim.jobs.jobs["export"].values())
    longest = max(job.timeline[-1][1] - job.timeline[0][1] for job in jobs) * SPEED
    starts, reads = math.ceil(files / 100), math.ceil(files / 100)
    burst = RateBudget().burst  # the client's budget keeps the default
    floor = bound(starts, reads, longest, client_options.budget_fraction, burst)
    in_order = sorted(jobs, key=lambda job: job.timeline[0][1])
    durations = [(job.timeline[-1][1] - job.timeline[0][1]) * SPEED for job in in_order]
    waves = max(floor, wave_bound(durations, options.jobs_in_flight))
    makespan = seconds * SPEED
    return {
        "files": files,
        "done": counts[ItemState.DONE],
        "refused": counts[ItemState.REFUSED],
        "unsure": counts[ItemState.UNSURE],
        "start_calls": last.start_calls,
        "jobs_started": len(jobs),
        "started_twice": sum(1 for n in sim.start_counts().values() if n > 1),
        "rate_limited": last.rate_limited,
        "requests": last.requests,
        "minimum_requests": starts + reads,
        "makespan_platform_s": round(makespan, 1),
        "bound_platform_s": round(floor, 1),
        "jobs_in_flight": options.jobs_in_flight,
        "wave_bound_platform_s": round(waves, 1),
        "longest_job_platform_s": round(longest, 1),
        "real_seconds": round(seconds, 1),
        "client_cpu_seconds": round(cpu, 1),
    }


def write(result: dict[str, Any]) -> None:
    """The JSON result and TRANSFER.md."""
    results_dir = ROOT / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / "transfer.json").write_text(json.dumps(result, indent=2) + "\n")
    r = result
    lines = [
        "# A 20,000-file export transfer",
        "",
        "`make bench-transfer` (`benchmarks/transfer.py`): a `Transfer` of copy_only exports",
        f"against the in-process simulator at {SPEED:g}x the platform's pace (job states of about",
        "a minute, the 1000-per-5-minutes window, default poll intervals and budget).",
        f"Python {platform.python_version()} on {platform.machine()}.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| files | {r['files']:,} |",
        f"| done / refused / unsure | {r['done']:,} / {r['refused']} / {r['unsure']} |",
        f"| start calls (floor {math.ceil(r['files'] / 100)}) | {r['start_calls']} |",
        f"| jobs started / sources started twice | {r['jobs_started']:,} / {r['started_twice']} |",
        f"| 429 answers | {r['rate_limited']} |",
        f"| requests / minimum (starts + one read per 100) | {r['requests']} / "
        f"{r['minimum_requests']} ({r['requests'] / r['minimum_requests']:.2f}x) |",
        f"| makespan / bound (platform s) | {r['makespan_platform_s']} / "
        f"{r['bound_platform_s']} ({r['makespan_platform_s'] / r['bound_platform_s']:.2f}x) |",
        f"| makespan / bound with {r['jobs_in_flight']:,} jobs in flight (platform s) | "
        f"{r['makespan_platform_s']} / {r['wave_bound_platform_s']} "
        f"({r['makespan_platform_s'] / r['wave_bound_platform_s']:.2f}x) |",
        f"| longest job (platform s) | {r['longest_job_platform_s']} |",
        f"| real seconds / client CPU seconds | {r['real_seconds']} / {r['client_cpu_seconds']} |",
        "",
        "The bound is the longer of the longest job and the time the budget needs to send the",
        "minimum requests. The bound with jobs in flight also keeps the transfer's cap: the",
        "same jobs, with the durations they had, each started the moment a place was free, in",
        "the order they started, with no time lost to polls or start calls. The gap between",
        "it and the makespan is what the bound leaves out: the watcher's poll intervals before",
        "it sees each end (up to the default 60 s), the start calls that follow, and the CPU",
        "of a process that runs the simulator too. Requests above the minimum are the",
        "watcher's polls of jobs not yet ended (docs/watcher.md#the-lower-bound).",
        "",
    ]
    busy = r["client_cpu_seconds"] / r["real_seconds"]
    if busy > 0.5:
        lines += [
            "The process (client, journal and simulator together) was busy",
            f"{busy:.0%} of the wall time: at {SPEED:g}x, part of the makespan is this",
            "machine's CPU rather than the budget or the jobs.",
            "",
        ]
    (ROOT / "TRANSFER.md").write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    """Run the transfer benchmark and write its results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite TRANSFER.md from the last JSON"
    )
    args = parser.parse_args(argv)
    if args.report_only:
        result = json.loads((ROOT / "results" / "transfer.json").read_text())
    else:
        result = anyio.run(run, args.files)
    write(result)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

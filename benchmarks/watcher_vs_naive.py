"""Requests per detected transition: JobWatcher vs the naive loop, 10,000 exports, side by side.

Workload: 10,000 copy-only exports started at once in the simulator (seed fixed), each walking
PENDING -> RUNNING -> COMPLETED/FAILED with log-normal state durations (median 60 s, sigma 0.6,
5% failures), under the platform's fixed window of 1000 requests per 300 s.

Time is compressed 100x for both runs alike (window 3 s, median dwell 0.6 s, the naive period
0.1 s for 10 s): request counts do not depend on the compression; latencies are not reported
here (the benchmark issue measures them in real time over loopback).

- watcher: `JobWatcher` with its default policy scaled by the same factor.
- naive: what users write today, one task per job calling `client.exports.get(id)` every 10 s
  until the job is final, with the client's default retries (a 429 waits for the reset).

Metrics, from the simulator's own counters: requests (429s included, and shown apart),
transitions detected (state changes yielded or seen, first sightings included), terminal
transitions detected against the ground truth, requests per detected transition.

Run: .venv/bin/python benchmarks/watcher_vs_naive.py [--jobs 10000] [--out results/watcher.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from typing import Any

import anyio

from cavatica_async import (
    CavaticaClient,
    ExportRequest,
    JobKind,
    JobWatcher,
    PollPolicy,
    RateLimitError,
)
from cavatica_async.simulator import Simulator, Timing

SPEED = 100
NAIVE_PERIOD = 10.0 / SPEED
DEFAULT = PollPolicy()
SCALED = PollPolicy(
    initial=DEFAULT.initial / SPEED, factor=DEFAULT.factor, maximum=DEFAULT.maximum / SPEED
)


def simulator(jobs: int) -> Simulator:
    return Simulator(
        seed=42,
        files_per_project=jobs // 2 + 1,
        speed=SPEED,
        reset_in_ms=True,
        timing=Timing(median=60, sigma=0.6, failure=0.05),
    )


async def start_exports(sim: Simulator, client: CavaticaClient, jobs: int) -> list[str]:
    files = [f.id for f in sim.world.files.values() if f.type == "file"][:jobs]
    requests = [ExportRequest(f, "rfranklin/output", f"bench/{f}") for f in files]
    started = await client.exports.bulk_start(requests, copy_only=True)
    return [item.resource.id for item in started if item.resource]


def requests_so_far(sim: Simulator) -> tuple[int, int]:
    counts = sim.request_counts()
    total = sum(n for (_, path, _), n in counts.items() if path != "/rate_limit")
    limited = sum(n for (_, _, status), n in counts.items() if status == 429)
    return total, limited


async def run_watcher(jobs: int) -> dict[str, Any]:
    sim = simulator(jobs)
    async with CavaticaClient(
        token=sim.token, base_url=sim.base_url, transport=sim.transport()
    ) as client:
        ids = await start_exports(sim, client, jobs)
        before, _ = requests_so_far(sim)
        started = time.monotonic()
        transitions = terminal = 0
        async with JobWatcher(client, policy=SCALED) as watcher:
            watcher.add_many((JobKind.EXPORT, job_id) for job_id in ids)
            async for event in watcher:
                transitions += 1
                terminal += event.terminal
        elapsed = time.monotonic() - started
    return report("watcher", sim, before, transitions, terminal, elapsed)


async def run_naive(jobs: int) -> dict[str, Any]:
    sim = simulator(jobs)
    async with CavaticaClient(
        token=sim.token, base_url=sim.base_url, transport=sim.transport()
    ) as client:
        ids = await start_exports(sim, client, jobs)
        before, _ = requests_so_far(sim)
        started = time.monotonic()
        seen = {"transitions": 0, "terminal": 0}

        async def follow(job_id: str) -> None:
            last = None
            while True:
                try:
                    job = await client.exports.get(job_id)
                except RateLimitError:
                    await anyio.sleep(NAIVE_PERIOD)
                    continue
                if job.state != last:
                    seen["transitions"] += 1
                    last = job.state
                if job.state.is_terminal:
                    seen["terminal"] += 1
                    return
                await anyio.sleep(NAIVE_PERIOD)

        async with anyio.create_task_group() as group:
            for job_id in ids:
                group.start_soon(follow, job_id)
        elapsed = time.monotonic() - started
    return report(
        "naive (GET per job every 10 s)",
        sim,
        before,
        seen["transitions"],
        seen["terminal"],
        elapsed,
    )


def report(
    name: str, sim: Simulator, before: int, transitions: int, terminal: int, elapsed: float
) -> dict[str, Any]:
    total, limited = requests_so_far(sim)
    requests = total - before
    truth_terminal = sum(1 for t in sim.ground_truth() if t.current in ("COMPLETED", "FAILED"))
    busiest = max(w.used + w.rejected for w in sim.limiter.windows)
    return {
        "client": name,
        "requests": requests,
        "requests_429": limited,
        "transitions_detected": transitions,
        "terminal_detected": terminal,
        "terminal_truth": truth_terminal,
        "requests_per_transition": requests / transitions,
        "busiest_window_requests": busiest,
        "window_limit": sim.limiter.limit,
        "elapsed_s_compressed": elapsed,
    }


async def main_async(jobs: int) -> dict[str, Any]:
    watcher = await run_watcher(jobs)
    naive = await run_naive(jobs)
    return {
        "jobs": jobs,
        "speed": SPEED,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "results": [watcher, naive],
        "naive_over_watcher_requests_per_transition": naive["requests_per_transition"]
        / watcher["requests_per_transition"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "watcher.json"
    )
    args = parser.parse_args()
    report_ = anyio.run(main_async, args.jobs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report_, indent=2) + "\n")
    print(f"{report_['jobs']} exports, time compressed {report_['speed']}x")
    print("| client | requests | of which 429 | transitions | terminal (truth) | req/transition |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in report_["results"]:
        cells = [
            r["client"],
            r["requests"],
            r["requests_429"],
            r["transitions_detected"],
            f"{r['terminal_detected']} ({r['terminal_truth']})",
            f"{r['requests_per_transition']:.3f}",
        ]
        print("| " + " | ".join(str(cell) for cell in cells) + " |")
    ratio = report_["naive_over_watcher_requests_per_transition"]
    print(f"naive / watcher requests per transition: {ratio:.0f}x")


if __name__ == "__main__":
    main()

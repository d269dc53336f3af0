"""Workload E: idle-but-watched jobs at the real rate: memory, CPU and event-loop lag.

For each size, the simulator (own process) holds that many exports whose states last far longer
than the run, and a fresh client process watches them at the platform's real pace (no time
compression) for `--seconds`, measuring:
- RSS growth per 10,000 watched jobs: resident memory after adding the jobs and watching,
  minus before adding them (/proc/self/status VmRSS);
- CPU: the client process's user+system seconds as a share of one core, after a warm-up of
  `WARMUP` seconds (the sustained rate, docs/watcher.md#procedure: warm up, then measure) and
  over the whole period (with the first sweep, which the budget's burst lets go at once), and
  per job status read (ms) over the whole period;
- event-loop lag: a probe sleeping 100 ms in a loop; the overshoot's p99.

Run: python -m benchmarks.idle --jobs 10000 --seconds 60 (the client role is internal).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio

from benchmarks.metrics import percentile
from benchmarks.simproc import running

HERE = Path(__file__).parent
WARMUP = 10.0


def rss_bytes() -> int:
    """This process's resident memory now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


async def watch_idle(
    base_url: str, token: str, jobs: list[list[str]], seconds: float
) -> dict[str, Any]:
    """The client role: watch `jobs` for `seconds`, measuring memory, CPU and loop lag."""
    from cavatica_async import CavaticaClient, JobKind, JobWatcher

    lags: list[float] = []
    statuses = 0
    async with CavaticaClient(token=token, base_url=base_url) as client:
        before = rss_bytes()
        watcher = JobWatcher(client)
        watcher.add_many((JobKind(kind), job_id) for kind, job_id in jobs)

        async def probe() -> None:
            while True:
                started = anyio.current_time()
                await anyio.sleep(0.1)
                lags.append(anyio.current_time() - started - 0.1)

        warm: list[tuple[float, float]] = []

        async def after_warmup() -> None:
            await anyio.sleep(min(WARMUP, seconds / 2))  # a short run still measures after it
            warm.append((time.monotonic(), _cpu()))

        cpu_start = _cpu()
        wall_start = time.monotonic()
        async with watcher, anyio.create_task_group() as group:
            group.start_soon(probe)
            group.start_soon(after_warmup)
            with anyio.move_on_after(seconds):
                async for _ in watcher:
                    pass
            group.cancel_scope.cancel()
        wall_end, cpu_end = time.monotonic(), _cpu()
        after = rss_bytes()
        statuses = watcher.stats.jobs_polled
        requests = sum(watcher.stats.requests.values())
    wall, cpu = wall_end - wall_start, cpu_end - cpu_start
    [(warm_wall, warm_cpu)] = warm
    return {
        "jobs": len(jobs),
        "rss_growth_bytes": after - before,
        "rss_per_10k_jobs_mb": (after - before) / len(jobs) * 10_000 / 2**20,
        "cpu_share_of_a_core": (cpu_end - warm_cpu) / (wall_end - warm_wall),
        "cpu_share_with_start": cpu / wall,
        "warmup_s": warm_wall - wall_start,
        "cpu_ms_per_status": 1000 * cpu / max(1, statuses),
        "statuses_read": statuses,
        "requests": requests,
        "loop_lag_p99_ms": 1000 * percentile(lags, 0.99),
        "seconds": wall,
    }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_size(jobs: int, seconds: float, seed: int = 1) -> dict[str, Any]:
    """One size: a simulator process with `jobs` idle exports, then a client process."""
    config = {
        "seed": seed,
        "speed": 1.0,
        "mix": {"export": jobs},
        "timing": {"median": 10**6, "sigma": 0.1, "failure": 0.0},
    }
    with running(config) as (ready, jobs_file):
        client = subprocess.run(  # noqa: S603 (our own module)
            [
                sys.executable,
                "-m",
                "benchmarks.idle",
                "--client",
                ready["base_url"],
                ready["token"],
                str(jobs_file),
                str(seconds),
            ],
            capture_output=True,
            text=True,
            cwd=HERE.parent,
            check=True,
        )
        return json.loads(client.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        base_url, token, jobs_path, seconds = sys.argv[2:6]
        jobs = json.loads(Path(jobs_path).read_text())
        print(json.dumps(anyio.run(watch_idle, base_url, token, jobs, float(seconds))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, action="append", help="sizes (default 1k, 10k, 100k)")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    for size in args.jobs or [1_000, 10_000, 100_000]:
        print(json.dumps(run_size(size, args.seconds)), flush=True)


if __name__ == "__main__":
    main()

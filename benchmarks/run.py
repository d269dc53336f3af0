"""`make bench`: every workload against every client, side by side; writes JSON and BENCHMARKS.md.

Each case starts the simulator in its own process (`benchmarks.simproc`) with the workload's
jobs and a fresh rate window, runs one client in this process over real loopback HTTP, then
reads the simulator's ground truth and counters. Time runs `speed` times faster than on the
platform for every case alike: job state durations, the 5-minute window and every client's
intervals are divided by it; latencies are reported back in platform seconds.

    python -m benchmarks.run            # the full suite
    python -m benchmarks.run --quick    # a small smoke run (CI): checks the output's form only
    python -m benchmarks.run --workloads A,B --seeds 1,2,3,4,5 --only T_min   # medians, intervals

Workload G (transfers, `benchmarks.workload_g`) runs its own cases, with the first seed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shlex
import sys
import time
from collections.abc import Awaitable, Callable
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

import anyio
import httpx

from cavatica_async import CavaticaClient

from benchmarks import clients, official, workload_g
from benchmarks.idle import run_size
from benchmarks.metrics import analytic, over_seeds, score
from benchmarks.report import JOB_LIST, WATCHER, write_markdown
from benchmarks.simproc import running

HERE = Path(__file__).parent
# Dwell is an assumption (docs/watcher.md#workloads): log-normal, median 30 s, 5% failures.
TIMING = {"median": 30.0, "sigma": 0.6, "failure": 0.05}

Client = Callable[[str, str, list[tuple[str, str]], float, list[Any]], Awaitable[None]]
# A case ends when its client is done or after this many platform seconds, whichever comes
# first; a client still short of some final states then shows it in its completeness. Three
# windows: the watcher ends every workload well within it.
DEADLINE = 900.0
# 20x: the compressed limit (67 req/s) stays below what the loopback harness carries on 2 cores
# (some 100-200 requests per second), so a baseline that would blow the limit meets 429s rather
# than being held back by throughput (at 30x the naive loop met none).
SPEED = 20.0
# Workload E watches each size this long at the real rate (no compression).
IDLE_SECONDS = 25.0
OFFICIAL_THREADS = "sevenbridges-python: thread per job, GET every 10 s"


def workloads(quick: bool, speed: float | None) -> dict[str, dict[str, Any]]:
    """The workloads (docs/watcher.md#workloads; E lives in `benchmarks.idle`)."""
    if quick:
        return {"A": {"title": "500 exports", "mix": {"export": 500}, "speed": speed or 50.0}}
    speed = speed or SPEED
    return {
        "A": {"title": "10,000 exports", "mix": {"export": 10_000}, "speed": speed},
        "B": {"title": "1,000 async copy jobs", "mix": {"copy": 1_000}, "speed": speed},
        "C": {"title": "1,000 DRS imports", "mix": {"drs_import": 1_000}, "speed": speed},
        "D": {
            "title": "10,000 exports + 200 DRS imports + 200 copies",
            "mix": {"export": 10_000, "drs_import": 200, "copy": 200},
            "speed": speed,
        },
        "F": {
            "title": "adversarial: 2,000 exports + 100 DRS imports + 100 copies with half the "
            "budget spent at the start, an external consumer spending 250 requests per window, "
            "a 60 s maintenance from t = 120 s, 10% more ids the platform does not know and "
            "20% of states lasting a millisecond",
            "mix": {"export": 2_000, "drs_import": 100, "copy": 100},
            "prespent": 500,
            "external_usage": 250,
            "maintenance": [[120.0, 60.0]],
            "unknown": 0.1,
            "timing": {**TIMING, "instant": 0.2},
            "speed": speed,
        },
    }


def cases(workload: str, jobs: list[tuple[str, str]], quick: bool) -> dict[str, Client]:
    """The clients run on a workload: the watcher at several budgets, and the baselines."""
    t_min = analytic(jobs)["t_min_s"]
    exports_only = all(kind == "export" for kind, _ in jobs)
    chosen: dict[str, Client] = {WATCHER: clients.watcher}
    full = workload == "A" and not quick
    if full:
        chosen["watcher (f=0.5)"] = partial(clients.watcher, fraction=0.5)
        chosen["watcher (f=0.95)"] = partial(clients.watcher, fraction=0.95)
    if workload in ("B", "C") and not quick:
        # The whole window (docs/watcher.md#spending-the-slack): against the naive loop.
        chosen["watcher (f=1.0)"] = partial(clients.watcher, fraction=1.0)
    if workload == "B" and not quick:
        # The job list holds copy jobs, not DRS imports (in the simulator: whether the platform
        # lists DRS imports there is unknown), so C gains nothing from it; D's 200 copies are a
        # small part of its cost, and the run has no time to spare for it (15 minutes).
        chosen[JOB_LIST] = partial(clients.watcher, job_list=True)
    chosen["naive async: GET per job every 10 s"] = clients.naive
    if workload != "F":
        chosen[OFFICIAL_THREADS] = official.threads
    if exports_only:
        chosen["sevenbridges-python: bulk get of 100 every 10 s"] = official.bulk
    periods = [t_min, 2.5, 5.0, 10.0, 20.0, 40.0] if full else [t_min]
    for period in periods:
        name = f"fixed bulk sweep every {period:.1f} s" + (" (= T_min)" if period == t_min else "")
        chosen[name] = partial(clients.sweep, period=period)
    return chosen


def warm() -> None:
    """Load what a client loads on first use, before any case is timed.

    httpx imports httpcore (and with it trio's and h11's modules) when the first client is
    built: about 0.1 s, 2 s of platform time at 20x, which only the first case of the process
    paid, and the default watcher always runs first.
    """

    async def build_and_close() -> None:
        # Nothing is sent: the client is only built and closed.
        async with CavaticaClient(token="warm-up", base_url="http://127.0.0.1:9/v2"):  # noqa: S106
            pass

    anyio.run(build_and_close)


def run_case(
    config: dict[str, Any], client: Client, speed: float, deadline: float = DEADLINE
) -> dict[str, Any]:
    """One client against a fresh simulator process."""
    with running(config) as (ready, jobs_file):
        jobs = [tuple(pair) for pair in json.loads(jobs_file.read_text())]
        before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.monotonic()
        observations: list[Any] = []
        with_deadline = partial(bounded, client, deadline=deadline / speed)
        anyio.run(with_deadline, ready["base_url"], ready["token"], jobs, speed, observations)
        ended = time.time()
        elapsed = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        root = ready["base_url"].removesuffix("/v2")
        report = httpx.get(f"{root}/__bench/report", timeout=60).json()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    bound = analytic(jobs)
    figures = score(
        observations, report, speed=speed, t_min=bound["t_min_s"], cpu_s=cpu, ended=ended
    )
    figures["elapsed_compressed_s"] = elapsed
    return figures


async def bounded(
    client: Client,
    base_url: str,
    token: str,
    jobs: list[Any],
    speed: float,
    seen: list[Any],
    *,
    deadline: float,
) -> None:
    """Run a client until it is done or `deadline` (compressed) seconds pass."""
    with anyio.move_on_after(deadline):
        await client(base_url, token, jobs, speed, seen)


def versions() -> dict[str, Any]:
    """The machine, Python and package versions the figures were measured with."""
    packages = ["cavatica-async", "httpx", "httpcore", "anyio", "attrs", "cattrs", "sniffio"]
    packages += ["starlette", "uvicorn"]
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor() or "unknown",
        "system": platform.platform(),
        "packages": {name: metadata.version(name) for name in packages},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run for CI")
    parser.add_argument("--speed", type=float, help="time compression (default per workload)")
    parser.add_argument(
        "--seeds", default="1", help="comma-separated; with more than one, medians and intervals"
    )
    parser.add_argument(
        "--only",
        help="run only the clients whose 'workload: client' name holds one of these "
        "comma-separated parts, e.g. 'T_min,B: naive' (the default watcher always runs)",
    )
    parser.add_argument("--workloads", default="A,B,C,D,E,F,G", help="comma-separated, e.g. A,E")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "bench.json")
    parser.add_argument("--markdown", type=Path, default=HERE.parent / "BENCHMARKS.md")
    parser.add_argument(
        "--baseline",
        type=Path,
        default=HERE / "results" / "baseline.json",
        help="a run of the code before, for the targets that say 'no regression' (if it exists)",
    )
    args = parser.parse_args()
    began = time.monotonic()
    try:
        seeds = [int(seed) for seed in args.seeds.split(",")]
    except ValueError:
        parser.error(f"--seeds takes comma-separated integers, got {args.seeds!r}")
    only = [part.strip() for part in args.only.split(",")] if args.only else None
    results: dict[str, Any] = {
        "command": shlex.join(["python", "-m", "benchmarks.run", *sys.argv[1:]]),
        "raw": os.path.relpath(args.out, HERE.parent),
        "seeds": seeds,
        "quick": args.quick,
        # The smoke run only checks that every client works: a short deadline will do.
        "deadline_s": 300.0 if args.quick else DEADLINE,
        "versions": versions(),
        "workloads": {},
    }
    chosen = workloads(args.quick, args.speed)
    warm()
    # --quick runs its one small workload whatever --workloads says.
    wanted = ["A"] if args.quick else [w.strip().upper() for w in args.workloads.split(",")]
    for name in wanted:
        if name not in chosen and name not in ("E", "G"):
            parser.error(f"unknown workload {name!r}; known: {', '.join(chosen)}")
    for name, workload in chosen.items():
        if name not in wanted:
            continue
        probe_jobs = [(kind, "x") for kind, count in workload["mix"].items() for _ in range(count)]
        entry: dict[str, Any] = {
            "title": workload["title"],
            "speed": workload["speed"],
            "bound": analytic(probe_jobs),
            "runs": {},
        }
        for label, client in cases(name, probe_jobs, args.quick).items():
            # The default watcher always runs: every figure is a ratio to it.
            case = f"{name}: {label}"
            if label != WATCHER and only is not None and not any(p in case for p in only):
                continue
            print(f"workload {name}: {label} ...", flush=True)
            case_began = time.monotonic()
            entry["runs"][label] = over_seeds(
                [
                    run_case(
                        {"seed": seed, "timing": TIMING, **workload},
                        client,
                        workload["speed"],
                        results["deadline_s"],
                    )
                    for seed in seeds
                ]
            )
            print(f"  done in {time.monotonic() - case_began:.0f} s", flush=True)
        results["workloads"][name] = entry
    if "E" in wanted:
        results["idle"], results["idle_seconds"] = [], IDLE_SECONDS
        for size in (1_000, 10_000, 100_000):
            print(f"workload E: {size:,} idle watched jobs ...", flush=True)
            results["idle"].append(run_size(size, seconds=IDLE_SECONDS, seed=seeds[0]))
    if "G" in wanted:
        g_began = time.monotonic()
        results["transfers"] = workload_g.run(seeds[0], SPEED)
        results["g_minutes"] = (time.monotonic() - g_began) / 60
    results["run_minutes"] = (time.monotonic() - began) / 60
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    baseline = json.loads(args.baseline.read_text()) if args.baseline.exists() else None
    write_markdown(results, args.markdown, baseline)
    print(f"wrote {args.out} and {args.markdown}")


if __name__ == "__main__":
    main()

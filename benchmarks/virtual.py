"""Workload A's schedules in virtual time: what each policy decides, with no CPU in the way.

`make bench` runs every client over loopback HTTP, 20 times faster than real time. On two cores
a client reading 10,000 statuses spends about 1.3 s of CPU, 26 platform seconds, so workload A's
latencies there are the machine's as much as the schedule's, and two runs of the same code
differ by a third. Here the simulator runs in-process on trio's `MockClock`, whose time jumps
whenever every task waits: a request takes no platform time, and each client's latency is what
its schedule alone decides, the same on every run of a seed (`EPOCH`, `seed_scheduler`). The
figures are defined as in `benchmarks/metrics.py` (docs/watcher.md#spending-the-slack says what
they show).

    python -m benchmarks.virtual                      # 10,000 exports, seed 1
    python -m benchmarks.virtual --jobs 2000 --seeds 1,2,3 --markdown /tmp/virtual.md
    python -m benchmarks.virtual --median 120         # states 4x longer: lives as long as a window
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import trio
import trio.testing

from cavatica_async import CavaticaClient, JobKind, JobWatcher, LoopClock, PollPolicy
from cavatica_async.simulator import Simulator, Timing
from cavatica_async.simulator.ratelimit import FixedWindow

from benchmarks.metrics import analytic, score
from benchmarks.run import TIMING
from benchmarks.simproc import create_jobs

HERE = Path(__file__).parent
Observation = tuple[str, str, str | None, float]
Client = Callable[[CavaticaClient, list[str], Simulator, list[Observation]], Awaitable[None]]
FINAL = ("COMPLETED", "FAILED")
# The wall time a case's start (the loop's time 0) stands for, for the client and the simulator
# alike. The simulator sends a rate window's reset as a Unix time in whole seconds
# (docs/platform.md#rate-limit): counted from the wall clock read at the start, the reset fell
# anywhere within a second of the window's end, another place on every run, and the watcher's
# figures moved with it (with trio's order of ready tasks, `seed_scheduler`).
EPOCH = 1_800_000_000.0


class FixedWallClock(LoopClock):
    """The library's event-loop clock, its wall time counted from `EPOCH`."""

    def time(self) -> float:
        """`EPOCH` plus the loop's time."""
        return EPOCH + anyio.current_time()


class FixedSimClock:
    """The simulator's clock (a `SimClock`): the event loop's time counted from `EPOCH`."""

    def now(self) -> float:
        """`EPOCH` plus the loop's time."""
        return EPOCH + anyio.current_time()


async def watcher(
    client: CavaticaClient,
    jobs: list[str],
    sim: Simulator,
    seen: list[Observation],
    *,
    frugal: bool = False,
) -> None:
    """`JobWatcher` with its default policy (or the frugal one), every state change kept; its
    jitter drawn from the simulator's seed, so a run is the same every time."""
    rng = random.Random(sim.rng.random())
    async with JobWatcher(client, policy=PollPolicy(frugal=frugal), rng=rng) as watch:
        watch.add_many((JobKind.EXPORT, job_id) for job_id in jobs)
        async for event in watch:
            seen.append(("export", event.job_id, str(event.current), sim.clock.now()))


async def sweep(
    client: CavaticaClient, jobs: list[str], sim: Simulator, seen: list[Observation], period: float
) -> None:
    """Every active job once per `period` s, bulk gets of 100 spread evenly over the period."""
    last: dict[str, str] = {}
    active = list(jobs)
    while active:
        gap = period / math.ceil(len(active) / 100)
        still: list[str] = []
        for start in range(0, len(active), 100):
            ids = active[start : start + 100]
            for job_id, item in zip(ids, await client.exports.bulk_get(ids), strict=True):
                state = str(item.resource.state) if item.resource else "unknown"
                if last.get(job_id) != state:
                    last[job_id] = state
                    seen.append(("export", job_id, state, sim.clock.now()))
                if state not in FINAL:
                    still.append(job_id)
            await anyio.sleep(gap)
        active = still


def clients(periods: list[float]) -> dict[str, tuple[Client, float]]:
    """Each client and its budget fraction: the watcher at its default budget, at 0.95 and
    frugal; fixed sweeps (whose client paces nothing: the fraction does not bind them)."""
    chosen: dict[str, tuple[Client, float]] = {
        "watcher (f=0.8, default)": (watcher, 0.8),
        "watcher (f=0.95)": (watcher, 0.95),
        "watcher (frugal)": (functools.partial(watcher, frugal=True), 0.8),
    }
    for period in periods:
        sweeping = functools.partial(sweep, period=period)
        chosen[f"fixed bulk sweep every {period:g} s"] = (sweeping, 0.8)
    return chosen


async def run_case(
    name: str,
    client_of: Client,
    fraction: float,
    jobs_count: int,
    seed: int,
    median: float,
) -> dict[str, Any]:
    """One client on a fresh simulator with `jobs_count` exports whose states last a `median`
    seconds; its figures."""
    sim = Simulator(
        seed=seed,
        files_per_project=int(jobs_count / 0.9) + 10,
        timing=Timing(**{**TIMING, "median": median}),
        clock=FixedSimClock(),
    )
    jobs = [job_id for _, job_id in await create_jobs(sim, {"export": jobs_count})]
    # Setup is free: a fresh window opened now, fresh counters (as benchmarks/simproc.py does).
    sim.limiter = FixedWindow(sim.limiter.limit, sim.limiter.seconds, sim.limiter.external)
    sim.limiter.hit(sim.clock.now())
    sim.pipeline.counts.clear()
    seen: list[Observation] = []
    client = CavaticaClient(
        token=sim.token,
        base_url=sim.base_url,
        transport=sim.transport(),
        budget_fraction=fraction,
        clock=FixedWallClock(),
    )
    async with client:
        await client_of(client, jobs, sim, seen)
    report = {
        "truth": [[t.kind, t.job_id, t.previous, t.current, t.at] for t in sim.ground_truth()],
        "counts": [[m, p, s, n] for (m, p, s), n in sim.request_counts().items()],
        "windows": [[w.start, w.used, w.rejected] for w in sim.limiter.windows],
        "statuses": 0,  # no CPU figures here: virtual time hides them
    }
    t_min = analytic([("export", job_id) for job_id in jobs], fraction)["t_min_s"]
    figures = score(seen, report, speed=1.0, t_min=t_min, cpu_s=0.0, ended=sim.clock.now())
    return {"client": name, "seed": seed, "jobs": jobs_count, "median": median, **figures}


def seed_scheduler(seed: int) -> None:
    """Seed the order in which trio runs the tasks ready at one instant.

    Trio draws that order at random, on purpose (code must not depend on it), from a generator
    of its own that nothing seeds outside Hypothesis' tests. In virtual time it decides which of
    two requests due at the same instant goes first, and with it a run's figures: between runs
    of the same code and seed the watcher's moved by a request or two and up to half a second
    of p99 (with a budget of 30 requests for 300 jobs, 14 s against 63 s). The generator is
    private (`trio._core._run._r`, the one Hypothesis seeds); if a release of trio moves it,
    runs vary as before.
    """
    generator = getattr(getattr(getattr(trio, "_core", None), "_run", None), "_r", None)
    if isinstance(generator, random.Random):
        generator.seed(seed)


def run_one(
    name: str, client_of: Client, fraction: float, jobs_count: int, seed: int, median: float
) -> dict[str, Any]:
    """One client on trio's MockClock, the same figures on every run of a seed."""
    seed_scheduler(seed)
    case = functools.partial(run_case, name, client_of, fraction, jobs_count, seed, median)
    return trio.run(case, clock=trio.testing.MockClock(autojump_threshold=0))


def run(
    jobs_count: int, seeds: list[int], periods: list[float], median: float = TIMING["median"]
) -> list[dict[str, Any]]:
    """Every client on every seed, each on trio's MockClock."""
    rows = []
    for seed in seeds:
        for name, (client_of, fraction) in clients(periods).items():
            rows.append(run_one(name, client_of, fraction, jobs_count, seed, median))
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    """The figures as a table, a row per client and seed."""
    lines = [
        "| client | seed | requests | 429 | busiest window | latency p50 / p99 (s) "
        "| final-state p50 / p99 (s) | final states seen |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['client']} | {row['seed']} | {row['requests']:,} | {row['requests_429']} "
            f"| {row['busiest_window']:,} "
            f"| {row['latency_p50_s']:.1f} / {row['latency_p99_s']:.1f} "
            f"| {row['final_latency_p50_s']:.1f} / {row['final_latency_p99_s']:.1f} "
            f"| {100 * row['completeness']:.1f}% |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000, help="exports (default 10,000: A)")
    parser.add_argument("--seeds", default="1", help="comma-separated seeds")
    parser.add_argument("--periods", default="10,12.5,15,20,37.5", help="sweep periods (s)")
    parser.add_argument(
        "--median", type=float, default=TIMING["median"], help="median state dwell (s; A: 30)"
    )
    parser.add_argument("--out", type=Path, default=HERE / "results" / "virtual.json")
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    args = parser.parse_args()
    seeds = [int(seed) for seed in args.seeds.split(",")]
    periods = [float(period) for period in args.periods.split(",")]
    rows = run(args.jobs, seeds, periods, args.median)
    table = markdown(rows)
    print(table, end="")
    args.out.write_text(json.dumps(rows, indent=1) + "\n")
    if args.markdown:
        args.markdown.write_text(table)


if __name__ == "__main__":
    main()

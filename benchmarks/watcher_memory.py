"""Memory per idle watched job: 100,000 jobs added to a JobWatcher, measured with tracemalloc.

The figure counts what the watcher holds per job (its schedule record, heap entry, id string
and the snapshot map entry), not the interpreter or the client.

Run: .venv/bin/python benchmarks/watcher_memory.py [--jobs 100000]
"""

from __future__ import annotations

import argparse
import gc
import tracemalloc

import anyio

from cavatica_async import CavaticaClient, JobKind, JobWatcher


async def measure(jobs: int) -> float:
    async with CavaticaClient(token="benchmark-token") as client:  # noqa: S106 (no request is sent)
        watcher = JobWatcher(client)
        ids = [f"{n:032x}" for n in range(jobs)]  # ids exist before, as they would for a caller
        kinds = list(JobKind)
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for n, job_id in enumerate(ids):
            watcher.add(kinds[n % len(kinds)], job_id)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return (after - before) / jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    args = parser.parse_args()
    per_job = anyio.run(measure, args.jobs)
    print(f"{args.jobs} idle watched jobs: {per_job:.0f} bytes per job")


if __name__ == "__main__":
    main()

"""What walking a big project costs: listings, pages, requests, seconds, the rate window.

`python -m benchmarks.walk` (`make bench-walk`) serves the simulator from a process of its own
on 127.0.0.1 with a project of 20,000 files in 200 nested folders, and walks it with a default
client (the default budget, 4 listings in flight), once by offset pages and once by
continuation token, each against a fresh server (a fresh rate window). It writes
`benchmarks/results/walk.json` and `benchmarks/WALK.md`.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio

from cavatica_async import CavaticaClient
from cavatica_async.simulator import Simulator

ROOT = Path(__file__).resolve().parent
PROJECT = "rfranklin/walk"
FILES = 20_000
FOLDERS = 200
TOKEN = "w" * 32


def pages_needed(sim: Simulator, project: str) -> tuple[int, int]:
    """(listings, pages) a walk must read: one listing per folder and the root, each one page
    per 100 entries and one even when empty."""
    world = sim.world
    folders = [f.id for f in world.files.values() if f.project == project and f.type == "folder"]
    parents: list[str | None] = [None, *folders]
    pages = sum(max(1, math.ceil(len(world.children(project, p)) / 100)) for p in parents)
    return len(parents), pages


async def serve(info_file: Path) -> None:
    """The simulator with the walk's project, on a free port; its facts go to `info_file`."""
    sim = Simulator(seed=1, token=TOKEN, projects=1, files_per_project=10)
    sim.world.grow_project(PROJECT, "Walk", 0.0, files=FILES, folders=FOLDERS)
    listings, pages = pages_needed(sim, PROJECT)
    async with sim.serve() as base_url:
        facts = {"base_url": base_url, "listings": listings, "pages": pages}
        await anyio.Path(info_file).write_text(json.dumps(facts))
        await anyio.sleep_forever()


async def walk(base_url: str, scroll: bool) -> dict[str, Any]:
    """One walk with a default client: what it found, sent and took."""
    async with CavaticaClient(TOKEN, base_url, allow_insecure_http=True) as client:
        before = (await client.get_rate_limit()).remaining
        sent = client.stats.requests
        started, cpu = time.perf_counter(), time.process_time()
        found = sum([1 async for _ in client.files.walk(project=PROJECT, scroll=scroll)])
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        sent = client.stats.requests - sent
        after = (await client.get_rate_limit()).remaining
        return {
            "form": "continuation token" if scroll else "offset",
            "files": found,
            "requests": sent,
            "rate_limited": client.stats.rate_limited,
            "window_used": before - after,
            "seconds": round(seconds, 2),
            "client_cpu_seconds": round(cpu, 2),
        }


def measure(scroll: bool) -> dict[str, Any]:
    """Serve a fresh simulator and walk it once."""
    results_dir = ROOT / "results"
    results_dir.mkdir(exist_ok=True)
    info_file = results_dir / "walk.info"
    info_file.unlink(missing_ok=True)
    command = [sys.executable, "-m", "benchmarks.walk", "--serve", str(info_file)]
    server = subprocess.Popen(command)  # noqa: S603 (this very module, by this interpreter)
    try:
        while not info_file.exists() or not info_file.read_text():
            time.sleep(0.05)
        facts = json.loads(info_file.read_text())
        result = anyio.run(walk, facts["base_url"], scroll)
    finally:
        server.terminate()
        server.wait()
        info_file.unlink(missing_ok=True)
    return {**result, "listings": facts["listings"], "pages_needed": facts["pages"]}


def markdown(results: list[dict[str, Any]]) -> str:
    """The report."""
    lines = [
        "# Walking a project: what it costs",
        "",
        f"From `make bench-walk` (`benchmarks/walk.py`): a project of {FILES:,} files in "
        f"{FOLDERS} nested folders (6 to a folder, three levels), served by the simulator in a "
        "process of its own on 127.0.0.1, walked by a client with default options (80% of the "
        f"rate limit, 4 listings in flight); Python {platform.python_version()}.",
        "",
        "| form | files found | listings | pages needed | requests | 429s | rate window used "
        "| seconds | client CPU (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['form']} | {r['files']:,} | {r['listings']:,} | {r['pages_needed']:,} "
            f"| {r['requests']:,} | {r['rate_limited']} | {r['window_used']:,} of 1,000 "
            f"| {r['seconds']} | {r['client_cpu_seconds']} |"
        )
    lines += [
        "",
        "A walk sends one request per page it needs and nothing else. At the default budget a "
        "window allows 800 requests, so a walk of up to 80,000 entries (in full pages) runs "
        "without waiting; a larger one waits for the next window, within the budget, and never "
        "draws a 429.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        anyio.run(serve, args.serve)
        return
    results = [measure(scroll=False), measure(scroll=True)]
    (ROOT / "results" / "walk.json").write_text(json.dumps(results, indent=2) + "\n")
    (ROOT / "WALK.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()

"""The simulator's own cost per request, with 10,000 jobs in flight.

What is measured: CPU seconds (process time) spent inside the simulator's ASGI app per request,
calling the app directly (no HTTP client, no sockets), for each request kind the benchmarks use
most. The same calls through httpx's in-process transport are shown beside it, to say how much
of a benchmark's client-side cost is the client's. Exports are measured while running (a manual
clock far from their end); copy jobs once FINISHED, so their result lists are rendered.

Run: .venv/bin/python benchmarks/simulator_cost.py [--jobs 10000] [--out results/simulator.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

import anyio
import httpx

from cavatica_async.simulator import ManualClock, Simulator, Timing


async def call_app(sim: Simulator, method: str, path: str, body: Any = None) -> int:
    """One request straight into the ASGI app; returns the status."""
    raw = json.dumps(body).encode() if body is not None else b""
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": f"/v2{path}",
        "raw_path": f"/v2{path}".encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"x-sbg-auth-token", sim.token.encode())],
        "server": ("localhost", 80),
        "client": ("127.0.0.1", 5000),
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await sim.app(scope, receive, send)
    return status


async def measure(label: str, count: int, call: Callable[[int], Any]) -> dict[str, Any]:
    started = time.process_time()
    for index in range(count):
        await call(index)
    spent = time.process_time() - started
    return {"request": label, "count": count, "cpu_ms_per_request": 1000 * spent / count}


async def run(jobs: int) -> dict[str, Any]:
    clock = ManualClock()
    # Enough files for one export each; a huge rate limit, since the limiter is not measured here.
    sim = Simulator(
        seed=1,
        clock=clock,
        projects=2,
        files_per_project=jobs // 2 + 1,
        rate_limit=10**9,
        timing=Timing(median=10**6, failure=0.0),
    )
    files = [f.id for f in sim.world.files.values() if f.type == "file"][:jobs]
    items = [
        {"source": {"file": f}, "destination": {"volume": "rfranklin/output", "location": f"b/{f}"}}
        for f in files
    ]
    chunks = [items[i : i + 100] for i in range(0, len(items), 100)]
    results = [
        await measure(
            "POST /bulk/storage/exports/create (100 items)",
            len(chunks),
            lambda i: call_app(
                sim, "POST", "/bulk/storage/exports/create?copy_only=true", {"items": chunks[i]}
            ),
        )
    ]
    export_ids = list(sim.jobs.jobs["export"])
    assert len(export_ids) == jobs, len(export_ids)
    id_chunks = [export_ids[i : i + 100] for i in range(0, jobs, 100)]
    results.append(
        await measure(
            "POST /bulk/storage/exports/get (100 ids)",
            len(id_chunks),
            lambda i: call_app(
                sim,
                "POST",
                "/bulk/storage/exports/get",
                {"export_ids": id_chunks[i % len(id_chunks)]},
            ),
        )
    )
    results.append(
        await measure(
            "GET /storage/exports/{id}",
            2000,
            lambda i: call_app(sim, "GET", f"/storage/exports/{export_ids[i % jobs]}"),
        )
    )
    copy_items = [{"file": f, "project": "rfranklin/project-2"} for f in files[:20]]
    for _ in range(200):
        await call_app(sim, "POST", "/async/files/copy", {"items": copy_items})
    copy_ids = list(sim.jobs.jobs["copy"])
    clock.advance(10**8)  # every copy job FINISHED: the answer carries its 20 result items
    await call_app(sim, "GET", "/user")  # applies the finished jobs' effects outside the timing
    results.append(
        await measure(
            "GET /async/files/copy/{id} (FINISHED, 20 result items)",
            2000,
            lambda i: call_app(sim, "GET", f"/async/files/copy/{copy_ids[i % len(copy_ids)]}"),
        )
    )
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url=sim.base_url, headers={"X-SBG-Auth-Token": sim.token}
    ) as http:

        async def via_httpx(i: int) -> None:
            await http.post(
                "/bulk/storage/exports/get", json={"export_ids": id_chunks[i % len(id_chunks)]}
            )

        results.append(
            await measure("same bulk get through httpx in-process", len(id_chunks), via_httpx)
        )
    return {
        "jobs": jobs,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor() or "unknown",
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "simulator.json"
    )
    args = parser.parse_args()
    report = anyio.run(run, args.jobs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Simulator cost with {report['jobs']} jobs (Python {report['python']}):")
    print("| request | count | CPU ms / request |")
    print("| --- | ---: | ---: |")
    for row in report["results"]:
        print(f"| {row['request']} | {row['count']} | {row['cpu_ms_per_request']:.3f} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

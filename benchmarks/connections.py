"""How many connections a client should keep: CPU per request and throughput by `max_connections`.

`python -m benchmarks.connections` (`make bench-connections`) serves a bulk-get answer of 100
exports from a process of its own on 127.0.0.1, each answer held back 50-200 ms (uniform, as a
distant platform), and has one client send the same number of requests from 16 tasks at once at
each `max_connections`, three rounds each, measured side by side. It writes
`benchmarks/results/connections.json` and `benchmarks/CONNECTIONS.md`. A request's CPU is the
client process's CPU time (user + system) over the round, divided by its requests.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
from anyio.abc import SocketAttribute, SocketStream

from cavatica_async import CavaticaClient, JobKind

ROOT = Path(__file__).resolve().parent
BOUNDS = (1, 2, 4, 8, 10, 16)
CALLERS = 16
REQUESTS = 240
ROUNDS = 3
LATENCY = (0.050, 0.200)
TOKEN = "c" * 32
ANSWER = json.dumps(
    {
        "items": [
            {"resource": {"id": f"e{n:031d}", "state": "RUNNING", "source": {"file": "f" * 24}}}
            for n in range(100)
        ]
    }
).encode()


async def serve(port_file: Path) -> None:
    """Answer every request with ANSWER after 50-200 ms, keeping connections open."""
    rng = random.Random(1)

    async def handle(stream: SocketStream) -> None:
        buffer = b""
        async with stream:
            while True:
                while b"\r\n\r\n" not in buffer:
                    try:
                        buffer += await stream.receive()
                    except (anyio.EndOfStream, anyio.BrokenResourceError):
                        return
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                while len(buffer) < length:
                    buffer += await stream.receive()
                buffer = buffer[length:]
                await anyio.sleep(rng.uniform(*LATENCY))
                reply = (
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(ANSWER)}\r\n\r\n".encode()
                    + ANSWER
                )
                try:
                    await stream.send(reply)
                except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                    return

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    await anyio.Path(port_file).write_text(str(listener.extra(SocketAttribute.local_port)))
    await listener.serve(handle)


async def one_round(base_url: str, bound: int) -> dict[str, float]:
    """REQUESTS bulk reads from CALLERS tasks over `bound` connections: CPU and throughput."""
    ids = [f"e{n:031d}" for n in range(100)]
    left = REQUESTS
    async with CavaticaClient(token=TOKEN, base_url=base_url, max_connections=bound) as client:
        await client.jobs.bulk_read(JobKind.EXPORT, ids)  # connect once before measuring

        async def caller() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                await client.jobs.bulk_read(JobKind.EXPORT, ids)

        cpu, wall = time.process_time(), time.perf_counter()
        async with anyio.create_task_group() as group:
            for _ in range(CALLERS):
                group.start_soon(caller)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"cpu_ms": cpu / REQUESTS * 1000, "per_second": REQUESTS / wall}


async def measure(base_url: str) -> dict[str, Any]:
    rounds: dict[int, list[dict[str, float]]] = {bound: [] for bound in BOUNDS}
    for _ in range(ROUNDS):
        for bound in BOUNDS:  # side by side: every bound once per round
            rounds[bound].append(await one_round(base_url, bound))
    return {
        "callers": CALLERS,
        "requests": REQUESTS,
        "rounds": ROUNDS,
        "latency": LATENCY,
        "python": sys.version.split()[0],
        "bounds": {
            str(bound): {
                "cpu_ms": statistics.median(r["cpu_ms"] for r in results),
                "cpu_ms_all": [round(r["cpu_ms"], 3) for r in results],
                "per_second": statistics.median(r["per_second"] for r in results),
            }
            for bound, results in rounds.items()
        },
    }


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# `max_connections`: CPU per request and throughput",
        "",
        f"From `make bench-connections` (`benchmarks/connections.py`): {results['requests']} bulk "
        f"reads of 100 exports from {results['callers']} tasks at once, each answer held back "
        f"{results['latency'][0] * 1000:.0f}-{results['latency'][1] * 1000:.0f} ms by a server "
        f"in its own process on 127.0.0.1; medians of {results['rounds']} rounds run side by side; "
        f"Python {results['python']}.",
        "",
        "| max_connections | client CPU per request (ms) | rounds (ms) | requests per second |",
        "|---|---|---|---|",
    ]
    for bound, row in results["bounds"].items():
        rounds = ", ".join(f"{value:.2f}" for value in row["cpu_ms_all"])
        lines.append(f"| {bound} | {row['cpu_ms']:.2f} | {rounds} | {row['per_second']:.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        anyio.run(serve, args.serve)
        return
    results_dir = ROOT / "results"
    results_dir.mkdir(exist_ok=True)
    port_file = results_dir / "connections.port"
    port_file.unlink(missing_ok=True)
    command = [sys.executable, "-m", "benchmarks.connections", "--serve", str(port_file)]
    server = subprocess.Popen(command)  # noqa: S603 (this very module, by this interpreter)
    try:
        while not port_file.exists() or not port_file.read_text():
            time.sleep(0.05)
        base_url = f"http://127.0.0.1:{port_file.read_text()}/v2"
        results = anyio.run(measure, base_url)
    finally:
        server.terminate()
        server.wait()
        port_file.unlink(missing_ok=True)
    (results_dir / "connections.json").write_text(json.dumps(results, indent=2) + "\n")
    (ROOT / "CONNECTIONS.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()

"""`cavatica-async demo`: the library in half a minute, against the built-in simulator: a
batch of jobs watched with JobWatcher, then a transfer killed half-way and resumed."""

from __future__ import annotations

import argparse
from typing import Any

from cavatica_async.cli.display import Tally, View
from cavatica_async.cli.follow import Outcome, follow
from cavatica_async.client import CavaticaClient
from cavatica_async.events import JobKind
from cavatica_async.inputs import CopyItem, DrsImportItem, ExportRequest, ImportRequest
from cavatica_async.polling import PollPolicy


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `demo` options."""
    parser.add_argument("--jobs", type=int, default=300, help="about how many jobs to start")
    parser.add_argument(
        "--speed",
        type=float,
        default=20.0,
        help="time compression: platform minutes pass in seconds",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulated platform")
    parser.add_argument("--json", action="store_true", help="print events as JSON lines instead")
    parser.add_argument(
        "--no-transfer",
        dest="transfer",
        action="store_false",
        help="leave out the second part: a transfer killed half-way and resumed",
    )


async def run(args: argparse.Namespace) -> int:
    """Start a realistic batch on the simulator and watch it to the end; then a transfer from
    the command line, killed half-way and resumed."""
    outcome, sim = await run_demo(args)
    if outcome.interrupted:
        return outcome.exit_status
    if args.transfer:
        from cavatica_async.cli.demo_transfer import run_transfer_demo

        await run_transfer_demo(sim, View(Tally(), mode="json" if args.json else "auto"))
    return 0


async def run_demo(args: argparse.Namespace) -> tuple[Outcome, Any]:
    """The demo, returning its outcome and the simulator (for tests to compare counts)."""
    from cavatica_async.simulator import Simulator

    sim = Simulator(
        seed=args.seed, speed=args.speed, files_per_project=max(200, args.jobs), reset_in_ms=True
    )
    view = View(Tally(), mode="json" if args.json else "auto")
    async with CavaticaClient(
        token=sim.token, base_url=sim.base_url, transport=sim.transport()
    ) as client:
        view.note(f"Simulated CAVATICA, {args.speed:g}x faster than real time. Starting jobs...")
        jobs = await start_batch(client, sim, args.jobs, view)
        view.note(f"Watching {len(jobs)} jobs with JobWatcher.")
        default = PollPolicy()
        policy = PollPolicy(
            initial=default.initial / args.speed,
            factor=default.factor,
            maximum=default.maximum / args.speed,
        )
        outcome = await follow(client, jobs, view, policy=policy)
    return outcome, sim


async def start_batch(
    client: CavaticaClient, sim: Any, size: int, view: View
) -> list[tuple[JobKind, str]]:
    """Exports, imports, DRS imports and copies, some bound to fail as real ones do."""
    user = sim.world.username
    project, other = f"{user}/project-1", f"{user}/project-2"
    files = [f for f in sim.world.children(project, None) if f.type == "file"]
    exports = files[: int(size * 0.8)]
    requests = [
        # Every 50th location is already taken on the volume (9107), every 40th file goes to
        # the read-only archive volume (refused at once).
        ExportRequest(
            f.id, f"{user}/archive" if n % 40 == 39 else f"{user}/output", f"exports/{f.name}"
        )
        for n, f in enumerate(exports)
    ]
    jobs: list[tuple[JobKind, str]] = []
    for request, item in zip(
        requests, await client.exports.bulk_start(requests, copy_only=True), strict=True
    ):
        if item.resource is not None:
            jobs.append((JobKind.EXPORT, item.resource.id))
        elif item.error is not None:
            view.note(
                f"refused: export of {request.file} to {request.volume}: "
                f"{item.error.code} {item.error.message}"
            )
    imports = [
        # Every 10th names an object that is not on the volume (the job fails with 9105).
        ImportRequest(
            f"{user}/input",
            f"reads/{'missing' if n % 10 == 9 else 'sample'}_{n:05d}.fastq.gz",
            project=other,
        )
        for n in range(max(1, size // 10))
    ]
    jobs += [
        (JobKind.IMPORT, i.resource.id)
        for i in await client.imports.bulk_start(imports)
        if i.resource
    ]
    for batch in range(3):
        uris = [
            # One URI in twelve is malformed: it fails inside the job, as on the platform.
            f"drs://drs.example.org/{batch}-{n}" if n % 12 else f"not-a-drs-uri-{batch}-{n}"
            for n in range(1, 25)
        ]
        started = await client.drs_imports.start([DrsImportItem(u, project=other) for u in uris])
        jobs += [(JobKind.DRS_IMPORT, drs.id) for drs in started]
    for f in files[-10:]:
        copies = await client.async_jobs.copy([CopyItem(f.id, project=other)])
        jobs += [(JobKind.COPY, copy.id) for copy in copies]
    return jobs

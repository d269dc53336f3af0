"""`cavatica-async export | import | drs-import | copy | move | delete`: a transfer from the
terminal, resumed by running the same command line again (docs/transfers.md#from-the-command-line).

The first run plans the items into the journal and marks the plan done; a rerun of the same
command goes straight to the run, which reconciles what a killed run left. SIGINT and SIGTERM
stop the run (its journal is committed at every step), print the summary and exit 130 / 143.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

import anyio

from cavatica_async.cli.follow import EXIT_INTERRUPTED, EXIT_OK
from cavatica_async.cli.transfer_output import (
    EXIT_SIGTERM,
    dry_run_estimate,
    exit_status,
    not_ended,
    summary,
)
from cavatica_async.cli.transfer_plan import KIND_OF, PlanError, described, plan, signature
from cavatica_async.cli.transfer_show import show
from cavatica_async.cli.watch import UsageError, add_platform_arguments, preflight
from cavatica_async.client import CavaticaClient
from cavatica_async.options import ClientOptions
from cavatica_async.transfers import (
    Journal,
    StartOptions,
    Transfer,
    TransferOptions,
    write_report,
)
from cavatica_async.transfers.report import FORMATS as REPORT_FORMATS
from cavatica_async.transfers.requests import Request

PLAN_KEY = "cli_plan"  # meta: the command line that planned the journal, once it had


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    """The options of one transfer command."""
    source = parser.add_argument_group("what to move")
    destination = parser.add_argument_group("where to")
    source.add_argument("--manifest", type=Path, metavar="FILE", help="CSV, TSV or JSON Lines")
    if command == "export":
        source.add_argument("--project", help="every file of this project (owner/name)")
        source.add_argument("--folder", metavar="PATH", help="only this folder of the project")
        destination.add_argument("--volume", required=True, help="the volume (owner/name)")
        destination.add_argument("--prefix", default="", help="location prefix on the volume")
        destination.add_argument("--copy-only", action="store_true", help="keep the files too")
        destination.add_argument("--overwrite", action="store_true")
    elif command == "import":
        source.add_argument("--volume", help="the volume (owner/name)")
        source.add_argument("--prefix", default="", help="every object under this prefix")
    elif command in ("copy", "move"):
        source.add_argument("--from-folder", metavar="ID", help="every file of this folder")
    if command in ("import", "drs-import"):
        destination.add_argument("--project", required=True, help="owner/name")
        destination.add_argument("--folder", metavar="PATH", help="a folder of the project")
    if command == "import":
        choice = destination.add_mutually_exclusive_group()
        choice.add_argument("--overwrite", action="store_true")
        choice.add_argument("--autorename", action="store_true")
    if command in ("copy", "move"):
        destination.add_argument("--to-project", required=True, help="owner/name")
        destination.add_argument("--to-folder", metavar="PATH", help="a folder of the project")
    run = parser.add_argument_group("the run")
    run.add_argument("--journal", type=Path, required=True, help="the transfer's SQLite file")
    run.add_argument("--yes", action="store_true", help="do what cannot be undone, unasked")
    run.add_argument("--dry-run", action="store_true", help="show the plan; start nothing")
    run.add_argument("--skip-bad", action="store_true", help="leave out a manifest's bad rows")
    run.add_argument(
        "--retry-failed",
        action="store_true",
        help="start again the items refused or whose job did not complete in an earlier run",
    )
    run.add_argument("--json", action="store_true", help="JSON lines on stdout")
    run.add_argument("--report", type=Path, metavar="FILE", help="every item's outcome (.csv…)")
    run.add_argument("--budget-fraction", type=float, help="share of the rate limit (0.8)")
    add_platform_arguments(parser)


def _confirm(args: argparse.Namespace) -> None:
    """A transfer that cannot be undone (a delete; an export that moves files) is confirmed."""
    if args.command == "delete":
        destructive = "deletes files"
    elif args.command == "export" and not args.copy_only:
        destructive = "moves files out of the project (--copy-only keeps them)"
    else:
        return
    if args.yes or args.dry_run:
        return
    if args.command == "delete" or not sys.stdin.isatty():
        raise UsageError(f"this {args.command} {destructive}: give --yes to go ahead")
    answer = input(f"This {args.command} {destructive}. Go ahead? [y/N] ")
    if answer.strip().lower() not in ("y", "yes"):
        raise UsageError("not confirmed; nothing was started")


def _client(args: argparse.Namespace) -> CavaticaClient:
    options = None
    if args.budget_fraction is not None:
        options = ClientOptions(budget_fraction=args.budget_fraction)
    return CavaticaClient(
        profile=args.profile, platform=args.platform, base_url=args.base_url, options=options
    )


def _check_report(path: Path | None) -> None:
    """A report that could not be written is refused before anything starts, not after."""
    if path is None:
        return
    if path.suffix.lower() not in REPORT_FORMATS:
        raise UsageError(f"--report {path}: a report is .csv, .tsv, .jsonl or .ndjson")
    folder = path.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise UsageError(f"--report {path}: {folder} is not a folder this user can write in")


async def run(args: argparse.Namespace) -> int:
    """Plan (once), run to the end or a signal, report; the exit status says how it ended."""
    _check_report(args.report)
    _confirm(args)
    kind = KIND_OF[args.command]
    start = StartOptions(copy_only=bool(getattr(args, "copy_only", False)))
    async with _client(args) as client:
        await preflight(client)
        if args.dry_run:
            return await _dry_run(client, args)
        # A new journal is planned before its file is made: a plan that cannot be made (a bad
        # manifest, a folder that is not there) leaves no file behind.
        items = None if args.journal.exists() else await _plan(client, args)
        async with await Journal.open(args.journal) as journal:
            mine = signature(args)
            planned = await journal.meta(PLAN_KEY)
            if planned is not None and planned != mine:
                raise UsageError(
                    f"{args.journal} holds the transfer of another command line "
                    f"({described(planned)}); "
                    "give another --journal"
                )
            transfer = Transfer(client, journal, TransferOptions(start=start))
            if planned is None:
                await transfer.add(kind, items if items is not None else await _plan(client, args))
                await journal.save_meta(PLAN_KEY, mine)
            if args.retry_failed:
                again = await transfer.retry(refused=True, failed=True)
                print(f"planned again: {again} refused or failed items", file=sys.stderr)
            states = {state.value: n for state, n in (await journal.counts()).items()}
            if not not_ended(states):
                print(
                    "every item ended in an earlier run: nothing to start or watch "
                    f"(status --journal {args.journal} lists them)",
                    file=sys.stderr,
                )
            stopped = await _run_until_signal(transfer, journal, args)
            counts = {state.value: n for state, n in (await journal.counts()).items()}
            failed = await journal.failed()
            if args.report is not None:
                await write_report(journal, args.report)
    print(summary(counts, failed), file=sys.stderr)
    return stopped or exit_status(counts, failed)


async def _plan(client: CavaticaClient, args: argparse.Namespace) -> list[Request]:
    try:
        return await plan(client, args)
    except PlanError as exc:
        raise UsageError(str(exc)) from None


async def _run_until_signal(transfer: Transfer, journal: Journal, args: argparse.Namespace) -> int:
    """Run, showing it to its last item; 130 or 143 if SIGINT or SIGTERM stopped it, else 0.
    A run that fails raises its error as itself once the display has shown what it did."""
    stopped = 0
    failure: Exception | None = None
    running, listening = anyio.CancelScope(), anyio.CancelScope()

    async def listen() -> None:
        nonlocal stopped
        with listening, anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for received in signals:
                stopped = EXIT_INTERRUPTED if received == signal.SIGINT else EXIT_SIGTERM
                running.cancel()  # the run stops; what it wrote is committed

    async def run_then_stop_listening() -> None:
        nonlocal failure
        try:
            with running:
                await transfer.run()
        except Exception as exc:  # shown after the display ends, as itself
            failure = exc
        finally:
            listening.cancel()

    async with anyio.create_task_group() as group:
        group.start_soon(listen)
        group.start_soon(show, transfer, journal, args)  # ends when the run ends
        group.start_soon(run_then_stop_listening)
    if failure is not None:
        raise failure
    return stopped


async def _dry_run(client: CavaticaClient, args: argparse.Namespace) -> int:
    """The plan, what starting it would take, and nothing sent but reads."""
    items = await _plan(client, args)
    fraction = client.options.budget_fraction
    calls, requests, seconds = dry_run_estimate(KIND_OF[args.command], len(items), fraction)
    print(
        f"{args.command}: {len(items)} items, {calls} start call{'' if calls == 1 else 's'}, "
        f"about {requests} requests: "
        f"at least {seconds:,.0f} s at the budget ({fraction:.0%} of 1000 per 5 minutes)"
        + (" and the platform's DRS queue" if args.command == "drs-import" else "")
        + ", plus the jobs' own time; nothing was started",
        file=sys.stderr,
    )
    return EXIT_OK

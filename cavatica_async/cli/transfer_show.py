"""Showing a transfer while it runs: each item's outcome as it lands, and its progress.

A terminal on stderr gets a live table; stdout one line per item outcome, unless it is that
terminal too; `--json` one JSON object per item outcome and per progress tick. The summary is
the caller's.
"""

from __future__ import annotations

import argparse
import sys
import time

from cavatica_async.cli.display import NO_LIVE_DISPLAY, is_terminal, live_display_available
from cavatica_async.cli.follow import silence_stdout
from cavatica_async.cli.transfer_output import (
    exit_status,
    item_json,
    item_line,
    progress_json,
    summary,
)
from cavatica_async.transfers import Journal, Transfer
from cavatica_async.transfers.requests import KINDS

TICK = 1.0  # seconds between progress updates


async def show(transfer: Transfer, journal: Journal, args: argparse.Namespace) -> None:
    """Follow `transfer` until its run ends (or this task is cancelled with it)."""
    shown: set[int] = set()
    # Items that end in this run: those of an earlier (killed) run are in `status`.
    since = time.time()
    live = None
    if not args.json and is_terminal(sys.stderr) and not live_display_available():
        print(NO_LIVE_DISPLAY, file=sys.stderr)
    elif not args.json and is_terminal(sys.stderr):
        from cavatica_async.cli.live import TransferTable

        live = TransferTable(sys.stderr)
    # `export ... > outcomes.txt` in a terminal: the table on the screen, the lines in the file.
    lines = not args.json and (live is None or not is_terminal(sys.stdout))
    out = _Stdout()
    try:
        async for progress in transfer.progress(every=TICK):
            ended = await journal.ended_since(since)
            for item in ended:
                if item.id not in shown:
                    shown.add(item.id)
                    if args.json:
                        out.say(item_json(item))
                    elif lines:
                        out.say(item_line(item))
            if ended and ended[-1].finished_at is not None:
                # Items that end in the same instant as the last shown are read again next
                # time, and skipped by id.
                since = max(since, ended[-1].finished_at)
            if args.json:
                out.say(progress_json(progress))
            elif live is not None:
                kinds = {kind: await _counts(journal, kind) for kind in KINDS}
                live.update(progress, kinds)
    finally:
        if live is not None:
            live.stop()


class _Stdout:
    """Stdout, until its reader leaves (`export ... | head`): then the transfer goes on, its
    lines unwritten, since stopping it half-way for a reader's sake would help no one. The
    journal, `status` and `--report` still hold every outcome."""

    def __init__(self) -> None:
        self.gone = False

    def say(self, line: str) -> None:
        """Write one line, unless the reader is gone."""
        if self.gone:
            return
        try:
            print(line, flush=True)
        except BrokenPipeError:
            self.gone = True
            silence_stdout()


async def _counts(journal: Journal, kind: str) -> dict[str, int]:
    counts = await journal.counts(kind)
    failed = await journal.failed(kind)
    shown = {state.value: n for state, n in counts.items()}
    shown["done"] -= failed
    shown["failed"] = failed
    return shown


async def status(args: argparse.Namespace) -> int:
    """`cavatica-async status`: a journal's items, even while a run holds it (read only)."""
    async with await Journal.open(args.journal, read_only=True) as journal:
        counts = {state.value: n for state, n in (await journal.counts()).items()}
        failed = await journal.failed()
        if args.json:
            for item in await journal.items():
                print(item_json(item))
    running = Journal.in_use(args.journal)
    print(summary(counts, failed, running=running), file=sys.stderr if args.json else sys.stdout)
    return exit_status(counts, failed)

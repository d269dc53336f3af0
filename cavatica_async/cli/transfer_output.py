"""What a transfer command shows: a line per item outcome (a pipe), JSON lines (`--json`), a
summary, and the exit status (docs/transfers.md#from-the-command-line); the live table of a
terminal is `cli.live`'s.
"""

from __future__ import annotations

import json
import math
from typing import Any

from cavatica_async.budget import RateBudget
from cavatica_async.cli.follow import EXIT_FAILED, EXIT_OK
from cavatica_async.transfers import ItemState, JournalItem, Progress, TransferOptions

# 0, 1, 2 and 130 are every command's (cli.follow); a transfer adds these two.
EXIT_UNSURE = 3
EXIT_SIGTERM = 143
LIMIT, WINDOW = 1000, 300.0  # the platform's rate limit: requests per window of seconds
SHOWN = ("planned", "starting", "started", "done", "failed", "refused", "unsure")
ENDED = ("done", "failed", "refused", "unsure")


def outcome(item: JournalItem) -> str:
    """What became of an item, in a word: completed, failed, refused or unsure."""
    if item.state is ItemState.DONE:
        return "completed" if item.job_state == "COMPLETED" else "failed"
    return str(item.state.value)


def item_line(item: JournalItem) -> str:
    """One item's outcome as a line: `completed export <source> <job>` and the error, if any."""
    parts = [outcome(item), item.kind, item.source, item.job_id or "-"]
    why = _error_text(item.error) or item.note
    if outcome(item) != "completed" and why:
        parts.append(" ".join(why.split()))
    return " ".join(parts)


def item_json(item: JournalItem) -> str:
    """One item's outcome as a JSON line."""
    return json.dumps(
        {
            "event": "item",
            "outcome": outcome(item),
            "kind": item.kind,
            "source": item.source,
            "job_id": item.job_id,
            "job_state": item.job_state,
            "error": item.error,
            "note": item.note,
            "attempts": item.attempts,
        }
    )


def progress_json(progress: Progress) -> str:
    """A progress tick as a JSON line."""
    return json.dumps(
        {
            "event": "progress",
            "phase": progress.phase,
            "items": progress.items,
            "failed": progress.failed,
            "requests": progress.requests,
            "rate_limited": progress.rate_limited,
            "remaining": progress.remaining,
            "start_calls": progress.start_calls,
            "seconds_left": progress.seconds_left,
        }
    )


def dry_run_estimate(kind: str, items: int, fraction: float) -> tuple[int, int, float]:
    """(start calls, requests, least seconds) for `items` of `kind` at `fraction` of the budget.

    Each job must be seen ended once: a bulk read per 100 exports or imports, a read per copy,
    move, delete or DRS job (one per call); so requests are twice the calls. The seconds are the
    longer of the budget's pace for them (a burst at once, then the share of each 5-minute
    window: docs/platform.md#rate-limit) and, for DRS, the platform's queue of 500 files per 5
    minutes before the last call can begin (docs/transfers.md#pacing). The jobs' own time
    comes on top: no one can know it beforehand.
    """
    calls = math.ceil(items / 100)
    requests = 2 * calls
    share = LIMIT * fraction
    seconds = max(0.0, requests - share * RateBudget().burst) / share * WINDOW
    if kind == "drs_import" and items:
        options = TransferOptions()
        windows = math.ceil(items / options.drs_files_per_window) - 1
        seconds = max(seconds, windows * options.drs_window)
    return calls, requests, seconds


def summary(counts: dict[str, int], failed: int, *, running: bool = False) -> str:
    """The closing line: how many items ended how (`running`: a run holds the journal now)."""
    completed = counts.get("done", 0) - failed
    line = (
        f"{completed} completed, {failed} failed, {counts.get('refused', 0)} refused, "
        f"{counts.get('unsure', 0)} unsure"
    )
    open_items = not_ended(counts)
    if not open_items:
        return line
    then = "a run holds the journal now" if running else "run the command again"
    return f"{line}, {open_items} not ended ({then})"


def exit_status(counts: dict[str, int], failed: int) -> int:
    """3 if items are unsure, 1 if some failed or were refused (or did not end), else 0."""
    if counts.get("unsure", 0):
        return EXIT_UNSURE
    if failed or counts.get("refused", 0) or not_ended(counts):
        return EXIT_FAILED
    return EXIT_OK


def not_ended(counts: dict[str, int]) -> int:
    """How many items are planned, starting or started: not ended."""
    return sum(counts.get(state, 0) for state in ("planned", "starting", "started"))


def _error_text(error: dict[str, Any] | None) -> str | None:
    if not error:
        return None
    status, code, message = error.get("status"), error.get("code"), error.get("message")
    return " ".join(str(part) for part in (status, code, message) if part is not None) or None

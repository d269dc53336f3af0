"""What the command line shows: a live table in a terminal, plain lines in a pipe, JSON lines.

rich draws the live table and is the `cli` extra: it is imported only for the table
(`cli.live`), so every command runs with the base install, in plain lines.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from typing import IO, Any, Protocol

import attrs

from cavatica_async.events import JobEvent, JobKind
from cavatica_async.models import AsyncFileJob, DrsImportJob, ExportJob, ImportJob

NO_LIVE_DISPLAY = (
    "cavatica-async: the live display needs `pip install 'cavatica-async[cli]'`; "
    "showing plain lines"
)


def succeeded(event: JobEvent) -> bool:
    """Whether a final event means the job did all it was asked to."""
    job = event.job
    if event.error is not None or job is None:
        return False
    if isinstance(job, (ExportJob, ImportJob)):
        return job.state == "COMPLETED"
    if isinstance(job, AsyncFileJob) and job.failed_files:
        return False
    # DRS and async jobs only ever FINISH: success is every item going through.
    return isinstance(job, (DrsImportJob, AsyncFileJob)) and all(item.ok for item in job.result)


def describe_failure(event: JobEvent) -> str:
    """One line saying why a job failed."""
    job = event.job
    if event.error is not None:
        return f"{event.error.status} {event.error.message}"
    if isinstance(job, (ExportJob, ImportJob)) and job.error is not None:
        return f"{job.error.code} {job.error.message}"
    if isinstance(job, (DrsImportJob, AsyncFileJob)):
        errors = [item.error for item in job.result if item.error is not None]
        first = f": {errors[0].code} {errors[0].message}" if errors else ""
        return f"{len(errors)} of {len(job.result)} items failed{first}"
    return str(event.current)


def event_json(event: JobEvent) -> str:
    """An event as one JSON line."""
    error = attrs.asdict(event.error) if event.error is not None else None
    return json.dumps(
        {
            "kind": event.kind.value,
            "job_id": event.job_id,
            "previous": None if event.previous is None else str(event.previous),
            "current": None if event.current is None else str(event.current),
            "terminal": event.terminal,
            "succeeded": succeeded(event) if event.terminal else None,
            "error": error,
            "observed_at": event.observed_at.isoformat(),
        }
    )


@attrs.define
class Tally:
    """Counts per kind: jobs, their current states, final outcomes, transitions."""

    total: Counter[JobKind] = attrs.Factory(Counter)
    current: dict[JobKind, Counter[str]] = attrs.Factory(dict)
    final: dict[JobKind, Counter[str]] = attrs.Factory(dict)
    failed: int = 0
    transitions: int = 0

    def add(self, kind: JobKind, state: str | None = None) -> None:
        """Count one more watched job, in its last known state if it has one."""
        self.total[kind] += 1
        self.current.setdefault(kind, Counter())[state or "(waiting)"] += 1

    def record(self, event: JobEvent) -> None:
        """Count one event."""
        self.transitions += 1
        states = self.current.setdefault(event.kind, Counter())
        before = "(waiting)" if event.previous is None else str(event.previous)
        states[before] -= 1
        now = "NOT FOUND" if event.current is None else str(event.current)
        states[now] += 1
        if event.terminal:
            ok = succeeded(event)
            # DRS and async jobs always FINISH; say when some of their items failed.
            label = f"{now} with failed items" if not ok and now == "FINISHED" else now
            self.final.setdefault(event.kind, Counter())[label] += 1
            self.failed += not ok

    def finished(self, kind: JobKind) -> int:
        """How many jobs of `kind` reached a final state."""
        return sum(self.final.get(kind, Counter()).values())


class View:
    """Shows progress: `start`, `event` per event, `note` for messages, `stop` at the end.

    A terminal gets a live table (with the `cli` extra: rich); a pipe, or a terminal without
    rich, one line per event; `json` one JSON object per event. Messages for people go to
    stderr unless the live table holds the terminal, so a pipe carries events alone.
    """

    def __init__(self, tally: Tally, *, mode: str, stream: IO[str] | None = None) -> None:
        self.tally = tally
        self.stream = stream if stream is not None else sys.stdout
        self.status = ""
        self.mode = "plain" if mode == "auto" else mode
        terminal = mode == "auto" and is_terminal(self.stream)
        if terminal and live_display_available():
            self.mode = "live"
        elif terminal:
            print(NO_LIVE_DISPLAY, file=sys.stderr)
        # Messages and the summary: on the terminal with the live table, else on stderr.
        self.people: IO[str] = self.stream if self.mode == "live" else sys.stderr
        self._live: LiveDisplay | None = None

    def start(self) -> None:
        """Begin showing."""
        if self.mode == "live":
            from cavatica_async.cli.live import WatchTable

            self._live = WatchTable(self.stream, self._rows)
            self._live.start(self.status)

    def event(self, event: JobEvent) -> None:
        """Show one event."""
        self.tally.record(event)
        failure = event.terminal and not succeeded(event)
        if self.mode == "json":
            print(event_json(event), file=self.stream, flush=True)
        elif self.mode == "plain":
            previous = "-" if event.previous is None else event.previous
            current = "NOT FOUND" if event.current is None else event.current
            line = f"{event.kind.value:<10} {event.job_id}  {previous} -> {current}"
            if failure:
                line += f"  FAILED: {describe_failure(event)}"
            print(line, file=self.stream, flush=True)
        elif self._live is not None:
            if failure:
                self._live.failed(f"{event.kind.value} {event.job_id}: {describe_failure(event)}")
            self._live.update(self.status)

    def note(self, text: str) -> None:
        """Show a message for people (never on the JSON stream, nor among a pipe's lines)."""
        if self._live is not None:
            self._live.note(text)
        else:
            print(text, file=self.people, flush=True)

    def refresh(self, status: str) -> None:
        """Update the status line (requests and budget)."""
        self.status = status
        if self._live is not None:
            self._live.update(status)

    def stop(self) -> None:
        """Stop the live display."""
        if self._live is not None:
            self._live.stop(self.status)
            self._live = None

    def summary(self, figures: dict[str, Any]) -> None:
        """The closing summary: jobs by final state, then the run's figures; a table where rich
        is installed, lines where it is not."""
        rows = summary_rows(self.tally)
        if live_display_available():
            from cavatica_async.cli.live import print_summary

            print_summary(self.people, rows, figures)
        else:
            print("Summary", file=self.people)
            for kind, jobs, finals in rows:
                print(f"  {kind}: {jobs} jobs: {finals}", file=self.people)
            for name, value in figures.items():
                print(f"  {name}: {value}", file=self.people)
            self.people.flush()

    def _rows(self) -> list[tuple[str, int, int, str]]:
        rows = []
        for kind, total in self.tally.total.items():
            states = ", ".join(
                f"{state} {count}"
                for state, count in sorted(self.tally.current[kind].items())
                if count
            )
            rows.append((kind.value, total, self.tally.finished(kind), states))
        return rows


class LiveDisplay(Protocol):
    """The live table of `cli.live`, as `View` drives it."""

    def start(self, status: str) -> None:
        """Begin drawing."""

    def update(self, status: str) -> None:
        """Draw the table again."""

    def failed(self, text: str) -> None:
        """Print a failure above the table."""

    def note(self, text: str) -> None:
        """Print a message above the table."""

    def stop(self, status: str) -> None:
        """Draw the last time and stop."""


def summary_rows(tally: Tally) -> list[tuple[str, str, str]]:
    """The summary's rows: kind, jobs, final states (and how many are not final yet)."""
    rows = []
    for kind, total in tally.total.items():
        finals = ", ".join(
            f"{state} {n}" for state, n in sorted(tally.final.get(kind, Counter()).items())
        )
        unfinished = total - tally.finished(kind)
        if unfinished:
            finals += f"{', ' if finals else ''}not final yet {unfinished}"
        rows.append((kind.value, str(total), finals))
    return rows


def is_terminal(stream: IO[str]) -> bool:
    """Whether `stream` is a terminal (False for anything that cannot say)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def live_display_available() -> bool:
    """Whether the live display's library (rich, the `cli` extra) is installed."""
    return importlib.util.find_spec("rich") is not None

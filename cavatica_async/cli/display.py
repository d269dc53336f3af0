"""What the command line shows: a live table in a terminal, plain lines in a pipe, JSON lines."""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import IO, Any

import attrs
from rich.console import Console, Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table

from cavatica_async.events import JobEvent, JobKind
from cavatica_async.models import AsyncFileJob, DrsImportJob, ExportJob, ImportJob


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
    """Shows progress: `start`, `event` per event, `note` for messages, `stop` at the end."""

    def __init__(self, tally: Tally, *, mode: str, stream: IO[str] | None = None) -> None:
        self.tally = tally
        self.stream = stream if stream is not None else sys.stdout
        # JSON lines go to stdout alone; everything for people goes to stderr then.
        self.console = Console(file=sys.stderr if mode == "json" else self.stream)
        self.mode = "live" if mode == "auto" and self.console.is_terminal else mode
        if self.mode == "auto":
            self.mode = "plain"
        self.status = ""
        self._live: Live | None = None

    def start(self) -> None:
        """Begin showing."""
        if self.mode == "live":
            self._live = Live(self._render(), console=self.console, refresh_per_second=8)
            self._live.start()

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
                self._live.console.print(
                    f"[red]failed[/] {event.kind.value} {event.job_id}: {describe_failure(event)}"
                )
            self._live.update(self._render())

    def note(self, text: str) -> None:
        """Show a message for people (never on the JSON stream)."""
        if self._live is not None:
            self._live.console.print(text, highlight=False)
        else:
            self.console.print(text, highlight=False, soft_wrap=True)

    def refresh(self, status: str) -> None:
        """Update the status line (requests and budget)."""
        self.status = status
        if self._live is not None:
            self._live.update(self._render())

    def stop(self) -> None:
        """Stop the live display."""
        if self._live is not None:
            self._live.update(self._render())
            self._live.stop()
            self._live = None

    def _render(self) -> Group:
        table = Table(box=None, pad_edge=False)
        for column in ("kind", "progress", "done", "states"):
            table.add_column(column)
        for kind, total in self.tally.total.items():
            done = self.tally.finished(kind)
            states = ", ".join(
                f"{state} {count}"
                for state, count in sorted(self.tally.current[kind].items())
                if count
            )
            table.add_row(
                kind.value,
                ProgressBar(total=total, completed=done, width=30),
                f"{done}/{total}",
                states,
            )
        return Group(table, self.status)


def summary_table(tally: Tally, figures: dict[str, Any]) -> Table:
    """The closing summary: jobs by final state, then the run's figures."""
    table = Table(title="Summary", show_header=True)
    table.add_column("kind")
    table.add_column("jobs", justify="right")
    table.add_column("final states")
    for kind, total in tally.total.items():
        finals = ", ".join(
            f"{state} {n}" for state, n in sorted(tally.final.get(kind, Counter()).items())
        )
        unfinished = total - tally.finished(kind)
        if unfinished:
            finals += f"{', ' if finals else ''}not final yet {unfinished}"
        table.add_row(kind.value, str(total), finals)
    table.add_section()
    for name, value in figures.items():
        table.add_row(name, str(value), "")
    return table

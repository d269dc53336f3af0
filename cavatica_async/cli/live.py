"""The live tables of `watch`, `demo` and the transfers, and the summary table, drawn with rich
(the `cli` extra): imported only when there is a table to draw, so the command line runs
without rich."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import IO, Any

from rich.console import Console, Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table

from cavatica_async.cli.transfer_output import ENDED, SHOWN
from cavatica_async.transfers import Progress

Rows = Callable[[], Sequence[tuple[str, int, int, str]]]


class WatchTable:
    """`watch` and `demo` in a terminal: a bar per kind, its states, and the status line."""

    def __init__(self, stream: IO[str], rows: Rows) -> None:
        self._rows = rows
        self._live = Live(console=Console(file=stream), refresh_per_second=8)

    def start(self, status: str) -> None:
        """Begin drawing."""
        self._live.update(self._render(status))
        self._live.start()

    def update(self, status: str) -> None:
        """Draw the table again."""
        self._live.update(self._render(status))

    def failed(self, text: str) -> None:
        """Print a failure above the table."""
        self._live.console.print(f"[red]failed[/] {text}")

    def note(self, text: str) -> None:
        """Print a message above the table."""
        self._live.console.print(text, highlight=False)

    def stop(self, status: str) -> None:
        """Draw the last time and stop."""
        self._live.update(self._render(status))
        self._live.stop()

    def _render(self, status: str) -> Group:
        table = Table(box=None, pad_edge=False)
        for column in ("kind", "progress", "done", "states"):
            table.add_column(column)
        for kind, total, done, states in self._rows():
            table.add_row(
                kind, ProgressBar(total=total, completed=done, width=30), f"{done}/{total}", states
            )
        return Group(table, status)


class TransferTable:
    """A transfer in a terminal (on stderr): its table redrawn at each progress tick."""

    def __init__(self, stream: IO[str]) -> None:
        # Stdout stays where it goes: rich would otherwise show its lines on the terminal.
        console = Console(file=stream)
        self._live = Live(console=console, auto_refresh=False, redirect_stdout=False)
        self._live.start()

    def update(self, progress: Progress, kinds: dict[str, dict[str, int]]) -> None:
        """Draw the table for this tick."""
        self._live.update(progress_table(progress, kinds), refresh=True)

    def stop(self) -> None:
        """Leave the last table on the screen."""
        self._live.stop()


def print_summary(
    stream: IO[str], rows: Sequence[tuple[str, str, str]], figures: dict[str, Any]
) -> None:
    """The closing summary as a table: jobs by final state, then the run's figures."""
    table = Table(title="Summary", show_header=True)
    table.add_column("kind")
    table.add_column("jobs", justify="right")
    table.add_column("final states")
    for row in rows:
        table.add_row(*row)
    table.add_section()
    for name, value in figures.items():
        table.add_row(name, str(value), "")
    Console(file=stream).print(table)


def progress_table(progress: Progress, kinds: dict[str, dict[str, int]]) -> Table:
    """The live view: items per state for each kind, then requests, budget and time left."""
    table = Table(title=f"transfer: {progress.phase}", title_justify="left")
    table.add_column("kind")
    table.add_column("ended")
    table.add_column("", justify="right")
    for state in SHOWN:
        # The journal's `done` holds failed jobs too; here they are apart.
        table.add_column("completed" if state == "done" else state, justify="right")
    for kind, counts in kinds.items():
        total = sum(counts.values())
        if total:
            ended = sum(counts.get(state, 0) for state in ENDED)
            # Plain colours: a 16-colour terminal shows rich's default finished bar as grey.
            bar = ProgressBar(
                total=total,
                completed=ended,
                width=20,
                complete_style="yellow",
                finished_style="green",
            )
            states = (str(counts.get(state, 0)) for state in SHOWN)
            table.add_row(kind, bar, f"{ended:,}/{total:,}", *states)
    left = "?" if progress.seconds_left is None else f"{progress.seconds_left:,.0f} s"
    remaining = "?" if progress.remaining is None else str(progress.remaining)
    table.caption = (
        f"{progress.failed} failed · {progress.requests} requests, {remaining} left this "
        f"window · {progress.start_calls} start calls · about {left} to go"
    )
    return table

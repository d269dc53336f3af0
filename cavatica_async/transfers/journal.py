"""The transfer journal: every item's request, state and job in one SQLite file.

What a run has started must survive the process: the intent to start an item is committed
before the start call is sent, and the job id as soon as the answer arrives, so that after a
crash nothing the platform may have accepted is sent again unreconciled.

One connection, used from one worker thread at a time (anyio's `to_thread` with a limiter of
one): sqlite3 blocks, and an event loop must not. aiosqlite does the same with a thread of its
own, but it is built on asyncio's futures and does not run under trio.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

import anyio
import anyio.to_thread

from cavatica_async.transfers.journal_lock import JournalError, held_by_a_run, release_lock
from cavatica_async.transfers.journal_open import connect_journal, connect_read_only
from cavatica_async.transfers.journal_reader import JournalReader
from cavatica_async.transfers.journal_rows import (
    SCHEMA_VERSION,
    ItemState,
    JournalItem,
    transaction,
)

T = TypeVar("T")
__all__ = ["SCHEMA_VERSION", "ItemState", "Journal", "JournalError", "JournalItem"]


class Journal(JournalReader):
    """A transfer's items in SQLite (WAL); open with `await Journal.open(path)`."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        clock: Callable[[], float],
        lock: IO[str] | None = None,
    ) -> None:
        super().__init__(connection)
        self._lock = lock
        self._clock = clock
        self._in_run = False

    @classmethod
    async def open(
        cls, path: str | Path, *, clock: Callable[[], float] = time.time, read_only: bool = False
    ) -> Journal:
        """Open (or create) the journal at `path`; `JournalError` if it is of another version.
        `read_only`: read a journal that exists, even one a run holds (for its status)."""
        if read_only:
            return cls(await anyio.to_thread.run_sync(connect_read_only, path), clock)
        connection, lock = await anyio.to_thread.run_sync(connect_journal, path)
        return cls(connection, clock, lock)

    @staticmethod
    def in_use(path: str | Path) -> bool:
        """Whether a run holds the journal at `path` now (for a status read beside it)."""
        return held_by_a_run(Path(path))

    def now(self) -> float:
        """The journal's clock now: the time its items' moments are in."""
        return self._clock()

    def begin_run(self) -> None:
        """Mark the journal as run by one transfer; `JournalError` if a run already has it (two
        `Transfer`s over one open journal would both start what is planned)."""
        if self._in_run:
            raise JournalError("this journal is in use by another run (docs/transfers.md#a-run)")
        self._in_run = True

    def end_run(self) -> None:
        """The run that began is over."""
        self._in_run = False

    async def aclose(self) -> None:
        """Close the database."""
        await self._run(lambda connection: connection.close())
        release_lock(self._lock)
        self._lock = None

    async def __aenter__(self) -> Journal:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def plan(self, kind: str, items: Iterable[tuple[str, dict[str, Any]]]) -> int:
        """Add (source, request) items of one kind as planned; one already in the journal with
        the same request is kept as it is. Returns how many were new. `ValueError`, and
        nothing planned, if a source comes with two requests (here or against the journal):
        an item is known by its source, and the second would be lost unseen."""
        now = self._clock()
        bodies: dict[str, str] = {}
        for source, request in items:
            body = json.dumps(request)
            if bodies.setdefault(source, body) != body:
                raise ValueError(f"{kind} source {source!r} is planned twice, with two requests")
        rows = [(kind, source, body, now) for source, body in bodies.items()]

        def insert(connection: sqlite3.Connection) -> int:
            with transaction(connection):
                before = connection.total_changes
                connection.executemany(
                    "INSERT OR IGNORE INTO items (kind, source, request, state, planned_at) "
                    "VALUES (?, ?, ?, 'planned', ?)",
                    rows,
                )
                added = connection.total_changes - before
                if added < len(rows):
                    _check_same(connection, kind, bodies)
                return added

        return await self._run(insert)

    async def mark_starting(self, ids: Sequence[int]) -> None:
        """Commit the intent to start these items: after a crash they are reconciled first."""
        now = self._clock()
        await self._update(
            "UPDATE items SET state = 'starting', attempts = attempts + 1, started_at = ? "
            "WHERE id = ? AND state = 'planned'",
            [(now, item_id) for item_id in ids],
        )

    async def mark_started(self, started: Sequence[tuple[int, str]]) -> None:
        """Record the job each item's start was given: (item id, job id)."""
        await self._update(
            "UPDATE items SET state = 'started', job_id = ? WHERE id = ? AND state = 'starting'",
            [(job_id, item_id) for item_id, job_id in started],
        )

    async def mark_refused(self, refused: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Record items the start call refused, with the platform's error."""
        now = self._clock()
        await self._update(
            "UPDATE items SET state = 'refused', error = ?, finished_at = ? WHERE id = ? "
            "AND state = 'starting'",
            [(json.dumps(error), now, item_id) for item_id, error in refused],
        )

    async def mark_found(self, found: Sequence[tuple[int, str]], note: str) -> None:
        """Record jobs reconciliation found for `starting` items: (item id, job id)."""
        await self._update(
            "UPDATE items SET state = 'started', job_id = ?, note = ? "
            "WHERE id = ? AND state = 'starting'",
            [(job_id, note, item_id) for item_id, job_id in found],
        )

    async def mark_done_by_effect(self, ids: Sequence[int], note: str) -> None:
        """Record `starting` items whose effect the platform shows, their job unknown."""
        now = self._clock()
        await self._update(
            "UPDATE items SET state = 'done', job_state = 'COMPLETED', note = ?, finished_at = ? "
            "WHERE id = ? AND state = 'starting'",
            [(note, now, item_id) for item_id in ids],
        )

    async def mark_planned(self, ids: Sequence[int]) -> None:
        """Put items back to planned: reconciliation found that their start never took."""
        await self._update(
            "UPDATE items SET state = 'planned' WHERE id = ? AND state = 'starting'",
            [(item_id,) for item_id in ids],
        )

    async def mark_unsure(self, unsure: Sequence[tuple[int, str]]) -> None:
        """Record items reconciliation could not decide, with why."""
        now = self._clock()
        await self._update(
            "UPDATE items SET state = 'unsure', note = ?, finished_at = ? WHERE id = ? "
            "AND state IN ('starting', 'started')",
            [(why, now, item_id) for item_id, why in unsure],
        )

    async def replan(
        self, *, unsure: bool = False, refused: bool = False, failed: bool = False
    ) -> int:
        """Plan again every item that is `unsure`, `refused`, or done with a job that did not
        complete, as chosen (the user's explicit choice: an unsure item may have started).
        Their job, error and note are cleared; attempts are kept. Returns how many."""
        wanted = (unsure, refused, failed)

        def update(connection: sqlite3.Connection) -> int:
            with transaction(connection):
                return connection.execute(
                    "UPDATE items SET state = 'planned', job_id = NULL, job_state = NULL, "
                    "error = NULL, note = NULL, finished_at = NULL WHERE (?1 AND state = "
                    "'unsure') OR (?2 AND state = 'refused') OR (?3 AND state = 'done' AND "
                    "job_state IS NOT 'COMPLETED')",
                    wanted,
                ).rowcount

        return await self._run(update) if any(wanted) else 0

    async def record_ends(
        self,
        ends: Sequence[tuple[str, str, Sequence[tuple[int, str, dict[str, Any] | None]]]],
        unsure: Sequence[tuple[int, str]] = (),
        meta: dict[str, str] | None = None,
    ) -> None:
        """In one transaction: what each ended job did to each of its `started` items
        (kind, job id, [(item id, COMPLETED or FAILED, error)]), items whose job the platform
        no longer knows (item id, why), and named values that must not be on disk before
        those ends (the watcher's snapshot, which reports them final)."""
        now = self._clock()
        results = [
            (state, None if error is None else json.dumps(error), now, item_id, kind, job_id)
            for kind, job_id, items in ends
            for item_id, state, error in items
        ]

        def write(connection: sqlite3.Connection) -> None:
            with transaction(connection):
                connection.executemany(
                    "UPDATE items SET state = 'done', job_state = ?, error = ?, finished_at = ? "
                    "WHERE id = ? AND kind = ? AND job_id = ? AND state = 'started'",
                    results,
                )
                connection.executemany(
                    "UPDATE items SET state = 'unsure', note = ?, finished_at = ? WHERE id = ? "
                    "AND state = 'started'",
                    [(why, now, item_id) for item_id, why in unsure],
                )
                connection.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)", list((meta or {}).items())
                )

        await self._run(write)

    async def save_meta(self, key: str, value: str) -> None:
        """Keep one named value (the watcher's snapshot, the run's options)."""
        await self._update("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(key, value)])

    async def _update(self, statement: str, rows: list[tuple[Any, ...]]) -> None:
        def update(connection: sqlite3.Connection) -> None:
            with transaction(connection):
                connection.executemany(statement, rows)

        await self._run(update)


def _check_same(connection: sqlite3.Connection, kind: str, bodies: dict[str, str]) -> None:
    """`ValueError` if a source already in the journal was planned with another request."""
    for source, body in bodies.items():
        row = connection.execute(
            "SELECT request FROM items WHERE kind = ? AND source = ?", (kind, source)
        ).fetchone()
        if row is not None and row[0] != body:
            raise ValueError(
                f"{kind} source {source!r} is in this journal with another request: {row[0]}; "
                "a journal keeps one request per source (start another journal for another)"
            )

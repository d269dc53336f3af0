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

from cavatica_async.transfers.journal_lock import JournalError, release_lock
from cavatica_async.transfers.journal_open import connect_journal
from cavatica_async.transfers.journal_rows import (
    SCHEMA_VERSION,
    SELECT_ITEMS,
    ItemState,
    JournalItem,
    item_of_row,
    transaction,
)

T = TypeVar("T")
__all__ = ["SCHEMA_VERSION", "ItemState", "Journal", "JournalError", "JournalItem"]


class Journal:
    """A transfer's items in SQLite (WAL); open with `await Journal.open(path)`."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        clock: Callable[[], float],
        lock: IO[str] | None = None,
    ) -> None:
        self._connection = connection
        self._lock = lock
        self._clock = clock
        self._limiter = anyio.CapacityLimiter(1)
        self._in_run = False

    @classmethod
    async def open(cls, path: str | Path, *, clock: Callable[[], float] = time.time) -> Journal:
        """Open (or create) the journal at `path`; `JournalError` if it is of another version."""

        connection, lock = await anyio.to_thread.run_sync(connect_journal, path)
        return cls(connection, clock, lock)

    def begin_run(self) -> None:
        """Mark the journal as run by one transfer; `JournalError` if a run already has it (two
        `Transfer`s over one open journal would both start what is planned)."""
        if self._in_run:
            raise JournalError("this journal is in use by another run (docs/transfers.md#a-run)")
        self._in_run = True

    def end_run(self) -> None:
        """The run that began is over."""
        self._in_run = False

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        # One statement group at a time, in a worker thread; a cancelled caller still lets a
        # transaction that began finish (the thread cannot be stopped), so nothing half-written
        # is left behind.
        try:
            return await anyio.to_thread.run_sync(work, self._connection, limiter=self._limiter)
        except sqlite3.Error as exc:  # closed, disk full, locked by another program
            raise JournalError(f"the journal cannot be used: {exc}") from None

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
        await self._update(
            "UPDATE items SET state = 'unsure', note = ? WHERE id = ? "
            "AND state IN ('starting', 'started')",
            [(why, item_id) for item_id, why in unsure],
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

    async def failed(self, kind: str | None = None) -> int:
        """How many items (of `kind`, None: any) are done with a job that did not complete."""

        def count(connection: sqlite3.Connection) -> int:
            return int(
                connection.execute(
                    "SELECT COUNT(*) FROM items WHERE state = 'done' AND job_state IS NOT "
                    "'COMPLETED' AND (?1 IS NULL OR kind = ?1)",
                    (kind,),
                ).fetchone()[0]
            )

        return await self._run(count)

    async def started_items(
        self, jobs: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], list[JournalItem]]:
        """The `started` items of each (kind, job id), in one read."""
        wanted = list(dict.fromkeys(jobs))
        query = f"{SELECT_ITEMS} WHERE state = 'started' AND kind = ? AND job_id = ? ORDER BY id"

        def select(connection: sqlite3.Connection) -> dict[tuple[str, str], list[JournalItem]]:
            return {job: [item_of_row(r) for r in connection.execute(query, job)] for job in wanted}

        return await self._run(select)

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
                    "UPDATE items SET state = 'unsure', note = ? WHERE id = ? AND state = "
                    "'started'",
                    [(why, item_id) for item_id, why in unsure],
                )
                connection.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)", list((meta or {}).items())
                )

        await self._run(write)

    async def items(
        self,
        state: ItemState | None = None,
        *,
        kind: str | None = None,
        job_id: str | None = None,
        limit: int = -1,
    ) -> list[JournalItem]:
        """Items in `state`, of `kind`, of the job `job_id` (None: any), oldest first."""
        wanted = None if state is None else ItemState(state).value
        query = (
            f"{SELECT_ITEMS} WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR kind = ?2) "
            "AND (?3 IS NULL OR job_id = ?3) ORDER BY id LIMIT ?4"
        )

        def select(connection: sqlite3.Connection) -> list[JournalItem]:
            rows = connection.execute(query, (wanted, kind, job_id, limit))
            return [item_of_row(row) for row in rows]

        return await self._run(select)

    async def job_ids(self, kind: str) -> set[str]:
        """Every job id the journal holds for items of `kind`."""

        def select(connection: sqlite3.Connection) -> set[str]:
            rows = connection.execute(
                "SELECT DISTINCT job_id FROM items WHERE kind = ? AND job_id IS NOT NULL", (kind,)
            )
            return {str(job_id) for (job_id,) in rows}

        return await self._run(select)

    async def held_jobs(self, kind: str, job_ids: Sequence[str]) -> set[str]:
        """Which of `job_ids` the journal already holds for items of `kind`."""
        wanted = sorted(set(job_ids))

        def select(connection: sqlite3.Connection) -> set[str]:
            query = "SELECT 1 FROM items WHERE kind = ? AND job_id = ? LIMIT 1"
            return {j for j in wanted if connection.execute(query, (kind, j)).fetchone()}

        return await self._run(select) if wanted else set()

    async def counts(self, kind: str | None = None) -> dict[ItemState, int]:
        """How many items (of `kind`, None: any) are in each state."""

        def count(connection: sqlite3.Connection) -> dict[ItemState, int]:
            rows = connection.execute(
                "SELECT state, COUNT(*) FROM items WHERE ?1 IS NULL OR kind = ?1 GROUP BY state",
                (kind,),
            )
            found = {ItemState(state): number for state, number in rows}
            return {state: found.get(state, 0) for state in ItemState}

        return await self._run(count)

    async def save_meta(self, key: str, value: str) -> None:
        """Keep one named value (the watcher's snapshot, the run's options)."""
        await self._update("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(key, value)])

    async def meta(self, key: str) -> str | None:
        """A value kept with `save_meta`, or None."""

        def select(connection: sqlite3.Connection) -> str | None:
            row = connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return None if row is None else str(row[0])

        return await self._run(select)

    async def integrity_check(self) -> str:
        """SQLite's own check of the file: 'ok' when sound."""
        return await self._run(
            lambda connection: str(connection.execute("PRAGMA integrity_check").fetchone()[0])
        )

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

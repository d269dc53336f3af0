"""The transfer journal: every item's request, state and job in one SQLite file.

What a run has started must survive the process: the intent to start an item is committed
before the start call is sent, and the job id as soon as the answer arrives, so that after a
crash nothing the platform may have accepted is sent again unreconciled.

One connection, used from one worker thread at a time (anyio's `to_thread` with a limiter of
one): sqlite3 blocks, and an event loop must not. aiosqlite does the same with a thread of its
own, but it is built on asyncio's futures and does not run under trio.
"""

from __future__ import annotations

import enum
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

import anyio
import anyio.to_thread
import attrs

from cavatica_async.transfers.journal_lock import JournalError, hold_lock, release_lock

T = TypeVar("T")

SCHEMA_VERSION = 1
# The schema, version 1: plain tables a user may read with the sqlite3 shell. A change to it
# is a new version, and a journal of another version is refused rather than misread.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,              -- export, import, drs_import, copy, move, delete
    source TEXT NOT NULL,            -- what the item moves: a file id, a location, a DRS URI
    request TEXT NOT NULL,           -- the JSON item the start call sends
    state TEXT NOT NULL,             -- planned, starting, started, done, refused, unsure
    job_id TEXT,                     -- the platform's job, once its start was answered
    job_state TEXT,                  -- the job's final state (COMPLETED, FAILED, ...)
    error TEXT,                      -- the platform's error object, as JSON
    note TEXT,                       -- how reconciliation decided the item, if it did
    attempts INTEGER NOT NULL DEFAULT 0,
    planned_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    UNIQUE (kind, source)
);
CREATE INDEX IF NOT EXISTS items_by_state ON items (state);
CREATE INDEX IF NOT EXISTS items_by_job ON items (kind, job_id);
"""


class ItemState(str, enum.Enum):
    """Where an item of a transfer stands."""

    PLANNED = "planned"  # nothing sent yet
    STARTING = "starting"  # a start call may have gone out: reconcile before anything else
    STARTED = "started"  # the platform gave it a job
    DONE = "done"  # its job ended (COMPLETED or FAILED, in job_state)
    REFUSED = "refused"  # the start call refused it (error); nothing was started
    UNSURE = "unsure"  # reconciliation could not tell whether it started


@attrs.frozen
class JournalItem:
    """One item as the journal holds it."""

    id: int
    kind: str
    source: str
    request: dict[str, Any]
    state: ItemState
    job_id: str | None
    job_state: str | None
    error: dict[str, Any] | None
    attempts: int
    note: str | None = None
    started_at: float | None = None  # when its start was last announced (wall seconds)


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

    @classmethod
    async def open(cls, path: str | Path, *, clock: Callable[[], float] = time.time) -> Journal:
        """Open (or create) the journal at `path`; `JournalError` if it is of another version."""

        def connect() -> tuple[sqlite3.Connection, IO[str] | None]:
            # One run at a time: two would both start what is planned. The lock is the
            # operating system's, so a run that dies lets go of it (docs/transfers.md#the-journal).
            lock = hold_lock(Path(path))
            try:
                connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            except sqlite3.Error as exc:
                release_lock(lock)
                raise JournalError(f"{path} cannot be opened as a journal: {exc}") from None
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                # FULL: a commit is on disk before the start call it announces is sent.
                connection.execute("PRAGMA synchronous=FULL")
                connection.executescript(_SCHEMA)
                row = connection.execute(
                    "SELECT value FROM meta WHERE key = 'schema_version'"
                ).fetchone()
                if row is None:
                    connection.execute(
                        "INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                    )
                elif row[0] != str(SCHEMA_VERSION):
                    raise JournalError(
                        f"{path} is a journal of schema version {row[0]}, this library writes "
                        f"version {SCHEMA_VERSION}"
                    )
            except sqlite3.DatabaseError as exc:
                connection.close()
                release_lock(lock)
                raise JournalError(f"{path} is not a transfer journal: {exc}") from None
            except JournalError:
                connection.close()
                release_lock(lock)
                raise
            return connection, lock

        connection, lock = await anyio.to_thread.run_sync(connect)
        return cls(connection, clock, lock)

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        # One statement group at a time, in a worker thread; a cancelled caller still lets a
        # transaction that began finish (the thread cannot be stopped), so nothing half-written
        # is left behind.
        return await anyio.to_thread.run_sync(work, self._connection, limiter=self._limiter)

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
        """Add (source, request) items of one kind as planned; those already planned are kept
        as they are. Returns how many were new."""
        now = self._clock()
        rows = [(kind, source, json.dumps(request), now) for source, request in items]

        def insert(connection: sqlite3.Connection) -> int:
            with _transaction(connection):
                before = connection.total_changes
                connection.executemany(
                    "INSERT OR IGNORE INTO items (kind, source, request, state, planned_at) "
                    "VALUES (?, ?, ?, 'planned', ?)",
                    rows,
                )
                return connection.total_changes - before

        return await self._run(insert)

    async def mark_starting(self, ids: Sequence[int]) -> None:
        """Commit the intent to start these items: after a crash they are reconciled first."""
        now = self._clock()
        await self._update(
            "UPDATE items SET state = 'starting', attempts = attempts + 1, started_at = ? "
            "WHERE id = ? AND state IN ('planned', 'starting')",
            [(now, item_id) for item_id in ids],
        )

    async def mark_started(self, started: Sequence[tuple[int, str]]) -> None:
        """Record the job each item's start was given: (item id, job id)."""
        await self._update(
            "UPDATE items SET state = 'started', job_id = ? WHERE id = ?",
            [(job_id, item_id) for item_id, job_id in started],
        )

    async def mark_refused(self, refused: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Record items the start call refused, with the platform's error."""
        now = self._clock()
        await self._update(
            "UPDATE items SET state = 'refused', error = ?, finished_at = ? WHERE id = ?",
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
            "UPDATE items SET state = 'unsure', note = ? WHERE id = ?",
            [(why, item_id) for item_id, why in unsure],
        )

    async def retry_unsure(self) -> int:
        """Plan every `unsure` item again (the user's explicit choice); returns how many."""

        def update(connection: sqlite3.Connection) -> int:
            with _transaction(connection):
                return connection.execute(
                    "UPDATE items SET state = 'planned', job_id = NULL WHERE state = 'unsure'"
                ).rowcount

        return await self._run(update)

    async def mark_done(
        self, kind: str, job_id: str, job_state: str, error: dict[str, Any] | None = None
    ) -> int:
        """Record a job's final state on the items it carries; returns how many."""
        now = self._clock()

        def update(connection: sqlite3.Connection) -> int:
            with _transaction(connection):
                cursor = connection.execute(
                    "UPDATE items SET state = 'done', job_state = ?, error = ?, finished_at = ? "
                    "WHERE kind = ? AND job_id = ? AND state = 'started'",
                    (job_state, None if error is None else json.dumps(error), now, kind, job_id),
                )
                return cursor.rowcount

        return await self._run(update)

    async def mark_results(
        self, kind: str, job_id: str, results: Sequence[tuple[int, str, dict[str, Any] | None]]
    ) -> None:
        """Record what one job did to each of its items: (item id, COMPLETED or FAILED, error)."""
        now = self._clock()
        await self._update(
            "UPDATE items SET state = 'done', job_state = ?, error = ?, finished_at = ? "
            "WHERE id = ? AND kind = ? AND job_id = ? AND state = 'started'",
            [
                (state, None if error is None else json.dumps(error), now, item_id, kind, job_id)
                for item_id, state, error in results
            ],
        )

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
            "SELECT id, kind, source, request, state, job_id, job_state, error, attempts, note, "
            "started_at FROM items WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR kind = ?2) "
            "AND (?3 IS NULL OR job_id = ?3) ORDER BY id LIMIT ?4"
        )

        def select(connection: sqlite3.Connection) -> list[JournalItem]:
            rows = connection.execute(query, (wanted, kind, job_id, limit))
            return [_item(row) for row in rows]

        return await self._run(select)

    async def job_ids(self, kind: str) -> set[str]:
        """Every job id the journal holds for items of `kind`."""

        def select(connection: sqlite3.Connection) -> set[str]:
            rows = connection.execute(
                "SELECT DISTINCT job_id FROM items WHERE kind = ? AND job_id IS NOT NULL", (kind,)
            )
            return {str(job_id) for (job_id,) in rows}

        return await self._run(select)

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
            with _transaction(connection):
                connection.executemany(statement, rows)

        await self._run(update)


class _transaction:  # noqa: N801 (used as a statement: `with _transaction(c):`)
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on an error: one durable step."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def __enter__(self) -> None:
        self._connection.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self._connection.execute("ROLLBACK" if kind is not None else "COMMIT")


def _item(row: tuple[Any, ...]) -> JournalItem:
    item_id, kind, source, request, state, job_id, job_state, error, attempts, note, at = row
    return JournalItem(
        id=item_id,
        kind=kind,
        source=source,
        request=json.loads(request),
        state=ItemState(state),
        job_id=job_id,
        job_state=job_state,
        error=None if error is None else json.loads(error),
        attempts=attempts,
        note=note,
        started_at=at,
    )

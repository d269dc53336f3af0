"""The journal's rows: its schema, an item's states, and one item as read back."""

from __future__ import annotations

import enum
import json
import sqlite3
from typing import Any

import attrs

from cavatica_async.transfers.journal_lock import JournalError

SCHEMA_VERSION = 1
"""The journal's schema version; a journal of another version is refused, not misread."""
# The schema, version 1: plain tables a user may read with the sqlite3 shell. A change to it
# is a new version, and a journal of another version is refused rather than misread.
SCHEMA = """
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
    finished_at: float | None = None  # when it reached its end (wall seconds)


class transaction:  # noqa: N801 (used as a statement: `with transaction(c):`)
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on an error: one durable step."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def __enter__(self) -> None:
        self._connection.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self._connection.execute("ROLLBACK" if kind is not None else "COMMIT")


# The columns `item_of_row` reads, in its order.
SELECT_ITEMS = (
    "SELECT id, kind, source, request, state, job_id, job_state, error, attempts, note, "
    "started_at, finished_at FROM items"
)


def item_of_row(row: tuple[Any, ...]) -> JournalItem:
    """One row of `items` as a `JournalItem`; `JournalError` naming the row if it is not one
    (a journal edited by hand, say)."""
    item_id, kind, source, request, state, job_id, job_state, error, attempts, note, at, end = row
    try:
        body = json.loads(request)
        if not isinstance(body, dict):
            raise ValueError("the request is not a JSON object")
        return JournalItem(
            id=item_id,
            kind=kind,
            source=source,
            request=body,
            state=ItemState(state),
            job_id=job_id,
            job_state=job_state,
            error=None if error is None else json.loads(error),
            attempts=attempts,
            note=note,
            started_at=at,
            finished_at=end,
        )
    except (TypeError, ValueError, RecursionError) as exc:
        problem = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise JournalError(f"the journal's item {item_id} cannot be read: {problem}") from None

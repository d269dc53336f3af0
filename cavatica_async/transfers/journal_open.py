"""Opening a journal file: the lock, the pragmas, the schema, and the checks that refuse a
file that is not a journal, or one no run could finish, before anything is written to it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import IO

from cavatica_async.transfers.journal_lock import JournalError, hold_lock, release_lock
from cavatica_async.transfers.journal_rows import SCHEMA, SCHEMA_VERSION, ItemState
from cavatica_async.transfers.requests import KINDS

# Our own constants only, no input: the tables, then the version row if there is none.
_CREATE = f"""BEGIN IMMEDIATE;
{SCHEMA}
INSERT OR IGNORE INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}');
COMMIT;"""  # noqa: S608


def connect_journal(path: str | Path) -> tuple[sqlite3.Connection, IO[str] | None]:
    """A journal's connection and lock, the schema checked (`JournalError` if it cannot)."""
    # One run at a time: two would both start what is planned. The lock is the
    # operating system's, so a run that dies lets go of it (docs/transfers.md#the-journal).
    # By its one real name: SQLite keeps its side files (-wal, -shm) and we keep the lock per
    # name, so a run through a symbolic link would share neither with a run through the file.
    path = Path(path).resolve()
    lock = hold_lock(path)
    try:
        connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    except sqlite3.Error as exc:
        release_lock(lock)
        raise JournalError(f"{path} cannot be opened as a journal: {exc}") from None
    try:
        _check_ours(connection, path)
        connection.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before the start call it announces is sent.
        connection.execute("PRAGMA synchronous=FULL")
        # The tables and their version in one transaction: a run killed while it creates the
        # journal leaves no file the next run would refuse (docs/transfers.md#the-journal).
        connection.executescript(_CREATE)
        version = _schema_version(connection)
        if version != str(SCHEMA_VERSION):
            raise JournalError(
                f"{path} is a journal of schema version {version}, this library writes "
                f"version {SCHEMA_VERSION}"
            )
        _check_rows(connection, path)
    except sqlite3.DatabaseError as exc:
        connection.close()
        release_lock(lock)
        raise JournalError(f"{path} is not a transfer journal: {exc}") from None
    except JournalError:
        connection.close()
        release_lock(lock)
        raise
    return connection, lock


def _check_ours(connection: sqlite3.Connection, path: str | Path) -> None:
    """`JournalError` for a database that holds tables and is not a journal: it is read before
    anything is written, so another program's file is left as it was."""
    names = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
    tables = names & {"meta", "items"}
    if {name for name in names - _JOURNAL_NAMES if not name.startswith("sqlite_")}:
        raise JournalError(f"{path} is not a transfer journal: it holds other tables")
    if tables == {"meta", "items"} and _schema_version(connection) is not None:
        return
    # Our tables, some or all, without a version: empty, they are a journal whose creation a
    # killed run cut short (earlier builds committed each table and the version apart), and
    # there is nothing in them to misread.
    if any(_holds_rows(connection, table) for table in tables):
        raise JournalError(f"{path} is not a transfer journal: it has no schema version")


def _schema_version(connection: sqlite3.Connection) -> object:
    """The version the journal's `meta` table records, as stored (a text unless edited by
    hand), or None if it records none."""
    row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return None if row is None else row[0]


# What the schema creates; SQLite's own `sqlite_*` names may stand beside them.
_JOURNAL_NAMES = {"meta", "items", "items_by_state", "items_by_job"}


def _holds_rows(connection: sqlite3.Connection, table: str) -> bool:
    """Whether the journal's table `table` (`meta` or `items`) holds a row."""
    query = f"SELECT 1 FROM {table} LIMIT 1"  # noqa: S608 (one of our two names)
    return connection.execute(query).fetchone() is not None


def _check_rows(connection: sqlite3.Connection, path: str | Path) -> None:
    """`JournalError` naming the first row no run could take to an end (a journal edited by
    hand): an unknown kind or state, or an item started without a job."""
    states = {state.value for state in ItemState}
    for kind, state in connection.execute("SELECT DISTINCT kind, state FROM items").fetchall():
        if kind not in KINDS or state not in states:
            (item_id,) = connection.execute(
                "SELECT id FROM items WHERE kind = ? AND state = ? LIMIT 1", (kind, state)
            ).fetchone()
            raise JournalError(
                f"{path}: item {item_id} has kind {kind!r} and state {state!r}; the kinds are "
                f"{', '.join(KINDS)} and the states {', '.join(sorted(states))}"
            )
    row = connection.execute(
        "SELECT id FROM items WHERE state = 'started' AND job_id IS NULL LIMIT 1"
    ).fetchone()
    if row is not None:
        raise JournalError(f"{path}: item {row[0]} is started and has no job id")


def connect_read_only(path: str | Path) -> sqlite3.Connection:
    """A connection that reads a journal, a run's or not (no lock: a run may hold it), the
    file and its schema checked first (`JournalError` if it cannot be one)."""
    if not Path(path).is_file():
        raise JournalError(f"{path}: no journal there")
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    except sqlite3.Error as exc:
        raise JournalError(f"{path} cannot be read as a journal: {exc}") from None
    try:
        _check_ours(connection, path)
        version = _schema_version(connection)
    except (sqlite3.Error, JournalError) as exc:
        connection.close()  # never left for the collector (Python 3.13 warns of it)
        if isinstance(exc, JournalError):
            raise
        raise JournalError(f"{path} cannot be read as a journal: {exc}") from None
    if version != str(SCHEMA_VERSION):
        connection.close()
        raise JournalError(f"{path} is not a journal of schema version {SCHEMA_VERSION}")
    return connection

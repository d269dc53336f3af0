"""Reading a transfer journal: its items, counts and named values.

`Journal` writes; this base holds the connection, runs each statement group in a worker thread
(sqlite3 blocks, an event loop must not), and answers every question a run or a `status`
asks of the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import anyio
import anyio.to_thread

from cavatica_async.transfers.journal_lock import JournalError
from cavatica_async.transfers.journal_rows import SELECT_ITEMS, ItemState, JournalItem, item_of_row

T = TypeVar("T")


class JournalReader:
    """The read side of a journal over one SQLite connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._limiter = anyio.CapacityLimiter(1)

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        # One statement group at a time, in a worker thread; a cancelled caller still lets a
        # transaction that began finish (the thread cannot be stopped), so nothing half-written
        # is left behind.
        try:
            return await anyio.to_thread.run_sync(work, self._connection, limiter=self._limiter)
        except sqlite3.Error as exc:  # closed, disk full, locked by another program
            raise JournalError(f"the journal cannot be used: {exc}") from None

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

    async def ended_since(self, moment: float) -> list[JournalItem]:
        """Items that reached an end (done, refused, unsure) at `moment` or later, by when."""
        query = (
            f"{SELECT_ITEMS} WHERE state IN ('done', 'refused', 'unsure') AND finished_at >= ? "
            "ORDER BY finished_at, id"
        )

        def select(connection: sqlite3.Connection) -> list[JournalItem]:
            return [item_of_row(row) for row in connection.execute(query, (moment,))]

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

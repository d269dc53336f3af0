"""The transfer journal: states, durability across a killed process, versions, integrity."""

from __future__ import annotations

import sqlite3
import sys
import textwrap
from contextlib import closing
from pathlib import Path
from typing import Any

import anyio
import pytest

from cavatica_async.transfers import SCHEMA_VERSION, ItemState, Journal
from cavatica_async.transfers.journal_lock import JournalError, release_lock
from cavatica_async.transfers.journal_open import connect_journal
from cavatica_async.transfers.journal_rows import SCHEMA

pytestmark = pytest.mark.anyio


def export(file_id: str) -> tuple[str, dict[str, object]]:
    """A planned export item: (source, request)."""
    return file_id, {
        "source": {"file": file_id},
        "destination": {"volume": "o/v", "location": file_id},
    }


async def test_an_item_walks_its_states(tmp_path: Path) -> None:
    async with await Journal.open(tmp_path / "j.db") as journal:
        assert await journal.plan("export", [export("f1"), export("f2"), export("f3")]) == 3
        assert await journal.plan("export", [export("f1")]) == 0  # planned once only
        first, second, third = await journal.items(ItemState.PLANNED)
        await journal.mark_starting([first.id, second.id, third.id])
        await journal.mark_started([(first.id, "job-1"), (second.id, "job-2")])
        await journal.mark_refused([(third.id, {"status": 400, "code": 9101})])
        held = await journal.started_items([("export", "job-1"), ("export", "job-2")])
        assert {job: [i.source for i in items] for job, items in held.items()} == {
            ("export", "job-1"): ["f1"],
            ("export", "job-2"): ["f2"],
        }
        end_1 = ("export", "job-1", [(first.id, "COMPLETED", None)])
        await journal.record_ends([end_1], meta={"watcher_snapshot": "{}"})
        # Once: an item already done keeps its end.
        await journal.record_ends([("export", "job-1", [(first.id, "FAILED", None)])])
        await journal.record_ends([("export", "job-2", [(second.id, "FAILED", {"code": 9006})])])
        assert await journal.started_items([("export", "job-1")]) == {("export", "job-1"): []}
        assert await journal.meta("watcher_snapshot") == "{}"
        items = {item.source: item for item in await journal.items()}
        counts = await journal.counts()
    assert (items["f1"].state, items["f1"].job_id, items["f1"].job_state) == (
        ItemState.DONE,
        "job-1",
        "COMPLETED",
    )
    assert items["f2"].error == {"code": 9006}
    assert (items["f3"].state, items["f3"].error) == (
        ItemState.REFUSED,
        {"status": 400, "code": 9101},
    )
    assert items["f1"].attempts == 1
    assert counts[ItemState.DONE] == 2
    assert counts[ItemState.REFUSED] == 1
    assert counts[ItemState.PLANNED] == 0


async def test_starting_items_can_go_back_or_stay_unsure(tmp_path: Path) -> None:
    async with await Journal.open(tmp_path / "j.db") as journal:
        await journal.plan("copy", [export("a"), export("b")])
        a, b = await journal.items()
        await journal.mark_starting([a.id, b.id])
        await journal.mark_planned([a.id])
        await journal.mark_unsure([(b.id, "no job and no effect seen, but the list is partial")])
        states = {item.source: item.state for item in await journal.items()}
        by_kind = await journal.items(kind="export")
    assert states == {"a": ItemState.PLANNED, "b": ItemState.UNSURE}
    assert by_kind == []


async def test_what_was_committed_survives_a_killed_process(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    # A process plans 1,000 items, commits the intent to start half of them, then dies without
    # closing anything (os._exit: no cleanup at all), in the middle of its next write loop.
    script = textwrap.dedent(
        f"""
        import os, anyio
        from cavatica_async.transfers import Journal

        async def main():
            journal = await Journal.open({str(path)!r})
            await journal.plan("export", [(f"f{{n}}", {{"n": n}}) for n in range(1000)])
            items = await journal.items()
            await journal.mark_starting([i.id for i in items[:500]])
            print("committed", flush=True)
            for item in items[500:]:
                await journal.mark_starting([item.id])
                if item.id == 700:
                    os._exit(9)

        anyio.run(main)
        """
    )
    done = await anyio.run_process([sys.executable, "-c", script], check=False)
    assert done.returncode == 9
    assert b"committed" in done.stdout
    async with await Journal.open(path) as journal:
        counts = await journal.counts()
        check = await journal.integrity_check()
    assert check == "ok"
    assert counts[ItemState.STARTING] + counts[ItemState.PLANNED] == 1000
    assert counts[ItemState.STARTING] >= 500


async def test_another_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    async with await Journal.open(path):
        pass
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(JournalError, match="schema version 99"):
        await Journal.open(path)
    assert SCHEMA_VERSION == 1


@pytest.mark.parametrize("statements", [1, 2, 4])
async def test_a_journal_whose_creation_was_cut_short_is_taken_up(
    tmp_path: Path, statements: int
) -> None:
    # What a run killed after the first table, both, or every index left, before the tables
    # and the version were one commit.
    path = tmp_path / "j.db"
    with closing(sqlite3.connect(path)) as connection:
        connection.executescript(";".join(SCHEMA.split(";")[:statements]) + ";")
    async with await Journal.open(path) as journal:
        assert await journal.plan("export", [export("f1")]) == 1
        assert await journal.meta("schema_version") == str(SCHEMA_VERSION)


async def test_a_journal_is_created_in_one_commit(tmp_path: Path) -> None:
    # Every statement that creates it, traced: one BEGIN, one COMMIT, the version inside.
    path = tmp_path / "j.db"
    statements: list[str] = []
    real_connect = sqlite3.connect

    def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        opened: sqlite3.Connection = real_connect(*args, **kwargs)
        opened.set_trace_callback(statements.append)
        return opened

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sqlite3, "connect", traced)
        connection, lock = connect_journal(path)
    connection.close()
    release_lock(lock)
    writes = [
        statement.split()[0].rstrip(";").upper()
        for statement in statements
        if not statement.upper().startswith(("SELECT", "PRAGMA"))
    ]
    assert (writes[0], writes[-1]) == ("BEGIN", "COMMIT"), writes
    assert writes.count("BEGIN") == writes.count("COMMIT") == 1, writes
    assert "INSERT" in writes


async def test_tables_without_a_version_that_hold_rows_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.executescript(SCHEMA)
        connection.execute("INSERT INTO meta VALUES ('start_options', '{}')")
    with pytest.raises(JournalError, match="no schema version"):
        await Journal.open(path)


async def test_a_file_that_is_not_a_journal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(JournalError, match="not a transfer journal"):
        await Journal.open(path)


async def test_the_shell_can_read_it(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    async with await Journal.open(path) as journal:
        await journal.plan("delete", [export("x")])
        await journal.save_meta("watcher_snapshot", '{"jobs": []}')
        assert await journal.meta("watcher_snapshot") == '{"jobs": []}'
        assert await journal.meta("nothing") is None
    with closing(sqlite3.connect(path)) as connection, connection:
        rows = connection.execute("SELECT kind, source, state FROM items").fetchall()
    assert rows == [("delete", "x", "planned")]


async def test_one_run_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    async with await Journal.open(path):
        with pytest.raises(JournalError, match="in use by another run"):
            await Journal.open(path)
    async with await Journal.open(path) as again:  # closed: free again
        assert await again.integrity_check() == "ok"


async def test_one_run_at_a_time_through_a_symbolic_link(tmp_path: Path) -> None:
    path, link = tmp_path / "t.db", tmp_path / "alias.db"
    link.symlink_to(path)
    async with await Journal.open(path):
        with pytest.raises(JournalError, match="in use by another run"):
            await Journal.open(link)
    async with await Journal.open(link):
        with pytest.raises(JournalError, match="in use by another run"):
            await Journal.open(path)


async def test_a_journal_with_two_names_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    async with await Journal.open(path) as journal:
        await journal.plan("delete", [("x", {"file": "x"})])
    (tmp_path / "alias.db").hardlink_to(path)
    for name in (path, tmp_path / "alias.db"):
        with pytest.raises(JournalError, match="has 2 names"):
            await Journal.open(name)


async def test_a_path_that_cannot_be_a_journal(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="cannot be opened"):
        await Journal.open(tmp_path / "missing" / "t.db")


async def test_another_programs_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "theirs.db"
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE samples (name TEXT)")
    before = path.read_bytes()
    with pytest.raises(JournalError, match="holds other tables"):
        await Journal.open(path)
    assert path.read_bytes() == before
    with closing(sqlite3.connect(path)) as connection, connection:
        tables = connection.execute("SELECT name FROM sqlite_master").fetchall()
        mode = connection.execute("PRAGMA journal_mode").fetchone()
    assert (tables, mode) == ([("samples",)], ("delete",))


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("request", "{not json", "Expecting"),
        ("request", "[1]", "not a JSON object"),
        ("error", "[" * 100_000, "nested too deeply"),
    ],
)
async def test_a_row_edited_by_hand_is_a_journal_error(
    tmp_path: Path, column: str, value: str, problem: str
) -> None:
    path = tmp_path / "j.db"
    async with await Journal.open(path) as journal:
        await journal.plan("delete", [export("x")])
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(f"UPDATE items SET {column} = ?", (value,))  # noqa: S608
    async with await Journal.open(path) as journal:
        with pytest.raises(JournalError, match=f"item 1 cannot be read: .*{problem}"):
            await journal.items()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("state = 'lost'", "item 1 has kind 'delete' and state 'lost'"),
        ("kind = 'Delete'", "item 1 has kind 'Delete' and state 'planned'"),
        ("state = 'started'", "item 1 is started and has no job id"),
    ],
)
async def test_a_journal_no_run_could_finish_is_refused_at_open(
    tmp_path: Path, change: str, problem: str
) -> None:
    path = tmp_path / "j.db"
    async with await Journal.open(path) as journal:
        await journal.plan("delete", [export("x")])
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(f"UPDATE items SET {change}")  # noqa: S608
    with pytest.raises(JournalError, match=problem):
        await Journal.open(path)


async def test_a_closed_journal_is_a_journal_error(tmp_path: Path) -> None:
    journal = await Journal.open(tmp_path / "j.db")
    await journal.aclose()
    with pytest.raises(JournalError, match="closed"):
        await journal.counts()


async def test_one_run_of_an_open_journal_at_a_time(tmp_path: Path) -> None:
    async with await Journal.open(tmp_path / "j.db") as journal:
        journal.begin_run()
        with pytest.raises(JournalError, match="in use by another run"):
            journal.begin_run()
        journal.end_run()
        journal.begin_run()  # free again


async def test_a_source_planned_with_two_requests_is_refused(tmp_path: Path) -> None:
    async with await Journal.open(tmp_path / "j.db") as journal:
        first, other = export("f1"), ("f1", {"source": {"file": "f1"}, "destination": {}})
        with pytest.raises(ValueError, match="'f1' is planned twice"):
            await journal.plan("export", [export("f0"), first, other])
        assert sum((await journal.counts()).values()) == 0  # nothing of that call
        assert await journal.plan("export", [first, first]) == 1  # the same twice: once
        with pytest.raises(ValueError, match="in this journal with another request"):
            await journal.plan("export", [export("f2"), other])
        assert [item.source for item in await journal.items()] == ["f1"]
        assert await journal.plan("export", [first]) == 0  # the same again: kept


async def test_replanning_clears_what_the_last_attempt_left(tmp_path: Path) -> None:
    async with await Journal.open(tmp_path / "j.db") as journal:
        await journal.plan("export", [export(f"f{n}") for n in range(4)])
        f0, f1, f2, f3 = (item.id for item in await journal.items())
        await journal.mark_starting([f0, f1, f2, f3])
        await journal.mark_unsure([(f0, "who knows")])
        await journal.mark_refused([(f1, {"status": 403})])
        await journal.mark_started([(f2, "j2"), (f3, "j3")])
        await journal.record_ends(
            [
                ("export", "j2", [(f2, "FAILED", {"message": "gone"})]),
                ("export", "j3", [(f3, "COMPLETED", None)]),
            ]
        )
        assert await journal.failed() == await journal.failed("export") == 1
        assert await journal.replan() == 0
        assert await journal.replan(unsure=True, refused=True, failed=True) == 3
        again = await journal.items(ItemState.PLANNED)
        assert [item.id for item in again] == [f0, f1, f2]
        assert {(i.job_id, i.job_state, i.error, i.note) for i in again} == {(None,) * 4}
        assert [item.attempts for item in again] == [1, 1, 1]
        assert (await journal.items(ItemState.DONE))[0].job_state == "COMPLETED"


async def test_in_use_tells_whether_a_run_holds_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    assert not Journal.in_use(path)  # never opened
    async with await Journal.open(path):
        assert Journal.in_use(path)
    assert not Journal.in_use(path)

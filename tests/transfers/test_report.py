"""The report: every item's outcome, as CSV, TSV or JSON Lines, read back the same."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from cavatica_async.transfers import Journal
from cavatica_async.transfers.report import COLUMNS, write_report

pytestmark = pytest.mark.anyio


async def journal_with_outcomes(path: Path) -> Journal:
    journal = await Journal.open(path)
    await journal.plan("delete", [(f"f{n:02d}", {"file": f"f{n:02d}"}) for n in range(3)])
    await journal.mark_starting([1, 2, 3])
    await journal.mark_started([(1, "j1"), (2, "j1")])
    await journal.mark_refused([(3, {"status": 403, "message": 'read-only, "quoted"'})])
    await journal.record_ends(
        [("delete", "j1", [(1, "COMPLETED", None), (2, "FAILED", {"code": 1})])]
    )
    return journal


@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
async def test_a_table_report(tmp_path: Path, suffix: str) -> None:
    async with await journal_with_outcomes(tmp_path / "t.db") as journal:
        assert await write_report(journal, tmp_path / f"r{suffix}") == 3
    with (tmp_path / f"r{suffix}").open(newline="") as file:
        rows = list(csv.DictReader(file, delimiter="," if suffix == ".csv" else "\t"))
    assert tuple(rows[0]) == COLUMNS
    assert [(r["state"], r["job_state"]) for r in rows] == [
        ("done", "COMPLETED"),
        ("done", "FAILED"),
        ("refused", ""),
    ]
    assert json.loads(rows[2]["error"]) == {"status": 403, "message": 'read-only, "quoted"'}
    assert rows[0]["error"] == ""


async def test_a_json_lines_report(tmp_path: Path) -> None:
    async with await journal_with_outcomes(tmp_path / "t.db") as journal:
        await write_report(journal, tmp_path / "r.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert [row["error"] for row in rows] == [None, {"code": 1}, rows[2]["error"]]
    assert rows[2]["error"]["status"] == 403
    assert rows[1]["job_id"] == "j1"


async def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    async with await Journal.open(tmp_path / "t.db") as journal:
        with pytest.raises(ValueError, match=r"\.csv, \.tsv"):
            await write_report(journal, tmp_path / "r.xlsx")

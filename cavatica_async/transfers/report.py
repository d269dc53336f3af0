"""A transfer's outcome, item by item, as CSV or JSON Lines (docs/transfers.md#the-report)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import anyio.to_thread

from cavatica_async.transfers.journal import Journal, JournalItem

COLUMNS = ("id", "kind", "source", "state", "job_id", "job_state", "error", "note", "attempts")
FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def report_row(item: JournalItem) -> dict[str, Any]:
    """One item's line of the report."""
    return {
        "id": item.id,
        "kind": item.kind,
        "source": item.source,
        "state": item.state.value,
        "job_id": item.job_id,
        "job_state": item.job_state,
        "error": item.error,
        "note": item.note,
        "attempts": item.attempts,
    }


async def write_report(journal: Journal, path: str | Path) -> int:
    """Write every item's outcome to `path` (`.csv`, `.tsv`, `.jsonl` or `.ndjson`); returns
    how many items. In CSV and TSV the error is its JSON text, empty when there is none."""
    path = Path(path)
    form = FORMATS.get(path.suffix.lower())
    if form is None:
        raise ValueError(f"a report is .csv, .tsv, .jsonl or .ndjson, not {path.name!r}")
    rows = [report_row(item) for item in await journal.items()]

    def write() -> None:
        with path.open("w", newline="", encoding="utf-8") as out:
            if form == "jsonl":
                out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
                return
            writer = csv.DictWriter(out, COLUMNS, delimiter="," if form == "csv" else "\t")
            writer.writeheader()
            for row in rows:
                error = row["error"]
                writer.writerow({**row, "error": "" if error is None else json.dumps(error)})

    await anyio.to_thread.run_sync(write)
    return len(rows)

"""What a job's end says of each of its items: a pure rule (docs/transfers.md#job-ends).

An export or import is one job per item: the item ends as its job did (COMPLETED or FAILED,
with the job's error). A copy, move, delete or DRS import job carries up to 100 items and ends
FINISHED even when some of its files failed; its `result` has one entry per item, in the order
they were sent, each a file or an error, and that is what each item records. When the result
does not line up with the items, only the job's counts are known: every item gets the job's
state, and an error saying the per-file outcome is unknown if any file failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from cavatica_async.events import Job
from cavatica_async.models import ApiErrorInfo, AsyncFileJob, DrsImportJob
from cavatica_async.transfers.journal import JournalItem

COMPLETED, FAILED = "COMPLETED", "FAILED"


def item_results(
    job: Job, items: Sequence[JournalItem]
) -> list[tuple[int, str, dict[str, Any] | None]]:
    """(item id, final state, the platform's error as JSON) for each item of `job`."""
    if not isinstance(job, (AsyncFileJob, DrsImportJob)):
        state = str(job.state.value)
        return [(item.id, state, error_json(job.error)) for item in items]
    if len(job.result) == len(items):
        return [
            (item.id, COMPLETED, None)
            if result.error is None
            else (item.id, FAILED, error_json(result.error))
            for item, result in zip(items, job.result, strict=True)
        ]
    failed = job.failed_files
    if failed == 0 and job.completed_files == len(items):
        return [(item.id, COMPLETED, None) for item in items]
    unknown = {
        "message": (
            f"the job's result lists {len(job.result)} files for {len(items)} items and "
            f"{failed if failed is not None else 'an unknown number'} failed: which is unknown"
        )
    }
    return [(item.id, str(job.state.value), unknown) for item in items]


def error_json(error: ApiErrorInfo | None) -> dict[str, Any] | None:
    """The platform's error as the journal keeps it (fields that are set)."""
    if error is None:
        return None
    return {k: v for k, v in attrs.asdict(error).items() if v is not None}

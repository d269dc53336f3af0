"""Starting a chunk of a transfer's items exactly once.

The order is what makes a crash safe: the intent to start the chunk's items is committed to the
journal before the start call is sent, and what the answer says of each item as soon as it
arrives. After a crash, items still `starting` are the ones the platform may or may not have
accepted, and reconciliation looks for them before anything new starts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import attrs

from cavatica_async.bulk import check_json
from cavatica_async.client import CavaticaClient
from cavatica_async.errors import CavaticaError, error_info
from cavatica_async.inputs import CopyItem, DrsImportItem, ExportRequest, ImportRequest
from cavatica_async.models import ApiErrorInfo, BulkItem
from cavatica_async.transfers.job_ends import error_json
from cavatica_async.transfers.journal import Journal, JournalItem
from cavatica_async.transfers.requests import check_kind, request_of
from cavatica_async.transfers.start_results import StartResult, StartVerdict, start_result

CHUNK = 100  # items per start call (docs/platform.md#bulk-calls)
STORAGE_KINDS = ("export", "import")  # one job per item; the others: one job per call


@attrs.frozen
class ChunkOutcome:
    """What one start call did to its items: how many of each verdict."""

    started: int = 0
    refused: int = 0
    later: int = 0
    unknown: int = 0
    jobs: tuple[str, ...] = ()  # the jobs started, each once


class StartStoppedError(CavaticaError):
    """A start call was refused for a reason no item can get past (a 401: the token); its
    items were planned again and nothing more starts."""


@attrs.frozen
class StartOptions:
    """What a transfer's start calls send besides the items."""

    copy_only: bool = False  # exports: leave the file on the platform's storage too
    conflict_resolution: str = "SKIP"  # DRS imports: what to do when the name is taken
    tags: tuple[str, ...] | None = None  # DRS imports: tags of the imported files

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.copy_only, bool):
            raise TypeError(f"copy_only must be True or False, got {self.copy_only!r}")
        if self.tags is not None and (
            not isinstance(self.tags, tuple) or not all(isinstance(t, str) for t in self.tags)
        ):
            raise TypeError(f"tags must be a tuple of strings, got {self.tags!r}")
        if not isinstance(self.conflict_resolution, str):
            raise TypeError(f"conflict_resolution must be a string: {self.conflict_resolution!r}")
        # Checked now: found when the first DRS chunk is sent, it would stop a run midway.
        check_json([self.conflict_resolution, self.tags], "StartOptions")


async def start_chunk(
    client: CavaticaClient,
    journal: Journal,
    kind: str,
    items: Sequence[JournalItem],
    options: StartOptions | None = None,
) -> ChunkOutcome:
    """Start up to 100 planned items of one kind in one call, journaling before and after."""
    options = options if options is not None else StartOptions()
    check_kind(kind)
    if not 0 < len(items) <= CHUNK:
        raise ValueError(f"a chunk holds 1 to {CHUNK} items, got {len(items)}")
    requests = [request_of(kind, item.request) for item in items]
    await journal.mark_starting([item.id for item in items])  # the intent, on disk first
    try:
        results = await _send(client, kind, requests, options)
    except CavaticaError as error:
        # Storage bulk starts give each item of a failed call an error item; anything that
        # still gets here says nothing per item: every item may have started.
        results = [BulkItem(error=error_info(error)) for _ in items]
    verdicts = [start_result(result) for result in results]
    trusted = _trusted_jobs(kind, verdicts, await journal.held_jobs(kind, _job_ids(verdicts)))
    started, refused, later, unknown = [], [], [], []
    stop: ApiErrorInfo | None = None
    for item, result in zip(items, verdicts, strict=True):
        if result.job_id in trusted:
            started.append((item.id, result.job_id))
        elif result.verdict is StartVerdict.REFUSED:
            refused.append((item.id, error_json(result.error) or {}))
        elif result.verdict in (StartVerdict.LATER, StartVerdict.STOP):
            later.append(item.id)
            stop = stop or (result.error if result.verdict is StartVerdict.STOP else None)
        else:
            unknown.append(item.id)  # stays `starting`: reconciliation decides
    await journal.mark_started(started)
    await journal.mark_refused(refused)
    await journal.mark_planned(later)
    if stop is not None:
        # A 401 is about the token, not the item: nothing more can start with it.
        raise StartStoppedError(f"the platform refused the token (HTTP 401): {stop.message}")
    jobs = tuple(dict.fromkeys(job_id for _, job_id in started))
    return ChunkOutcome(len(started), len(refused), len(later), len(unknown), jobs)


def _job_ids(verdicts: Sequence[StartResult]) -> list[str]:
    return [v.job_id for v in verdicts if v.verdict is StartVerdict.STARTED and v.job_id]


def _trusted_jobs(kind: str, verdicts: Sequence[StartResult], held: set[str]) -> set[str]:
    """The job ids of an answer that can be recorded. A job the journal already holds for other
    items (an answer replayed by a proxy) or, for a kind of one job per item, one named for two
    items cannot be the new start's: those items stay `starting`, for reconciliation."""
    counted = Counter(_job_ids(verdicts))
    once = kind not in STORAGE_KINDS
    return {job_id for job_id, n in counted.items() if (once or n == 1) and job_id not in held}


async def _send(
    client: CavaticaClient, kind: str, requests: Sequence[object], options: StartOptions
) -> list[BulkItem[Any]]:
    """One start call; one result per item (a one-job kind's job stands for every item)."""
    if kind == "export":
        exports = [r for r in requests if isinstance(r, ExportRequest)]
        return list(await client.exports.bulk_start(exports, copy_only=options.copy_only))
    if kind == "import":
        imports = [r for r in requests if isinstance(r, ImportRequest)]
        return list(await client.imports.bulk_start(imports))
    if kind == "drs_import":
        drs = [r for r in requests if isinstance(r, DrsImportItem)]
        jobs: list[Any] = await client.drs_imports.start(
            drs, tags=options.tags, conflict_resolution=options.conflict_resolution
        )
    elif kind == "delete":
        jobs = await client.async_jobs.delete([r for r in requests if isinstance(r, str)])
    else:
        copies = [r for r in requests if isinstance(r, CopyItem)]
        start = client.async_jobs.copy if kind == "copy" else client.async_jobs.move
        jobs = await start(copies)
    # At most 100 items: one call, one job for them all (docs/transfers.md#start-verdicts).
    return [BulkItem(resource=jobs[0]) for _ in requests]

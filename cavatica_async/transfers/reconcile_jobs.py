"""After a crash: deciding what became of DRS imports and copy / move / delete chunks left
`starting`.

These kinds start one job per call for up to 100 items, and a transfer sends one such call of
a kind at a time, so at most one chunk of each kind is left `starting` by a crash (the items
announced together share their `started_at`). Each chunk is decided as a whole
(docs/transfers.md#reconciliation):
- copy, move, delete: the platform's list of async jobs (newest first) is read back to the
  chunk's announcement. An unclaimed job of the kind, as many files as the chunk, started at
  most an allowance before the announcement (the clocks differ: platform_clock) is the
  chunk's job: exactly one such job and it is watched from there; none and nothing started,
  the chunk is planned again; more than one, the chunk is `unsure`.
- DRS imports: the platform lists no DRS import jobs. An item whose named file is in its
  destination is done by its effect (only when a taken name is skipped: an import that
  overwrites or renames leaves a file of the name either way); the rest are `unsure`, since a
  job may sit in the platform's DRS queue (500 files per 5 minutes) with nothing to show yet.

A job of the same kind, size and moment started by another client of the same user cannot be
told from the chunk's: the list names no job's files (docs/transfers.md#reconciliation).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from cavatica_async.client import CavaticaClient
from cavatica_async.inputs import DrsImportItem
from cavatica_async.models import AsyncFileJob
from cavatica_async.transfers.journal import ItemState, Journal, JournalItem
from cavatica_async.transfers.platform_clock import SKEW
from cavatica_async.transfers.reconcile import FOUND_BY_EFFECT, UNUSABLE_ID, Reconciled
from cavatica_async.transfers.requests import request_of
from cavatica_async.transfers.start_results import usable_job_id

ASYNC_KINDS = ("copy", "move", "delete")
FOUND_IN_JOBS = "found in the async job list after a restart"
AMBIGUOUS = "several unclaimed jobs of this kind and size started then; which one is not known"
DRS_NO_LIST = (
    "the platform lists no DRS import jobs, and a queued import shows nothing yet "
    "(docs/transfers.md#reconciliation)"
)
DRS_NOT_BY_NAME = (
    "the platform lists no DRS import jobs, and with a conflict resolution other than SKIP a "
    "file of the item's name does not show whether this import made it"
)


async def reconcile_async(
    client: CavaticaClient, journal: Journal, kind: str, *, allowance: float = SKEW
) -> Reconciled:
    """Decide every `starting` copy, move or delete chunk (see the module's rules); a job may
    have started up to `allowance` seconds before its chunk was announced (platform_clock)."""
    if kind not in ASYNC_KINDS:
        raise ValueError(f"not an async job kind: {kind!r}")
    chunks = _chunks(await journal.items(ItemState.STARTING, kind=kind))
    if not chunks:
        return Reconciled()
    claimed = await journal.job_ids(kind)
    earliest = min(chunks) - allowance
    candidates: dict[float, list[str]] = defaultdict(list)
    async for job in client.async_jobs.list():
        started = _seconds(job.started_on)
        if started is not None and started < earliest:
            break  # newest first: every job from here on is older than every chunk
        for at, items in chunks.items():
            if _fits(job, kind, at - allowance, len(items)) and job.id not in claimed:
                candidates[at].append(job.id)
    found: list[tuple[int, str]] = []
    again: list[int] = []
    unsure: list[tuple[int, str]] = []
    for at, items in chunks.items():
        jobs = candidates[at]
        if len(jobs) == 1 and usable_job_id(jobs[0]):
            found.extend((item.id, jobs[0]) for item in items)
        elif not jobs:
            again.extend(item.id for item in items)
        else:
            why = AMBIGUOUS if len(jobs) > 1 else UNUSABLE_ID
            unsure.extend((item.id, why) for item in items)
    await journal.mark_found(found, FOUND_IN_JOBS)
    await journal.mark_planned(again)
    await journal.mark_unsure(unsure)
    return Reconciled(found=len(found), planned_again=len(again), unsure=len(unsure))


async def reconcile_drs(
    client: CavaticaClient, journal: Journal, *, conflict_resolution: str = "SKIP"
) -> Reconciled:
    """Decide every `starting` DRS import (see the module's rules)."""
    done: list[int] = []
    unsure: list[tuple[int, str]] = []
    # Only when a taken name is skipped does the name say the import's effect is there: one
    # that overwrites or renames leaves a file of the name before and after alike.
    by_name = conflict_resolution.upper() == "SKIP"
    for item in await journal.items(ItemState.STARTING, kind="drs_import"):
        request = request_of("drs_import", item.request)
        if by_name and isinstance(request, DrsImportItem) and await _present(client, request):
            done.append(item.id)
        else:
            unsure.append((item.id, DRS_NO_LIST if by_name else DRS_NOT_BY_NAME))
    await journal.mark_done_by_effect(done, FOUND_BY_EFFECT)
    await journal.mark_unsure(unsure)
    return Reconciled(done_by_effect=len(done), unsure=len(unsure))


async def _present(client: CavaticaClient, request: DrsImportItem) -> bool:
    """Whether the destination holds a file of the item's name (unnamed: not known)."""
    if request.name is None:
        return False
    # The item names exactly one of project or parent, as `files.list` wants.
    listing = client.files.list(
        project=request.project, parent=request.parent, names=[request.name]
    )
    page = await listing.next_page()
    return page is not None and any(file.name == request.name for file in page.items)


def _chunks(items: list[JournalItem]) -> dict[float, list[JournalItem]]:
    """Items by the announcement they were started with."""
    chunks: dict[float, list[JournalItem]] = defaultdict(list)
    for item in items:
        chunks[item.started_at if item.started_at is not None else 0.0].append(item)
    return dict(chunks)


def _fits(job: AsyncFileJob, kind: str, earliest: float, size: int) -> bool:
    started = _seconds(job.started_on)
    return (
        job.type is not None
        and str(job.type.value).lower() == kind
        and job.total_files == size
        and started is not None
        and started >= earliest
    )


def _seconds(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()

"""After a crash: deciding what became of exports and imports left `starting`.

An item is `starting` when its start call may have gone out and no answer was recorded. Before
anything new starts, each one is looked for (docs/transfers.md#reconciliation):
1. In the job list of its volume: a job with the same source and destination is the item's
   job, and it is watched from there.
2. Failing that, in its effect. An export is done when its file is now an alias of that very
   location (a copy_only export leaves the file as it was, so for one only the object at the
   location can say, and an object that was already there cannot be told from ours). An import
   is done when its destination holds a file of its name.
3. Neither: nothing started, and it is planned again.
What cannot be told apart is recorded `unsure` with the reason, never started again without an
explicit choice.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import attrs

from cavatica_async.client import CavaticaClient
from cavatica_async.errors import NotFoundError
from cavatica_async.inputs import ExportRequest, ImportRequest
from cavatica_async.resources import VolumeObject
from cavatica_async.transfers.journal import ItemState, Journal, JournalItem
from cavatica_async.transfers.platform_clock import SKEW
from cavatica_async.transfers.requests import storage_request
from cavatica_async.transfers.start_results import usable_job_id

FOUND_IN_LIST = "found in the volume's job list after a restart"
FOUND_BY_EFFECT = "its effect is on the platform (job not found) after a restart"
UNUSABLE_ID = "its job is on the platform under an id no call can read it by"


@attrs.frozen
class Reconciled:
    """How the `starting` items of one kind were decided."""

    found: int = 0
    done_by_effect: int = 0
    planned_again: int = 0
    unsure: int = 0


async def reconcile_storage(
    client: CavaticaClient,
    journal: Journal,
    kind: str,
    *,
    copy_only: bool = False,
    allowance: float = SKEW,
) -> Reconciled:
    """Decide every `starting` export or import (see the module's rules); a job may have
    started up to `allowance` seconds before its item was announced (platform_clock)."""
    pending = await journal.items(ItemState.STARTING, kind=kind)
    requests = {item.id: storage_request(kind, item.request) for item in pending}
    by_volume: dict[str, list[JournalItem]] = defaultdict(list)
    for item in pending:
        by_volume[requests[item.id].volume].append(item)
    found: list[tuple[int, str]] = []
    bad_ids: list[tuple[int, str]] = []
    left: list[JournalItem] = []
    claimed = await journal.job_ids(kind) if pending else set()
    for volume, items in by_volume.items():
        wanted = {_key(requests[item.id]): item for item in items}
        jobs = (
            client.exports.list(volume=volume)
            if kind == "export"
            else client.imports.list(volume=volume)
        )
        async for job in jobs:
            key = _job_key(kind, job)
            match = wanted.get(key)
            # A job of the same source and destination from before the item's start was
            # announced (yesterday's failed export of it), or one the journal already holds,
            # is not the item's.
            if match is not None and job.id not in claimed and _after(job, match, allowance):
                item = wanted.pop(key)
                if usable_job_id(job.id):
                    found.append((item.id, job.id))
                else:
                    bad_ids.append((item.id, UNUSABLE_ID))
        left.extend(wanted.values())
    await journal.mark_found(found, FOUND_IN_LIST)
    await journal.mark_unsure(bad_ids)
    done, again, unsure = [], [], []
    for item in left:
        request = requests[item.id]
        verdict = await (
            _export_effect(client, request, copy_only)
            if isinstance(request, ExportRequest)
            else _import_effect(client, request)
        )
        if verdict is True:
            done.append(item.id)
        elif verdict is False:
            again.append(item.id)
        else:
            unsure.append((item.id, verdict))
    await journal.mark_done_by_effect(done, FOUND_BY_EFFECT)
    await journal.mark_planned(again)
    await journal.mark_unsure(unsure)
    return Reconciled(len(found), len(done), len(again), len(unsure) + len(bad_ids))


def _after(job: Any, item: JournalItem, allowance: float) -> bool:
    """Whether `job` started no earlier than `allowance` before the item was announced."""
    started = getattr(job, "started_on", None)
    if started is None or item.started_at is None:
        return True  # nothing to tell them apart by: the key decides
    return bool(started.timestamp() >= item.started_at - allowance)


def _key(request: ExportRequest | ImportRequest) -> tuple[Any, ...]:
    if isinstance(request, ExportRequest):
        return (request.file, request.volume, request.location)
    return (request.volume, request.location, request.project, request.parent, request.name)


def _job_key(kind: str, job: Any) -> tuple[Any, ...]:
    source, destination = job.source, job.destination
    if kind == "export":
        return (
            source.file if source else None,
            destination.volume if destination else None,
            destination.location if destination else None,
        )
    return (
        source.volume if source else None,
        source.location if source else None,
        destination.project if destination else None,
        destination.parent if destination else None,
        destination.name if destination else None,
    )


async def _export_effect(
    client: CavaticaClient, request: ExportRequest, copy_only: bool
) -> bool | str:
    """True: exported; False: not started; text: why it cannot be told."""
    try:
        file = await client.files.get(request.file)
    except NotFoundError:
        return "the source file is gone and no export of it was found"
    storage = file.storage
    if (
        storage is not None
        and (storage.type or "").upper() == "VOLUME"
        and (storage.volume, storage.location) == (request.volume, request.location)
    ):
        return True
    if not copy_only:
        return False  # still on the platform's storage: the export never ran
    objects = client.volumes.list_objects(request.volume, prefix=request.location)
    async for entry in objects:
        if isinstance(entry, VolumeObject) and entry.location == request.location:
            return "an object is at the location, and a copy_only export leaves no other trace"
    return False


async def _import_effect(client: CavaticaClient, request: ImportRequest) -> bool | str:
    """True: imported; False: not started; text: why it cannot be told.

    An imported file is an alias of its object: a file of the name whose storage is that very
    object is ours; one of the name that is not was there before (and the import would have
    been refused, or renamed its file).
    """
    name = request.name or request.location.rstrip("/").rsplit("/", 1)[-1]
    # The request names exactly one of project or parent, as `files.list` wants.
    listing = client.files.list(project=request.project, parent=request.parent, names=[name])
    page = await listing.next_page()
    for file in page.items if page is not None else ():
        storage = file.storage
        if storage is not None and (storage.volume, storage.location) == (
            request.volume,
            request.location,
        ):
            return True
        return "a file of that name is there, and it is not an alias of the object"
    if request.autorename:
        return "no file of that name, but an autorename import may have given it another"
    return False

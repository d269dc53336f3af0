"""Starting a chunk of a transfer's exports or imports exactly once.

The order is what makes a crash safe: the intent to start the chunk's items is committed to the
journal before the start call is sent, and what the answer says of each item as soon as it
arrives. After a crash, items still `starting` are the ones the platform may or may not have
accepted, and reconciliation looks for them before anything new starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from cavatica_async.client import CavaticaClient
from cavatica_async.errors import CavaticaError, error_info
from cavatica_async.inputs import ExportRequest, ImportRequest
from cavatica_async.models import ApiErrorInfo, BulkItem
from cavatica_async.transfers.journal import Journal, JournalItem
from cavatica_async.transfers.start_results import StartVerdict, start_result

CHUNK = 100  # items per start call (docs/platform.md#bulk-calls)
STORAGE_KINDS = ("export", "import")


def storage_request(kind: str, body: dict[str, Any]) -> ExportRequest | ImportRequest:
    """The typed request a journal item's JSON body stands for (`ValueError` if it cannot)."""
    try:
        source, destination = body["source"], body["destination"]
        if kind == "export":
            return ExportRequest(
                file=source["file"],
                volume=destination["volume"],
                location=destination["location"],
                overwrite=bool(body.get("overwrite", False)),
                properties=body.get("properties"),
            )
        if kind == "import":
            return ImportRequest(
                volume=source["volume"],
                location=source["location"],
                project=destination.get("project"),
                parent=destination.get("parent"),
                name=destination.get("name"),
                overwrite=bool(body.get("overwrite", False)),
                autorename=bool(body.get("autorename", False)),
                preserve_folder_structure=body.get("preserve_folder_structure"),
            )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"a journal's {kind} item is not a {kind} request: {exc}") from None
    raise ValueError(f"not a storage kind: {kind!r}")


@attrs.frozen
class ChunkOutcome:
    """What one start call did to its items: how many of each verdict."""

    started: int = 0
    refused: int = 0
    later: int = 0
    unknown: int = 0


async def start_storage_chunk(
    client: CavaticaClient,
    journal: Journal,
    kind: str,
    items: Sequence[JournalItem],
    *,
    copy_only: bool = False,
) -> ChunkOutcome:
    """Start up to 100 planned exports or imports in one call, journaling before and after."""
    if kind not in STORAGE_KINDS:
        raise ValueError(f"not a storage kind: {kind!r}")
    if not 0 < len(items) <= CHUNK:
        raise ValueError(f"a chunk holds 1 to {CHUNK} items, got {len(items)}")
    requests = [storage_request(kind, item.request) for item in items]
    await journal.mark_starting([item.id for item in items])  # the intent, on disk first
    results: list[BulkItem[Any]]
    try:
        if kind == "export":
            exports = [r for r in requests if isinstance(r, ExportRequest)]
            results = list(await client.exports.bulk_start(exports, copy_only=copy_only))
        else:
            imports = [r for r in requests if isinstance(r, ImportRequest)]
            results = list(await client.imports.bulk_start(imports))
    except CavaticaError as error:
        # bulk_start gives each item of a failed call an error item; anything that still gets
        # here says nothing per item: every item may have started.
        results = [BulkItem(error=error_info(error)) for _ in items]
    started, refused, later, unknown = [], [], [], []
    for item, result in zip(items, map(start_result, results), strict=True):
        if result.verdict is StartVerdict.STARTED and result.job_id is not None:
            started.append((item.id, result.job_id))
        elif result.verdict is StartVerdict.REFUSED:
            refused.append((item.id, _error_json(result.error)))
        elif result.verdict is StartVerdict.LATER:
            later.append(item.id)
        else:
            unknown.append(item.id)  # stays `starting`: reconciliation decides
    await journal.mark_started(started)
    await journal.mark_refused(refused)
    await journal.mark_planned(later)
    return ChunkOutcome(len(started), len(refused), len(later), len(unknown))


def _error_json(error: ApiErrorInfo | None) -> dict[str, Any]:
    if error is None:
        return {}
    return {k: v for k, v in attrs.asdict(error).items() if v is not None}

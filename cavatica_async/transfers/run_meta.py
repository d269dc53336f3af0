"""What a transfer keeps in its journal's `meta` table besides the items: the first run's
start options and platform, which every later run must match, and the watcher's snapshot."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import attrs

from cavatica_async import snapshots
from cavatica_async.transfers.journal import ItemState, Journal
from cavatica_async.transfers.starter import StartOptions

SNAPSHOT_KEY = "watcher_snapshot"
OPTIONS_KEY = "start_options"
PLATFORM_KEY = "platform"  # the API's base URL


async def pin_run(journal: Journal, start: StartOptions, platform: str) -> None:
    """Keep the start options and the platform with the journal; `ValueError` if a later run
    differs: a resumed export without `copy_only` would move files a first run only meant to
    copy, and another platform's jobs are not these items' (docs/transfers.md#a-run)."""
    for key, mine in (
        (OPTIONS_KEY, json.dumps(attrs.asdict(start), sort_keys=True)),
        (PLATFORM_KEY, _same_case(platform)),
    ):
        kept = await journal.meta(key)
        if kept is None:
            await journal.save_meta(key, mine)
        elif kept != mine:
            raise ValueError(
                f"this journal's transfer was started with {key} {kept}, not {mine}: a "
                "run must send what the first one planned (docs/transfers.md#a-run)"
            )


async def watcher_resume(journal: Journal) -> dict[str, Any] | None:
    """The stored snapshot, cut to the jobs still to be watched (`None` if there is none)."""
    raw = await journal.meta(SNAPSHOT_KEY)
    if raw is None:
        return None
    started = {(item.kind, item.job_id) for item in await journal.items(ItemState.STARTED)}
    try:
        reported = snapshots.read(json.loads(raw))
    except (ValueError, RecursionError):
        return None  # a snapshot only saves polls; the journal has every job
    return snapshots.write(
        job for job in reported if not job.final and (job.kind.value, job.job_id) in started
    )


def _same_case(url: str) -> str:
    """`url` with its scheme and host in lower case, as DNS and HTTP compare them."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    return urlunsplit((scheme.lower(), netloc.lower(), path, query, fragment))

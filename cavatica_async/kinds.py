"""What each job kind is, in one table: its states, its model, and how its jobs are read.

The endpoints, the watcher, the command line, the benchmarks and the tests all read it, so a
path or a rule about a kind is written once (docs/platform.md#job-states).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import attrs

from cavatica_async.events import Job, JobKind, State
from cavatica_async.models import (
    AsyncFileJob,
    AsyncJobState,
    DrsImportJob,
    DrsImportState,
    ExportJob,
    ExportState,
    ImportJob,
    ImportState,
)

# "One call can contain up to 100 items" (docs/platform.md#bulk-calls); bulk gets and job-list
# pages are held to the same bound.
BULK_LIMIT = 100


@attrs.frozen
class KindInfo:
    """How jobs of one kind are read and what their states mean."""

    kind: JobKind
    noun: str  # as messages name one job: "export", "copy job"
    states: type[State]
    model: type[Job]
    path: str  # GET of one job, with `{job_id}`
    bulk_path: str | None = None  # POST of a bulk get, or None where there is none
    ids_key: str | None = None  # the bulk get body's list of ids
    list_type: str | None = None  # the job's `type` in the job list, if listed there

    @property
    def bulk(self) -> bool:
        """Whether up to 100 of these jobs can be read in one call (bulk get)."""
        return self.bulk_path is not None

    @property
    def listed(self) -> bool:
        """Whether the job list (`GET /async/files`) carries these jobs."""
        return self.list_type is not None

    def bulk_route(self) -> tuple[str, str]:
        """The bulk get's path and its body's key for the list of ids; `ValueError` if none."""
        if self.bulk_path is None or self.ids_key is None:
            raise ValueError(f"{self.kind} jobs have no bulk get; read them one by one")
        return self.bulk_path, self.ids_key

    def state(self, value: str) -> State:
        """`value` as this kind's state (an unknown one kept as it came)."""
        return self.states(value)


def _async(kind: JobKind) -> KindInfo:
    name = kind.value
    return KindInfo(
        kind=kind,
        noun=f"{name} job",
        states=AsyncJobState,
        model=AsyncFileJob,
        path=f"/async/files/{name}/{{job_id}}",
        list_type=name.upper(),
    )


KINDS: Mapping[JobKind, KindInfo] = MappingProxyType(
    {
        JobKind.EXPORT: KindInfo(
            kind=JobKind.EXPORT,
            noun="export",
            states=ExportState,
            model=ExportJob,
            path="/storage/exports/{job_id}",
            bulk_path="/bulk/storage/exports/get",
            ids_key="export_ids",
        ),
        JobKind.IMPORT: KindInfo(
            kind=JobKind.IMPORT,
            noun="import",
            states=ImportState,
            model=ImportJob,
            path="/storage/imports/{job_id}",
            bulk_path="/bulk/storage/imports/get",
            ids_key="import_ids",
        ),
        JobKind.DRS_IMPORT: KindInfo(
            kind=JobKind.DRS_IMPORT,
            noun="DRS import",
            states=DrsImportState,
            model=DrsImportJob,
            path="/bulk/drs/imports/{job_id}",
        ),
        JobKind.COPY: _async(JobKind.COPY),
        JobKind.MOVE: _async(JobKind.MOVE),
        JobKind.DELETE: _async(JobKind.DELETE),
    }
)
"""Every job kind's `KindInfo`: its states, model and path (read-only)."""
LISTED = frozenset(kind for kind, info in KINDS.items() if info.listed)


def per_request(kind: JobKind) -> int:
    """How many jobs of `kind` one poll request reads: a bulk get's 100, or one."""
    return BULK_LIMIT if KINDS[kind].bulk else 1

"""What the watcher watches (`JobKind`) and what it reports (`JobEvent`)."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from cavatica_async.models import (
    ApiErrorInfo,
    AsyncFileJob,
    AsyncJobState,
    DrsImportJob,
    DrsImportState,
    ExportJob,
    ExportState,
    ImportJob,
    ImportState,
)

State = ExportState | ImportState | DrsImportState | AsyncJobState
Job = ExportJob | ImportJob | DrsImportJob | AsyncFileJob


class JobKind(str, enum.Enum):
    """The job families the watcher can follow."""

    EXPORT = "export"
    IMPORT = "import"
    DRS_IMPORT = "drs_import"
    COPY = "copy"
    MOVE = "move"
    DELETE = "delete"

    def __str__(self) -> str:
        return self.value

    @property
    def bulk(self) -> bool:
        """Whether the platform can read many of these jobs in one call (bulk get)."""
        from cavatica_async.kinds import KINDS  # the table of kinds imports this module

        return KINDS[self].bulk


@attrs.frozen
class JobEvent:
    """A job seen in a new state, or reported unknown by the platform (then `error` is set)."""

    kind: JobKind
    job_id: str
    previous: State | None  # None on the first observation
    current: State | None  # None only when the platform does not know the job
    job: Job | None  # the whole job as observed
    observed_at: datetime
    error: ApiErrorInfo | None = None

    @property
    def terminal(self) -> bool:
        """Whether this is the job's last event (final state reached, or the job is unknown)."""
        return self.error is not None or (self.current is not None and self.current.is_terminal)

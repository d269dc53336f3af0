"""A watcher's snapshot: the last reported state of every job, JSON-ready, and read back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from cavatica_async.events import JobKind, State
from cavatica_async.kinds import KINDS
from cavatica_async.paths import check_id

SNAPSHOT_VERSION = 1


@attrs.frozen
class Reported:
    """What was last reported of one job."""

    kind: JobKind
    job_id: str
    state: str | None  # None: nothing reported yet
    final: bool

    @property
    def known(self) -> State | None:
        """The state as the kind's state enum."""
        return None if self.state is None else KINDS[self.kind].state(self.state)


def write(jobs: Iterable[Reported]) -> dict[str, Any]:
    """The snapshot of these jobs."""
    entries = [
        {"kind": job.kind.value, "id": job.job_id, "state": job.state, "final": job.final}
        for job in jobs
    ]
    return {"version": SNAPSHOT_VERSION, "jobs": entries}


def read(snapshot: Mapping[str, Any]) -> list[Reported]:
    """The jobs of a snapshot; `ValueError` naming the first entry that is not a watched job."""
    if snapshot.get("version") != SNAPSHOT_VERSION or not isinstance(snapshot.get("jobs"), list):
        raise ValueError(f"not a JobWatcher snapshot (version {SNAPSHOT_VERSION} expected)")
    jobs = []
    for number, entry in enumerate(snapshot["jobs"]):
        try:
            kind = JobKind(entry["kind"])
            job_id = check_id(entry["id"], "snapshot job id")
            state = entry.get("state")
            reported = Reported(kind, job_id, state, bool(entry.get("final")))
            if state is not None and not isinstance(state, str):
                raise ValueError(f"state {state!r} is not text")
            reported.known  # noqa: B018 (reading it checks the state)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"snapshot job {number} is not a watched job: {exc}") from None
        jobs.append(reported)
    return jobs

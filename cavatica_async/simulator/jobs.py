"""Jobs as timelines fixed at creation, their side effects, and the ground-truth log."""

from __future__ import annotations

import bisect
import heapq
import itertools
import random
from collections.abc import Callable
from typing import Any

import attrs

from cavatica_async.simulator.timing import Timing

# Documented state walks (docs/platform.md#job-states): storage jobs end COMPLETED or FAILED;
# DRS and async file jobs always end FINISHED, with failures reported per item.
STORAGE_FLOW = (("PENDING", "RUNNING"), "COMPLETED", "FAILED")
ASYNC_FLOW = (("SUBMITTED", "RESOLVING", "RUNNING"), "FINISHED", "FINISHED")
FLOWS = {
    "export": STORAGE_FLOW,
    "import": STORAGE_FLOW,
    "drs_import": ASYNC_FLOW,
    "copy": ASYNC_FLOW,
    "move": ASYNC_FLOW,
    "delete": ASYNC_FLOW,
}
KINDS = tuple(FLOWS)


@attrs.frozen
class Transition:
    """One state change of one job, at its true time: the ground truth benchmarks score against."""

    kind: str
    job_id: str
    previous: str | None
    current: str
    at: float


@attrs.define(slots=True)
class SimJob:
    """A job whose whole life (states and times) was drawn when it was created."""

    kind: str
    id: str
    timeline: list[tuple[str, float]]
    fields: dict[str, Any]  # what the job echoes back: source, destination, overwrite, ...
    error: dict[str, Any] | None = None  # storage jobs: why it failed
    result_file: str | None = None  # storage jobs: the file made or exported
    items: list[tuple[str | None, dict[str, Any] | None]] = attrs.Factory(list)  # (file, error)
    sources: list[str] = attrs.Factory(list)  # what each item was asked to move (ground truth)
    queued: float = 0.0  # seconds it waited for the platform's DRS queue, within SUBMITTED

    def state(self, now: float) -> str:
        """The state at `now`."""
        index = bisect.bisect_right(self._times(), now) - 1
        return self.timeline[max(index, 0)][0]

    def finished_at(self, now: float) -> float | None:
        """When the job reached its final state, if it has by `now`."""
        at = self.timeline[-1][1]
        return at if at <= now else None

    def _times(self) -> list[float]:
        return [at for _, at in self.timeline]


def draw_timeline(
    kind: str,
    created: float,
    timing: Timing,
    rng: random.Random,
    speed: float,
    *,
    failed: bool,
    straight_to_end: bool = False,
) -> list[tuple[str, float]]:
    """The states a new job will walk, with their start times.

    `straight_to_end` skips the middle states (a job rejected early, like an export onto an
    occupied location, which the platform fails at once).
    """
    middle, success, failure = FLOWS[kind]
    timeline = [(middle[0], created)]
    at = created
    for state in () if straight_to_end else middle[1:]:
        at += timing.dwell(rng, speed)
        timeline.append((state, at))
    at += timing.dwell(rng, speed)
    timeline.append((failure if failed else success, at))
    return timeline


class JobBook:
    """Every job by kind and id, the effects still due, and the ground-truth log."""

    def __init__(self) -> None:
        self.jobs: dict[str, dict[str, SimJob]] = {kind: {} for kind in KINDS}
        self._truth: list[Transition] = []
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def add(self, job: SimJob, on_finish: Callable[[], None] | None = None) -> SimJob:
        """Record a new job, its transitions, and what happens to the world when it ends."""
        self.jobs[job.kind][job.id] = job
        previous = None
        for state, at in job.timeline:
            self._truth.append(Transition(job.kind, job.id, previous, state, at))
            previous = state
        if on_finish is not None:
            heapq.heappush(self._due, (job.timeline[-1][1], next(self._order), on_finish))
        return job

    def advance(self, now: float) -> None:
        """Apply, in time order, every effect whose job has finished by `now`."""
        while self._due and self._due[0][0] <= now:
            heapq.heappop(self._due)[2]()

    def get(self, kind: str, job_id: str) -> SimJob | None:
        """The job, if it exists and is of that kind."""
        return self.jobs[kind].get(job_id)

    def truth(self, now: float) -> list[Transition]:
        """Every transition that has happened by `now`, in time order."""
        return sorted((t for t in self._truth if t.at <= now), key=lambda t: (t.at, t.job_id))

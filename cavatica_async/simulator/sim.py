"""`Simulator`: a seeded fake CAVATICA speaking the documented REST API."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
from starlette.applications import Starlette

from cavatica_async.simulator import (
    api_async,
    api_discovery,
    api_drs,
    api_files,
    api_inspect,
    api_storage,
    server,
)
from cavatica_async.simulator.clock import SimClock, WallClock
from cavatica_async.simulator.faults import Faults
from cavatica_async.simulator.http import HttpError, Pipeline
from cavatica_async.simulator.jobs import JobBook, SimJob, Transition, draw_timeline
from cavatica_async.simulator.ratelimit import FixedWindow
from cavatica_async.simulator.scrolls import Scrolls
from cavatica_async.simulator.timing import Timing
from cavatica_async.simulator.world import World


class Simulator:
    """A fake platform for one user: seeded world, jobs that progress in time, the rate limit.

    `speed` divides every duration (job states and the rate-limit window) for time-compressed
    runs. `clock` defaults to the wall clock; pass a `ManualClock` to step time in tests.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        token: str | None = None,
        username: str = "rfranklin",
        projects: int = 2,
        files_per_project: int = 200,
        volume_objects: int = 500,
        timing: Timing | None = None,
        timings: Mapping[str, Timing] | None = None,
        speed: float = 1.0,
        rate_limit: int = 1000,
        rate_window: float = 300.0,
        external_usage: int = 0,
        reset_in_ms: bool = False,
        clock: SimClock | None = None,
    ) -> None:
        self.rng = random.Random(seed)
        self.clock: SimClock = clock if clock is not None else WallClock()
        self.token = token if token is not None else f"{self.rng.getrandbits(128):032x}"
        self.speed = speed
        self.reset_in_ms = reset_in_ms
        self.timing = timing if timing is not None else Timing()
        self.timings = dict(timings or {})
        self.faults = Faults()
        self.limiter = FixedWindow(rate_limit, rate_window / speed, external_usage)
        self.world = World(
            self.rng,
            self.clock.now(),
            username=username,
            projects=projects,
            files_per_project=files_per_project,
            volume_objects=volume_objects,
        )
        # Continuation tokens from a source of their own: listing does not move the world's.
        self.scrolls = Scrolls(random.Random(f"scrolls-{seed}"))
        self.jobs = JobBook()
        self.exporting: set[str] = set()  # files under a moving (not copy_only) export
        # DRS jobs let out of the platform's queue, and when: (time, files), in time order.
        self.drs_admitted: list[tuple[float, int]] = []
        self.pipeline = Pipeline(self)
        self._served: server.Served | None = None
        self.app = Starlette(
            routes=[
                *api_discovery.routes(self.pipeline),
                *api_files.routes(self.pipeline),
                *api_storage.routes(self.pipeline),
                *api_drs.routes(self.pipeline),
                *api_async.routes(self.pipeline),
                *api_inspect.routes(self),
            ]
        )

    base_url = "http://localhost/v2"
    """The API root to use with `transport()` (any loopback URL works in-process)."""

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport that calls the simulator in-process (no sockets)."""
        return server.DroppingTransport(self.app)

    @asynccontextmanager
    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
        """Serve over real HTTP on `host` (a free port by default); yields the API root."""
        async with server.serve(self.app, host, port) as served:
            self._served = served
            try:
                yield served.base_url
            finally:
                self._served = None

    @contextmanager
    def serve_in_thread(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """`serve()` for synchronous code, with no event loop of the caller's; yields the API
        root."""
        with server.serve_in_thread(self.app, host, port) as served:
            self._served = served
            try:
                yield served.base_url
            finally:
                self._served = None

    def file_ids(self, project: str = "rfranklin/project-1") -> list[str]:
        """The ids of the files (not folders) in a project's root, in name order: inputs for
        jobs in a test."""
        if project not in self.world.projects:
            raise ValueError(f"the simulator has no project {project!r}")
        return [f.id for f in self.world.children(project, None) if f.type == "file"]

    @property
    def open_connections(self) -> int:
        """How many client connections `serve()` holds open now (0 when not serving)."""
        return 0 if self._served is None else self._served.connections()

    def ground_truth(self) -> list[Transition]:
        """Every job transition that has happened so far, in time order."""
        return self.jobs.truth(self.clock.now())

    def request_counts(self) -> dict[tuple[str, str, int], int]:
        """Answers given so far, by (method, path template, status)."""
        return dict(self.pipeline.counts)

    def start_counts(self) -> Counter[tuple[str, str]]:
        """How many jobs were started for each (kind, source): the ground truth of starts. An
        export's source is its file, an import's `volume:location`, a DRS import's URI, and a
        copy, move or delete's file."""
        counts: Counter[tuple[str, str]] = Counter()
        for kind, sources, _ in self.started_jobs():
            for source in sources:
                counts[kind, source] += 1
        return counts

    def started_jobs(self) -> Iterator[tuple[str, list[str], SimJob]]:
        """Every job ever started: its kind, the sources it was asked to move, and the job."""
        for kind, jobs in self.jobs.jobs.items():
            for job in jobs.values():
                yield kind, job.sources or [_storage_source(kind, job.fields)], job

    def maintenance(self, seconds: float) -> None:
        """Answer 503 with code 0 (maintenance) for the next `seconds`."""
        self.faults.maintenance_until = self.clock.now() + seconds / self.speed

    def spend_window(self, requests: int | None = None) -> None:
        """A 429 storm: another consumer of the same token spends `requests` of the current
        rate-limit window at once (all that is left by default), so the client's next requests
        meet 429s until the window resets."""
        self.limiter.spend(self.clock.now(), requests)

    def timing_for(self, kind: str) -> Timing:
        """The timing of one job kind (its override, else the default)."""
        return self.timings.get(kind, self.timing)

    def rate_reset(self, now: float) -> int:
        """The current window's end as the API reports it: epoch seconds (or ms), rounded up."""
        reset = self.limiter.reset(now)
        return math.ceil(reset * 1000 if self.reset_in_ms else reset)

    def storage_job_id(self) -> str:
        """A 32-character alphanumeric id, like export ids in the docs."""
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        return "".join(self.rng.choice(alphabet) for _ in range(32))

    def async_job_id(self) -> str:
        """An 18-digit numeric id, like copy and DRS job ids in the docs."""
        return str(self.rng.randrange(10**17, 10**18))

    def item_job(
        self,
        kind: str,
        items: list[tuple[str | None, dict[str, Any] | None]],
        fields: dict[str, Any],
        sources: list[str] | None = None,
    ) -> SimJob:
        """A DRS or async file job: it always walks to FINISHED; its items carry the failures."""
        return SimJob(
            sources=sources or [],
            kind=kind,
            id=self.async_job_id(),
            timeline=draw_timeline(
                kind, self.clock.now(), self.timing_for(kind), self.rng, self.speed, failed=False
            ),
            fields=fields,
            items=items,
        )

    def destination(self, target: Mapping[str, Any]) -> tuple[str, str | None]:
        """(project, parent folder) named by a `project` or `parent` field: exactly one."""
        project, parent = target.get("project") or None, target.get("parent") or None
        if (project is None) == (parent is None):
            raise HttpError(400, 90000, "Give exactly one of 'project' or 'parent'.")
        if project is not None:
            if project not in self.world.projects:
                raise HttpError(404, 90003, f"Project {project} not found.")
            return project, None
        folder = self.world.files.get(str(parent))
        if folder is None or folder.type != "folder":
            raise HttpError(404, 90003, f"Folder {parent} not found.")
        return folder.project, folder.id


def _storage_source(kind: str, fields: Mapping[str, Any]) -> str:
    source = fields.get("source") or {}
    if kind == "export":
        return str(source.get("file"))
    return f"{source.get('volume')}:{source.get('location')}"

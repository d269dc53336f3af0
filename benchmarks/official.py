"""Baselines written with the official synchronous client, sevenbridges-python, as its users do.

`threads`: a thread per job reloading it every 10 s, with the client's `rate_limit_sleeper` and
`maintenance_sleeper` handlers and its default 100 parallel requests (docs/watcher.md#baselines).
`bulk`: one loop getting the unfinished exports 100 at a time, then sleeping 10 s (the
`Net::SB` pattern). Both record observations like `benchmarks.clients`.

The client's sleepers call `time.sleep` until `X-RateLimit-Reset`; while a case runs, their
module sees a `time` whose sleep ends early, raising `CaseStoppedError`, once the case's deadline
passes, so every thread is joined before the next case starts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import anyio
import anyio.to_thread
from sevenbridges import Api, AsyncJob, DRSImportBulk, Export
from sevenbridges.http import error_handlers
from sevenbridges.http.error_handlers import maintenance_sleeper, rate_limit_sleeper

from benchmarks.clients import Jobs, Observation

FINAL = ("COMPLETED", "FAILED", "FINISHED")


class CaseStoppedError(Exception):
    """The case's deadline passed while a thread slept."""


class _StoppableTime:
    """`time` as the sleepers see it: real time, with sleeps that end when the case stops."""

    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise CaseStoppedError


class _Slots:
    """The client's 100 request slots, as `throttle` uses them, but a thread that gets one after
    the case has stopped hands it on and leaves at once, before building its request."""

    def __init__(self, count: int, stop: threading.Event) -> None:
        self._slots = threading.Semaphore(count)
        self._stop = stop

    def __enter__(self) -> None:
        self._slots.acquire()
        if self._stop.is_set():
            self._slots.release()
            raise CaseStoppedError

    def __exit__(self, *exc_info: object) -> None:
        self._slots.release()


def _api(base_url: str, token: str, stop: threading.Event) -> Api:
    # debug=True only lets the client talk plain http to the simulator on 127.0.0.1.
    api = Api(
        url=base_url,
        token=token,
        debug=True,
        error_handlers=[rate_limit_sleeper, maintenance_sleeper],
    )
    # Api's default of 100 parallel requests. Stock slots wake their queue one thread at a time
    # through a whole request build: 5-20 s after each deadline on A and D with 8,000 queued.
    api._throttle_limit = _Slots(100, stop)
    send = api.session.send

    def send_unless_stopped(request: Any, **options: Any) -> Any:
        # Threads that held a slot at the deadline must not send after it: those requests
        # would count against the client in a case that is over.
        if stop.is_set():
            raise CaseStoppedError
        return send(request, **options)

    api.session.send = send_unless_stopped
    return api


def _getter(api: Api, kind: str) -> Callable[[str], Any]:
    getters: dict[str, Callable[[str], Any]] = {
        "export": lambda job_id: Export.get(job_id, api=api),
        "drs_import": lambda job_id: DRSImportBulk.bulk_get(job_id, api=api),
        "copy": lambda job_id: AsyncJob.get_file_copy_job(job_id, api=api),
    }
    return getters[kind]


async def _run_until_cancelled(
    work: Callable[[threading.Event], None], stop: threading.Event
) -> None:
    """Run blocking `work` in a thread until it ends; on cancellation (the deadline) set `stop`
    and wait for it, so no thread of this case outlives it."""
    done = threading.Event()

    def run() -> None:
        try:
            work(stop)
        finally:
            done.set()

    saved = error_handlers.time
    error_handlers.time = _StoppableTime(stop)
    try:
        await anyio.to_thread.run_sync(run, abandon_on_cancel=True)
    finally:
        stop.set()
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(done.wait)
        error_handlers.time = saved


async def threads(
    base_url: str,
    token: str,
    jobs: Jobs,
    speed: float,
    seen: list[Observation],
    period: float = 10.0,
) -> None:
    """A thread per job: reload it, record a new state, sleep `period` s, until final."""
    stop = threading.Event()
    api = _api(base_url, token, stop)
    lock = threading.Lock()

    def follow(kind: str, job_id: str, stop: threading.Event) -> None:
        get, last = _getter(api, kind), None
        state: str | None
        try:
            while not stop.is_set():
                try:
                    state = str(get(job_id).state)
                except CaseStoppedError:
                    return
                except Exception as error:  # users' loops give up on a 404 alike
                    if getattr(error, "status", None) == 404:
                        with lock:
                            seen.append((kind, job_id, None, time.time()))
                        return
                    state = last
                if state != last and state is not None:
                    last = state
                    with lock:
                        seen.append((kind, job_id, state, time.time()))
                if state in FINAL:
                    return
                stop.wait(period / speed)
        except CaseStoppedError:
            return

    def work(stop: threading.Event) -> None:
        followers = [threading.Thread(target=follow, args=(*job, stop)) for job in jobs]
        for thread in followers:
            thread.start()
        for thread in followers:
            thread.join()

    await _run_until_cancelled(work, stop)


async def bulk(
    base_url: str,
    token: str,
    jobs: Jobs,
    speed: float,
    seen: list[Observation],
    period: float = 10.0,
) -> None:
    """One loop: `Export.bulk_get` the unfinished exports 100 at a time, sleep `period` s."""
    stop = threading.Event()
    api = _api(base_url, token, stop)
    last: dict[str, str | None] = {}

    def work(stop: threading.Event) -> None:
        active = [job_id for kind, job_id in jobs if kind == "export"]
        try:
            while active and not stop.is_set():
                for start in range(0, len(active), 100):
                    chunk = active[start : start + 100]
                    for job_id, record in zip(chunk, Export.bulk_get(chunk, api=api), strict=True):
                        state = str(record.resource.state) if record.resource else None
                        if job_id not in last or last[job_id] != state:
                            last[job_id] = state
                            seen.append(("export", job_id, state, time.time()))
                active = [j for j in active if last[j] is not None and last[j] not in FINAL]
                stop.wait(period / speed)
        except CaseStoppedError:
            return

    await _run_until_cancelled(work, stop)


async def transfer(
    base_url: str,
    token: str,
    work: tuple[list[str], list[str], str],
    speed: float,
    period: float = 10.0,
) -> float:
    """Workload G as a careful user of the official client does it: start the exports by bulk
    calls of 100 (copy_only) and the DRS imports by bulk jobs of 100, then, every `period` s,
    get the unfinished exports 100 at a time and each unfinished DRS job one by one, until all
    have ended. `work` is (file ids, DRS URIs, project). Returns the seconds it took."""
    files, uris, project = work
    stop = threading.Event()
    api = _api(base_url, token, stop)
    took = [0.0]

    def run(stop: threading.Event) -> None:
        began = time.monotonic()
        exports: list[str] = []
        for start in range(0, len(files), 100):
            chunk = [
                {"file": f, "volume": "rfranklin/output", "location": f"g/{f}"}
                for f in files[start : start + 100]
            ]
            records = Export.bulk_submit(chunk, copy_only=True, api=api)
            exports += [r.resource.id for r in records if r.resource is not None]
        drs = [
            DRSImportBulk.bulk_submit(
                [{"drs_uri": uri, "project": project} for uri in uris[start : start + 100]],
                api=api,
            ).id
            for start in range(0, len(uris), 100)
        ]
        while (exports or drs) and not stop.is_set():
            ended: set[str] = set()
            for start in range(0, len(exports), 100):
                ids = exports[start : start + 100]
                for job_id, record in zip(ids, Export.bulk_get(ids, api=api), strict=True):
                    if record.resource is None or str(record.resource.state) in FINAL:
                        ended.add(job_id)
            ended |= {j for j in drs if str(DRSImportBulk.bulk_get(j, api=api).state) in FINAL}
            exports = [j for j in exports if j not in ended]
            drs = [j for j in drs if j not in ended]
            if exports or drs:
                stop.wait(period / speed)
        took[0] = time.monotonic() - began

    def work_until_stopped(stop: threading.Event) -> None:
        try:
            run(stop)
        except CaseStoppedError:
            return

    await _run_until_cancelled(work_until_stopped, stop)
    return took[0]

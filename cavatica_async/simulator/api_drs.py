"""Bulk DRS imports: create and get (start-a-bulk-drs-import-job, get-details-of-...-job)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cavatica_async.simulator.http import (
    HttpError,
    Pipeline,
    api_root,
    bulk_list,
    error_body,
    json_body,
)
from cavatica_async.simulator.jobs import SimJob
from cavatica_async.simulator.world import iso

if TYPE_CHECKING:
    from cavatica_async.simulator import Simulator

DRS_URI = re.compile(r"^drs://[^/\s]+/\S+$")
CONFLICT_RESOLUTIONS = ("SKIP", "OVERWRITE", "AUTORENAME", "ERROR")
# The platform imports at most 500 DRS files per 5 minutes and queues the rest
# (docs/platform.md#bulk-drs-imports): a job beyond that waits SUBMITTED for its turn.
QUEUE_FILES, QUEUE_SECONDS = 500, 300.0


def queue_turn(admitted: list[tuple[float, int]], now: float, files: int, window: float) -> float:
    """When a job of `files` may begin, first come first served, given the (time, files) of the
    jobs admitted before it: the earliest moment from `now` (and from the last admission) at
    which the last `window` seconds hold no more than QUEUE_FILES files with it."""
    turn = max([now, *(at for at, _ in admitted[-1:])])
    while True:
        held = [(at, n) for at, n in admitted if at > turn - window]
        if not held or sum(n for _, n in held) + files <= QUEUE_FILES:
            return turn
        turn = held[0][0] + window


def _item(
    sim: Simulator, item: Any, conflict: str
) -> tuple[str | None, dict[str, Any] | None, Any]:
    """(new file id, error, plan) for one DRS item; the plan is applied when the job ends."""
    if not isinstance(item, dict) or not isinstance(item.get("drs_uri"), str):
        return None, error_body(400, 90000, "Each item needs a 'drs_uri' string."), None
    uri = item["drs_uri"]
    if not DRS_URI.match(uri):
        return None, error_body(400, 90000, f"Invalid DRS URI: {uri}"), None
    try:
        project, parent = sim.destination(item)
    except HttpError as error:
        return None, error_body(error.status, error.code, error.message), None
    name = item.get("name") or uri.rsplit("/", 1)[-1]
    if sim.world.named(project, parent, name) is not None and conflict in ("SKIP", "ERROR"):
        return None, error_body(409, 9108, f"File {name} already exists."), None
    if sim.timing_for("drs_import").fails(sim.rng):
        return None, error_body(502, 90004, f"Could not resolve {uri}."), None
    return sim.world.new_file_id(), None, (project, parent, name)


async def _create(sim: Simulator, request: Request) -> Response:
    body = await json_body(request)
    items = bulk_list(body, "items")
    conflict = body.get("conflict_resolution", "SKIP")
    if conflict not in CONFLICT_RESOLUTIONS:
        raise HttpError(400, 90000, f"conflict_resolution must be one of {CONFLICT_RESOLUTIONS}.")
    tags = body.get("tags") or []
    outcomes = [_item(sim, item, conflict) for item in items]
    sources = [str(item.get("drs_uri")) if isinstance(item, dict) else "" for item in items]
    job = sim.item_job(
        "drs_import", [(file_id, error) for file_id, error, _ in outcomes], {}, sources
    )
    now, window = job.timeline[0][1], QUEUE_SECONDS / sim.speed
    # Jobs let in a window ago no longer count, now or for any job after this one.
    sim.drs_admitted = [(at, n) for at, n in sim.drs_admitted if at > now - window]
    turn = queue_turn(sim.drs_admitted, now, len(items), window)
    sim.drs_admitted.append((turn, len(items)))
    job.queued = turn - now
    # SUBMITTED from now; every later state waits for the queue's turn.
    job.timeline[1:] = [(state, at + turn - now) for state, at in job.timeline[1:]]

    def finish() -> None:
        world, at = sim.world, job.timeline[-1][1]
        for file_id, _, plan in outcomes:
            if file_id is None:
                continue
            project, parent, name = plan
            existing = world.named(project, parent, name)
            if existing is not None and conflict == "OVERWRITE":
                world.remove_file(existing)
            elif existing is not None:
                name = world.free_name(project, parent, name)
            made = world.add_file(project, parent, name, at, file_id=file_id)
            made.tags = list(tags)

    sim.jobs.add(job, finish)
    return JSONResponse(render(sim, job, api_root(request)))


def render(sim: Simulator, job: SimJob, root: str) -> dict[str, Any]:
    """A DRS import job now; per-item results and counts appear when it is FINISHED."""
    now = sim.clock.now()
    body: dict[str, Any] = {
        "href": f"{root}/bulk/drs/imports/{job.id}",
        "id": job.id,
        "state": job.state(now),
        "started_on": iso(job.timeline[0][1]),
        "result": [],
        "total_files": len(job.items),
        "completed_files": 0,
        "failed_files": 0,
    }
    finished = job.finished_at(now)
    if finished is not None:
        body["finished_on"] = iso(finished)
        body["result"] = result_items(job, root)
        body["failed_files"] = sum(1 for _, error in job.items if error)
        body["completed_files"] = len(job.items) - body["failed_files"]
    return body


def result_items(job: SimJob, root: str) -> list[dict[str, Any]]:
    """`{resource: {href, id}}` or `{error: ...}` per item, in item order."""
    return [
        {"error": error}
        if error
        else {"resource": {"href": f"{root}/files/{file_id}", "id": file_id}}
        for file_id, error in job.items
    ]


async def _get(sim: Simulator, request: Request) -> Response:
    job = sim.jobs.get("drs_import", request.path_params["job_id"])
    if job is None:
        raise HttpError(404, 10211, "Job with provided id not found.")
    return JSONResponse(render(sim, job, api_root(request)))


def routes(pipeline: Pipeline) -> list[Route]:
    """The DRS import endpoints (docs/platform.md#bulk-drs-imports)."""
    return [
        pipeline.route("POST", "/bulk/drs/imports/create", _create),
        pipeline.route("GET", "/bulk/drs/imports/{job_id}", _get),
    ]

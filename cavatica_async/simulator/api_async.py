"""Async file jobs: copy, move and delete in bulk, get each job, list them all."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cavatica_async.simulator.api_drs import result_items
from cavatica_async.simulator.http import (
    HttpError,
    Pipeline,
    api_root,
    bulk_list,
    error_body,
    json_body,
    paginate,
)
from cavatica_async.simulator.jobs import SimJob
from cavatica_async.simulator.world import SimFile, iso

if TYPE_CHECKING:
    from cavatica_async.simulator import Simulator

OPERATIONS = ("copy", "move", "delete")


def _plan(
    sim: Simulator, operation: str, item: Any
) -> tuple[str | None, dict[str, Any] | None, Any]:
    """(result file id, error, plan) for one item; codes from docs/platform.md#errors."""
    if not isinstance(item, dict) or not isinstance(item.get("file"), str):
        return None, error_body(400, 10232, "Each item needs a 'file' id."), None
    source = sim.world.files.get(item["file"])
    if source is None:
        return None, error_body(404, 10225, f"Source {item['file']} does not exist."), None
    if operation == "delete":
        plan: Any = source
    else:
        try:
            project, parent = sim.destination(item)
        except HttpError:
            return None, error_body(404, 10228, "Destination is missing or not a folder."), None
        plan = (source, project, parent, item.get("name") or source.name)
    if sim.timing_for(operation).fails(sim.rng):
        return None, error_body(500, 10220, "Unexpected error while processing the item."), None
    new_id = sim.world.new_file_id() if operation == "copy" else source.id
    return new_id, None, plan


def _copy_tree(
    sim: Simulator,
    source: SimFile,
    project: str,
    parent: str | None,
    name: str,
    file_id: str | None,
    at: float,
) -> None:
    world = sim.world
    made = world.add_file(
        project,
        parent,
        world.free_name(project, parent, name),
        at,
        folder=source.type == "folder",
        file_id=file_id,
        size=source.size,
        storage=dict(source.storage) if source.storage else None,
    )
    if source.type == "folder":
        for child in world.children(source.project, source.id):
            _copy_tree(sim, child, project, made.id, child.name, None, at)


async def _start(sim: Simulator, request: Request, operation: str) -> Response:
    items = bulk_list(await json_body(request), "items")
    outcomes = [_plan(sim, operation, item) for item in items]
    job = sim.item_job(
        operation,
        [(file_id, error) for file_id, error, _ in outcomes],
        {"type": operation.upper()},
        [str(item.get("file")) if isinstance(item, dict) else "" for item in items],
    )

    def finish() -> None:
        world, at = sim.world, job.timeline[-1][1]
        for file_id, _, plan in outcomes:
            if file_id is None:
                continue
            if operation == "delete":
                if plan.id in world.files:
                    world.remove_file(plan)
                continue
            source, project, parent, name = plan
            if source.id not in world.files:
                continue  # deleted meanwhile
            if operation == "copy":
                _copy_tree(sim, source, project, parent, name, file_id, at)
            else:
                world.move_file(source, project, parent, world.free_name(project, parent, name))

    sim.jobs.add(job, finish)
    return JSONResponse(render(sim, job, api_root(request)))


def render(sim: Simulator, job: SimJob, root: str) -> dict[str, Any]:
    """An async file job now.

    The doc table types the counts as strings, but sevenbridges-python, which works against the
    real platform, rejects anything but integers there: its evidence of the wire format wins.
    """
    now = sim.clock.now()
    finished = job.finished_at(now)
    failed = sum(1 for _, error in job.items if error) if finished is not None else 0
    completed = len(job.items) - failed if finished is not None else 0
    body: dict[str, Any] = {
        "href": f"{root}/async/files/{job.kind}/{job.id}",
        "id": job.id,
        **job.fields,
        "state": job.state(now),
        "result": result_items(job, root) if finished is not None else [],
        "total_files": len(job.items),
        "completed_files": completed,
        "failed_files": failed,
        "started_on": iso(job.timeline[0][1]),
    }
    if finished is not None:
        body["finished_on"] = iso(finished)
    return body


async def _get(sim: Simulator, request: Request, operation: str) -> Response:
    job = sim.jobs.get(operation, request.path_params["job_id"])
    if job is None:
        raise HttpError(404, 10211, "Job with provided id not found.")
    return JSONResponse(render(sim, job, api_root(request)))


async def _list(sim: Simulator, request: Request) -> Response:
    jobs = [job for op in OPERATIONS for job in sim.jobs.jobs[op].values()]
    jobs.sort(key=lambda job: job.timeline[0][1], reverse=True)  # newest first
    root = api_root(request)
    return paginate(request, jobs, "/async/files", lambda job: render(sim, job, root))


def routes(pipeline: Pipeline) -> list[Route]:
    """The async file job endpoints (docs/platform.md#async-copy-move-and-delete)."""
    table = [pipeline.route("GET", "/async/files", _list)]
    for operation in OPERATIONS:
        table.append(
            pipeline.route(
                "POST", f"/async/files/{operation}", partial(_start, operation=operation)
            )
        )
        table.append(
            pipeline.route(
                "GET", f"/async/files/{operation}/{{job_id}}", partial(_get, operation=operation)
            )
        )
    return table

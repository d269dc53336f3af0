"""Storage exports and imports: single and bulk starts, gets, lists, with platform semantics."""

from __future__ import annotations

import posixpath
from functools import partial
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
    flag,
    json_body,
    paginate,
)
from cavatica_async.simulator.jobs import SimJob, draw_timeline
from cavatica_async.simulator.world import iso

if TYPE_CHECKING:
    from cavatica_async.simulator import Simulator

# Storage-service failures (docs/platform.md#errors; the 9107 body is the export page's
# example).
OCCUPIED = error_body(
    409, 9107, "Location on volume already contains a file. Check the documentation."
)
NOT_ON_VOLUME = error_body(404, 9105, "Location on volume not found.")
NAME_TAKEN = error_body(409, 9108, "Requested file already exists.")
NOT_ACCESSIBLE = error_body(400, 9103, "Location on volume is not accessible as configured.")


def _str(item: dict[str, Any], *path: str) -> str:
    value: Any = item
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, str) or not value:
        raise HttpError(400, 90000, f"'{'.'.join(path)}' is required and must be a string.")
    return value


def _bool(item: dict[str, Any], key: str, default: bool = False) -> bool:
    value = item.get(key, default)
    if not isinstance(value, bool):
        raise HttpError(400, 90000, f"'{key}' must be a boolean.")
    return value


def start_export(sim: Simulator, item: Any, *, copy_only: bool, overwrite: bool | None) -> SimJob:
    """Validate one export request and create its job (https://docs.sevenbridges.com/reference/
    start-an-export-job-v2); raise `HttpError` for what the platform rejects at once."""
    if not isinstance(item, dict):
        raise HttpError(400, 90000, "An export must be a JSON object.")
    file_id = _str(item, "source", "file")
    volume_id = _str(item, "destination", "volume")
    location = _str(item, "destination", "location")
    overwrite = _bool(item, "overwrite") if overwrite is None else overwrite
    world, now = sim.world, sim.clock.now()
    source = world.files.get(file_id)
    if source is None:
        raise HttpError(404, 9109, f"File {file_id} does not exist or is not accessible.")
    # "The file selected for export must not be a public file or an alias"; once exported
    # (or while a moving export is under way) it "cannot be exported again".
    if source.type != "file" or source.storage is not None or file_id in sim.exporting:
        raise HttpError(403, 9006, f"Requested file {file_id} cannot be exported.")
    volume = world.volumes.get(volume_id)
    if volume is None:
        raise HttpError(404, 9007, f"Volume {volume_id} does not exist.")
    if volume.access_mode != "RW":
        raise HttpError(403, 9026, f"Volume {volume_id} is not writable (access mode RW needed).")
    occupied = location in volume.objects or location in volume.reserved
    timing = sim.timing_for("export")
    failed = (occupied and not overwrite) or timing.fails(sim.rng)
    job = SimJob(
        kind="export",
        id=sim.storage_job_id(),
        timeline=draw_timeline(
            "export", now, timing, sim.rng, sim.speed, failed=failed, straight_to_end=occupied
        ),
        fields={
            "source": {"file": file_id},
            "destination": {"volume": volume_id, "location": location},
            "overwrite": overwrite,
            "properties": dict(item.get("properties") or {"sse_algorithm": "AES256"}),
        },
        result_file=file_id,
    )
    if failed:
        job.error = OCCUPIED if occupied and not overwrite else NOT_ACCESSIBLE
        return sim.jobs.add(job)
    volume.reserved.add(location)
    if not copy_only:
        sim.exporting.add(file_id)

    def finish() -> None:
        volume.reserved.discard(location)
        volume.objects[location] = source.size
        if not copy_only:
            # "the original project file will become an alias to the newly exported object"
            source.storage = {"type": "VOLUME", "volume": volume_id, "location": location}
            sim.exporting.discard(file_id)

    return sim.jobs.add(job, finish)


def start_import(sim: Simulator, item: Any) -> SimJob:
    """Validate one import request and create its job (start-an-import-job-v2)."""
    if not isinstance(item, dict):
        raise HttpError(400, 90000, "An import must be a JSON object.")
    volume_id = _str(item, "source", "volume")
    location = _str(item, "source", "location")
    destination = item.get("destination")
    if not isinstance(destination, dict):
        raise HttpError(400, 90000, "'destination' is required.")
    overwrite, autorename = _bool(item, "overwrite"), _bool(item, "autorename")
    world, now = sim.world, sim.clock.now()
    volume = world.volumes.get(volume_id)
    if volume is None:
        raise HttpError(404, 9007, f"Volume {volume_id} does not exist.")
    project, parent = sim.destination(destination)
    name = destination.get("name") or posixpath.basename(location.rstrip("/"))
    is_folder = location.endswith("/")
    found = (
        [loc for loc in volume.objects if loc.startswith(location)]
        if is_folder
        else [location] * (location in volume.objects)
    )
    clash = world.named(project, parent, name) is not None and not (overwrite or autorename)
    timing = sim.timing_for("import")
    failed = not found or clash or timing.fails(sim.rng)
    job = SimJob(
        kind="import",
        id=sim.storage_job_id(),
        timeline=draw_timeline("import", now, timing, sim.rng, sim.speed, failed=failed),
        fields={
            "source": {"volume": volume_id, "location": location},
            "destination": {
                k: v for k, v in destination.items() if k in ("project", "parent", "name")
            },
            "overwrite": overwrite,
            "autorename": autorename,
            "preserve_folder_structure": _bool(item, "preserve_folder_structure", is_folder),
        },
    )
    if failed:
        job.error = NOT_ON_VOLUME if not found else NAME_TAKEN if clash else NOT_ACCESSIBLE
        return sim.jobs.add(job)
    job.result_file = world.new_file_id()

    def finish() -> None:
        final = name
        existing = world.named(project, parent, name)
        if existing is not None:
            if overwrite:
                world.remove_file(existing)
            else:
                final = world.free_name(project, parent, name)
        at = job.timeline[-1][1]
        alias = {"type": "VOLUME", "volume": volume_id}
        if not is_folder:
            world.add_file(
                project,
                parent,
                final,
                at,
                file_id=job.result_file,
                size=volume.objects[location],
                storage={**alias, "location": location},
            )
            return
        folder = world.add_file(project, parent, final, at, folder=True, file_id=job.result_file)
        for loc in found:
            world.add_file(
                project,
                folder.id,
                posixpath.basename(loc),
                at,
                size=volume.objects[loc],
                storage={**alias, "location": loc},
            )

    return sim.jobs.add(job, finish)


def render(sim: Simulator, job: SimJob, root: str) -> dict[str, Any]:
    """An export or import job as the API shows it at this moment."""
    now = sim.clock.now()
    state = job.state(now)
    body: dict[str, Any] = {
        "href": f"{root}/storage/{job.kind}s/{job.id}",
        "id": job.id,
        "state": state,
        **job.fields,
        "started_on": iso(job.timeline[0][1]),
    }
    finished = job.finished_at(now)
    if finished is not None:
        body["finished_on"] = iso(finished)
        if state == "FAILED":
            body["error"] = job.error
        elif job.result_file in sim.world.files:
            body["result"] = sim.world.file_json(sim.world.files[job.result_file], root)
    return body


async def _start(sim: Simulator, request: Request, kind: str) -> Response:
    item = await json_body(request)
    if kind == "export":
        # `overwrite` is a body field (both official clients); one reference lists it as a query.
        query_overwrite = request.query_params.get("overwrite")
        job = start_export(
            sim,
            item,
            copy_only=flag(request.query_params.get("copy_only")),
            overwrite=flag(query_overwrite) if query_overwrite is not None else None,
        )
    else:
        job = start_import(sim, item)
    return JSONResponse(render(sim, job, api_root(request)))


async def _bulk_start(sim: Simulator, request: Request, kind: str) -> Response:
    items = bulk_list(await json_body(request), "items")
    copy_only = flag(request.query_params.get("copy_only"))
    root, answers = api_root(request), []
    for item in items:
        # A bad item is an error entry in a 200 answer, never a failed call.
        try:
            if kind == "export":
                job = start_export(sim, item, copy_only=copy_only, overwrite=None)
            else:
                job = start_import(sim, item)
        except HttpError as error:
            answers.append({"error": error_body(error.status, error.code, error.message)})
        else:
            answers.append({"resource": render(sim, job, root)})
    return JSONResponse({"items": answers})


async def _get(sim: Simulator, request: Request, kind: str) -> Response:
    job = sim.jobs.get(kind, request.path_params["job_id"])
    if job is None:
        raise HttpError(404, 9008, "Requested job does not exist.")
    return JSONResponse(render(sim, job, api_root(request)))


async def _bulk_get(sim: Simulator, request: Request, kind: str) -> Response:
    ids = bulk_list(await json_body(request), f"{kind}_ids")
    root, answers = api_root(request), []
    for job_id in ids:
        job = sim.jobs.get(kind, job_id) if isinstance(job_id, str) else None
        if job is None:
            answers.append(
                {"error": error_body(404, 9008, f"Requested job {job_id} does not exist.")}
            )
        else:
            answers.append({"resource": render(sim, job, root)})
    return JSONResponse({"items": answers})


async def _list(sim: Simulator, request: Request, kind: str) -> Response:
    volume = request.query_params.get("volume")
    project = request.query_params.get("project")
    states = set(request.query_params.getlist("state"))
    now, root = sim.clock.now(), api_root(request)
    chosen = [
        job
        for job in sim.jobs.jobs[kind].values()
        if (not states or job.state(now) in states)
        and (
            volume is None
            or volume
            in (job.fields["source"].get("volume"), job.fields["destination"].get("volume"))
        )
        and (project is None or job.fields["destination"].get("project") == project)
    ]
    return paginate(request, chosen, f"/storage/{kind}s", lambda job: render(sim, job, root))


def routes(pipeline: Pipeline) -> list[Route]:
    """The storage export and import endpoints (docs/platform.md#storage-exports and
    docs/platform.md#storage-imports)."""
    table = []
    for kind in ("export", "import"):
        for method, template, handler in (
            ("POST", f"/storage/{kind}s", _start),
            ("GET", f"/storage/{kind}s", _list),
            ("GET", f"/storage/{kind}s/{{job_id}}", _get),
            ("POST", f"/bulk/storage/{kind}s/create", _bulk_start),
            ("POST", f"/bulk/storage/{kind}s/get", _bulk_get),
        ):
            table.append(pipeline.route(method, template, partial(handler, kind=kind)))
    return table

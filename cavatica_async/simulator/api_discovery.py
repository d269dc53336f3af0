"""What real scripts read before starting jobs: the user, projects, files, volumes, rate limit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cavatica_async.simulator.http import HttpError, Pipeline, api_root, paginate

if TYPE_CHECKING:
    from cavatica_async.simulator import Simulator


async def _paths(sim: Simulator, request: Request) -> Response:
    # GET /v2/ lists the API paths and is the one call that needs no token
    # (docs/platform.md#base-urls).
    root = api_root(request)
    names = ("rate_limit", "user", "users", "projects", "files", "storage", "async", "bulk")
    return JSONResponse({f"{name}_url": f"{root}/{name}" for name in names})


async def _user(sim: Simulator, request: Request) -> Response:
    name = sim.world.username
    return JSONResponse(
        {
            "href": f"{api_root(request)}/users/{name}",
            "username": name,
            "email": f"{name}@example.org",
            "first_name": name.capitalize(),
            "last_name": "Simulated",
        }
    )


async def _projects(sim: Simulator, request: Request) -> Response:
    root = api_root(request)
    projects = [
        {"href": f"{root}/projects/{p.id}", "id": p.id, "name": p.name}
        for p in sim.world.projects.values()
    ]
    return paginate(request, projects, "/projects")


async def _files(sim: Simulator, request: Request) -> Response:
    project = request.query_params.get("project")
    parent = request.query_params.get("parent")
    world = sim.world
    if parent is not None:
        folder = world.files.get(parent)
        if folder is None or folder.type != "folder":
            raise HttpError(404, 90003, f"Folder {parent} not found.")
        listed = world.children(folder.project, folder.id)
    elif project is not None:
        if project not in world.projects:
            raise HttpError(404, 90003, f"Project {project} not found.")
        listed = world.children(project, None)
    else:
        raise HttpError(400, 90000, "Give 'project' or 'parent'.")
    root = api_root(request)
    return paginate(request, listed, "/files", lambda f: world.file_json(f, root))


async def _file(sim: Simulator, request: Request) -> Response:
    found = sim.world.files.get(request.path_params["file_id"])
    if found is None:
        raise HttpError(404, 5002, "File does not exist.")
    return JSONResponse(sim.world.file_json(found, api_root(request)))


async def _volumes(sim: Simulator, request: Request) -> Response:
    root, world = api_root(request), sim.world
    return paginate(
        request,
        list(world.volumes.values()),
        "/storage/volumes",
        lambda v: world.volume_json(v, root),
    )


async def _volume(sim: Simulator, request: Request) -> Response:
    volume_id = f"{request.path_params['owner']}/{request.path_params['name']}"
    volume = sim.world.volumes.get(volume_id)
    if volume is None:
        raise HttpError(404, 9007, f"Volume {volume_id} does not exist.")
    return JSONResponse(sim.world.volume_json(volume, api_root(request)))


async def _rate_limit(sim: Simulator, request: Request) -> Response:
    # "Making this API call does not count against your rate limit."
    now, limiter = sim.clock.now(), sim.limiter
    return JSONResponse(
        {
            "rate": {
                "limit": limiter.limit,
                "remaining": limiter.remaining(now),
                "reset": sim.rate_reset(now),
            },
            "instance_limit": {"limit": -1, "remaining": 0},
        }
    )


def routes(pipeline: Pipeline) -> list[Route]:
    """Discovery endpoints and the free rate-limit call."""
    return [
        pipeline.route("GET", "/", _paths, auth=False),
        pipeline.route("GET", "/user", _user),
        pipeline.route("GET", "/projects", _projects),
        pipeline.route("GET", "/files", _files),
        pipeline.route("GET", "/files/{file_id}", _file),
        pipeline.route("GET", "/storage/volumes", _volumes),
        pipeline.route("GET", "/storage/volumes/{owner}/{name}", _volume),
        pipeline.route("GET", "/rate_limit", _rate_limit, free=True),
    ]

"""What real scripts read first: the API paths, the user, volumes, the rate limit (file and
project listings are in api_files)."""

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
    """The API paths, the user, volumes and the free rate-limit call."""
    return [
        pipeline.route("GET", "/", _paths, auth=False),
        pipeline.route("GET", "/user", _user),
        pipeline.route("GET", "/storage/volumes", _volumes),
        pipeline.route("GET", "/storage/volumes/{owner}/{name}", _volume),
        pipeline.route("GET", "/rate_limit", _rate_limit, free=True),
    ]

"""The simulator's own window on itself, for tests and benchmarks in another process.

`GET /__simulator/jobs` lists every job ever started: kind, id, state now, what it was asked to
move, when it was created and ended (the simulator's clock, in seconds), and how long it waited
in the platform's DRS queue. `GET /__simulator/requests` counts the answers given, by method,
path template and status. Neither is part of the platform's API: they sit outside `/v2`, need
the token like every call, and are neither rate limited nor counted, so looking does not change
what is seen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cavatica_async.simulator.http import error_body, request_token

if TYPE_CHECKING:
    from cavatica_async.simulator.sim import Simulator

PREFIX = "/__simulator"


def routes(sim: Simulator) -> list[Route]:
    """The two inspection routes of `sim`."""

    async def jobs(request: Request) -> Response:
        if request_token(request) != sim.token:
            return JSONResponse(error_body(401, 90001, "Missing or invalid token."), 401)
        now = sim.clock.now()
        sim.jobs.advance(now)
        listed = [
            {
                "kind": kind,
                "id": job.id,
                "state": job.state(now),
                "sources": sources,
                "created": job.timeline[0][1],
                "ended": job.finished_at(now),
                "queued": job.queued,
            }
            for kind, sources, job in sim.started_jobs()
        ]
        return JSONResponse({"jobs": listed})

    async def requests(request: Request) -> Response:
        if request_token(request) != sim.token:
            return JSONResponse(error_body(401, 90001, "Missing or invalid token."), 401)
        counted = [
            {"method": method, "path": path, "status": status, "count": count}
            for (method, path, status), count in sorted(sim.request_counts().items())
        ]
        return JSONResponse({"requests": counted})

    return [Route(f"{PREFIX}/jobs", jobs), Route(f"{PREFIX}/requests", requests)]

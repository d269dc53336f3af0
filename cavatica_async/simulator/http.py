"""The request pipeline every endpoint goes through: auth, rate limit, faults, errors, headers."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

if TYPE_CHECKING:
    from cavatica_async.simulator import Simulator

Handler = Callable[["Simulator", Request], Awaitable[Response]]

# "One call can contain up to 100 items" (start-a-bulk-export-job and the other bulk pages).
BULK_LIMIT = 100
DOCS = "https://docs.sevenbridges.com/docs/api-status-codes"


class HttpError(Exception):
    """An error answer: HTTP status, platform code and message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class ConnectionDropped(Exception):  # noqa: N818 (it names an event, not a failure of ours)
    """Raised mid-answer to make the server close the connection without a full response."""


class DroppedAnswer(Response):
    """Starts an answer, then breaks off: the server closes the connection mid-response.

    (An app error before the answer starts would become a 500, not a drop.)
    """

    def __init__(self) -> None:
        super().__init__(status_code=0)  # counted as "no answer"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", b"64")],
        }
        await send(start)
        raise ConnectionDropped


def error_body(status: int, code: int, message: str) -> dict[str, Any]:
    """The platform's error object (docs/platform.md#errors)."""
    return {"status": status, "code": code, "message": message, "more_info": f"{DOCS}#{code}"}


def api_root(request: Request) -> str:
    """The API root as the caller reached it, for `href` fields."""
    return f"{request.url.scheme}://{request.url.netloc}/v2"


async def json_body(request: Request) -> Any:
    """The decoded JSON body, or a 400 with the generic decoding-error code."""
    raw = await request.body()
    try:
        return json.loads(raw)
    except ValueError:
        raise HttpError(400, 90009, "Request body is not valid JSON.") from None


def bulk_list(body: Any, key: str) -> list[Any]:
    """`body[key]` as a list of at most 100 entries, or a 400 saying what is wrong."""
    values = body.get(key) if isinstance(body, dict) else None
    if not isinstance(values, list) or not values:
        raise HttpError(400, 90000, f"'{key}' must be a non-empty list.")
    if len(values) > BULK_LIMIT:
        raise HttpError(400, 90000, f"At most {BULK_LIMIT} {key} per call, got {len(values)}.")
    return values


def flag(value: str | None) -> bool:
    """A boolean query parameter: sevenbridges-python sends `True`, others `true` or `1`."""
    return value is not None and value.lower() in ("true", "1")


def page_limit(request: Request) -> int:
    """The `limit` query parameter: 1 to 100, 50 when not given
    (docs/platform.md#lists-and-pages)."""
    raw = request.query_params.get("limit", "50")
    try:
        limit = int(raw)
    except ValueError:
        raise HttpError(400, 90000, "limit must be an integer.") from None
    if not 1 <= limit <= 100:
        raise HttpError(400, 90000, "limit must be between 1 and 100.")
    return limit


def paginate(
    request: Request,
    items: Sequence[Any],
    path: str,
    render: Callable[[Any], dict[str, Any]] = lambda item: item,
) -> Response:
    """One offset/limit page of `items` (rendered), with `links` and `X-Total-Matching-Query`."""
    limit = page_limit(request)
    try:
        offset = int(request.query_params.get("offset", "0"))
    except ValueError:
        raise HttpError(400, 90000, "offset must be an integer.") from None
    if offset < 0:
        raise HttpError(400, 90000, "offset must be >= 0.")
    root = api_root(request)
    others = [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "limit")]

    def link(at: int) -> str:
        return f"{root}{path}?{urlencode([*others, ('offset', at), ('limit', limit)])}"

    links = []
    if offset + limit < len(items):
        links.append({"href": link(offset + limit), "rel": "next", "method": "GET"})
    if offset > 0:
        links.append({"href": link(max(0, offset - limit)), "rel": "prev", "method": "GET"})
    page = [render(item) for item in items[offset : offset + limit]]
    body = {"href": link(offset), "items": page, "links": links}
    return JSONResponse(body, headers={"X-Total-Matching-Query": str(len(items))})


class Pipeline:
    """Wraps handlers with the platform's cross-cutting behaviour and counts every answer."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.counts: Counter[tuple[str, str, int]] = Counter()
        self._request_ids = 0

    def route(
        self, method: str, template: str, handler: Handler, *, auth: bool = True, free: bool = False
    ) -> Route:
        """A Starlette route for `handler` at `/v2{template}`; `free` calls skip the rate limit."""

        # Hostile answers replace only reads: a create's answer is the one place the
        # platform can say what it started.
        read = method == "GET" or template.endswith("/get")

        async def endpoint(request: Request) -> Response:
            response = await self._answer(request, handler, auth=auth, free=free, read=read)
            self.counts[(method, template, response.status_code)] += 1
            # The platform's clock, as every HTTP server with one says it (RFC 9110).
            response.headers["date"] = formatdate(self.sim.clock.now(), usegmt=True)
            return response

        return Route(f"/v2{template}", endpoint, methods=[method])

    async def _answer(
        self, request: Request, handler: Handler, *, auth: bool, free: bool, read: bool
    ) -> Response:
        sim = self.sim
        now = sim.clock.now()
        sim.jobs.advance(now)
        if sim.faults.in_maintenance(now):
            sim.faults.injected["maintenance answer"] += 1
            return self._failure(503, 0, "The Platform is currently under maintenance.", {})
        if auth and request_token(request) != sim.token:
            return self._failure(401, 90001, "Missing or invalid authentication token.", {})
        if auth and not free and not sim.limiter.hit(now):
            headers = self._rate_headers(now)
            message = "Rate limit exceeded, check response headers."
            return JSONResponse(error_body(429, 1000, message), 429, headers)
        headers = self._rate_headers(now) if auth else {}
        if sim.faults.drops(sim.rng):
            return DroppedAnswer()
        status = sim.faults.server_error(sim.rng)
        if status is not None:
            return self._failure(status, 90004, "Unexpected error.", headers)
        delay = sim.faults.delay(sim.rng)
        if delay:
            await anyio.sleep(delay)
        try:
            response = await handler(sim, request)
        except HttpError as error:
            response = JSONResponse(
                error_body(error.status, error.code, error.message), error.status
            )
        if read and response.status_code == 200:
            hostile = sim.faults.hostile(bytes(response.body))
            if hostile is not None:
                response = Response(hostile, 200, media_type="application/json")
        response.headers.update(headers)
        return response

    def _failure(self, status: int, code: int, message: str, headers: dict[str, str]) -> Response:
        if status >= 500 and self.sim.faults.html_errors:
            self.sim.faults.injected["HTML error page"] += 1
            title = f"<head><title>{status}</title></head>"
            page = f"<html>{title}<body><h1>{status}</h1>nginx</body></html>"
            return Response(page, status, headers, media_type="text/html")
        return JSONResponse(error_body(status, code, message), status, headers)

    def _rate_headers(self, now: float) -> dict[str, str]:
        limiter = self.sim.limiter
        self._request_ids += 1
        return {
            "X-RateLimit-Limit": str(limiter.limit),
            "X-RateLimit-Remaining": str(limiter.remaining(now)),
            # Epoch seconds as documented, or ms as the CAVATICA rate_limit page shows.
            "X-RateLimit-Reset": str(self.sim.rate_reset(now)),
            "X-Request-Id": f"sim-{self._request_ids:08d}",
        }


def request_token(request: Request) -> str | None:
    """The token a request carries (X-SBG-Auth-Token, or a Bearer authorization)."""
    token = request.headers.get("x-sbg-auth-token")
    if token is None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        token = value if scheme.lower() == "bearer" else None
    return token

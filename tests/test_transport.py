"""The transport over respx: headers, timeouts, errors, retries, rate state (asyncio + trio)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import anyio
import httpx
import pytest
import respx

from cavatica_async import (
    NO_RETRY,
    ApiError,
    BadRequestError,
    ClientClosedError,
    ConfigError,
    ConflictError,
    DecodeError,
    ForbiddenError,
    MaintenanceError,
    NotFoundError,
    RateLimitError,
    RetryAttempt,
    RetryPolicy,
    ServerError,
    Timeout,
    TransportError,
    TransportTimeoutError,
    UnauthorizedError,
)
from cavatica_async._version import __version__

from tests.helpers import BASE_URL, TOKEN, FakeClock, make_client

pytestmark = pytest.mark.anyio

NOW = FakeClock().now


def error_body(status: int, code: int, message: str = "nope") -> dict[str, Any]:
    return {"status": status, "code": code, "message": message, "more_info": "https://docs/x"}


def limited(reset: float | str, remaining: int = 0) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": "1000",
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(reset),
    }


# --- headers -------------------------------------------------------------------------------


async def test_default_headers(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get("/rate_limit").respond(200, json={})
    async with make_client(router, clock) as client:
        await client.transport.request("GET", "/rate_limit")
    headers = route.calls.last.request.headers
    assert headers["X-SBG-Auth-Token"] == TOKEN
    assert "Authorization" not in headers
    assert headers["Accept"] == "application/json"
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"].startswith(f"cavatica-async/{__version__} (Python/")
    assert "X-SBG-Advance-Access" not in headers


async def test_bearer_and_advance_access(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get("/rate_limit").respond(200, json={})
    async with make_client(router, clock, bearer=True, advance_access=True) as client:
        await client.transport.request("GET", "/rate_limit")
    headers = route.calls.last.request.headers
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert "X-SBG-Auth-Token" not in headers
    assert headers["X-SBG-Advance-Access"] == "advance"


async def test_per_call_headers_query_and_json_body(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.post("/storage/exports").respond(201, json={"id": "e1"})
    async with make_client(router, clock) as client:
        response = await client.transport.request(
            "POST",
            "/storage/exports",
            params={"copy_only": "true"},
            json={"source": {"file": "f1"}},
            headers={"X-SBG-Advance-Access": "advance"},
        )
    request = route.calls.last.request
    assert request.url == f"{BASE_URL}/storage/exports?copy_only=true"
    assert json.loads(request.content) == {"source": {"file": "f1"}}
    assert request.headers["X-SBG-Advance-Access"] == "advance"
    assert response.status == 201
    assert response.json() == {"id": "e1"}


# --- timeouts ------------------------------------------------------------------------------


async def test_default_timeouts_never_time_out_on_the_pool(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get("/rate_limit").respond(200, json={})
    async with make_client(router, clock) as client:
        await client.transport.request("GET", "/rate_limit")
    timeout = route.calls.last.request.extensions["timeout"]
    assert timeout == {"connect": 5.0, "read": 30.0, "write": 30.0, "pool": None}


async def test_callers_beyond_max_connections_wait_their_turn(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    in_flight = peak = 0

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await anyio.sleep(0.01)
        in_flight -= 1
        return httpx.Response(200, json={})

    router.get("/rate_limit").mock(side_effect=answer)
    client = make_client(router, clock, max_connections=2)
    async with client, anyio.create_task_group() as group:
        for _ in range(6):
            group.start_soon(client.transport.request, "GET", "/rate_limit")
    assert router.calls.call_count == 6
    assert peak == 2


async def test_client_and_call_timeouts(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get("/rate_limit").respond(200, json={})
    async with make_client(router, clock, timeout=Timeout(connect=1, read=2, write=3)) as client:
        await client.transport.request("GET", "/rate_limit")
        assert route.calls.last.request.extensions["timeout"] == {
            "connect": 1,
            "read": 2,
            "write": 3,
            "pool": None,
        }
        await client.transport.request("GET", "/rate_limit", timeout=9.5)
        assert route.calls.last.request.extensions["timeout"] == {
            "connect": 9.5,
            "read": 9.5,
            "write": 9.5,
            "pool": None,
        }


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, 9107, BadRequestError),
        (401, 90001, UnauthorizedError),
        (403, 9006, ForbiddenError),
        (404, 9008, NotFoundError),
        (404, 10211, NotFoundError),
        (409, 90007, ConflictError),
        (429, 1000, RateLimitError),
        (500, 90004, ServerError),
        (503, 0, MaintenanceError),
        (503, 90005, ServerError),
        (405, 90006, ApiError),
    ],
)
async def test_error_mapping(
    router: respx.MockRouter, clock: FakeClock, status: int, code: int, cls: type[ApiError]
) -> None:
    router.get("/storage/exports/e1").respond(
        status, json=error_body(status, code, "went wrong"), headers={"X-Request-Id": "rq-9"}
    )
    async with make_client(router, clock, retry=NO_RETRY) as client:
        with pytest.raises(ApiError) as info:
            await client.transport.request("GET", "/storage/exports/e1")
    error = info.value
    assert type(error) is cls
    assert (error.status, error.code, error.message) == (status, code, "went wrong")
    assert error.more_info == "https://docs/x"
    assert error.request_id == "rq-9"
    assert error.method == "GET"
    assert error.url == f"{BASE_URL}/storage/exports/e1"


async def test_html_504_says_what_it_is(router: respx.MockRouter, clock: FakeClock) -> None:
    page = (
        b"<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>nginx</body></html>"
    )
    router.get("/storage/exports/e1").respond(
        504, content=page, headers={"Content-Type": "text/html"}
    )
    async with make_client(router, clock, retry=NO_RETRY) as client:
        with pytest.raises(ServerError) as info:
            await client.transport.request("GET", "/storage/exports/e1")
    assert str(info.value) == (
        f"HTTP 504 from GET {BASE_URL}/storage/exports/e1 (not JSON): "
        "<html> <head><title>504 Gateway Time-out</title></head> <body>nginx</body></html>"
    )
    assert info.value.status == 504
    assert info.value.code is None


@pytest.mark.parametrize(
    "body",
    [b"", b"[1, 2]", b'"just a string"', b'{"code": "not-a-number", "message": ""}'],
)
async def test_odd_error_bodies_still_map_by_status(
    router: respx.MockRouter, clock: FakeClock, body: bytes
) -> None:
    router.get("/x").respond(404, content=body)
    async with make_client(router, clock) as client:
        with pytest.raises(NotFoundError) as info:
            await client.transport.request("GET", "/x")
    assert info.value.code is None
    assert str(info.value).startswith(f"HTTP 404 from GET {BASE_URL}/x")


async def test_success_that_is_not_json_is_a_decode_error(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.get("/x").respond(200, content=b"<html>Sign in to the corporate proxy</html>")
    async with make_client(router, clock) as client:
        response = await client.transport.request("GET", "/x")
        with pytest.raises(DecodeError) as info:
            response.json()
    assert str(info.value) == (
        f"HTTP 200 from GET {BASE_URL}/x (not JSON): <html>Sign in to the corporate proxy</html>"
    )
    assert info.value.status == 200


async def test_network_failures(router: respx.MockRouter, clock: FakeClock) -> None:
    router.get("/refused").mock(side_effect=httpx.ConnectError("Connection refused"))
    router.get("/slow").mock(side_effect=httpx.ReadTimeout("timed out"))
    async with make_client(router, clock, retry=NO_RETRY) as client:
        with pytest.raises(TransportError) as refused:
            await client.transport.request("GET", "/refused")
        with pytest.raises(TransportTimeoutError) as slow:
            await client.transport.request("GET", "/slow")
    assert str(refused.value) == f"ConnectError: Connection refused (GET {BASE_URL}/refused)"
    assert refused.value.request_sent is False
    assert slow.value.request_sent is True


# --- retries -------------------------------------------------------------------------------

# (method, idempotent flag passed, is the request retried after a 502?)
METHOD_KINDS = [
    ("GET", None, True),  # plain GET: idempotent by default
    ("POST", True, True),  # read-only POST such as bulk get, flagged by the endpoint
    ("POST", None, False),  # a create call
]


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
@pytest.mark.parametrize(("method", "idempotent", "retried"), METHOD_KINDS)
async def test_transient_statuses_retry_only_idempotent_requests(
    router: respx.MockRouter,
    clock: FakeClock,
    status: int,
    method: str,
    idempotent: bool | None,
    retried: bool,
) -> None:
    route = router.route(method=method, path="/x").mock(
        side_effect=[httpx.Response(status, json=error_body(status, 90004)), httpx.Response(200)]
    )
    async with make_client(router, clock) as client:
        if retried:
            response = await client.transport.request(method, "/x", idempotent=idempotent)
            assert response.status == 200
        else:
            with pytest.raises(ApiError):
                await client.transport.request(method, "/x", idempotent=idempotent)
    assert route.call_count == (2 if retried else 1)
    assert clock.sleeps == ([0.25] if retried else [])


@pytest.mark.parametrize(("method", "idempotent", "_retried"), METHOD_KINDS)
@pytest.mark.parametrize(
    "first",
    [
        httpx.Response(429, json=error_body(429, 1000), headers=limited(NOW + 2)),
        httpx.Response(503, json=error_body(503, 0, "Platform under maintenance")),
    ],
    ids=["429", "maintenance"],
)
async def test_rate_limit_and_maintenance_retry_any_request(
    router: respx.MockRouter,
    clock: FakeClock,
    method: str,
    idempotent: bool | None,
    _retried: bool,
    first: httpx.Response,
) -> None:
    route = router.route(method=method, path="/x").mock(side_effect=[first, httpx.Response(200)])
    async with make_client(router, clock) as client:
        assert (await client.transport.request(method, "/x", idempotent=idempotent)).status == 200
    assert route.call_count == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
async def test_client_errors_are_never_retried(
    router: respx.MockRouter, clock: FakeClock, status: int
) -> None:
    route = router.get("/x").respond(status, json=error_body(status, 90000))
    async with make_client(router, clock) as client:
        with pytest.raises(ApiError):
            await client.transport.request("GET", "/x")
    assert route.call_count == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("error", "idempotent", "retried"),
    [
        (httpx.ConnectError("refused"), None, True),  # never reached the server
        (httpx.ConnectTimeout("slow connect"), None, True),
        (httpx.ReadError("reset by peer"), None, False),  # a create call may have run
        (httpx.ReadTimeout("slow answer"), None, False),
        (httpx.RemoteProtocolError("server hung up"), None, False),
        (httpx.ReadError("reset by peer"), True, True),
        (httpx.ReadTimeout("slow answer"), True, True),
    ],
)
async def test_network_failures_never_resend_a_create_that_may_have_arrived(
    router: respx.MockRouter,
    clock: FakeClock,
    error: Exception,
    idempotent: bool | None,
    retried: bool,
) -> None:
    route = router.post("/storage/exports").mock(side_effect=[error, httpx.Response(201)])
    async with make_client(router, clock) as client:
        if retried:
            await client.transport.request("POST", "/storage/exports", idempotent=idempotent)
        else:
            with pytest.raises(TransportError):
                await client.transport.request("POST", "/storage/exports", idempotent=idempotent)
    assert route.call_count == (2 if retried else 1)


@pytest.mark.parametrize(
    ("reset", "expected_wait"),
    [
        (str(int(NOW) + 40), 40.5),  # epoch seconds
        (str(int(NOW * 1000) + 40_000), 40.5),  # epoch milliseconds
    ],
    ids=["seconds", "milliseconds"],
)
async def test_429_waits_for_the_reset(
    router: respx.MockRouter, clock: FakeClock, reset: str, expected_wait: float
) -> None:
    route = router.get("/x").mock(
        side_effect=[
            httpx.Response(429, json=error_body(429, 1000), headers=limited(reset)),
            httpx.Response(200, headers=limited(int(NOW) + 340, remaining=999)),
        ]
    )
    async with make_client(router, clock) as client:
        await client.transport.request("GET", "/x")
        assert client.rate_limit is not None
        assert client.rate_limit.remaining == 999
    assert route.call_count == 2
    assert clock.sleeps == [pytest.approx(expected_wait)]


async def test_429_honours_retry_after(router: respx.MockRouter, clock: FakeClock) -> None:
    headers = {**limited(NOW + 200), "Retry-After": "7"}
    router.get("/x").mock(
        side_effect=[
            httpx.Response(429, json=error_body(429, 1000), headers=headers),
            httpx.Response(200),
        ]
    )
    async with make_client(router, clock) as client:
        await client.transport.request("GET", "/x")
    assert clock.sleeps == [7.5]


async def test_429_past_the_cap_raises_with_retry_at(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get("/x").respond(429, json=error_body(429, 1000), headers=limited(NOW + 900))
    async with make_client(router, clock) as client:
        with pytest.raises(RateLimitError) as info:
            await client.transport.request("GET", "/x")
    # A reset past one window (300 s) is believed as one window: still past the cap with the
    # up to 1 s of spread, so it raises.
    assert info.value.retry_at == datetime.fromtimestamp(NOW + 300, tz=timezone.utc)
    assert route.call_count == 1
    assert clock.sleeps == []


async def test_max_retries_caps_the_attempts(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get("/x").respond(502, json=error_body(502, 90004))
    async with make_client(router, clock, retry=RetryPolicy(max_retries=3)) as client:
        with pytest.raises(ServerError):
            await client.transport.request("GET", "/x")
    assert route.call_count == 4
    assert clock.sleeps == [0.25, 0.5, 1.0]


async def test_deadline_caps_the_total_wait(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get("/x").respond(503, json=error_body(503, 0, "maintenance"))
    policy = RetryPolicy(max_retries=100, deadline=200.0)
    async with make_client(router, clock, retry=policy) as client:
        with pytest.raises(MaintenanceError):
            await client.transport.request("GET", "/x")
    # Equal jitter at rand 0.5: 22.5, 45, 90 (sum 157.5); the next, 180, would end past 200 s.
    assert clock.sleeps == [22.5, 45.0, 90.0]
    assert route.call_count == 4


async def test_on_retry_sees_each_attempt(router: respx.MockRouter, clock: FakeClock) -> None:
    seen: list[RetryAttempt] = []
    router.get("/x").mock(
        side_effect=[
            httpx.Response(500, json=error_body(500, 90004)),
            httpx.Response(429, json=error_body(429, 1000), headers=limited(NOW + 10)),
            httpx.Response(200),
        ]
    )
    async with make_client(router, clock, retry=RetryPolicy(on_retry=seen.append)) as client:
        await client.transport.request("GET", "/x")
    assert [(a.attempt, a.delay, a.method, a.url) for a in seen] == [
        (1, 0.25, "GET", f"{BASE_URL}/x"),
        (2, pytest.approx(10.25), "GET", f"{BASE_URL}/x"),
    ]
    assert isinstance(seen[0].error, ServerError)
    assert isinstance(seen[1].error, RateLimitError)
    assert seen[1].elapsed == 0.25


async def test_per_call_retry_policy_overrides_the_client(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get("/x").respond(502, json=error_body(502, 90004))
    async with make_client(router, clock) as client:
        with pytest.raises(ServerError):
            await client.transport.request("GET", "/x", retry=NO_RETRY)
    assert route.call_count == 1


# --- rate state, ids, safety ---------------------------------------------------------------


async def test_rate_limit_state_follows_every_response(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.get("/a").respond(200, headers=limited(1489700093, remaining=10))
    router.get("/b").respond(
        404, json=error_body(404, 9008), headers=limited(1489700093, remaining=9)
    )
    router.get("/c").respond(200)
    async with make_client(router, clock) as client:
        assert client.rate_limit is None
        await client.transport.request("GET", "/a")
        assert client.rate_limit is not None
        assert client.rate_limit.remaining == 10
        with pytest.raises(NotFoundError):
            await client.transport.request("GET", "/b")
        assert client.rate_limit.remaining == 9
        await client.transport.request("GET", "/c")  # no headers: the last known values stay
        assert client.rate_limit.remaining == 9
        assert client.rate_limit.reset == datetime.fromtimestamp(1489700093, tz=timezone.utc)


@pytest.mark.parametrize("bad", ["", "../rate_limit", "a/b", "..", "id with space", "x\r\ny"])
async def test_bad_ids_are_rejected_before_any_request(
    router: respx.MockRouter, clock: FakeClock, bad: str
) -> None:
    async with make_client(router, clock) as client:
        with pytest.raises(ValueError, match="invalid export id"):
            await client.transport.request(
                "GET", "/storage/exports/{export_id}", ids={"export_id": bad}
            )
    assert router.calls.call_count == 0


async def test_ids_are_percent_encoded(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get(url__regex=r".*/storage/exports/.*").respond(200, json={})
    async with make_client(router, clock) as client:
        await client.transport.request(
            "GET", "/storage/exports/{export_id}", ids={"export_id": "a?b#c"}
        )
    assert route.calls.last.request.url.raw_path == b"/v2/storage/exports/a%3Fb%23c"


async def test_plain_http_to_a_remote_host_is_refused(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    with pytest.raises(ConfigError, match="plain http"):
        make_client(router, clock, base_url="http://cavatica-api.sbgenomics.com/v2")
    assert router.calls.call_count == 0


async def test_closed_client_refuses_to_send(router: respx.MockRouter, clock: FakeClock) -> None:
    client = make_client(router, clock)
    await client.aclose()
    await client.aclose()  # twice is fine
    with pytest.raises(ClientClosedError, match="the client is closed"):
        await client.transport.request("GET", "/x")

"""The transport against hostile answers (respx): nested, huge, endless and lying bodies,
absurd rate-limit headers, any exception a transport can raise, and bodies echoing the token.

Each case here failed on main before issue 16 (an exception from json, datetime, httpx or the
standard library reached the caller, or the token was shown).
"""

from __future__ import annotations

import gzip
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timezone

import anyio
import httpcore
import httpx
import pytest
import respx

from cavatica_async import (
    NO_RETRY,
    ApiError,
    CavaticaClient,
    CavaticaError,
    DecodeError,
    DrsImportItem,
    ExportRequest,
    NotFoundError,
    RateLimitError,
    TransportError,
)

from tests.helpers import BASE_URL, TOKEN, FakeClock, make_client

pytestmark = pytest.mark.anyio

NOW = FakeClock().now
NESTED = b"[" * 100_000  # deeper than any JSON parser's recursion limit
EXPORT = {"id": "e1", "state": "PENDING"}


# --- 1. nested bodies --------------------------------------------------------------------


async def get_one(client: CavaticaClient) -> object:
    return await client.exports.get("e1")


async def get_bulk(client: CavaticaClient) -> object:
    return await client.exports.bulk_get(["e1", "e2"])


async def list_all(client: CavaticaClient) -> object:
    return [job async for job in client.exports.list()]


@pytest.mark.parametrize(
    ("method", "path", "call"),
    [
        ("GET", "/storage/exports/e1", get_one),
        ("POST", "/bulk/storage/exports/get", get_bulk),
        ("GET", "/storage/exports", list_all),
    ],
)
async def test_a_nested_body_is_a_decode_error(
    router: respx.MockRouter,
    clock: FakeClock,
    method: str,
    path: str,
    call: Callable[[CavaticaClient], Awaitable[object]],
) -> None:
    router.route(method=method, path=path).respond(200, content=NESTED)
    async with make_client(router, clock) as client:
        with pytest.raises(DecodeError, match="nested too deeply"):
            await call(client)


async def test_a_nested_error_body_still_gives_the_status_error(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.get("/storage/exports/e1").respond(404, content=NESTED)
    async with make_client(router, clock) as client:
        with pytest.raises(NotFoundError, match=r"HTTP 404 .*\(not JSON\): \[\[\["):
            await client.exports.get("e1")


async def test_a_nested_field_inside_a_parsable_body_is_a_decode_error(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    # Shallow enough for the parser; where an object is documented, a list is refused.
    deep = "[" * 900 + "]" * 900
    body = f'{{"id": "e1", "state": "PENDING", "properties": {{"x": {deep}}}, "error": {deep}}}'
    router.get("/storage/exports/e1").respond(200, content=body.encode())
    async with make_client(router, clock) as client:
        with pytest.raises(DecodeError):
            await client.exports.get("e1")


# --- 2 and 10. absurd rate-limit headers ---------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "1e20"},
        {"Retry-After": "inf"},
        {"Retry-After": "-inf"},
        {"Retry-After": "nan"},
        {"Retry-After": "-30"},
        {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"},
        {"Retry-After": "Thu, 01 Jan 1970 00:00:00 GMT"},
        {"Retry-After": "Mon, 99 Foo 2024 99:99:99 GMT"},
        {"Retry-After": "\x00garbage"},
        {"X-RateLimit-Reset": "1e300"},
        {"X-RateLimit-Reset": "-1e300"},
        {"X-RateLimit-Reset": "nan"},
        {"X-RateLimit-Reset": "99999999999999999999999999"},
        {"X-RateLimit-Reset": "9999-12-31T23:59:59Z"},
        {"X-RateLimit-Reset": "0"},
    ],
)
async def test_absurd_rate_limit_headers_give_the_rate_limit_error_within_a_window(
    router: respx.MockRouter, clock: FakeClock, headers: dict[str, str]
) -> None:
    route = router.get("/x").respond(
        429, json={"status": 429, "code": 1000, "message": "slow down"}, headers=headers
    )
    async with make_client(router, clock) as client:
        with pytest.raises(RateLimitError) as info:
            await client.transport.request("GET", "/x")
    retry_at = info.value.retry_at
    if retry_at is not None:
        assert NOW <= retry_at.timestamp() <= NOW + 300
    assert route.call_count >= 1
    assert all(0 <= sleep <= 301 for sleep in clock.sleeps)


# --- 3 and 4. nothing from below passes the transport unwrapped ------------------------------


async def test_a_url_too_long_to_send_is_a_value_error(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get("/storage/exports")
    async with make_client(router, clock) as client:
        with pytest.raises(ValueError, match="cannot send GET /storage/exports"):
            await client.transport.request("GET", "/storage/exports", params={"v": "x" * 70_000})
    assert not route.called


async def test_a_body_json_cannot_carry_is_a_value_error(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.post("/storage/exports")
    async with make_client(router, clock) as client:
        with pytest.raises(ValueError, match="cannot send POST"):
            await client.exports.start(
                "f1", "o/v", "a.vcf", properties={"when": datetime.now(tz=timezone.utc)}
            )
    assert not route.called


@pytest.mark.parametrize(
    "raised",
    [
        RuntimeError("a custom transport's bug"),
        ConnectionResetError(104, "Connection reset by peer"),
        ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"),
        httpcore.ReadError("raw httpcore error from a custom transport"),
        anyio.BrokenResourceError(),
        httpx.StreamConsumed(),
        KeyError("state"),
        UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
    ],
)
async def test_any_exception_of_a_transport_is_a_transport_error(
    router: respx.MockRouter, clock: FakeClock, raised: Exception
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise raised

    router.get("/x").mock(side_effect=fail)
    async with make_client(router, clock, retry=NO_RETRY) as client:
        with pytest.raises(TransportError, match=f"unexpected {type(raised).__name__}") as info:
            await client.transport.request("GET", "/x")
    assert info.value.request_sent  # unknown: never re-sent unless idempotent
    assert info.value.__cause__ is raised


# httpx reads a body through nested async generators. When one fails mid-body (here, its
# decoder) or is left (a stream that ignores closing), the inner ones are finalised by the
# garbage collector, and trio warns about that. The library cannot reach those generators.
INNER_GENERATORS = pytest.mark.filterwarnings("ignore:Async generator:ResourceWarning")


@INNER_GENERATORS
async def test_a_broken_compressed_body_is_a_transport_error(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    broken = httpx.ByteStream(b"not gzip at all")
    router.get("/x").mock(
        return_value=httpx.Response(200, stream=broken, headers={"Content-Encoding": "gzip"})
    )
    async with make_client(router, clock, retry=NO_RETRY) as client:
        with pytest.raises(TransportError, match="DecodingError"):
            await client.transport.request("GET", "/x")


# --- 17. body size cap ---------------------------------------------------------------------


class Endless(httpx.AsyncByteStream):
    """A body that never ends until its connection is closed, counting what was read of it."""

    def __init__(self, *, honours_close: bool = True) -> None:
        self.sent = 0
        self.closed = False
        self.honours_close = honours_close

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        if self.closed and self.honours_close:
            raise httpx.ReadError("connection closed")
        self.sent += 65536
        return b" " * 65536

    async def aclose(self) -> None:
        self.closed = True


async def test_an_endless_body_is_refused_at_the_cap_without_reading_the_rest(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    body = Endless()
    router.get("/x").mock(return_value=httpx.Response(200, stream=body))
    async with make_client(router, clock, max_body_size=1_000_000) as client:
        with pytest.raises(DecodeError, match=r"passed 1,048,576 bytes, over the 1,000,000-byte"):
            await client.transport.request("GET", "/x")
    assert body.sent <= 1_000_000 + 65536


@INNER_GENERATORS
async def test_an_endless_body_that_ignores_closing_is_left_after_a_few_chunks(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    body = Endless(honours_close=False)
    router.get("/x").mock(return_value=httpx.Response(200, stream=body))
    async with make_client(router, clock, max_body_size=100_000) as client:
        with pytest.raises(DecodeError, match="over the 100,000-byte cap"):
            await client.transport.request("GET", "/x")
    assert body.closed
    assert body.sent <= 2 * 65536 + 16 * 65536


async def test_a_declared_length_over_the_cap_is_refused_before_reading(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    body = Endless()
    response = httpx.Response(200, stream=body, headers={"Content-Length": "60000000"})
    router.get("/x").mock(return_value=response)
    async with make_client(router, clock) as client:  # the default cap, 50 MB
        with pytest.raises(DecodeError, match=r"declares 60,000,000 bytes, over the 52,428,800"):
            await client.transport.request("GET", "/x")
    assert body.sent == 0


async def test_the_cap_counts_decompressed_bytes(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    bomb = gzip.compress(b"[" + b" " * 5_000_000 + b"]")  # about 5 kB on the wire
    router.get("/x").respond(200, content=bomb, headers={"Content-Encoding": "gzip"})
    async with make_client(router, clock, max_body_size=1_000_000) as client:
        with pytest.raises(DecodeError, match="over the 1,000,000-byte cap"):
            await client.transport.request("GET", "/x")
        router.get("/y").respond(
            200, content=gzip.compress(b"[1]"), headers={"Content-Encoding": "gzip"}
        )
        assert (await client.transport.request("GET", "/y")).json() == [1]


async def test_an_error_answer_over_the_cap_is_refused_too(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.get("/x").respond(500, content=b"x" * 2000)
    async with make_client(router, clock, max_body_size=1000, retry=NO_RETRY) as client:
        with pytest.raises(DecodeError, match=r"HTTP 500 from GET .* over the 1,000-byte cap"):
            await client.transport.request("GET", "/x")


# --- 18. the token echoed in a body ----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"status": 401, "code": 90001, "message": f"bad token {TOKEN}"}),
        (403, {"status": 403, "message": "no", "more_info": f"https://x/?token={TOKEN}"}),
        (401, f"<html><body>Token {TOKEN} rejected</body></html>"),
        (401, " " * 60_000 + TOKEN + " " * 10_000),  # folded whitespace cannot cut it
        (200, f"<html>welcome {TOKEN}</html>"),
        (200, {"id": TOKEN, "state": "PENDING"}),
    ],
)
async def test_a_body_echoing_the_token_does_not_show_it(
    router: respx.MockRouter, clock: FakeClock, status: int, body: object
) -> None:
    if isinstance(body, str):
        router.get("/storage/exports/e1").respond(status, content=body.encode())
    else:
        router.get("/storage/exports/e1").respond(status, json=body)
    async with make_client(router, clock, retry=NO_RETRY) as client:
        with pytest.raises(CavaticaError) as info:
            await client.exports.get("e1")
    error = info.value
    assert isinstance(error, (ApiError, DecodeError))
    shown = f"{error} {error!r} " + " ".join(str(v) for v in vars(error).values())
    assert TOKEN not in shown
    # Nor does an exception chained to it: json's error would hold the whole body as `.doc`.
    chained = error.__cause__ or error.__context__
    while chained is not None:
        assert TOKEN not in f"{chained!r} " + " ".join(str(v) for v in vars(chained).values())
        chained = chained.__cause__ or chained.__context__
    assert "***" in shown


@pytest.mark.parametrize(
    ("body", "message", "more_info"),
    [
        ({"message": 42, "more_info": ["a", "list"]}, "42", None),
        ({"message": "x" * 5000}, "x" * 1000 + "...", None),
        ({"message": [[["deep"]]], "more_info": {"a": 1}}, "Not Found", None),
        ({"message": True}, "Not Found", None),
    ],
)
async def test_error_fields_of_the_wrong_type_or_size_are_bounded_text(
    router: respx.MockRouter,
    clock: FakeClock,
    body: dict[str, object],
    message: str,
    more_info: str | None,
) -> None:
    router.get("/x").respond(404, json=body, headers={"X-Request-Id": "r" * 5000})
    async with make_client(router, clock) as client:
        with pytest.raises(NotFoundError) as info:
            await client.transport.request("GET", "/x")
    assert (info.value.message, info.value.more_info) == (message, more_info)
    assert info.value.request_id == "r" * 100 + "..."


# --- found by trying to break it ---------------------------------------------------------------


async def test_the_token_in_a_request_id_a_long_message_or_a_link_is_masked(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.get("/x").respond(
        400, json={"message": "x" * 975 + TOKEN}, headers={"X-Request-Id": TOKEN}
    )
    async with make_client(router, clock, retry=NO_RETRY) as client:
        with pytest.raises(ApiError) as info:
            await client.transport.request("GET", "/x")
        link = f"{BASE_URL}/async/files?offset=100&session={TOKEN}"
        router.get("/async/files").respond(
            200, json={"items": [], "links": [{"rel": "next", "href": link}]}
        )
        router.get(url__regex="session=").respond(500, json={"message": "no"})
        pages = client.async_jobs.list()
        listed = [job async for job in pages]
    error = info.value
    shown = f"{error} {error!r} {error.request_id} {error.message}"
    assert TOKEN not in shown
    assert TOKEN[:8] not in shown  # no piece of it survives the cut at 1,000 characters
    assert listed == []


async def test_a_bulk_item_error_echoing_the_token_is_masked(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    message = f"no job for token {TOKEN} \\ud800"  # a lone surrogate, as a JSON escape
    body = '{"items": [{"error": {"status": 404, "message": "MESSAGE"}}]}'.replace(
        "MESSAGE", message
    )
    router.post("/bulk/storage/exports/get").respond(200, content=body.encode())
    async with make_client(router, clock) as client:
        [got] = await client.exports.bulk_get(["e1"])
    assert got.error is not None
    assert got.error.message == "no job for token *** ?"


async def test_a_next_link_that_is_not_a_url_is_a_decode_error(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    broken = {"items": [], "links": [{"rel": "next", "href": "http://[::1/v2/async/files"}]}
    router.get("/async/files").respond(200, json={**broken, "items": [{"id": "1", "state": "X"}]})
    async with make_client(router, clock) as client:
        with pytest.raises(DecodeError, match="a link from the platform is not a URL"):
            [job async for job in client.async_jobs.list()]


@pytest.mark.parametrize("status", [None, "200", 42, 1000, True])
async def test_a_custom_transport_answer_without_a_real_status_is_a_transport_error(
    router: respx.MockRouter, clock: FakeClock, status: object
) -> None:
    def odd(request: httpx.Request) -> httpx.Response:
        response = httpx.Response(200, json={})
        response.status_code = status  # type: ignore[assignment]
        return response

    router.get("/x").mock(side_effect=odd)
    async with make_client(router, clock, retry=NO_RETRY) as client:
        # httpx itself trips on some (it formats the status for its log): a TransportError too.
        with pytest.raises(TransportError, match=r"the answer has no HTTP status|unexpected"):
            await client.transport.request("GET", "/x")


async def test_a_body_nested_too_deep_for_json_is_a_value_error_before_sending(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    deep: dict[str, object] = {}
    # Deeper than any Python's json encodes: 3.13's C encoder takes 5,000, which 3.12 refused.
    for _ in range(100_000):
        deep = {"x": deep}
    route = router.post(url__regex=".*")
    async with make_client(router, clock) as client:
        with pytest.raises(ValueError, match="nested too deeply"):
            await client.exports.start("f" * 24, "o/v", "a.vcf", properties=deep)
        with pytest.raises(ValueError, match="cannot be sent as JSON: nested too deeply"):
            await client.drs_imports.start(
                [DrsImportItem(f"drs://h/{n}", project="o/p", metadata=deep) for n in range(150)]
            )
    assert not route.called


# --- found by trying to break it, second round: no token piece at a cut ---------------------


async def test_no_start_of_the_token_is_left_where_a_text_is_cut(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    long_id = "x" * 69 + TOKEN  # cut at 100 characters in the error, mid-token
    router.get("/storage/exports/a1").respond(200, json={"id": long_id, "state": "RUNNING"})
    router.get("/storage/exports/a2").respond(200, json={"id": long_id, "state": 5})
    router.get("/storage/exports/a3").respond(502, content=b" " * (65536 - 31) + TOKEN.encode())
    link = "https://api.test/elsewhere?" + "p" * 260 + TOKEN  # outside the root: quoted, cut
    router.get("/async/files").respond(
        200, json={"items": [{"id": "1", "state": "X"}], "links": [{"rel": "next", "href": link}]}
    )
    errors: list[Exception] = []
    async with make_client(router, clock, retry=NO_RETRY) as client:
        for job_id in ("a1", "a2", "a3"):
            with pytest.raises(CavaticaError) as info:
                await client.exports.get(job_id)
            errors.append(info.value)
        with pytest.raises(CavaticaError) as listed:
            [job async for job in client.async_jobs.list()]
        errors.append(listed.value)
    for error in errors:
        text = f"{error} " + " ".join(str(v) for v in vars(error).values())
        assert TOKEN[:12] not in text, text[-200:]
        assert "***" in text


async def test_bytes_after_the_end_of_a_gzip_body_count_against_the_cap(
    clock: FakeClock,
) -> None:
    class Trailing(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield gzip.compress(b"{}")
            for _ in range(100):  # 6.5 MB of zeros after the stream's end
                yield b"\0" * 65536

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Trailing(), headers={"Content-Encoding": "gzip"})

    client = CavaticaClient(
        token=TOKEN,
        base_url=BASE_URL,
        transport=httpx.MockTransport(answer),
        clock=clock,
        max_body_size=1_000_000,
    )
    async with client:
        with pytest.raises(DecodeError, match="over the 1,000,000-byte cap") as info:
            await client.transport.request("GET", "/x")
    assert info.value.permanent


@pytest.mark.parametrize(
    "href",
    [
        "https://api.test/v2/async/files?offset=1&x=\x00",
        "https://api.test/v2/async/files?offset=1&x=" + "y" * 70_000,
        "https://api.test/v2/async/files?offset=1&x= y",
    ],
)
async def test_a_next_link_one_cannot_send_is_a_decode_error(
    router: respx.MockRouter, clock: FakeClock, href: str
) -> None:
    router.get("/async/files").respond(
        200, json={"items": [{"id": "1", "state": "X"}], "links": [{"rel": "next", "href": href}]}
    )
    async with make_client(router, clock) as client:
        with pytest.raises(DecodeError, match="a link from the platform is not a URL one can send"):
            [job async for job in client.async_jobs.list()]


async def test_an_item_json_can_carry_only_as_ascii_stops_a_start_before_any_chunk(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.post("/bulk/storage/exports/create")
    requests = [
        ExportRequest("f" * 24, "o/v", "bad\ud800name" if n == 120 else f"ok-{n}")
        for n in range(150)
    ]
    async with make_client(router, clock) as client:
        with pytest.raises(ValueError, match="cannot be sent as JSON"):
            await client.exports.bulk_start(requests)
    assert not route.called

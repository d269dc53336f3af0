"""Closing and cancelling over real loopback sockets: no open connection, no warning."""

from __future__ import annotations

import anyio
import httpx
import pytest

from cavatica_async import CavaticaClient, ClientClosedError, RateLimit

from tests.helpers import TOKEN, settled
from tests.loopback import LoopbackServer, serve

pytestmark = pytest.mark.anyio

RATE_BODY = {"rate": {"limit": 1000, "remaining": 998, "reset": 1700000300}}


async def test_requests_over_loopback_reuse_one_connection() -> None:
    server = LoopbackServer(RATE_BODY)
    http = httpx.AsyncHTTPTransport()
    async with serve(server) as base_url:
        async with CavaticaClient(token=TOKEN, base_url=base_url, transport=http) as client:
            first = await client.get_rate_limit()
            await client.get_rate_limit()
            assert isinstance(first, RateLimit)
            assert first.remaining == 998
            assert server.open_streams == 1  # both over one connection, as the server saw
        assert await settled(lambda: server.open_streams) == 0
    assert server.requests == 2


async def test_closing_mid_request_leaves_no_connection() -> None:
    server = LoopbackServer(RATE_BODY, hang=True)
    http = httpx.AsyncHTTPTransport()
    outcome: list[BaseException] = []
    async with serve(server) as base_url:
        client = CavaticaClient(token=TOKEN, base_url=base_url, transport=http)

        async def call() -> None:
            try:
                await client.get_rate_limit()
            except ClientClosedError as exc:
                outcome.append(exc)

        async with anyio.create_task_group() as group:
            group.start_soon(call)
            await server.received.wait()
            assert server.open_streams == 1
            await client.aclose()
            assert await settled(lambda: server.open_streams) == 0
    assert len(outcome) == 1
    assert "closed while GET /rate_limit was in flight" in str(outcome[0])


async def test_cancelling_mid_request_leaves_no_connection() -> None:
    server = LoopbackServer(RATE_BODY, hang=True)
    http = httpx.AsyncHTTPTransport()
    async with (
        serve(server) as base_url,
        CavaticaClient(token=TOKEN, base_url=base_url, transport=http) as client,
    ):
        async with anyio.create_task_group() as group:
            group.start_soon(client.get_rate_limit)
            await server.received.wait()
            group.cancel_scope.cancel()
        assert await settled(lambda: server.open_streams) == 0
        # The request was cancelled, not the client: the next one works.
        server.hang = False
        assert (await client.get_rate_limit()).remaining == 998

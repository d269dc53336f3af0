"""Cancelling at each await point of a request and of a watcher cycle, over real sockets.

Each case stalls the loopback server (or the client) at one await point, cancels there, and
checks what is left: no task of ours still running, no connection open on either side, and no
warning (`make test` runs with -W error; each case also collects garbage under a warning trap).
"""

from __future__ import annotations

import gc
import json
import time
import warnings
from collections.abc import Awaitable, Callable

import anyio
import httpx
import pytest

from cavatica_async import CavaticaClient, JobKind, JobWatcher, PollPolicy, RetryPolicy

from tests.helpers import TOKEN, rate_limit_body
from tests.loopback import LoopbackServer, Reply, serve

pytestmark = pytest.mark.anyio

STARTED = {"id": "e", "state": "RUNNING"}


def far_reset() -> dict[str, str]:
    """Headers of an exhausted window that resets in 100 s."""
    return {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 100)}


def bulk_items(body: bytes) -> dict[str, object]:
    ids = json.loads(body)["export_ids"]
    return {"items": [{"resource": {**STARTED, "id": job_id}} for job_id in ids]}


async def settle(server: LoopbackServer) -> None:
    """Wait (at most 2 s) for the server to see every connection closed."""
    with anyio.move_on_after(2):
        while server.open_streams:  # noqa: ASYNC110 (the count is the server's, no event)
            await anyio.sleep(0.01)


async def cancelled_at(
    server: LoopbackServer,
    body: Callable[[CavaticaClient], Awaitable[object]],
    *,
    stalled: Callable[[], Awaitable[object]] | None = None,
    **client_options: object,
) -> httpx.AsyncHTTPTransport:
    """Run `body` with a client until the stall, cancel it, and check nothing is left."""
    http = httpx.AsyncHTTPTransport()
    before = len(anyio.get_running_tasks())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with serve(server) as base_url:
            async with anyio.create_task_group() as group:

                async def run() -> None:
                    options = {"token": TOKEN, "base_url": base_url, "transport": http}
                    async with CavaticaClient(**options, **client_options) as client:  # type: ignore[arg-type]
                        await body(client)

                group.start_soon(run)
                with anyio.fail_after(5):
                    await (stalled() if stalled else server.stalled.wait())
                await anyio.sleep(0.05)  # let the client settle into the await
                group.cancel_scope.cancel()
            await settle(server)
            assert server.open_streams == 0
            assert len(anyio.get_running_tasks()) <= before + 2  # + the server's listener tasks
        gc.collect()
    assert [str(w.message) for w in caught] == []
    return http


# --- a request -----------------------------------------------------------------------------


@pytest.mark.parametrize("stall", ["headers", "body"])
async def test_cancel_while_waiting_for_the_answer(stall: str) -> None:
    server = LoopbackServer(answer=lambda target, body: Reply(rate_limit_body(998), stall=stall))
    await cancelled_at(server, lambda client: client.get_rate_limit())


async def test_cancel_while_waiting_for_a_pooled_connection() -> None:
    server = LoopbackServer(
        answer=lambda target, body: Reply(rate_limit_body(998), stall="headers")
    )

    async def two(client: CavaticaClient) -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(client.get_rate_limit)
            await server.stalled.wait()
            await client.get_rate_limit()  # waits for the only connection

    await cancelled_at(server, two, max_connections=1)


@pytest.mark.parametrize(
    ("status", "reset_in"),
    [(503, None), (429, 100)],
    ids=["retry-backoff", "rate-limit-wait"],
)
async def test_cancel_while_sleeping_before_a_retry(status: int, reset_in: int | None) -> None:
    answered = anyio.Event()
    # The reset is reckoned now, not when the tests were collected: a slow suite reaches this
    # test minutes later, and a reset in the past would be no wait at all.
    headers = {} if reset_in is None else {"X-RateLimit-Reset": str(int(time.time()) + reset_in)}

    def answer(target: str, body: bytes) -> Reply:
        answered.set()
        return Reply({"status": status, "code": 0 if status == 429 else 90004}, status, headers)

    server = LoopbackServer(answer=answer)
    # Full jitter on a 1000 s step: the sleep is (almost surely) far longer than the test.
    slow = RetryPolicy(base_delay=1000.0, max_delay=1000.0, deadline=None)
    await cancelled_at(
        server, lambda client: client.get_rate_limit(retry=slow), stalled=answered.wait
    )
    assert server.requests == 1  # cancelled in the sleep, before any retry


# --- a watcher cycle ------------------------------------------------------------------------


def watching(consume: bool, **options: object) -> Callable[[CavaticaClient], Awaitable[None]]:
    async def body(client: CavaticaClient) -> None:
        async with JobWatcher(client, **options) as watcher:  # type: ignore[arg-type]
            watcher.add_many((JobKind.EXPORT, f"e{n}") for n in range(3))
            if consume:
                async for _ in watcher:
                    pass
            else:
                await anyio.sleep_forever()

    return body


@pytest.mark.parametrize("consume", [True, False], ids=["iterating", "not-iterating"])
@pytest.mark.parametrize(
    "point", ["rate-limit-call", "poll-in-flight", "budget-wait", "schedule-sleep", "full-buffer"]
)
async def test_cancel_a_watcher(point: str, consume: bool) -> None:
    polled = anyio.Event()

    def answer(target: str, body: bytes) -> Reply:
        if target.endswith("/rate_limit"):
            if point == "rate-limit-call":
                return Reply(stall="headers")
            return Reply(rate_limit_body(0 if point == "budget-wait" else 998))
        polled.set()
        if point == "poll-in-flight":
            return Reply(stall="headers")
        return Reply(bulk_items(body))

    server = LoopbackServer(answer=answer)
    slow = PollPolicy(initial=100, factor=1.0, maximum=100)  # after a poll, nothing is due
    options: dict[str, object] = {"policy": slow}
    if point == "full-buffer":
        options["buffer"] = 1
    if point == "budget-wait":
        stalled = anyio.sleep  # the watcher waits for a window that resets in 300 s
        await cancelled_at(server, watching(consume, **options), stalled=lambda: stalled(0.2))
        assert not polled.is_set()
        return
    wait = polled.wait if point in ("schedule-sleep", "full-buffer") else None
    await cancelled_at(server, watching(consume, **options), stalled=wait)

"""Test doubles: a fake clock, a fixed random source, and a client wired to a respx router."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import respx

from cavatica_async import CavaticaClient

TOKEN = "tok-3259c50e1ac5426ea8f1273259740f74"
BASE_URL = "https://api.test/v2"


def rate_limit_body(remaining: int = 1000) -> dict[str, Any]:
    """A `GET /rate_limit` answer for a window that resets in 300 s, from now."""
    return {"rate": {"limit": 1000, "remaining": remaining, "reset": int(time.time()) + 300}}


class FakeClock:
    """Wall and monotonic time that advance only when something sleeps."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.mono = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        self.mono += seconds
        await anyio.lowlevel.checkpoint()


class FixedRandom(random.Random):
    """`random()` always returns the same number, so jittered delays are exact."""

    def __init__(self, value: float = 0.5) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


def make_client(router: respx.MockRouter, clock: FakeClock, **kwargs: Any) -> CavaticaClient:
    """A client that sends through `router`, sleeps on `clock`, and jitters by exactly half."""
    kwargs.setdefault("token", TOKEN)
    kwargs.setdefault("base_url", BASE_URL)
    return CavaticaClient(
        transport=httpx.MockTransport(router.async_handler),
        clock=clock,
        rng=FixedRandom(),
        **kwargs,
    )


def sent(route: respx.Route) -> tuple[str, str, Any]:
    """The method, full URL and JSON body (or None) of the route's last request."""
    request = route.calls.last.request
    body = json.loads(request.content) if request.content else None
    return request.method, str(request.url), body


async def settled(count: Callable[[], int], value: int = 0, within: float = 5.0) -> int:
    """`count()` once it reaches `value` (what a server sees lags its client), or as it is
    after `within` seconds."""
    with anyio.move_on_after(within):
        while count() != value:  # noqa: ASYNC110 (the count has no event to wait on)
            await anyio.sleep(0.01)
    return count()

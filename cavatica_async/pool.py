"""What a client and the clients made from it by `with_options` share: one connection pool,
one rate budget, one clock, the counters, and closing."""

from __future__ import annotations

import platform
import random
from collections.abc import Callable

import anyio
import anyio.lowlevel
import attrs
import httpx

from cavatica_async._logging import secrets
from cavatica_async._version import __version__
from cavatica_async.body import ACCEPT_ENCODING
from cavatica_async.budget import RateBudget
from cavatica_async.clock import Clock, LoopClock
from cavatica_async.config import Config
from cavatica_async.errors import ClientLoopError, ConfigError
from cavatica_async.models import RateLimit
from cavatica_async.options import ClientOptions

USER_AGENT = (
    f"cavatica-async/{__version__} (Python/{platform.python_version()}; httpx/{httpx.__version__})"
)


@attrs.define
class ClientStats:
    """What the clients sharing one pool have sent and been told."""

    requests: int = 0  # every attempt, retries included
    rate_limited: int = 0  # 429 answers received


class Pool:
    """One user's connections, rate budget and clock, shared by every client made from one."""

    def __init__(
        self,
        config: Config,
        options: ClientOptions,
        *,
        http_transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        token = config.token.reveal()
        self.budget = RateBudget(fraction=options.budget_fraction)
        self.clock: Clock = clock if clock is not None else LoopClock()
        self.rng = rng if rng is not None else random.Random()
        self.stats = ClientStats()
        self.rate_limit: RateLimit | None = None
        self.inflight: set[anyio.CancelScope] = set()
        self.connections = anyio.Semaphore(options.max_connections)
        self._on_close: list[Callable[[], None]] = []
        self._token = token
        self.closed = False
        self._loop: anyio.lowlevel.EventLoopToken | None = None  # the loop of the first use
        try:
            self.http = httpx.AsyncClient(
                base_url=config.base_url,
                headers=auth_headers(token, bearer=options.bearer),
                limits=httpx.Limits(
                    max_connections=options.max_connections,
                    max_keepalive_connections=options.max_connections,
                ),
                transport=http_transport,
                follow_redirects=False,
            )
        except httpx.InvalidURL as exc:
            raise ConfigError(f"base URL is not a valid URL: {exc}") from None
        secrets.add(token)

    def observe_rate_limit(self, rate_limit: RateLimit, *, counted: bool) -> None:
        """Take in the rate limit an answer reported: kept as `rate_limit`, and given to the
        budget with its reset converted, once, from wall time to the clock's monotonic time.

        `counted` is False for the calls the platform does not count (`GET /rate_limit`).
        """
        self.rate_limit = rate_limit
        now = self.clock.monotonic()
        reset = now + (rate_limit.reset.timestamp() - self.clock.time())
        self.budget.observe(rate_limit.limit, rate_limit.remaining, reset, now, counted=counted)

    def check_loop(self) -> None:
        """Bind the pool to the event loop of its first request; `ClientLoopError` from any
        other. Connections made in one loop cannot be used in another: httpcore would fail
        with a bare "Event loop is closed", or hang, once the first loop is gone."""
        token = anyio.lowlevel.current_token()
        if self._loop is None:
            self._loop = token
        elif token != self._loop:
            raise ClientLoopError(
                "this client was first used in another event loop, and its connections belong "
                "to that loop: make a client in each event loop that uses one (with "
                "pytest-asyncio, give a client fixture the loop_scope of the tests using it)"
            )

    def on_close(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` (once) when the pool is closed; returns the way to cancel that.

        A watcher waiting for its next poll learns at once that no poll will ever go out.
        """
        self._on_close.append(callback)

        def cancel() -> None:
            if callback in self._on_close:
                self._on_close.remove(callback)

        return cancel

    async def aclose(self) -> None:
        """Cancel requests in flight and close every connection; safe to call twice."""
        if self.closed:
            return
        self.closed = True
        for scope in list(self.inflight):
            scope.cancel()
        for callback in list(self._on_close):
            callback()
        self._on_close.clear()
        with anyio.CancelScope(shield=True):
            await self.http.aclose()
        secrets.discard(self._token)


def auth_headers(token: str, *, bearer: bool) -> dict[str, str]:
    """The headers every request of a pool carries: JSON both ways, what bodies may be encoded
    as, who is asking, and the token (docs/platform.md#authentication-and-headers)."""
    headers = {
        "Accept": "application/json",
        "Accept-Encoding": ACCEPT_ENCODING,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    # Both official clients offer Bearer as the alternative to X-SBG-Auth-Token.
    if bearer:
        headers["Authorization"] = f"Bearer {token}"
    else:
        headers["X-SBG-Auth-Token"] = token
    return headers

"""The only place that sends: timeouts, retries, rate-limit state, error mapping.

A `Transport` is one client's way of sending (its options: timeouts, retries, headers) over a
`Pool` it may share with the clients made from it (connections, budget, clock, counters).
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable, Mapping
from typing import Any

import anyio
import attrs
import httpx

from cavatica_async._logging import logger, redact_headers, secrets
from cavatica_async.body import check_status, read_body
from cavatica_async.budget import RateBudget, Spending
from cavatica_async.clock import Clock
from cavatica_async.config import Config
from cavatica_async.error_answers import api_error
from cavatica_async.errors import (
    ApiError,
    ClientClosedError,
    DecodeError,
    TransportError,
    TransportTimeoutError,
    bounded_text,
)
from cavatica_async.models import RateLimit
from cavatica_async.options import ClientOptions
from cavatica_async.paths import expand
from cavatica_async.pool import ClientStats, Pool
from cavatica_async.ratelimit import rate_limit_from_headers
from cavatica_async.response import Response
from cavatica_async.retry import RetryAttempt, RetryPolicy, may_resend
from cavatica_async.timeout import Timeout

ADVANCE_ACCESS = {"X-SBG-Advance-Access": "advance"}


class Transport:
    """One client's way of sending over a shared pool: retries, timeouts, error mapping."""

    def __init__(
        self,
        config: Config,
        options: ClientOptions | None = None,
        *,
        http_transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        pool: Pool | None = None,
    ) -> None:
        self.options = options if options is not None else ClientOptions()
        self._pool = (
            pool
            if pool is not None
            else Pool(config, self.options, http_transport=http_transport, clock=clock, rng=rng)
        )
        self._config = config

    def derive(self, options: ClientOptions) -> Transport:
        """A transport with these options over the same pool (budget, connections, clock)."""
        return Transport(self._config, options, pool=self._pool)

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy of requests that do not bring their own."""
        return self.options.retry

    @property
    def closed(self) -> bool:
        """Whether the pool has been closed."""
        return self._pool.closed

    @property
    def clock(self) -> Clock:
        """The clock everything reads the time from and sleeps on."""
        return self._pool.clock

    @property
    def rng(self) -> random.Random:
        """The random source for jitter."""
        return self._pool.rng

    @property
    def budget(self) -> RateBudget:
        """The rate budget every client of the pool spends."""
        return self._pool.budget

    async def spend(self, *, even: bool = False) -> Spending:
        """Wait until the client-wide rate budget has room for one more request, then take it:
        hold the ticket (`with`) around that request. Listings that may run to many pages use
        it so that they never take more than the budget's share of a window; `even=True` also
        spreads requests evenly over the window, as the watcher does
        (docs/watcher.md#the-budget)."""
        clock, budget = self._pool.clock, self._pool.budget
        wait_for = budget.wait if even else budget.room_wait
        while (wait := wait_for(clock.monotonic())) > 0:
            await clock.sleep(wait)
        return budget.take()

    @property
    def stats(self) -> ClientStats:
        """Requests sent and 429s received by every client of the pool."""
        return self._pool.stats

    @property
    def rate_limit(self) -> RateLimit | None:
        """The rate limit as of the latest answer (None before the first)."""
        return self._pool.rate_limit

    @property
    def base_path(self) -> str:
        """The path of the API root, e.g. `/v2`: every request goes below it."""
        return self._pool.http.base_url.raw_path.decode("ascii")

    def observe_rate_limit(self, rate_limit: RateLimit, *, counted: bool) -> None:
        """Take in a rate limit the platform reported (see `Pool.observe_rate_limit`)."""
        self._pool.observe_rate_limit(rate_limit, counted=counted)

    def on_close(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` once when the pool closes; returns the way to cancel that."""
        return self._pool.on_close(callback)

    async def aclose(self) -> None:
        """Cancel requests in flight and close every connection of the pool; safe twice."""
        await self._pool.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        ids: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
        free: bool = False,
    ) -> Response:
        """Send `method path` (with `{name}` fields filled from `ids`) and return the answer.

        `idempotent` defaults to True for GET only; read-only POSTs (bulk get) pass True.
        `free` marks calls the platform does not count against the rate limit.
        Raises `ApiError` subclasses, `TransportError`, or `ClientClosedError`.
        """
        if self._pool.closed:
            raise ClientClosedError(f"the client is closed; cannot send {method} {path}")
        self._pool.check_loop()
        url_path = expand(path, ids or {})
        send = _Send(
            method=method,
            path=url_path,
            params=params,
            json=json,
            headers={**ADVANCE_ACCESS, **(headers or {})}
            if self.options.advance_access
            else headers,
            idempotent=method == "GET" if idempotent is None else idempotent,
            timeout=Timeout.of(timeout) if timeout is not None else self.options.timeout,
            free=free,
        )
        inflight = self._pool.inflight
        with anyio.CancelScope() as scope:
            inflight.add(scope)
            try:
                return await self._send_with_retries(send, retry or self.retry)
            finally:
                inflight.discard(scope)
        raise ClientClosedError(f"the client was closed while {method} {url_path} was in flight")

    async def _send_with_retries(self, send: _Send, policy: RetryPolicy) -> Response:
        clock = self._pool.clock
        started = clock.monotonic()
        retries = 0
        while True:
            try:
                return await self._send_once(send)
            except (ApiError, TransportError) as error:
                elapsed = clock.monotonic() - started
                delay = policy.delay(
                    error,
                    retries_done=retries,
                    elapsed=elapsed,
                    idempotent=send.idempotent,
                    now=clock.time(),
                    rand=self._pool.rng.random(),
                )
                # The policy's choice, within the one rule no policy may break.
                if delay is None or not may_resend(error, idempotent=send.idempotent):
                    raise
                retries += 1
                logger.info(
                    "retry %d of %s %s in %.2fs: %s", retries, send.method, send.path, delay, error
                )
                if policy.on_retry is not None:
                    policy.on_retry(
                        RetryAttempt(
                            attempt=retries,
                            delay=delay,
                            error=error,
                            method=send.method,
                            url=error.url,
                            elapsed=elapsed,
                        )
                    )
                await clock.sleep(delay)

    async def _send_once(self, send: _Send) -> Response:
        request = self._build(send)
        method, url = send.method, str(request.url)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s headers=%s", method, url, redact_headers(request.headers.items()))
        pool = self._pool
        pool.stats.requests += 1
        # Callers beyond the pool's size wait here, not in httpcore's pool, which rescans its
        # whole queue against every connection at each change: 1,000 gets at once on one
        # client cost 6.7 ms of CPU each when queued there, 1.6 ms when queued here.
        async with pool.connections:
            started = pool.clock.monotonic()
            response, content = await self._exchange(request, method, url, send.timeout.total)
        request_id = bounded_text(response.headers.get("x-request-id"), limit=100)
        rate_limit = rate_limit_from_headers(response.headers)
        if rate_limit is not None:
            pool.observe_rate_limit(rate_limit, counted=not send.free)
        logger.debug(
            "%s %s -> %d in %.1f ms [request id %s, rate limit %s]",
            method,
            url,
            response.status_code,
            (pool.clock.monotonic() - started) * 1000,
            request_id,
            f"{rate_limit.remaining}/{rate_limit.limit}" if rate_limit else "unknown",
        )
        if response.status_code == 429:
            pool.stats.rate_limited += 1
        if response.is_success:
            return Response(
                status=response.status_code,
                method=method,
                url=url,
                request_id=request_id,
                headers=response.headers,
                content=content,
            )
        raise api_error(
            response.status_code,
            response.reason_phrase,
            content,
            response.headers,
            method=method,
            url=url,
            request_id=request_id,
            now=pool.clock.time(),
        )

    def _build(self, send: _Send) -> httpx.Request:
        """The httpx request; what cannot be sent at all is a `ValueError` naming why."""
        try:
            return self._pool.http.build_request(
                send.method,
                send.path,
                params=send.params,
                json=send.json,
                headers=send.headers,
                timeout=send.timeout.to_httpx(),
            )
        except (httpx.InvalidURL, TypeError, ValueError, RecursionError) as exc:
            # An over-long URL, or a body JSON cannot carry (a date, a dict 5,000 levels deep).
            problem = "nested too deeply" if isinstance(exc, RecursionError) else exc
            raise ValueError(f"cannot send {send.method} {send.path}: {problem}") from None

    async def _exchange(
        self, request: httpx.Request, method: str, url: str, total: float | None
    ) -> tuple[httpx.Response, bytes]:
        """Send and read the answer; every failure below is mapped to a `CavaticaError` here.

        The edge of the library: nothing from httpx, httpcore, h11, ssl or a user's transport
        passes it unwrapped, and no attempt outlasts `total` seconds, however slowly the
        answer drips in.
        """
        with anyio.move_on_after(math.inf if total is None else total):
            try:
                response = await self._pool.http.send(request, stream=True)
                try:
                    check_status(response, method, url)
                    content = await read_body(response, self.options.max_body_size, method, url)
                finally:
                    await response.aclose()
            except (DecodeError, TransportError):
                raise
            except httpx.TimeoutException as exc:
                never_sent = isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
                raise TransportTimeoutError(
                    _describe(exc), method=method, url=url, request_sent=not never_sent
                ) from exc
            except httpx.RequestError as exc:
                never_sent = isinstance(exc, httpx.ConnectError)
                raise TransportError(
                    _describe(exc), method=method, url=url, request_sent=not never_sent
                ) from exc
            except Exception as exc:
                # Whatever else a transport raised (a custom one's bug, a stream error): the
                # request may have been acted on, so it counts as sent and is not re-sent
                # unless idempotent.
                raise TransportError(
                    _describe(exc, unexpected=True), method=method, url=url, request_sent=True
                ) from exc
            return response, content
        raise TransportTimeoutError(
            f"no whole answer within {total} s (Timeout.total)",
            method=method,
            url=url,
            request_sent=True,
        )


@attrs.frozen
class _Send:
    """One logical request, re-sent as-is on each retry."""

    method: str
    path: str
    params: Mapping[str, Any] | None
    json: Any
    headers: Mapping[str, str] | None
    idempotent: bool
    timeout: Timeout
    free: bool


def _describe(exc: Exception, *, unexpected: bool = False) -> str:
    # httpx messages name the socket error; the token cannot be in them, but redact anyway.
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return secrets.redact(f"unexpected {text}" if unexpected else text)

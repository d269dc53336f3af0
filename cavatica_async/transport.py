"""The only place that sends: auth headers, timeouts, retries, rate-limit state, error mapping."""

from __future__ import annotations

import logging
import math
import platform
import random
from collections.abc import Callable, Mapping
from typing import Any

import anyio
import attrs
import httpx

from cavatica_async._logging import logger, redact_headers, secrets
from cavatica_async._version import __version__
from cavatica_async.body import ACCEPT_ENCODING, check_status, read_body
from cavatica_async.budget import RateBudget
from cavatica_async.clock import Clock, LoopClock
from cavatica_async.config import Config
from cavatica_async.error_answers import api_error
from cavatica_async.errors import (
    ApiError,
    ClientClosedError,
    ConfigError,
    DecodeError,
    TransportError,
    TransportTimeoutError,
    bounded_text,
)
from cavatica_async.models import RateLimit
from cavatica_async.paths import expand
from cavatica_async.ratelimit import rate_limit_from_headers
from cavatica_async.response import Response
from cavatica_async.retry import RetryAttempt, RetryPolicy
from cavatica_async.timeout import DEFAULT_TIMEOUT, Timeout

# At 1000 requests / 5 min (3.3 req/s) a handful of connections carries the whole budget;
# ten leave room for slow answers and bursts after a rate-limit reset.
DEFAULT_MAX_CONNECTIONS = 10
# No answer of this API comes near this (a page of 100 jobs is about 100 kB); a larger one is
# refused unread, so a broken or hostile server cannot make the client hold gigabytes.
DEFAULT_MAX_BODY_SIZE = 50 * 1024 * 1024
USER_AGENT = (
    f"cavatica-async/{__version__} (Python/{platform.python_version()}; httpx/{httpx.__version__})"
)


class Transport:
    """One connection pool for one user: sends requests, retries them, maps their errors."""

    def __init__(
        self,
        config: Config,
        *,
        bearer: bool = False,
        advance_access: bool = False,
        timeout: Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        budget_fraction: float = 0.8,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        http_transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        _check_count("max_connections", max_connections)
        _check_count("max_body_size", max_body_size)
        token = config.token.reveal()
        headers = request_headers(token, bearer=bearer, advance_access=advance_access)
        self.retry = retry if retry is not None else RetryPolicy()
        self.rate_limit: RateLimit | None = None
        self.requests_sent = 0  # every attempt, retries included
        self.rate_limited = 0  # 429 answers received
        self.budget = RateBudget(fraction=budget_fraction)
        self._token = token
        self._clock: Clock = clock if clock is not None else LoopClock()
        self._rng = rng if rng is not None else random.Random()
        self._inflight: set[anyio.CancelScope] = set()
        self._on_close: list[Callable[[], None]] = []
        self._closed = False
        self._connections = anyio.Semaphore(max_connections)
        self.max_body_size = max_body_size
        self._total = timeout.total
        try:
            self._client = httpx.AsyncClient(
                base_url=config.base_url,
                headers=headers,
                timeout=timeout.to_httpx(),
                limits=httpx.Limits(
                    max_connections=max_connections, max_keepalive_connections=max_connections
                ),
                transport=http_transport,
                follow_redirects=False,
            )
        except httpx.InvalidURL as exc:
            raise ConfigError(f"base URL is not a valid URL: {exc}") from None
        secrets.add(token)

    @property
    def closed(self) -> bool:
        """Whether `aclose` has been called."""
        return self._closed

    @property
    def clock(self) -> Clock:
        """The clock retries and waits sleep on."""
        return self._clock

    @property
    def rng(self) -> random.Random:
        """The random source for jitter."""
        return self._rng

    @property
    def base_path(self) -> str:
        """The path of the API root, e.g. `/v2`: every request goes below it."""
        return self._client.base_url.raw_path.decode("ascii")

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
        if self._closed:
            raise ClientClosedError(f"the client is closed; cannot send {method} {path}")
        url_path = expand(path, ids or {})
        send = _Send(
            method=method,
            path=url_path,
            params=params,
            json=json,
            headers=headers,
            idempotent=method == "GET" if idempotent is None else idempotent,
            timeout=None if timeout is None else Timeout.of(timeout).to_httpx(),
            total=self._total if timeout is None else Timeout.of(timeout).total,
            free=free,
        )
        with anyio.CancelScope() as scope:
            self._inflight.add(scope)
            try:
                return await self._send_with_retries(send, retry or self.retry)
            finally:
                self._inflight.discard(scope)
        raise ClientClosedError(f"the client was closed while {method} {url_path} was in flight")

    def observe_rate_limit(self, rate_limit: RateLimit, *, counted: bool) -> None:
        """Take in the rate limit an answer reported: kept as `rate_limit`, and given to the
        budget with its reset converted, once, from wall time to the clock's monotonic time.

        `counted` is False for the calls the platform does not count (`GET /rate_limit`).
        """
        self.rate_limit = rate_limit
        now = self._clock.monotonic()
        reset = now + (rate_limit.reset.timestamp() - self._clock.time())
        self.budget.observe(rate_limit.limit, rate_limit.remaining, reset, now, counted=counted)

    def on_close(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` (once) when the transport is closed; returns the way to cancel that.

        A watcher waiting for its next poll learns at once that no poll will ever go out.
        """
        self._on_close.append(callback)

        def cancel() -> None:
            if callback in self._on_close:
                self._on_close.remove(callback)

        return cancel

    async def aclose(self) -> None:
        """Cancel requests in flight and close every connection; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for scope in list(self._inflight):
            scope.cancel()
        for callback in list(self._on_close):
            callback()
        self._on_close.clear()
        with anyio.CancelScope(shield=True):
            await self._client.aclose()
        secrets.discard(self._token)

    async def _send_with_retries(self, send: _Send, policy: RetryPolicy) -> Response:
        started = self._clock.monotonic()
        retries = 0
        while True:
            try:
                return await self._send_once(send)
            except (ApiError, TransportError) as error:
                elapsed = self._clock.monotonic() - started
                delay = policy.delay(
                    error,
                    retries_done=retries,
                    elapsed=elapsed,
                    idempotent=send.idempotent,
                    now=self._clock.time(),
                    rand=self._rng.random(),
                )
                if delay is None:
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
                await self._clock.sleep(delay)

    async def _send_once(self, send: _Send) -> Response:
        request = self._build(send)
        method, url = send.method, str(request.url)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s headers=%s", method, url, redact_headers(request.headers.items()))
        self.requests_sent += 1
        # Callers beyond the pool's size wait here, not in httpcore's pool, which rescans its
        # whole queue against every connection at each change: 1,000 gets at once on one
        # client cost 6.7 ms of CPU each when queued there, 1.6 ms when queued here.
        async with self._connections:
            started = self._clock.monotonic()
            response, content = await self._exchange(request, method, url, send.total)
        request_id = bounded_text(response.headers.get("x-request-id"), limit=100)
        rate_limit = rate_limit_from_headers(response.headers)
        if rate_limit is not None:
            self.observe_rate_limit(rate_limit, counted=not send.free)
        logger.debug(
            "%s %s -> %d in %.1f ms [request id %s, rate limit %s]",
            method,
            url,
            response.status_code,
            (self._clock.monotonic() - started) * 1000,
            request_id,
            f"{rate_limit.remaining}/{rate_limit.limit}" if rate_limit else "unknown",
        )
        if response.status_code == 429:
            self.rate_limited += 1
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
            now=self._clock.time(),
        )

    def _build(self, send: _Send) -> httpx.Request:
        """The httpx request; what cannot be sent at all is a `ValueError` naming why."""
        try:
            return self._client.build_request(
                send.method,
                send.path,
                params=send.params,
                json=send.json,
                headers=send.headers,
                timeout=send.timeout if send.timeout is not None else httpx.USE_CLIENT_DEFAULT,
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
                response = await self._client.send(request, stream=True)
                try:
                    check_status(response, method, url)
                    content = await read_body(response, self.max_body_size, method, url)
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


def request_headers(token: str, *, bearer: bool, advance_access: bool) -> dict[str, str]:
    """The headers every request carries: JSON both ways, what bodies may be encoded as, who
    is asking, and the token (docs/platform.md#authentication-and-headers)."""
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
    if advance_access:
        headers["X-SBG-Advance-Access"] = "advance"
    return headers


def _check_count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")


@attrs.frozen
class _Send:
    """One logical request, re-sent as-is on each retry."""

    method: str
    path: str
    params: Mapping[str, Any] | None
    json: Any
    headers: Mapping[str, str] | None
    idempotent: bool
    timeout: httpx.Timeout | None
    total: float | None
    free: bool


def _describe(exc: Exception, *, unexpected: bool = False) -> str:
    # httpx messages name the socket error; the token cannot be in them, but redact anyway.
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return secrets.redact(f"unexpected {text}" if unexpected else text)

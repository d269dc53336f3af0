"""`CavaticaClient`: configuration, lifecycle, and the endpoint groups of one platform user."""

from __future__ import annotations

import random
import warnings
from types import TracebackType
from typing import TYPE_CHECKING

import attrs

from cavatica_async.clock import Clock
from cavatica_async.config import check_base_url, resolve_config
from cavatica_async.converter import structure
from cavatica_async.endpoints.async_jobs import AsyncJobs
from cavatica_async.endpoints.drs_imports import DrsImports
from cavatica_async.endpoints.exports import Exports
from cavatica_async.endpoints.imports import Imports
from cavatica_async.endpoints.jobs import Jobs
from cavatica_async.events import Job, JobKind
from cavatica_async.models import RateLimit
from cavatica_async.retry import RetryPolicy
from cavatica_async.timeout import DEFAULT_TIMEOUT, Timeout
from cavatica_async.transport import DEFAULT_MAX_BODY_SIZE, DEFAULT_MAX_CONNECTIONS, Transport

if TYPE_CHECKING:
    import httpx


class CavaticaClient:
    """An async client of the CAVATICA / Seven Bridges API; use `async with` or `aclose()`.

    With no arguments the token and endpoint come from `SB_AUTH_TOKEN` / `SB_API_ENDPOINT`, then
    from `~/.sevenbridges/credentials` (see `resolve_config`). Bad options (a `budget_fraction`
    outside (0, 1], `max_connections` < 1, a base URL with a query) raise `ValueError` before
    anything is sent; an answer larger than `max_body_size` bytes is refused unread.
    """

    def __init__(
        self,
        token: str | None = None,
        base_url: str | None = None,
        *,
        platform: str | None = None,
        profile: str | None = None,
        bearer: bool = False,
        advance_access: bool = False,
        timeout: float | Timeout | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        budget_fraction: float = 0.8,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        allow_insecure_http: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        config = resolve_config(token=token, base_url=base_url, platform=platform, profile=profile)
        self._base_url = check_base_url(config.base_url, allow_insecure_http=allow_insecure_http)
        self._auth_header = "Authorization: Bearer" if bearer else "X-SBG-Auth-Token"
        self._transport = Transport(
            attrs.evolve(config, base_url=self._base_url),
            bearer=bearer,
            advance_access=advance_access,
            timeout=Timeout.of(timeout),
            retry=retry,
            budget_fraction=budget_fraction,
            max_connections=max_connections,
            max_body_size=max_body_size,
            http_transport=transport,
            clock=clock,
            rng=rng,
        )
        self.exports = Exports(self._transport)
        self.imports = Imports(self._transport)
        self.drs_imports = DrsImports(self._transport)
        self.async_jobs = AsyncJobs(self._transport)
        self.jobs = Jobs(self._transport)

    @property
    def base_url(self) -> str:
        """The API root, e.g. `https://cavatica-api.sbgenomics.com/v2`."""
        return self._base_url

    @property
    def transport(self) -> Transport:
        """The transport every endpoint sends through."""
        return self._transport

    @property
    def rate_limit(self) -> RateLimit | None:
        """The rate limit as of the latest response's headers (None before the first answer)."""
        return self._transport.rate_limit

    async def get_job(
        self,
        kind: JobKind | str,
        job_id: str,
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> Job:
        """The job of any kind with this id, read with its single GET."""
        return await self.jobs.get(kind, job_id, timeout=timeout, retry=retry)

    async def get_rate_limit(
        self, *, timeout: float | Timeout | None = None, retry: RetryPolicy | None = None
    ) -> RateLimit:
        """Ask the platform for the current rate limit; this call is not counted against it.

        https://docs.sevenbridges.com/reference/get-your-current-rate-limit-status
        """
        response = await self._transport.request(
            "GET", "/rate_limit", timeout=timeout, retry=retry, free=True
        )
        rate_limit = structure(response.json(), RateLimit, what="GET /rate_limit body")
        self._transport.observe_rate_limit(rate_limit, counted=False)
        return rate_limit

    async def aclose(self) -> None:
        """Close every connection, cancelling requests still in flight."""
        await self._transport.aclose()

    async def __aenter__(self) -> CavaticaClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        state = "closed" if self._transport.closed else "open"
        return f"<CavaticaClient {self._base_url} auth={self._auth_header} {state}>"

    def __del__(self) -> None:
        transport = getattr(self, "_transport", None)
        if transport is not None and not transport.closed:
            warnings.warn(
                f"unclosed {self!r}: use `async with CavaticaClient(...)` or `aclose()`",
                ResourceWarning,
                stacklevel=2,
            )

"""`CavaticaClient`: configuration, lifecycle, and the endpoint groups of one platform user."""

from __future__ import annotations

import enum
import random
import warnings
from types import TracebackType
from typing import TYPE_CHECKING, Any

import attrs

from cavatica_async.clock import Clock
from cavatica_async.config import check_base_url, resolve_config
from cavatica_async.converter import structure
from cavatica_async.endpoints.async_jobs import AsyncJobs
from cavatica_async.endpoints.discovery import CurrentUser, Projects, Volumes
from cavatica_async.endpoints.drs_imports import DrsImports
from cavatica_async.endpoints.exports import Exports
from cavatica_async.endpoints.files import Files
from cavatica_async.endpoints.imports import Imports
from cavatica_async.endpoints.jobs import Jobs
from cavatica_async.events import Job, JobKind
from cavatica_async.models import RateLimit
from cavatica_async.options import ClientOptions
from cavatica_async.pool import ClientStats
from cavatica_async.retry import RetryPolicy
from cavatica_async.timeout import Timeout
from cavatica_async.transport import Transport

if TYPE_CHECKING:
    import httpx


class Unset(enum.Enum):
    """An argument not given (where None means something of its own, as `timeout=None`)."""

    UNSET = "unset"


UNSET = Unset.UNSET


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
        options: ClientOptions | None = None,
        bearer: bool | None = None,
        advance_access: bool | None = None,
        timeout: float | Timeout | Unset | None = UNSET,
        retry: RetryPolicy | None = None,
        budget_fraction: float | None = None,
        max_connections: int | None = None,
        max_body_size: int | None = None,
        allow_insecure_http: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        given = {
            "bearer": bearer,
            "advance_access": advance_access,
            "retry": retry,
            "budget_fraction": budget_fraction,
            "max_connections": max_connections,
            "max_body_size": max_body_size,
        }
        changes: dict[str, Any] = {
            name: value for name, value in given.items() if value is not None
        }
        if not isinstance(timeout, Unset):
            changes["timeout"] = timeout
        options = attrs.evolve(options or ClientOptions(), **changes)
        config = resolve_config(token=token, base_url=base_url, platform=platform, profile=profile)
        self._base_url = check_base_url(config.base_url, allow_insecure_http=allow_insecure_http)
        self._setup(
            Transport(
                attrs.evolve(config, base_url=self._base_url),
                options,
                http_transport=transport,
                clock=clock,
                rng=rng,
            ),
            owner=True,
        )

    def _setup(self, transport: Transport, *, owner: bool) -> None:
        self._transport = transport
        self._owner = owner  # whether closing this client closes the shared pool
        self._auth_header = (
            "Authorization: Bearer" if transport.options.bearer else "X-SBG-Auth-Token"
        )
        self.exports = Exports(transport)
        self.imports = Imports(transport)
        self.drs_imports = DrsImports(transport)
        self.async_jobs = AsyncJobs(transport)
        self.jobs = Jobs(transport)
        self.user = CurrentUser(transport)
        self.projects = Projects(transport)
        self.files = Files(transport)
        self.volumes = Volumes(transport)

    def with_options(self, **changes: Any) -> CavaticaClient:
        """A client with some options changed (`timeout`, `retry`, `advance_access`,
        `max_body_size`) that shares this one's connections, rate budget and clock.

        Closing it leaves the shared pool open; closing this client closes it for both. The
        options of the pool itself (`bearer`, `budget_fraction`, `max_connections`) cannot
        change: a `ValueError` says so.
        """
        derived = object.__new__(CavaticaClient)
        derived._base_url = self._base_url
        derived._setup(
            self._transport.derive(self._transport.options.changed(**changes)), owner=False
        )
        return derived

    @property
    def options(self) -> ClientOptions:
        """How this client sends its requests."""
        return self._transport.options

    @property
    def stats(self) -> ClientStats:
        """Requests sent and 429 answers received, by this client and those sharing its pool."""
        return self._transport.stats

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

    @property
    def closed(self) -> bool:
        """Whether `aclose()` was called (on this client or on the one it shares a pool with)."""
        return self._transport.closed

    async def aclose(self) -> None:
        """Close every connection, cancelling requests still in flight (a client made by
        `with_options` leaves the pool to the client it came from)."""
        if self._owner:
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
        if transport is not None and getattr(self, "_owner", False) and not transport.closed:
            warnings.warn(
                f"unclosed {self!r}: use `async with CavaticaClient(...)` or `aclose()`",
                ResourceWarning,
                stacklevel=2,
            )

"""When to retry a failed request, and how long to wait first: a pure, injectable policy."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from cavatica_async.errors import (
    TRANSIENT_STATUSES,  # retried for idempotent requests only
    ApiError,
    CavaticaError,
    MaintenanceError,
    RateLimitError,
    TransportError,
)

# Exponential steps stop doubling here: 2 ** 64 times any base passes every cap, and 2.0 ** 1024
# overflows a float.
MAX_DOUBLINGS = 64


@attrs.frozen
class RetryAttempt:
    """What `on_retry` is told before each retry's wait."""

    attempt: int  # 1 for the first retry
    delay: float  # seconds about to be slept
    error: CavaticaError  # why the previous try failed
    method: str
    url: str
    elapsed: float  # seconds since the first try started


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """Bounded retries with full-jitter exponential backoff.

    Retried for any request: 429 (wait until the reset the platform announces) and 503
    maintenance (long backoff), since the platform did nothing with the request; connection
    failures before the request was sent. Retried only for idempotent requests: 408, 500, 502,
    503, 504 and failures after the request may have reached the server, because re-sending a
    create call could start a second job.
    """

    max_retries: int = 4
    deadline: float | None = 600.0  # seconds from the first try; no wait may end past it
    base_delay: float = 0.5
    max_delay: float = 30.0
    # sevenbridges-python sleeps 300 s per maintenance retry, forever
    # (docs/platform.md#maintenance): we back off from 30 s up to 300 s, within max_retries and
    # the deadline.
    maintenance_delay: float = 30.0
    max_maintenance_delay: float = 300.0
    # The platform's window is 5 minutes (https://docs.sevenbridges.com/docs/api-rate-limit),
    # so one window's wait is allowed; a longer one raises RateLimitError with retry_at.
    max_rate_limit_wait: float = 300.0
    on_retry: Callable[[RetryAttempt], None] | None = attrs.field(default=None, eq=False)

    def backoff(self, retries_done: int, rand: float) -> float:
        """Full jitter: `rand` (in [0, 1)) times the capped exponential step."""
        return rand * min(self.max_delay, self.base_delay * 2.0 ** min(retries_done, MAX_DOUBLINGS))

    def delay(
        self,
        error: CavaticaError,
        *,
        retries_done: int,
        elapsed: float,
        idempotent: bool,
        now: float,
        rand: float,
    ) -> float | None:
        """Seconds to wait before the next try, or None to give up and raise `error`."""
        if retries_done >= self.max_retries:
            return None
        wait = self._wait_for(error, retries_done, idempotent, now, rand)
        if wait is None:
            return None
        if self.deadline is not None and elapsed + wait > self.deadline:
            return None
        return wait

    def _wait_for(
        self, error: CavaticaError, retries_done: int, idempotent: bool, now: float, rand: float
    ) -> float | None:
        if isinstance(error, RateLimitError):
            if error.retry_at is None:
                return self.backoff(retries_done, rand)
            # Up to 1 s of spread, so many waiters do not all fire at the reset instant.
            wait = max(0.0, error.retry_at.timestamp() - now) + rand
            return wait if wait <= self.max_rate_limit_wait else None
        if isinstance(error, MaintenanceError):
            doublings = min(retries_done, MAX_DOUBLINGS)
            step = min(self.max_maintenance_delay, self.maintenance_delay * 2.0**doublings)
            return step / 2 + rand * step / 2  # equal jitter: waits stay long
        if isinstance(error, TransportError):
            if idempotent or not error.request_sent:
                return self.backoff(retries_done, rand)
            return None
        if isinstance(error, ApiError) and error.status in TRANSIENT_STATUSES and idempotent:
            return self.backoff(retries_done, rand)
        return None


NO_RETRY = RetryPolicy(max_retries=0)
"""A policy that never retries: every failure reaches the caller at once."""


def may_resend(error: CavaticaError, *, idempotent: bool) -> bool:
    """Whether a request that failed with `error` may go again at all, whatever a policy says.

    A request that is not idempotent (a start) goes again only when the platform did nothing
    with it: a 429, maintenance, or a connection never made. Otherwise a second job could start.
    """
    if idempotent or isinstance(error, (RateLimitError, MaintenanceError)):
        return True
    return isinstance(error, TransportError) and not error.request_sent

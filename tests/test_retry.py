"""RetryPolicy: which failures are retried, and after how long (table-tested, no I/O)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
import respx

from cavatica_async import CopyItem
from cavatica_async.errors import (
    ApiError,
    BadRequestError,
    CavaticaError,
    ConflictError,
    DecodeError,
    ForbiddenError,
    MaintenanceError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TransportError,
    TransportTimeoutError,
    UnauthorizedError,
    error_class,
)
from cavatica_async.retry import RetryPolicy, may_resend

from tests.helpers import FakeClock, make_client

NOW = 1_700_000_000.0
POLICY = RetryPolicy()


def api(status: int, code: int | None = None) -> ApiError:
    return error_class(status, code)("x", status=status, method="GET", url="u", code=code)


def rate_limited(wait: float | None) -> RateLimitError:
    at = None if wait is None else datetime.fromtimestamp(NOW + wait, tz=timezone.utc)
    return RateLimitError("x", status=429, method="GET", url="u", retry_at=at)


def network(*, sent: bool, timeout: bool = False) -> TransportError:
    cls = TransportTimeoutError if timeout else TransportError
    return cls("x", method="POST", url="u", request_sent=sent)


def delay(
    error: CavaticaError,
    *,
    idempotent: bool,
    retries_done: int = 0,
    elapsed: float = 0.0,
    rand: float = 0.5,
    policy: RetryPolicy = POLICY,
) -> float | None:
    return policy.delay(
        error,
        retries_done=retries_done,
        elapsed=elapsed,
        idempotent=idempotent,
        now=NOW,
        rand=rand,
    )


@pytest.mark.parametrize(
    ("error", "idempotent", "expected"),
    [
        # 429: the platform did nothing, so any request waits for the announced reset (+ rand).
        (rate_limited(10), True, 10.5),
        (rate_limited(10), False, 10.5),
        (rate_limited(-5), True, 0.5),
        (rate_limited(300), True, None),  # 300.5 s is past max_rate_limit_wait
        (rate_limited(None), True, 0.25),  # no header: plain backoff
        # Maintenance: equal jitter on 30 s, for any request.
        (MaintenanceError("x", status=503, method="POST", url="u", code=0), False, 22.5),
        # Transient statuses: only idempotent requests.
        (api(408), True, 0.25),
        (api(500), True, 0.25),
        (api(502), True, 0.25),
        (api(503), True, 0.25),
        (api(504), True, 0.25),
        (api(408), False, None),
        (api(500), False, None),
        (api(502), False, None),
        (api(503), False, None),
        (api(504), False, None),
        # Never retried.
        (api(400), True, None),
        (api(401), True, None),
        (api(403), True, None),
        (api(404), True, None),
        (api(409), True, None),
        (api(422), True, None),
        (DecodeError("x"), True, None),
        # Network: after the request may have been sent, only idempotent requests.
        (network(sent=True), True, 0.25),
        (network(sent=True), False, None),
        (network(sent=True, timeout=True), False, None),
        (network(sent=True, timeout=True), True, 0.25),
        # Never sent (connect failed): safe for any request.
        (network(sent=False), False, 0.25),
        (network(sent=False, timeout=True), False, 0.25),
    ],
)
def test_what_is_retried(error: CavaticaError, idempotent: bool, expected: float | None) -> None:
    assert delay(error, idempotent=idempotent) == expected


def test_status_classes_used_in_the_table() -> None:
    assert isinstance(api(400), BadRequestError)
    assert isinstance(api(401), UnauthorizedError)
    assert isinstance(api(403), ForbiddenError)
    assert isinstance(api(404), NotFoundError)
    assert isinstance(api(409), ConflictError)
    assert isinstance(api(503), ServerError)


@pytest.mark.parametrize(
    ("retries_done", "rand", "expected"),
    [
        (0, 1.0, 0.5),
        (1, 1.0, 1.0),
        (2, 1.0, 2.0),
        (5, 1.0, 16.0),
        (6, 1.0, 30.0),  # capped at max_delay
        (20, 1.0, 30.0),
        (3, 0.0, 0.0),  # full jitter reaches zero
        (3, 0.25, 1.0),
    ],
)
def test_full_jitter_backoff(retries_done: int, rand: float, expected: float) -> None:
    assert POLICY.backoff(retries_done, rand) == expected


@pytest.mark.parametrize(
    ("retries_done", "rand", "expected"),
    [(0, 0.0, 15.0), (0, 1.0, 30.0), (1, 1.0, 60.0), (3, 1.0, 240.0), (4, 1.0, 300.0)],
)
def test_maintenance_backoff_stays_long(retries_done: int, rand: float, expected: float) -> None:
    error = MaintenanceError("x", status=503, method="GET", url="u", code=0)
    policy = RetryPolicy(max_retries=10, deadline=None)
    assert delay(error, idempotent=True, retries_done=retries_done, rand=rand, policy=policy) == (
        expected
    )


def test_max_retries_stops_retrying() -> None:
    policy = RetryPolicy(max_retries=2)
    assert delay(api(502), idempotent=True, retries_done=1, policy=policy) == 0.5
    assert delay(api(502), idempotent=True, retries_done=2, policy=policy) is None


def test_no_wait_may_end_past_the_deadline() -> None:
    policy = RetryPolicy(deadline=20.0)
    assert delay(rate_limited(10), idempotent=True, elapsed=9.0, policy=policy) == 10.5
    assert delay(rate_limited(10), idempotent=True, elapsed=9.6, policy=policy) is None


def test_no_deadline_means_only_max_retries_bounds() -> None:
    policy = RetryPolicy(deadline=None)
    assert delay(api(500), idempotent=True, elapsed=1e9, policy=policy) == 0.25


def test_rate_limit_wait_cap_is_configurable() -> None:
    policy = RetryPolicy(max_rate_limit_wait=5.0)
    assert delay(rate_limited(4), idempotent=True, policy=policy) == 4.5
    assert delay(rate_limited(5), idempotent=True, policy=policy) is None


@pytest.mark.parametrize("retries_done", [1100, 10**9])
def test_backoff_after_any_number_of_retries_stays_capped(retries_done: int) -> None:
    policy = RetryPolicy(max_retries=10**10)
    assert policy.backoff(retries_done, 0.5) == pytest.approx(policy.max_delay / 2)
    maintenance = MaintenanceError("down", status=503, method="GET", url="https://x/v2/y", code=0)
    wait = policy.delay(
        maintenance, retries_done=retries_done, elapsed=0.0, idempotent=True, now=0.0, rand=0.5
    )
    assert wait == pytest.approx(0.75 * policy.max_maintenance_delay)


class Reckless(RetryPolicy):
    """A policy that would send anything again, at once."""

    def delay(self, error: CavaticaError, **kwargs: Any) -> float | None:  # type: ignore[override]
        return 0.0


@pytest.mark.anyio
async def test_no_policy_makes_a_start_go_twice(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.post("/async/files/copy").respond(500, json={"message": "maybe started"})
    async with make_client(router, clock) as client:
        with pytest.raises(ServerError):
            await client.async_jobs.copy(
                [CopyItem("f" * 24, project="o/p")], retry=Reckless(), timeout=4.0
            )
    assert route.call_count == 1
    assert route.calls.last.request.extensions["timeout"]["read"] == 4.0


@pytest.mark.parametrize(
    ("error", "idempotent", "may"),
    [
        (ServerError("x", status=500, method="POST", url="u"), False, False),
        (ServerError("x", status=500, method="GET", url="u"), True, True),
        (RateLimitError("x", status=429, method="POST", url="u"), False, True),
        (MaintenanceError("x", status=503, method="POST", url="u", code=0), False, True),
        (TransportError("x", method="POST", url="u", request_sent=False), False, True),
        (TransportError("x", method="POST", url="u", request_sent=True), False, False),
    ],
)
def test_what_may_go_again(error: CavaticaError, idempotent: bool, may: bool) -> None:
    assert may_resend(error, idempotent=idempotent) is may

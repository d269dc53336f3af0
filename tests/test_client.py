"""CavaticaClient: configuration through the constructor, rate limit, repr, lifecycle."""

from __future__ import annotations

import gc
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import respx

from cavatica_async import (
    CavaticaClient,
    ClientOptions,
    ConfigError,
    DecodeError,
    RateLimit,
    Timeout,
    UnauthorizedError,
)

from tests.helpers import BASE_URL, TOKEN, FakeClock, make_client, rate_limit_body

pytestmark = pytest.mark.anyio


async def test_get_rate_limit(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get("/rate_limit").respond(
        200,
        json={
            "rate": {"limit": 1000, "remaining": 987, "reset": 1445694506797},
            "instance_limit": {"limit": -1, "remaining": 0},
        },
    )
    async with make_client(router, clock) as client:
        rate = await client.get_rate_limit()
        assert client.rate_limit == rate
    assert rate == RateLimit(
        limit=1000,
        remaining=987,
        reset=datetime.fromtimestamp(1445694506.797, tz=timezone.utc),
        instance_limit=-1,
        instance_remaining=0,
    )
    assert route.call_count == 1


async def test_get_rate_limit_with_a_wrong_body(router: respx.MockRouter, clock: FakeClock) -> None:
    router.get("/rate_limit").respond(200, json={"rate": {"limit": 1000}})
    async with make_client(router, clock) as client:
        with pytest.raises(DecodeError, match=r"GET /rate_limit body does not fit RateLimit"):
            await client.get_rate_limit()


async def test_errors_never_carry_the_token(router: respx.MockRouter, clock: FakeClock) -> None:
    router.get("/rate_limit").respond(401, json={"status": 401, "code": 90001, "message": "bad"})
    async with make_client(router, clock) as client:
        with pytest.raises(UnauthorizedError) as info:
            await client.get_rate_limit()
    assert TOKEN not in str(info.value)
    assert TOKEN not in repr(info.value)


async def test_repr_names_the_endpoint_but_never_the_token(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    client = make_client(router, clock, bearer=True)
    assert repr(client) == f"<CavaticaClient {BASE_URL} auth=Authorization: Bearer open>"
    await client.aclose()
    assert repr(client).endswith(" closed>")
    for text in (repr(client), str(client), repr(client.transport), repr(vars(client))):
        assert TOKEN not in text


async def test_configuration_from_the_credentials_file(isolated_env: Path) -> None:
    path = isolated_env / ".sevenbridges" / "credentials"
    path.parent.mkdir()
    path.write_text("[cgc]\napi_endpoint = https://cgc-api.sbgenomics.com/v2/\nauth_token = t\n")
    path.chmod(0o600)
    async with CavaticaClient(profile="cgc") as client:
        assert client.base_url == "https://cgc-api.sbgenomics.com/v2"


async def test_configuration_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SB_AUTH_TOKEN", "t")
    monkeypatch.setenv("SB_API_ENDPOINT", "http://127.0.0.1:8000/v2")
    async with CavaticaClient() as client:
        assert client.base_url == "http://127.0.0.1:8000/v2"


async def test_no_configuration_is_one_clear_error() -> None:
    with pytest.raises(ConfigError, match="no auth token found; looked at: the token argument"):
        CavaticaClient()


async def test_platform_argument(router: respx.MockRouter, clock: FakeClock) -> None:
    async with make_client(router, clock, base_url=None, platform="aws-eu") as client:
        assert client.base_url == "https://eu-api.sbgenomics.com/v2"


def forget_a_client() -> None:
    CavaticaClient(token=TOKEN)


def test_an_unclosed_client_warns_when_collected() -> None:
    with pytest.warns(ResourceWarning, match="unclosed <CavaticaClient"):
        forget_a_client()
    gc.collect()


# --- options that cannot work (issue 16): ValueError before anything is sent ------------------


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"budget_fraction": 0.0}, r"budget fraction must be in \(0, 1\]"),
        ({"budget_fraction": 1.5}, r"budget fraction must be in \(0, 1\]"),
        ({"budget_fraction": float("nan")}, r"budget fraction must be in \(0, 1\]"),
        ({"max_connections": 0}, "max_connections must be a whole number of at least 1"),
        ({"max_connections": 2.5}, "max_connections must be a whole number of at least 1"),
        ({"max_body_size": 0}, "max_body_size must be a whole number of at least 1"),
        ({"timeout": -1.0}, "Timeout.connect must be None or >= 0 seconds"),
        ({"timeout": float("nan")}, "Timeout.connect must be None or >= 0 seconds"),
        ({"base_url": "https://api.test/v2?x=1"}, "must not have a query string or fragment"),
        ({"base_url": "https://api.test/v2#top"}, "must not have a query string or fragment"),
        ({"base_url": "https://api.test/v2?"}, "must not have a query string or fragment"),
        ({"base_url": "https://api.test:99999/v2"}, "is not a valid URL"),
    ],
)
async def test_options_that_cannot_work_are_a_value_error(
    router: respx.MockRouter, clock: FakeClock, options: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        make_client(router, clock, **options)
    assert not router.calls


@pytest.mark.parametrize("phase", ["connect", "read", "write"])
async def test_a_timeout_phase_that_is_nan_or_negative_is_refused(phase: str) -> None:
    for value in (float("nan"), -0.5):
        with pytest.raises(ValueError, match=f"Timeout.{phase} must be None or >= 0"):
            Timeout(**{phase: value})  # type: ignore[arg-type]
    assert getattr(Timeout(**{phase: None}), phase) is None  # type: ignore[arg-type]


async def test_the_whole_window_may_be_given_to_the_budget(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    async with make_client(router, clock, budget_fraction=1.0) as client:
        assert client.transport.budget.fraction == 1.0


# --- options and clients that share a pool -------------------------------------------------


async def test_with_options_shares_the_pool_and_the_budget(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get("/rate_limit").respond(200, json=rate_limit_body())
    async with make_client(router, clock, timeout=5.0) as client:
        patient = client.with_options(timeout=Timeout(read=90.0), advance_access=True)
        assert patient.options.timeout.read == 90.0
        assert client.options.timeout.read == 5.0  # the original keeps its own
        await client.get_rate_limit()
        await patient.get_rate_limit()
        first, second = (call.request for call in route.calls)
        assert first.extensions["timeout"]["read"] == 5.0
        assert second.extensions["timeout"]["read"] == 90.0
        assert "X-SBG-Advance-Access" not in first.headers
        assert second.headers["X-SBG-Advance-Access"] == "advance"
        assert patient.transport.budget is client.transport.budget
        assert client.stats.requests == patient.stats.requests == 2
        await patient.aclose()  # the derived client leaves the shared pool open
        await client.get_rate_limit()
    assert client.transport.closed
    assert patient.transport.closed  # closing the original closed the pool for both


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"max_connections": 2}, "max_connections: an option of the connection pool"),
        ({"budget_fraction": 0.5}, "budget_fraction: an option of the connection pool"),
        ({"bearer": True}, "bearer: an option of the connection pool"),
        ({"colour": "blue"}, "no such client option: colour"),
        ({"max_body_size": 0}, "max_body_size must be a whole number of at least 1"),
    ],
)
async def test_with_options_refuses_what_it_cannot_change(
    router: respx.MockRouter, clock: FakeClock, changes: dict[str, Any], problem: str
) -> None:
    async with make_client(router, clock) as client:
        with pytest.raises(ValueError, match=problem):
            client.with_options(**changes)


async def test_options_can_be_given_as_one_object(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    options = ClientOptions(timeout=3.0, budget_fraction=0.5, max_connections=2)
    async with make_client(router, clock, options=options, max_connections=3) as client:
        assert client.options.timeout == Timeout(connect=3.0, read=3.0, write=3.0, total=120.0)
        assert client.options.max_connections == 3  # an argument given beside wins
        assert client.transport.budget.fraction == 0.5

"""A client belongs to the event loop of its first request; another loop gets a clear error."""

from __future__ import annotations

import anyio
import httpx
import pytest
import respx

from cavatica_async import CavaticaClient, ClientLoopError

from tests.helpers import BASE_URL, TOKEN


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_a_client_used_in_a_second_loop_says_so(backend: str) -> None:
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        router.get("/user").respond(json={"username": "rfranklin"})
        client = CavaticaClient(
            token=TOKEN, base_url=BASE_URL, transport=httpx.MockTransport(router.async_handler)
        )

        async def twice() -> str:
            await client.user.get()
            return (await client.user.get()).username  # the same loop: fine

        async def again() -> None:
            await client.user.get()

        async def close() -> None:
            await client.aclose()

        assert anyio.run(twice, backend=backend) == "rfranklin"
        with pytest.raises(ClientLoopError, match="first used in another event loop"):
            anyio.run(again, backend=backend)
        anyio.run(close, backend=backend)  # closing from another loop still works


@pytest.mark.asyncio
async def test_a_client_works_under_pytest_asyncio() -> None:
    # The plugin downstream services test with (strict mode: this test is marked for it).
    with respx.mock(base_url=BASE_URL) as router:
        router.get("/user").respond(json={"username": "rfranklin"})
        transport = httpx.MockTransport(router.async_handler)
        async with CavaticaClient(token=TOKEN, base_url=BASE_URL, transport=transport) as client:
            assert (await client.user.get()).username == "rfranklin"

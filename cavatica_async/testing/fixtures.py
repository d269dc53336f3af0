"""The fixtures: a seeded simulator, a client bound to it in-process, the simulator served over
loopback. Each is synchronous and made per test, so any async plugin, event loop or loop scope
can use them: the client binds to the loop of its first request
(docs/testing.md#fixtures-and-event-loops)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import pytest

from cavatica_async.client import CavaticaClient
from cavatica_async.simulator import Simulator
from cavatica_async.testing.server import SimulatorServer
from cavatica_async.testing.settings import OPTIONS, build, merged


def pytest_configure(config: pytest.Config) -> None:
    """Register the `cavatica_sim` marker."""
    config.addinivalue_line(
        "markers",
        "cavatica_sim(**options): the cavatica_sim fixture's Simulator options (seed, speed, "
        "timing, rate_limit, faults, maintenance, ...: " + ", ".join(sorted(OPTIONS)) + ")",
    )


@pytest.fixture
def cavatica_sim(request: pytest.FixtureRequest) -> Simulator:
    """A seeded `Simulator` on the event loop's time, set by `@pytest.mark.cavatica_sim(...)`
    (the marker nearest the test wins) and by indirect parametrisation (a dict), which wins."""
    layers: list[Any] = []
    for marker in reversed(list(request.node.iter_markers("cavatica_sim"))):
        layers.extend(marker.args)
        layers.append(marker.kwargs)
    if hasattr(request, "param"):
        layers.append(request.param)
    return build(merged(layers))


@pytest.fixture
def cavatica_client(cavatica_sim: Simulator) -> Iterator[CavaticaClient]:
    """A `CavaticaClient` bound to `cavatica_sim` in-process (no sockets), closed after the
    test if the test did not close it."""
    _check_simulator(cavatica_sim)
    client = CavaticaClient(
        token=cavatica_sim.token,
        base_url=cavatica_sim.base_url,
        transport=cavatica_sim.transport(),
    )
    yield client
    if not client.closed:
        # Closing needs an event loop, and the test's has stopped: a client closes from any
        # loop, and an in-process one holds no connection to hand back. The loop runs in a
        # thread of its own, so this thread's current event loop (a module- or session-scoped
        # loop of pytest-asyncio, which looptime looks up) stays as it was.
        with ThreadPoolExecutor(1, thread_name_prefix="cavatica-close") as closer:
            closer.submit(anyio.run, client.aclose).result()


@pytest.fixture
def cavatica_server(cavatica_sim: Simulator) -> Iterator[SimulatorServer]:
    """`cavatica_sim` served over real HTTP on 127.0.0.1 (a free port, a thread of its own)
    for the length of the test: its base URL and token."""
    _check_simulator(cavatica_sim)
    with cavatica_sim.serve_in_thread() as base_url:
        yield SimulatorServer(base_url=base_url, token=cavatica_sim.token, simulator=cavatica_sim)


def _check_simulator(value: object) -> None:
    # `parametrize("cavatica_sim", [...])` without indirect=True hands the dicts over as they are.
    if not isinstance(value, Simulator):
        raise ValueError(
            f"cavatica_sim is a {type(value).__name__}, not a Simulator: parametrise it with "
            "indirect=True so that its values become the simulator's options"
        )

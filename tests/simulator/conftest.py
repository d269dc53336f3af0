"""Fixtures for driving the simulator with plain httpx (never with our client)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from cavatica_async.simulator import ManualClock, Simulator, Timing

from tests import canary


@pytest.fixture
def manual() -> ManualClock:
    """The simulator's clock, stepped by the test."""
    return ManualClock()


@pytest.fixture
def sim(manual: ManualClock) -> Simulator:
    """A small seeded world; jobs never fail unless a test asks for it."""
    return Simulator(
        token=canary.CANARY,
        seed=7,
        clock=manual,
        files_per_project=30,
        timing=Timing(failure=0.0),
    )


@pytest.fixture
async def http(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    """Plain httpx, in-process, with the simulator's token."""
    async with httpx.AsyncClient(
        transport=sim.transport(),
        base_url=sim.base_url,
        headers={"X-SBG-Auth-Token": sim.token},
    ) as client:
        yield client

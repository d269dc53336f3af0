"""The simulated rate limit: headers count down, 429 exactly past the limit, reset clears it."""

from __future__ import annotations

import httpx
import pytest

from cavatica_async.simulator import ManualClock, Simulator
from cavatica_async.simulator.ratelimit import FixedWindow

pytestmark = pytest.mark.anyio


def client(sim: Simulator) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=sim.transport(), base_url=sim.base_url, headers={"X-SBG-Auth-Token": sim.token}
    )


async def test_headers_count_down_and_429_arrives_exactly_after_the_limit(
    manual: ManualClock,
) -> None:
    sim = Simulator(clock=manual, rate_limit=5, rate_window=60)
    start = int(manual.now())
    async with client(sim) as http:
        remaining = []
        for _ in range(5):
            answer = await http.get("/user")
            assert answer.status_code == 200
            assert answer.headers["X-RateLimit-Limit"] == "5"
            assert answer.headers["X-RateLimit-Reset"] == str(start + 60)
            remaining.append(int(answer.headers["X-RateLimit-Remaining"]))
        assert remaining == [4, 3, 2, 1, 0]
        refused = await http.get("/user")
        assert (refused.status_code, refused.json()["code"]) == (429, 1000)
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        # GET /rate_limit is free, and says the same.
        free = (await http.get("/rate_limit")).json()["rate"]
        assert free == {"limit": 5, "remaining": 0, "reset": start + 60}
        manual.advance(59.9)
        assert (await http.get("/user")).status_code == 429
        manual.advance(0.1)
        cleared = await http.get("/user")
        assert cleared.status_code == 200
        assert cleared.headers["X-RateLimit-Remaining"] == "4"
        assert cleared.headers["X-RateLimit-Reset"] == str(start + 120)
    assert sim.limiter.windows[0].used == 5
    assert sim.limiter.windows[0].rejected == 2
    assert sim.request_counts()[("GET", "/user", 429)] == 2
    assert sim.request_counts()[("GET", "/rate_limit", 200)] == 1


async def test_reset_in_milliseconds(manual: ManualClock) -> None:
    sim = Simulator(clock=manual, reset_in_ms=True)
    async with client(sim) as http:
        answer = await http.get("/user")
        body = (await http.get("/rate_limit")).json()
    assert answer.headers["X-RateLimit-Reset"] == str(int(manual.now() + 300) * 1000)
    assert body["rate"]["reset"] == int(manual.now() + 300) * 1000


async def test_speed_shortens_the_window(manual: ManualClock) -> None:
    sim = Simulator(clock=manual, speed=100)
    async with client(sim) as http:
        answer = await http.get("/user")
    assert answer.headers["X-RateLimit-Reset"] == str(int(manual.now() + 3))


def test_an_external_consumer_spends_its_share_evenly() -> None:
    window = FixedWindow(limit=1000, seconds=300, external=500)
    assert window.remaining(0.0) == 1000
    assert window.remaining(150.0) == 750
    assert window.remaining(299.0) == 502
    assert window.hit(299.0)
    assert window.remaining(299.0) == 501


@pytest.mark.parametrize(
    ("used", "external", "spent", "remaining_after"),
    [
        (0, 0, None, 0),  # everything that is left
        (3, 0, None, 0),
        (0, 0, 4, 6),
        (8, 0, 5, 0),  # no more than is left
        (0, 10, 2, 3),  # half the window gone: 5 of the other consumer's 10 spent evenly
    ],
)
def test_another_consumer_spends_the_window_at_once(
    used: int, external: int, spent: int | None, remaining_after: int
) -> None:
    window = FixedWindow(10, 100.0, external)
    assert window.remaining(0.0) == 10  # the window opens at 0
    for _ in range(used):
        assert window.hit(0.0)
    window.spend(50.0, spent)
    assert window.remaining(50.0) == remaining_after
    assert window.hit(50.0) == (remaining_after > 0)
    assert window.remaining(100.0) == 10  # the next window is whole


async def test_a_spent_window_answers_429_until_it_resets(manual: ManualClock) -> None:
    sim = Simulator(clock=manual, rate_limit=5, rate_window=60)
    async with client(sim) as http:
        assert (await http.get("/user")).status_code == 200
        sim.spend_window()
        refused = await http.get("/user")
        assert (refused.status_code, refused.headers["X-RateLimit-Remaining"]) == (429, "0")
        manual.advance(60)
        assert (await http.get("/user")).status_code == 200

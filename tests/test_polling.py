"""PollPolicy's intervals, and waiting for one job against a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
import attrs
import pytest
import respx

from cavatica_async import CavaticaClient, ExportState, PollPolicy, WaitTimeoutError
from cavatica_async.polling import wait_for
from cavatica_async.transport import Transport

from tests.helpers import FakeClock, make_client
from tests.loopback import LoopbackServer, Reply, serve

POLICY = PollPolicy(initial=2.0, factor=1.5, maximum=10.0, jitter=0.1)


@pytest.mark.parametrize(
    ("interval", "changed", "expected"),
    [
        (None, False, 2.0),
        (2.0, False, 3.0),
        (3.0, False, 4.5),
        (8.0, False, 10.0),  # capped
        (10.0, False, 10.0),
        (10.0, True, 2.0),  # a change resets
    ],
)
def test_intervals_grow_while_nothing_changes(
    interval: float | None, changed: bool, expected: float
) -> None:
    assert POLICY.grow(interval, changed) == expected


@pytest.mark.parametrize(("rand", "expected"), [(0.0, 9.0), (0.5, 10.0), (1.0, 11.0)])
def test_jitter_spreads_both_ways(rand: float, expected: float) -> None:
    assert POLICY.spread(10.0, rand) == pytest.approx(expected)


@attrs.frozen
class Job:
    state: ExportState


def scripted(states: list[str]) -> tuple[list[int], Callable[[], Awaitable[Job]]]:
    calls = [0]

    async def fetch() -> Job:
        state = states[min(calls[0], len(states) - 1)]
        calls[0] += 1
        return Job(ExportState(state))

    return calls, fetch


@pytest.fixture
async def transport(router: respx.MockRouter, clock: FakeClock) -> AsyncIterator[Transport]:
    async with make_client(router, clock) as client:
        yield client.transport


@pytest.mark.anyio
async def test_wait_returns_the_terminal_job(transport: Transport, clock: FakeClock) -> None:
    calls, fetch = scripted(["PENDING", "PENDING", "PENDING", "RUNNING", "RUNNING", "COMPLETED"])
    job = await wait_for(
        fetch,
        transport=transport,
        what="export job",
        job_id="e1",
        deadline=100,
        policy=POLICY,
    )
    assert job.state is ExportState.COMPLETED
    assert calls[0] == 6
    # FixedRandom gives rand 0.5, so no jitter: 2, 3, 4.5 while PENDING; reset to 2 on RUNNING.
    assert clock.sleeps == [2.0, 3.0, 4.5, 2.0, 3.0]


@pytest.mark.anyio
async def test_wait_times_out_naming_the_job_and_state(
    transport: Transport, clock: FakeClock
) -> None:
    calls, fetch = scripted(["RUNNING"])
    with pytest.raises(WaitTimeoutError) as info:
        await wait_for(
            fetch,
            transport=transport,
            what="export job",
            job_id="e1",
            deadline=20,
            policy=POLICY,
        )
    assert str(info.value) == "export job e1 is still RUNNING after 20 s"
    assert isinstance(info.value, TimeoutError)
    assert (info.value.job_id, info.value.last_state) == ("e1", "RUNNING")
    # 2 + 3 + 4.5 + 6.75 = 16.25; the last sleep is cut to land on the deadline, then one poll.
    assert clock.sleeps == [2.0, 3.0, 4.5, 6.75, pytest.approx(3.75)]
    assert calls[0] == 6


# --- the wait's deadline (issue 16) -----------------------------------------------------------


@pytest.mark.anyio
async def test_a_wait_deadline_also_bounds_a_slow_drip_answer() -> None:
    running = {"id": "e1", "state": "RUNNING", "source": {"file": "f" * 24}}
    server = LoopbackServer(answer=lambda target, body: Reply(running, stall="drip", drip=0.3))
    async with serve(server) as base_url:
        client = CavaticaClient(token="d" * 32, base_url=base_url)
        async with client:
            started = anyio.current_time()
            with pytest.raises(WaitTimeoutError, match="e1: no answer within 3 s"):
                await client.exports.wait("e1", deadline=3)
            waited = anyio.current_time() - started
    # The body takes over 20 s to drip in; the wait ends at its deadline.
    assert 3 <= waited < 4.5


@pytest.mark.parametrize("timeout", [float("nan"), -1.0, float("-inf")])
@pytest.mark.anyio
async def test_a_nan_or_negative_timeout_is_refused(
    router: respx.MockRouter, clock: FakeClock, timeout: float
) -> None:
    async with make_client(router, clock) as client:
        with pytest.raises(ValueError, match="deadline must be None or >= 0 seconds"):
            await client.exports.wait("e1", deadline=timeout)
    assert not router.calls


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"initial": 0.0}, "initial must be a positive number"),
        ({"initial": float("nan")}, "initial must be a positive number"),
        ({"maximum": -1.0}, "maximum must be a positive number"),
        ({"maximum": float("inf")}, "maximum must be a positive number"),
        ({"factor": 0.5}, "factor must be at least 1"),
        ({"factor": float("nan")}, "factor must be a positive number"),
        ({"initial": 10.0, "maximum": 5.0}, "maximum .* is less than initial"),
        ({"jitter": 1.0}, "jitter must be in"),
        ({"jitter": float("nan")}, "jitter must be in"),
        ({"max_bad_answers": 0}, "max_bad_answers must be at least 1"),
        ({"max_bad_answers": float("nan")}, "max_bad_answers must be at least 1"),
        ({"max_bad_answers": 2.5}, "max_bad_answers must be at least 1"),
    ],
)
def test_a_poll_policy_that_cannot_work_is_refused(fields: dict[str, float], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        PollPolicy(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("failures", "rand", "expected"),
    [
        (0, 0.5, 2.0),
        (1, 0.5, 4.0),
        (3, 0.5, 10.0),  # capped at the maximum
        (1100, 0.5, 10.0),  # a day-long outage: 2.0 ** 1100 would overflow a float
        (10**9, 0.0, 9.0),
    ],
)
def test_the_retry_delay_doubles_to_the_maximum_and_never_overflows(
    failures: int, rand: float, expected: float
) -> None:
    assert POLICY.retry_delay(failures, rand) == pytest.approx(expected)

"""The transfer benchmark runs small and its figures hang together; no speed is asserted."""

from __future__ import annotations

import anyio
import pytest

from benchmarks.transfer import bound, run, wave_bound


@pytest.mark.parametrize(
    ("starts", "reads", "longest", "expected"),
    [
        (100, 100, 50.0, 50.0),  # 200 requests fit the first burst: the longest job decides
        (200, 200, 50.0, 112.5),  # 400 - 100 at once, 300 at 800 a window: 0.375 windows
        (2000, 2000, 600.0, 1462.5),  # 3900 at 800 a window: 4.875 windows
    ],
)
def test_the_makespan_bound(starts: int, reads: int, longest: float, expected: float) -> None:
    assert bound(starts, reads, longest, 0.8, 0.125) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("durations", "in_flight", "expected"),
    [
        ([5.0, 3.0, 4.0], 10, 5.0),  # all at once: the longest
        ([5.0, 3.0, 4.0], 1, 12.0),  # one at a time: the sum
        ([5.0, 3.0, 4.0, 1.0], 2, 7.0),  # 4.0 starts at 3, 1.0 at 5 (the first place free)
        ([], 3, 0.0),
    ],
)
def test_the_bound_with_jobs_in_flight(
    durations: list[float], in_flight: int, expected: float
) -> None:
    assert wave_bound(durations, in_flight) == pytest.approx(expected)


def test_a_small_transfer_accounts_for_every_file() -> None:
    result = anyio.run(run, 300)
    assert (result["done"], result["refused"], result["unsure"]) == (300, 0, 0)
    assert result["start_calls"] == 3
    assert result["jobs_started"] == 300
    assert result["started_twice"] == 0
    assert result["rate_limited"] == 0
    assert result["requests"] >= result["minimum_requests"] == 6
    assert result["wave_bound_platform_s"] >= result["bound_platform_s"] > 0
    assert result["makespan_platform_s"] >= result["longest_job_platform_s"]

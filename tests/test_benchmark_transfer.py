"""The transfer benchmark runs small and its figures hang together; no speed is asserted."""

from __future__ import annotations

import anyio
import pytest

from benchmarks.transfer import bound, run


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


def test_a_small_transfer_accounts_for_every_file() -> None:
    result = anyio.run(run, 300)
    assert (result["done"], result["refused"], result["unsure"]) == (300, 0, 0)
    assert result["start_calls"] == 3
    assert result["jobs_started"] == 300
    assert result["started_twice"] == 0
    assert result["rate_limited"] == 0
    assert result["requests"] >= result["minimum_requests"] == 6
    assert result["makespan_platform_s"] >= result["longest_job_platform_s"]

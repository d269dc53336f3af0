"""DRS pacing: no window-long span starts more than its files (a table)."""

from __future__ import annotations

import pytest

from cavatica_async.transfers.pacing import drs_wait


@pytest.mark.parametrize(
    ("started", "files", "now", "expected"),
    [
        ([], 100, 0.0, 0.0),  # nothing started: go
        ([(0.0, 100)] * 4, 100, 10.0, 0.0),  # 400 + 100 = 500: still fits
        ([(0.0, 100)] * 5, 100, 10.0, 290.0),  # full: wait until the first leaves
        ([(0.0, 100), (50.0, 100), (60.0, 300)], 100, 70.0, 230.0),  # the oldest frees enough
        ([(0.0, 100), (50.0, 100), (60.0, 300)], 200, 70.0, 280.0),  # two must leave
        ([(0.0, 500)], 100, 300.0, 0.0),  # a start exactly a window ago has left
        ([(0.0, 500)], 100, 299.0, 1.0),
    ],
)
def test_drs_wait(
    started: list[tuple[float, int]], files: int, now: float, expected: float
) -> None:
    assert drs_wait(started, files, now) == pytest.approx(expected)


def test_a_configured_window() -> None:
    assert drs_wait([(0.0, 10)], 5, 1.0, per_window=10, window=60.0) == pytest.approx(59.0)


@pytest.mark.parametrize("files", [0, 501])
def test_a_start_that_can_never_fit_is_refused(files: int) -> None:
    with pytest.raises(ValueError, match="can never fit"):
        drs_wait([], files, 0.0)

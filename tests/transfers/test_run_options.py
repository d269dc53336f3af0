"""A transfer's options, checked, and its estimate of the time left, by tables."""

from __future__ import annotations

import pytest

from cavatica_async.transfers.run_options import TransferOptions, seconds_left

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ({"drs_window": INF}, ValueError),
        ({"drs_window": 0}, ValueError),
        ({"snapshot_every": NAN}, ValueError),
        ({"snapshot_every": -1}, ValueError),
        ({"jobs_in_flight": 1.5}, ValueError),
        ({"jobs_in_flight": True}, ValueError),
        ({"drs_files_per_window": 99}, ValueError),
        ({"unsure": "skip"}, ValueError),
        ({"poll": "fast"}, TypeError),
        ({"start": None}, TypeError),
    ],
)
def test_options_that_cannot_work_are_refused(settings: dict[str, object], error: type) -> None:
    with pytest.raises(error, match=next(iter(settings))):
        TransferOptions(**settings)  # type: ignore[arg-type]


def test_options_that_can_work_are_kept() -> None:
    options = TransferOptions(snapshot_every=0, jobs_in_flight=1, drs_window=0.5)
    assert (options.snapshot_every, options.jobs_in_flight, options.drs_window) == (0, 1, 0.5)


@pytest.mark.parametrize(
    ("left", "ended", "elapsed", "drs", "expected"),
    [
        (0, 0, 0.0, 0.0, 0.0),  # nothing left
        (100, 0, 30.0, 0.0, None),  # nothing ended yet: no pace to go by
        (100, 50, 0.0, 0.0, None),
        (100, 50, 30.0, 0.0, 60.0),  # 50 items in 30 s: 100 more in 60 s
        (100, 50, 30.0, 600.0, 600.0),  # DRS imports still to start at their pace
        (10, 990, 99.0, 0.0, 1.0),
    ],
)
def test_seconds_left(
    left: int, ended: int, elapsed: float, drs: float, expected: float | None
) -> None:
    assert seconds_left(left, ended, elapsed, drs) == expected

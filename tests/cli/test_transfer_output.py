"""What the transfer commands show: the dry run's estimate, the summary, the exit status."""

from __future__ import annotations

import pytest

from cavatica_async.cli.transfer_output import dry_run_estimate, exit_status, summary


@pytest.mark.parametrize(
    ("kind", "items", "expected"),
    [
        ("export", 0, (0, 0, 0.0)),
        ("export", 120, (2, 4, 0.0)),  # within the first burst
        ("export", 20_000, (200, 400, 112.5)),  # 300 past the burst at 800 per 300 s
        ("drs_import", 500, (5, 10, 0.0)),  # one queue window holds them all
        ("drs_import", 501, (6, 12, 300.0)),  # the last file waits a window
        ("drs_import", 1_000, (10, 20, 300.0)),
        ("drs_import", 2_600, (26, 52, 1_500.0)),  # six windows of 500: five waits
        ("copy", 1_000, (10, 20, 0.0)),  # only DRS has a queue
    ],
)
def test_the_dry_run_estimate(kind: str, items: int, expected: tuple[int, int, float]) -> None:
    assert dry_run_estimate(kind, items, 0.8) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("counts", "failed", "status", "said"),
    [
        ({"done": 3}, 0, 0, "3 completed, 0 failed, 0 refused, 0 unsure"),
        ({"done": 3}, 1, 1, "2 completed, 1 failed, 0 refused, 0 unsure"),
        ({"done": 3, "refused": 1}, 0, 1, "3 completed, 0 failed, 1 refused, 0 unsure"),
        ({"done": 1, "unsure": 1, "refused": 1}, 0, 3, "1 refused, 1 unsure"),
        ({"done": 1, "started": 2}, 0, 1, "2 not ended (run the command again)"),
    ],
)
def test_summary_and_exit_status(
    counts: dict[str, int], failed: int, status: int, said: str
) -> None:
    assert exit_status(counts, failed) == status
    assert said in summary(counts, failed)


def test_a_summary_while_a_run_holds_the_journal_says_so() -> None:
    said = summary({"done": 1, "started": 2}, 0, running=True)
    assert said.endswith("2 not ended (a run holds the journal now)")

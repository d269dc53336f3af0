"""How a transfer runs (`TransferOptions`) and where it stands (`Progress`)."""

from __future__ import annotations

import math
from typing import Literal

import attrs

from cavatica_async.polling import PollPolicy
from cavatica_async.transfers.pacing import DRS_FILES_PER_WINDOW, DRS_WINDOW
from cavatica_async.transfers.starter import CHUNK, StartOptions


@attrs.frozen
class TransferOptions:
    """How a transfer runs; the defaults are the platform's documented pace."""

    start: StartOptions = attrs.field(factory=StartOptions)
    drs_files_per_window: int = DRS_FILES_PER_WINDOW  # DRS files started per window
    drs_window: float = DRS_WINDOW  # seconds (the platform's: 5 minutes)
    jobs_in_flight: int = 10_000  # per kind: jobs started and not ended
    unsure: Literal["report", "retry"] = "report"  # retry: start `unsure` items again
    poll: PollPolicy | None = None  # the watcher's intervals
    snapshot_every: float = 10.0  # seconds between the watcher snapshots kept in the journal

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.start, StartOptions):
            raise TypeError(f"start must be StartOptions, got {type(self.start).__name__}")
        if self.poll is not None and not isinstance(self.poll, PollPolicy):
            raise TypeError(f"poll must be a PollPolicy or None, got {type(self.poll).__name__}")
        for name, least in (("drs_files_per_window", CHUNK), ("jobs_in_flight", 1)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ValueError(f"{name} must be a whole number of at least {least}: {value!r}")
        check_seconds("drs_window", self.drs_window, zero=False)
        check_seconds("snapshot_every", self.snapshot_every, zero=True)
        if self.unsure not in ("report", "retry"):
            raise ValueError(f"unsure must be 'report' or 'retry', got {self.unsure!r}")


def check_seconds(name: str, value: object, *, zero: bool) -> float:
    """`value` if it is a finite number of seconds, more than 0 (or 0 with `zero`), else
    `ValueError` naming `name`."""
    if (
        not isinstance(value, (int, float))
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not zero)
    ):
        least = "0 or more" if zero else "more than 0"
        raise ValueError(f"{name} must be a finite number of seconds, {least}: {value!r}")
    return float(value)


@attrs.frozen
class Progress:
    """Where a transfer stands: items per state, requests, the budget, time left."""

    phase: str  # "waiting" (no run yet), "reconciling", "running" or "ended"
    items: dict[str, int]  # ItemState value -> how many
    failed: int  # of the items done, those whose job did not complete (FAILED, or a file error)
    requests: int  # sent by this client so far (retries included)
    rate_limited: int  # 429 answers (a transfer inside the budget draws none)
    remaining: int | None  # requests left in the platform's current window
    jobs_watched: int  # jobs started and not ended
    start_calls: int  # start calls sent by this run
    seconds_left: float | None  # a rough estimate; None until a job has ended


def seconds_left(left: int, ended: int, elapsed: float, drs_to_pace: float) -> float | None:
    """A rough estimate of a run's seconds left: the `left` items at the pace `ended` items
    took in `elapsed` seconds, or the DRS imports still to start at their pace
    (`drs_to_pace` seconds), whichever is longer; None before anything has ended."""
    if left <= 0:
        return 0.0
    if ended <= 0 or elapsed <= 0:
        return None
    return max(left * elapsed / ended, drs_to_pace)

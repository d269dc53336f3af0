"""How fast a transfer may start jobs: pure rules of their inputs, the time included.

DRS imports: the platform imports at most 500 files per 5 minutes and queues the rest itself
(docs/platform.md#bulk-drs-imports). A transfer that started more would only grow that queue, and a
crash would leave more jobs to reconcile, so it starts no more than `per_window` files in any
`window` seconds (docs/transfers.md#pacing).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

DRS_FILES_PER_WINDOW = 500
DRS_WINDOW = 300.0


def drs_wait(
    started: Sequence[tuple[float, int]],
    files: int,
    now: float,
    *,
    per_window: int = DRS_FILES_PER_WINDOW,
    window: float = DRS_WINDOW,
) -> float:
    """Seconds until `files` more may start, given (time, files) of earlier starts: no span of
    `window` seconds holds more than `per_window` files (0: now)."""
    if not 0 < files <= per_window:
        raise ValueError(f"a DRS start of {files} files can never fit {per_window} per window")
    recent = sorted((at, count) for at, count in started if at > now - window)
    excess = sum(count for _, count in recent) + files - per_window
    if excess <= 0:
        return 0.0
    # The oldest starts leave the window first; wait until enough have left. `files` fits in an
    # empty window, so the starts freed in turn always reach `excess`.
    freed = list(itertools.accumulate(count for _, count in recent))
    return recent[bisect.bisect_left(freed, excess)][0] + window - now

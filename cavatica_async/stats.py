"""`WatcherStats`: what a watcher has done so far."""

from __future__ import annotations

from collections import Counter

import attrs

from cavatica_async.events import JobKind


@attrs.define
class WatcherStats:
    """What the watcher has done so far."""

    # Poll requests sent, by kind; a job list page counts under one of the kinds it was read for.
    requests: Counter[JobKind] = attrs.Factory(Counter)
    batches: int = 0  # bulk get requests
    jobs_polled: int = 0  # job observations asked for
    events: int = 0  # events delivered
    failures: int = 0  # polls that failed and were scheduled again
    rate_limited: int = 0  # 429 answers
    pages: int = 0  # job list pages read (job_list=True)
    maintenance: int = 0  # maintenance answers
    budget_wait: float = 0.0  # seconds spent waiting for the rate budget
    slack_requests: int = 0  # poll requests sent at the cadence that spends the share's slack

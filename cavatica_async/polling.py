"""How often to poll a job, and waiting for one job to finish."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

import attrs

from cavatica_async.errors import WaitTimeoutError
from cavatica_async.transport import Transport

# A single wait gives up after an hour unless told otherwise: a poll loop without a deadline
# hangs in production (openai-python#3097). Pass timeout=None to wait forever, explicitly.
DEFAULT_WAIT_TIMEOUT = 3600.0


class _State(Protocol):
    @property
    def is_terminal(self) -> bool: ...


class _Job(Protocol):
    @property
    def state(self) -> _State: ...


J = TypeVar("J", bound=_Job)


@attrs.frozen(kw_only=True)
class PollPolicy:
    """Per-job poll intervals: `initial`, times `factor` per unchanged poll, at most `maximum`.

    The interval resets to `initial` whenever the state changes, and each wait is spread by
    ±`jitter` (a fraction) so jobs started together do not poll together. Established pollers
    do the same (Cromwell x1.1, api_core 1 to 20 s x1.5; watcher-performance.md §2).
    """

    initial: float = 2.0
    factor: float = 1.5
    maximum: float = 60.0
    jitter: float = 0.1

    def grow(self, interval: float | None, changed: bool) -> float:
        """The next un-jittered interval after a poll that did (or did not) see a change."""
        if interval is None or changed:
            return self.initial
        return min(self.maximum, interval * self.factor)

    def spread(self, interval: float, rand: float) -> float:
        """`interval` jittered by `rand` in [0, 1): from (1 - jitter) to (1 + jitter) times it."""
        return interval * (1 - self.jitter + 2 * self.jitter * rand)


async def wait_for(
    fetch: Callable[[], Awaitable[J]],
    *,
    transport: Transport,
    what: str,
    job_id: str,
    timeout: float | None,
    policy: PollPolicy,
) -> J:
    """Poll `fetch` until the job is terminal, or raise `WaitTimeoutError` after `timeout` s."""
    clock, rng = transport.clock, transport.rng
    started = clock.monotonic()
    interval: float | None = None
    last = None
    while True:
        job = await fetch()
        if job.state.is_terminal:
            return job
        interval = policy.grow(interval, changed=job.state != last)
        last = job.state
        delay = policy.spread(interval, rng.random())
        if timeout is not None:
            left = started + timeout - clock.monotonic()
            if left <= 0:
                raise WaitTimeoutError(what, job_id, str(last), clock.monotonic() - started)
            delay = min(delay, left)  # the last poll lands on the deadline
        await clock.sleep(delay)

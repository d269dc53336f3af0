"""How often to poll a job, and waiting for one job to finish."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

import anyio
import attrs

from cavatica_async.errors import WaitTimeoutError
from cavatica_async.transport import Transport

# A single wait gives up after an hour unless told otherwise: a poll loop without a deadline
# hangs in production (openai-python#3097). Pass deadline=None to wait forever, explicitly.
DEFAULT_WAIT_DEADLINE = 3600.0


class _State(Protocol):
    @property
    def is_terminal(self) -> bool: ...


class _Job(Protocol):
    @property
    def state(self) -> _State: ...


J = TypeVar("J", bound=_Job)


def _positive(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    # Written so that NaN fails too: every comparison with NaN is false.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise ValueError(f"PollPolicy.{attribute.name} must be a positive number, got {value!r}")


def _check_policy(policy: PollPolicy) -> None:
    if not 1 <= policy.factor < math.inf:
        raise ValueError(f"PollPolicy.factor must be at least 1, got {policy.factor!r}")
    if policy.maximum < policy.initial:
        raise ValueError(
            f"PollPolicy.maximum ({policy.maximum}) is less than initial ({policy.initial})"
        )
    if not 0 <= policy.jitter < 1:
        raise ValueError(f"PollPolicy.jitter must be in [0, 1), got {policy.jitter!r}")
    if not isinstance(policy.frugal, bool):
        raise ValueError(f"PollPolicy.frugal must be True or False, got {policy.frugal!r}")
    bad = policy.max_bad_answers
    if isinstance(bad, bool) or not isinstance(bad, int) or bad < 1:
        raise ValueError(
            f"PollPolicy.max_bad_answers must be at least 1, got {policy.max_bad_answers!r}"
        )


@attrs.frozen(kw_only=True)
class PollPolicy:
    """Per-job poll intervals: `initial`, times `factor` per unchanged poll, at most `maximum`.

    The interval resets to `initial` whenever the state changes, and each wait is spread by
    ±`jitter` (a fraction) so jobs started together do not poll together. Established pollers
    do the same (Cromwell x1.1, api_core 1 to 20 s x1.5; docs/watcher.md#what-a-poll-costs).
    A job whose answers cannot be read `max_bad_answers` times in a row (a state that is a
    number, another job's id) is reported with an error event instead of polled forever.

    A `JobWatcher` also spends what its budget share has to spare: when the jobs it watches will
    end before the share is spent, it polls them all at the cadence that spends it, never more
    often than every `floor` seconds (docs/watcher.md#spending-the-slack). `frugal=True` polls
    at the intervals above only: fewest requests, later news.
    """

    initial: float = attrs.field(default=2.0, validator=_positive)
    factor: float = attrs.field(default=1.5, validator=_positive)
    maximum: float = attrs.field(default=60.0, validator=_positive)
    jitter: float = 0.1
    max_bad_answers: int = 5
    floor: float = attrs.field(default=10.0, validator=_positive)
    frugal: bool = False

    def __attrs_post_init__(self) -> None:
        _check_policy(self)

    def grow(self, interval: float | None, changed: bool) -> float:
        """The next un-jittered interval after a poll that did (or did not) see a change."""
        if interval is None or changed:
            return self.initial
        return min(self.maximum, interval * self.factor)

    def retry_delay(self, failures: int, rand: float) -> float:
        """The wait before polling again after `failures` failed polls in a row: doubling from
        `initial` up to `maximum`, jittered (however long an outage, it never overflows)."""
        step = min(self.maximum, self.initial * 2.0 ** min(failures, 64))
        return self.spread(step, rand)

    def spread(self, interval: float, rand: float) -> float:
        """`interval` jittered by `rand` in [0, 1): from (1 - jitter) to (1 + jitter) times it."""
        return interval * (1 - self.jitter + 2 * self.jitter * rand)


def check_deadline(deadline: float | None) -> None:
    """`ValueError` unless `deadline` is None or a number of seconds >= 0 (NaN is not)."""
    if deadline is None:
        return
    if isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or not deadline >= 0:
        raise ValueError(f"deadline must be None or >= 0 seconds, got {deadline!r}")


async def wait_for(
    fetch: Callable[[], Awaitable[J]],
    *,
    transport: Transport,
    what: str,
    job_id: str,
    deadline: float | None,
    policy: PollPolicy,
) -> J:
    """Poll `fetch` until the job is terminal, or raise `WaitTimeoutError` after `deadline` s.

    The deadline holds for the whole wait, the request in flight included: an answer that
    drips in a byte at a time (each read within the read timeout) cannot stretch it.
    """
    check_deadline(deadline)
    timeout = deadline
    clock, rng = transport.clock, transport.rng
    started = clock.monotonic()
    # The request in flight is bounded on the event loop's clock; the injected clock (which
    # tests may run faster than real time) bounds the waits between polls.
    begun = anyio.current_time()
    ends = math.inf if timeout is None else begun + timeout
    interval: float | None = None
    last = None
    while True:
        with anyio.move_on_after(ends - anyio.current_time()) as scope:
            job = await fetch()
        if scope.cancelled_caught:
            waited = max(clock.monotonic() - started, anyio.current_time() - begun)
            raise WaitTimeoutError(what, job_id, None if last is None else str(last), waited)
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

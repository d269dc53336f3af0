"""The client-wide rate budget: how fast to send so the platform's limit is never hit.

The platform allows 1000 requests per fixed 5-minute window per user and says so in every
response (`X-RateLimit-Limit/-Remaining/-Reset`, https://docs.sevenbridges.com/docs/api-rate-limit).
The budget spends at most `fraction` of the window, evenly until the reset, except that up to
`burst` of that share, saved up in a quiet spell, may go at once: a token bucket filled at the
even pace. The window is fixed, so a request saved is as good early as late, and a watcher's
first sweep over many new jobs (100 bulk requests for 10,000 exports: an eighth of a fresh
window's share at 0.8) need not take an eighth of the window. What other
programs of the same user spend shows up as `Remaining` falling faster than our own requests
explain; that rate is projected to the reset and kept out of our share, so the two together
stay under the limit.
"""

from __future__ import annotations

import math

import attrs

# Re-check this often while waiting for something the budget cannot predict (a response).
RECHECK = 1.0
# The platform counts requests in fixed windows of 5 minutes
# (https://docs.sevenbridges.com/docs/api-rate-limit). No honest answer asks a client to wait
# longer than one window, so no answer makes the library pause longer than MAX_PAUSE, and a
# reset further ahead than one window (with room for clock skew) is believed as one window.
RATE_WINDOW = 300.0
MAX_PAUSE = RATE_WINDOW
RESET_SKEW = 60.0
# A token this close to whole counts as whole (rounding in the refill leaves such deficits).
TOKEN_SLOP = 1e-9
# The shortest wait the budget asks for (seconds), far above any clock's resolution. A shorter
# one may not move the clock at all (now + 4e-16 == now): on a virtual clock (trio's MockClock,
# looptime), which moves only when every task sleeps, a caller looping on `wait` would look
# again at the same time forever.
MIN_WAIT = 0.001
# The platform's limit is 1000 per window; no believable one is near this, and numbers past it
# (a header of 400 digits) would not even convert to a float.
MAX_LIMIT = 10**9


def _fraction(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    # Written so that NaN fails too: every comparison with NaN is false.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ValueError(f"budget {attribute.name} must be in (0, 1], got {value!r}")


def _share(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"budget {attribute.name} must be in [0, 1], got {value!r}")


@attrs.define
class RateBudget:
    """Pacing state; its methods read no clock and do no I/O: the caller gives the time, as the
    client clock's monotonic seconds (a reset is converted to them when observed)."""

    fraction: float = attrs.field(default=0.8, validator=_fraction)
    burst: float = attrs.field(default=0.125, validator=_share)  # of the share, at once
    limit: int | None = None
    remaining: int | None = None  # lowest value seen in the current window
    reset: float | None = None  # when the current window ends (the clock's monotonic seconds)
    window_seen: float = 0.0  # when this window was first observed
    window_left: float = 0.0  # how much of it was left then
    window_first_remaining: int = 0
    own_since_seen: int = 0  # our counted responses in this window after the first
    inflight: int = 0
    tokens: float | None = None  # requests that may go now; starts full
    tokens_at: float = 0.0  # when `tokens` was last topped up
    paused_until: float = 0.0
    doubtful: bool = False  # the current reset was implausible and is believed as one window
    probe_after: float = 0.0  # past the reset, no probe before this (our clock runs ahead)

    def observe(
        self, limit: int, remaining: int, reset: float, now: float, *, counted: bool
    ) -> None:
        """Take in one response's rate-limit values; `counted` is False for free calls.

        An implausible answer cannot poison the budget: `remaining` is kept within the limit; a
        reset more than a window ahead is not believed while a plausible window runs, and
        otherwise taken as one window ahead until the next plausible answer replaces it; a
        reset before the current one (a late answer, or one from 1970) changes nothing.
        """
        limit = min(max(0, limit), MAX_LIMIT)
        remaining = min(max(0, remaining), limit)
        doubtful = not (reset <= now + RATE_WINDOW + RESET_SKEW)  # NaN included
        if doubtful:
            if self.reset is not None and not self.doubtful and now < self.reset:
                # A plausible window is running: this answer's numbers are not believed.
                self.own_since_seen += counted
                return
            reset = now + RATE_WINDOW
        if self.reset is None or reset > self.reset + 0.5 or (self.doubtful and not doubtful):
            self.doubtful = doubtful
            # A new window (the reset moved on).
            self.limit, self.remaining, self.reset = limit, remaining, reset
            self.window_seen, self.window_left = now, reset - now
            self.window_first_remaining, self.own_since_seen = remaining, 0
        elif reset >= self.reset - 0.5:
            # Responses of one window may arrive out of order: the lowest remaining is the truth.
            self.remaining = min(
                self.remaining if self.remaining is not None else remaining, remaining
            )
            self.limit = limit
            if counted:
                self.own_since_seen += 1
            if now >= self.reset:
                # The window we took for over still runs: our clock is ahead of the platform's
                # (or its reset was rounded down). Probing back to back until its reset would
                # spend what the share left to others, so the next probe waits a while.
                self.probe_after = now + RECHECK

    def external_rate(self, now: float) -> float:
        """Requests per second that others (not this client) spend in the current window."""
        # Too early in a window, a few of our own answers still on the way look like strangers'
        # requests: estimate over at least 5% of the window.
        elapsed = max(now - self.window_seen, 0.05 * self.window_left)
        if self.remaining is None or elapsed <= 0:
            return 0.0
        spent = self.window_first_remaining - self.remaining - self.own_since_seen - self.inflight
        return max(0, spent) / elapsed

    def wait(self, now: float) -> float:
        """Seconds until the next request may be sent (0: now), never more than MAX_PAUSE and
        never less than MIN_WAIT."""
        return _at_least_min(min(self._wait(now), MAX_PAUSE))

    def room_wait(self, now: float) -> float:
        """Seconds until our share of the window has room for one more request (0: now), not
        spread over the window: for a listing a user waits on, which should take what the share
        allows at once (docs/watcher.md#the-budget). Never more than MAX_PAUSE."""
        early = self._early_wait(now)
        if early is not None:
            return _at_least_min(min(early, MAX_PAUSE))
        share, left = self._share(now)
        return 0.0 if share >= 1 else _at_least_min(min(left, MAX_PAUSE))

    def outlook(self, now: float) -> tuple[float, float] | None:
        """(Requests our share has left in this window, seconds to its reset), or None while
        the window is not known, is over, or a pause runs: then nothing can be planned."""
        if self._early_wait(now) is not None:
            return None
        return self._share(now)

    def _early_wait(self, now: float) -> float | None:
        """The wait when a pause or an unknown window decides it, else None."""
        if now < self.paused_until:
            return self.paused_until - now
        if self.reset is None or self.remaining is None:
            return 0.0  # nothing known yet: the first answer will tell
        if now >= self.reset:
            # The window is over and the next one is unknown until an answer comes: one probe
            # at a time, and none sooner than `probe_after`.
            return RECHECK if self.inflight else max(0.0, self.probe_after - now)
        return None

    def _share(self, now: float) -> tuple[float, float]:
        """(Requests our share has left in this window, seconds to its reset)."""
        # Called once _early_wait found the window known; the defaults cannot apply.
        reset = now if self.reset is None else self.reset
        remaining = 0 if self.remaining is None else self.remaining
        left = reset - now
        available = remaining - self.inflight - self.external_rate(now) * left
        # Ours is `fraction` of the window's requests less what others spend: of the limit less
        # theirs, past and projected, we have spent `own`, so f x (available + own) - own is left.
        # (A fraction of what remains at each moment would, spent evenly, take nearly all of it
        # by the reset and leave others nothing late in the window.)
        own = self.own_since_seen + self.inflight
        return self.fraction * available - (1 - self.fraction) * own, left

    def _wait(self, now: float) -> float:
        early = self._early_wait(now)
        if early is not None:
            return early
        share, left = self._share(now)
        if share < 1:
            return left  # nothing to spare before the reset
        tokens = self._refill(now, share, left)
        # A bucket a rounding error short of a token is full: no wait at all, not MIN_WAIT.
        return 0.0 if tokens >= 1 - TOKEN_SLOP else (1 - tokens) * left / share

    def _refill(self, now: float, share: float, left: float) -> float:
        """Fill the bucket at the even pace, `share` requests over the `left` seconds of the
        window, up to `burst` of the share; the tokens it then holds."""
        capacity = max(1.0, self.burst * share)
        if self.tokens is None:
            self.tokens = capacity
        else:
            self.tokens = min(capacity, self.tokens + (now - self.tokens_at) * share / left)
        self.tokens_at = now
        return self.tokens

    def drain(self, now: float) -> None:
        """Take one token of the bucket, never below empty, for a request that went without
        waiting for the even pace (the slack's first read of jobs never polled): the interval
        policy's first polls of the same jobs then keep to the pace rather than follow at once
        with the burst (docs/watcher.md#spending-the-slack)."""
        if self._early_wait(now) is not None:
            return
        share, left = self._share(now)
        if share >= 1:
            tokens = self._refill(now, share, left)
            self.tokens = tokens if tokens <= 0 else max(0.0, tokens - 1)

    def take(self, *, paced: bool = True) -> Spending:
        """Count one request as sent; the ticket returned counts it done, exactly once.

        Every request the budget counts as sent must be counted done however it ends, or the
        budget believes it still in flight and slows down for good: hold the ticket in a `with`
        around the request. `paced=False` for a request that did not wait for the even pace
        (a watcher's poll at the cadence of its slack): it counts against the share, not the
        bucket, so polls that do keep to the pace are not held back by it.
        """
        self.sent(paced=paced)
        return Spending(self)

    def sent(self, *, paced: bool = True) -> None:
        """Record a request going out (`paced`: it took a token of the even pace)."""
        self.inflight += 1
        if self.tokens is not None and paced:
            self.tokens -= 1

    def done(self) -> None:
        """Record a request finished (answered or failed)."""
        self.inflight = max(0, self.inflight - 1)

    def pause(self, until: float, now: float) -> None:
        """Send nothing before `until` (after a 429, or during maintenance), at most MAX_PAUSE."""
        if math.isnan(until):
            until = now + MAX_PAUSE
        self.paused_until = max(self.paused_until, min(until, now + MAX_PAUSE))


def _at_least_min(wait: float) -> float:
    """A wait of none, or one long enough to move any clock (MIN_WAIT)."""
    return max(wait, MIN_WAIT) if wait > 0 else 0.0


class Spending:
    """One request a `RateBudget` counted as sent; `done()`, or leaving `with`, ends it once."""

    def __init__(self, budget: RateBudget) -> None:
        self._budget: RateBudget | None = budget

    def done(self) -> None:
        """Count the request finished (a second call does nothing)."""
        budget, self._budget = self._budget, None
        if budget is not None:
            budget.done()

    def __enter__(self) -> Spending:
        return self

    def __exit__(self, *exc: object) -> None:
        self.done()

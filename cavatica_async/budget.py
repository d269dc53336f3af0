"""The client-wide rate budget: how fast to send so the platform's limit is never hit.

The platform allows 1000 requests per fixed 5-minute window per user and says so in every
response (`X-RateLimit-Limit/-Remaining/-Reset`, https://docs.sevenbridges.com/docs/api-rate-limit).
The budget spends at most `fraction` of what remains, evenly until the reset. What other
programs of the same user spend shows up as `Remaining` falling faster than our own requests
explain; that rate is projected to the reset and kept out of our share, so the two together
stay under the limit.
"""

from __future__ import annotations

import attrs

# Re-check this often while waiting for something the budget cannot predict (a response).
RECHECK = 1.0


@attrs.define
class RateBudget:
    """Pacing state; its methods are pure functions of the state and the time they are given."""

    fraction: float = 0.8
    limit: int | None = None
    remaining: int | None = None  # lowest value seen in the current window
    reset: float | None = None  # epoch seconds when the current window ends
    window_seen: float = 0.0  # when this window was first observed
    window_left: float = 0.0  # how much of it was left then
    window_first_remaining: int = 0
    own_since_seen: int = 0  # our counted responses in this window after the first
    inflight: int = 0
    last_send: float | None = None
    paused_until: float = 0.0

    def observe(
        self, limit: int, remaining: int, reset: float, now: float, *, counted: bool
    ) -> None:
        """Take in one response's rate-limit values; `counted` is False for free calls."""
        if self.reset is None or reset > self.reset + 0.5:
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
        """Seconds until the next request may be sent (0: now)."""
        if now < self.paused_until:
            return self.paused_until - now
        if self.reset is None or self.remaining is None:
            return 0.0  # nothing known yet: the first answer will tell
        if now >= self.reset:
            # The window is over and the next one is unknown until an answer comes: one probe
            # at a time.
            return 0.0 if self.inflight == 0 else RECHECK
        left = self.reset - now
        available = self.remaining - self.inflight - self.external_rate(now) * left
        share = self.fraction * available
        if share < 1:
            return left  # nothing to spare before the reset
        if self.last_send is None:
            return 0.0
        return max(0.0, self.last_send + left / share - now)

    def sent(self, now: float) -> None:
        """Record a request going out."""
        self.inflight += 1
        self.last_send = now

    def done(self) -> None:
        """Record a request finished (answered or failed)."""
        self.inflight = max(0, self.inflight - 1)

    def pause(self, until: float) -> None:
        """Send nothing before `until` (after a 429, or during maintenance)."""
        self.paused_until = max(self.paused_until, until)

"""The platform's rate limit: a fixed window per token (1000 requests per 5 minutes by default)."""

from __future__ import annotations

import math

import attrs


@attrs.define
class Window:
    """One rate-limit window: when it began and what was asked of it."""

    start: float
    used: int = 0  # requests counted against the limit
    rejected: int = 0  # requests answered 429
    burst: int = 0  # requests another consumer spent at once (`FixedWindow.spend`)


class FixedWindow:
    """ "1000 requests within 5 minutes ... no further calls are accepted ... until the 5 minute
    interval ends" (https://docs.sevenbridges.com/docs/api-rate-limit).

    A window opens with the first request after the previous one ended. `external` requests
    per window are spent evenly across it by another consumer (the user's other scripts).
    """

    def __init__(self, limit: int, seconds: float, external: int = 0) -> None:
        self.limit = limit
        self.seconds = seconds
        self.external = external
        self.windows: list[Window] = []

    def hit(self, now: float) -> bool:
        """Count one request; False when the window is spent (answer 429)."""
        window = self._current(now)
        if self._spent(window, now) >= self.limit:
            window.rejected += 1
            return False
        window.used += 1
        return True

    def remaining(self, now: float) -> int:
        """Requests left in the current window."""
        window = self._current(now)
        return max(0, self.limit - self._spent(window, now))

    def spend(self, now: float, requests: int | None = None) -> None:
        """Have another consumer spend `requests` of the current window at once (all that is
        left by default): the user's other script in a burst, which the client learns of only
        from the 429s that follow."""
        window = self._current(now)
        left = max(0, self.limit - self._spent(window, now))
        window.burst += left if requests is None else min(left, requests)

    def _spent(self, window: Window, now: float) -> int:
        return window.used + window.burst + self._external_used(window, now)

    def reset(self, now: float) -> float:
        """When the current window ends."""
        return self._current(now).start + self.seconds

    def _current(self, now: float) -> Window:
        if not self.windows or now >= self.windows[-1].start + self.seconds:
            self.windows.append(Window(start=now))
        return self.windows[-1]

    def _external_used(self, window: Window, now: float) -> int:
        if not self.external:
            return 0
        share = min(1.0, (now - window.start) / self.seconds)
        return min(self.external, math.floor(self.external * share))

"""Failure modes to switch on at will: maintenance, 5xx, HTML error pages, latency, drops."""

from __future__ import annotations

import random
from collections import Counter

import attrs


@attrs.define(kw_only=True)
class Faults:
    """Fault switches; change them at any time (`sim.faults.error_rate = 0.1`)."""

    maintenance_until: float | None = None  # 503 with code 0 until this time
    error_rate: float = 0.0  # share of requests answered 500/502/503/504
    html_errors: bool = False  # 5xx and maintenance answered as an HTML page, like a proxy's
    latency: float = 0.0  # seconds added to every answer
    spike_rate: float = 0.0  # share of answers delayed by `spike_latency` more
    spike_latency: float = 0.0
    drop_rate: float = 0.0  # share of requests whose connection is closed without an answer
    injected: Counter[str] = attrs.Factory(Counter)  # faults dealt so far, by kind

    def delay(self, rng: random.Random) -> float:
        """Seconds to hold this answer back."""
        spiked = bool(self.spike_rate) and rng.random() < self.spike_rate
        self.injected["latency spike"] += spiked
        return self.latency + (self.spike_latency if spiked else 0.0)

    def in_maintenance(self, now: float) -> bool:
        """Whether the platform is under maintenance at `now`."""
        return self.maintenance_until is not None and now < self.maintenance_until

    def drops(self, rng: random.Random) -> bool:
        """Whether to drop this request's connection."""
        dropped = bool(self.drop_rate) and rng.random() < self.drop_rate
        self.injected["dropped connection"] += dropped
        return dropped

    def server_error(self, rng: random.Random) -> int | None:
        """A random 5xx status for this request, or None."""
        if self.error_rate and rng.random() < self.error_rate:
            self.injected["random 5xx"] += 1
            return rng.choice((500, 502, 503, 504))
        return None

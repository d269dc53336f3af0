"""How long job states last and how often things fail: seeded, configurable distributions."""

from __future__ import annotations

import math
import random

import attrs

# A state with "instant" dwell lasts this long: short enough that a poller almost surely misses it.
INSTANT = 0.001


@attrs.frozen(kw_only=True)
class Timing:
    """Dwell per job state: log-normal around `median` seconds with spread `sigma`.

    `instant` is the probability that a state lasts only a millisecond (to test missed states);
    `failure` the probability that a job, or one item of a DRS / copy job, fails. Durations are
    divided by the simulator's `speed`.
    """

    median: float = 20.0
    sigma: float = 0.8
    instant: float = 0.0
    failure: float = 0.05

    def dwell(self, rng: random.Random, speed: float) -> float:
        """One state's duration in seconds."""
        if self.instant and rng.random() < self.instant:
            return INSTANT
        return rng.lognormvariate(math.log(self.median), self.sigma) / speed

    def fails(self, rng: random.Random) -> bool:
        """Whether this job or item fails."""
        return rng.random() < self.failure

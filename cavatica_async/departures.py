"""How often jobs leave a state at each age in it: the rate the watcher's polls have seen.

A job's stay in a state is seen only at polls: between two polls it either stayed (the time
counts as watched at its age then) or left. Over many jobs, departures over time watched, age
by age, is the rate at which a job of that age leaves. Where that rate does not fall with age,
what is left of a stay is at most its inverse (docs/watcher.md#spending-the-slack), and where
it rose steeply it counts a little past the ages seen. Ages go in doubling bins, so a state's
record is a few dozen numbers whatever the number of jobs.
"""

from __future__ import annotations

import math

# Doubling bins of age in a state: [0, 2) s, then [2^k, 2^(k+1)) s up to ~97 days and beyond.
AGE_BINS = 24
# Departures an age bin needs before its rate counts: fewer would let one early departure among
# thousands of jobs read as a short stay (or a few late ones as a falling rate).
RATE_KNOWN = 8
# How much the rate must have risen from bin to bin, over the three bins the jobs' age has left
# behind, before it counts past them (`rate_ahead`): a rate rising that fast is far from its
# peak; one rising more gently may be at it (docs/watcher.md#spending-the-slack).
RISING = 1.5


def age_bin(age: float) -> int:
    """The doubling bin of `age` seconds in a state: 0 below 2 s (a negative or NaN age too)."""
    if not age >= 2.0:
        return 0
    return int(math.log2(min(age, 2.0 ** (AGE_BINS - 1))))  # inf too


def rate_life(watched: list[float], left: list[int], age: float) -> float | None:
    """What is left of a stay `age` seconds in, from the time jobs were `watched` and the
    departures (`left`) seen at each age bin: the inverse of the rate at its age, or None.

    None unless the bin has `RATE_KNOWN` departures and the rate there is not lower than in the
    bin before: a rate that does not fall with age makes every later second at least as likely
    to end the stay, so the stay lasts on average no longer than the inverse of today's rate.
    Where it falls (stays that are either very short or long), the inverse would plan the long
    ones too short, so nothing is said.
    """
    index = age_bin(age)
    time, departures = watched[index], left[index]
    if departures < RATE_KNOWN or not time > 0:
        return None
    if index > 0 and watched[index - 1] > 0:
        before = left[index - 1] / watched[index - 1]
        if before > departures / time:
            return None
    return time / departures


def rate_ahead(watched: list[float], left: list[int], age: float) -> float | None:
    """What is left of a stay `age` seconds in when its own age bin has too few departures yet:
    the inverse of the rate at the bin before, if that rate is known and rose at least `RISING`
    times from bin to bin over the three bins up to it; else None.

    A poll counts a stay at the middle of the interval it spans, so the evidence lags the jobs'
    age by half the time between polls: 10,000 exports polled every 45 s, 36 s into their
    queue, had no rate at their age and were planned on the hedge, 104 s, where some 22 s
    were left. A rate that rose that steeply goes on rising for a while, so the rate the jobs
    meet is no lower and its inverse is still the most that is left. Taken on past a rate
    rising gently, the inverse planned lives spread wide (sigma 1.2) too short: they may be at
    the rate's peak (docs/watcher.md#spending-the-slack).
    """
    index = age_bin(age) - 1
    if index < 2 or left[index + 1] >= RATE_KNOWN or left[index] < RATE_KNOWN:
        return None
    if not all(watched[i] > 0 for i in (index - 2, index - 1, index)):
        return None
    rates = [left[i] / watched[i] for i in (index - 2, index - 1, index)]
    if not (rates[0] * RISING <= rates[1] and rates[1] * RISING <= rates[2]):
        return None
    return 1 / rates[2]


class AgeRates:
    """One state's record: time watched and departures seen, per age bin."""

    __slots__ = ("left", "watched")

    def __init__(self) -> None:
        self.watched = [0.0] * AGE_BINS
        self.left = [0] * AGE_BINS

    def seen(self, since: float, until: float, *, left: bool) -> None:
        """A job was seen in the state at ages `since` and then `until` (seconds in it), or
        seen to have `left` it by then; the time counts at the middle age."""
        if not (until > since >= 0.0 and math.isfinite(until)):
            return  # a clock that went back, or a poll not to be trusted: no evidence
        index = age_bin((since + until) / 2)
        self.watched[index] += until - since
        self.left[index] += left

    def life(self, age: float) -> float | None:
        """What is left of a stay `age` seconds in (see `rate_life`; past the evidence,
        `rate_ahead`), or None."""
        life = rate_life(self.watched, self.left, age)
        return rate_ahead(self.watched, self.left, age) if life is None else life

"""How long one request may take: per phase, as httpx counts it, and in all."""

from __future__ import annotations

from typing import Any

import attrs
import httpx

# One attempt of any request, from connecting to the last byte of the answer. The per-phase
# limits bound each wait for the network; only this one bounds an answer that drips in a byte
# at a time (each read well inside its own limit). The largest answer of this API, a page of
# 100 jobs, arrives in well under a second.
DEFAULT_TOTAL = 120.0


def _seconds(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # NaN compares false with everything, so `value >= 0` alone would let it through.
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0
    ):
        raise ValueError(f"Timeout.{attribute.name} must be None or >= 0 seconds, got {value!r}")


@attrs.frozen
class Timeout:
    """Seconds allowed to connect, to send a request, to wait on each read of the answer, and
    for the whole attempt (`total`, so that a slow drip cannot hold a request forever)."""

    connect: float | None = attrs.field(default=5.0, validator=_seconds)
    read: float | None = attrs.field(default=30.0, validator=_seconds)
    write: float | None = attrs.field(default=30.0, validator=_seconds)
    total: float | None = attrs.field(default=DEFAULT_TOTAL, validator=_seconds)

    @classmethod
    def of(cls, value: float | Timeout | None) -> Timeout:
        """A `Timeout` from itself, or from one number for every phase (None: no limit at all).

        The total is then the default's, or the number itself if that is longer.
        """
        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls(connect=None, read=None, write=None, total=None)
        return cls(connect=value, read=value, write=value, total=max(DEFAULT_TOTAL, value))

    def to_httpx(self) -> httpx.Timeout:
        """The httpx form; waiting for a pooled connection is queueing, never a timeout."""
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=None)


DEFAULT_TIMEOUT = Timeout()

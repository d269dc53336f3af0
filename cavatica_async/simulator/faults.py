"""Failure modes to switch on at will: maintenance, 5xx, HTML error pages, latency, drops,
and hostile answers to reads (nested, reordered, foreign-id and oversized bodies)."""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import attrs

HOSTILE = ("nested body", "reordered items", "foreign id", "oversized body")
NESTING = 100_000  # `[` of a nested body: deeper than any JSON parser recurses


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
    # Share of successful reads (GETs and bulk gets) whose body is replaced by one of HOSTILE;
    # an oversized body is `oversize` bytes of valid JSON.
    hostile_rate: float = 0.0
    oversize: int = 2 * 1024 * 1024
    # Hostile answers draw from a source of their own, so switching them on does not change
    # which requests the other faults hit.
    hostile_rng: random.Random = attrs.Factory(lambda: random.Random(16))
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

    def hostile(self, body: bytes) -> bytes | None:
        """A hostile replacement for a successful read's JSON `body`, or None to leave it.

        Each kind is dealt at the first answer it fits once `hostile_rate` is set (so a short
        run meets them all), then at that rate, the kind drawn among those that fit.
        """
        if not self.hostile_rate:
            return None
        data = json.loads(body)
        fits = [fault for fault in HOSTILE if _fits(fault, data)]
        fresh = [fault for fault in fits if not self.injected[fault]]
        if fresh:
            fault = fresh[0]
        elif fits and self.hostile_rng.random() < self.hostile_rate:
            fault = self.hostile_rng.choice(fits)
        else:
            return None
        self.injected[fault] += 1
        return _replace(fault, data, self.oversize)


def _items(data: Any) -> list[Any] | None:
    items = data.get("items") if isinstance(data, dict) else None
    return items if isinstance(items, list) else None


def _named(data: Any) -> dict[str, Any] | None:
    """The object whose `id` a foreign-id answer changes: the job, or the first item's job."""
    items = _items(data)
    target = (items[0] if items else None) if items is not None else data
    if isinstance(target, dict) and isinstance(target.get("resource"), dict):
        target = target["resource"]
    return target if isinstance(target, dict) and "id" in target else None


def _fits(fault: str, data: Any) -> bool:
    if fault == "reordered items":
        return len(_items(data) or ()) > 1
    if fault == "foreign id":
        return _named(data) is not None
    return True


def _replace(fault: str, data: Any, oversize: int) -> bytes:
    """`data` made hostile in the way `fault` names (one that `_fits` it)."""
    if fault == "nested body":
        return b"[" * NESTING
    if fault == "oversized body":
        return json.dumps({"padding": "x" * oversize, "data": data}).encode()
    if fault == "reordered items":
        return json.dumps({**data, "items": (_items(data) or [])[::-1]}).encode()
    named = _named(data)
    assert named is not None
    named["id"] = f"{named['id']}-foreign"  # a job nobody asked about
    return json.dumps(data).encode()

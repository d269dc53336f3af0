"""How a client sends its requests: one frozen object of options, checked when made."""

from __future__ import annotations

from typing import Any

import attrs

from cavatica_async.retry import RetryPolicy
from cavatica_async.timeout import DEFAULT_TIMEOUT, Timeout

# The share of each rate window the watcher may spend, leaving the rest for the user's other
# calls (docs/watcher.md#the-budget).
DEFAULT_BUDGET_FRACTION = 0.8
# At 1000 requests / 5 min (3.3 a second) a handful of connections carries the whole budget;
# more leave room for slow answers and bursts after a reset. Measured (benchmarks/CONNECTIONS.md,
# answers 50-200 ms away): CPU per request is the same from 1 to 16 connections, since callers
# beyond the bound wait in the transport, not in httpcore's pool; throughput grows with each.
DEFAULT_MAX_CONNECTIONS = 10
# No answer of this API comes near this (a page of 100 jobs is about 100 kB); a larger one is
# refused unread, so a broken or hostile server cannot make the client hold gigabytes.
DEFAULT_MAX_BODY_SIZE = 50 * 1024 * 1024
# Options of the connection pool and the rate budget, which clients made by `with_options`
# share with the client they come from: fixed for all of them.
POOL_OPTIONS = frozenset({"bearer", "budget_fraction", "max_connections"})


def _timeout(value: float | Timeout | None) -> Timeout:
    return Timeout.of(value)


def _count(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{attribute.name} must be a whole number of at least 1, got {value!r}")


def _fraction(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # Written so that NaN fails too: every comparison with NaN is false.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ValueError(f"budget fraction must be in (0, 1], got {value!r}")


@attrs.frozen(kw_only=True)
class ClientOptions:
    """Timeouts, retries, the budget's share, the connection bound, the body cap and headers.

    `CavaticaClient(...)` takes them one by one or as `options=`; `with_options` changes the
    ones that are a client's own and shares the rest (POOL_OPTIONS).
    """

    timeout: Timeout = attrs.field(default=DEFAULT_TIMEOUT, converter=_timeout)
    retry: RetryPolicy = attrs.field(factory=RetryPolicy)
    # Send X-SBG-Advance-Access (docs/platform.md#authentication-and-headers).
    advance_access: bool = False
    max_body_size: int = attrs.field(default=DEFAULT_MAX_BODY_SIZE, validator=_count)
    bearer: bool = False  # the token as `Authorization: Bearer`, not X-SBG-Auth-Token
    budget_fraction: float = attrs.field(default=DEFAULT_BUDGET_FRACTION, validator=_fraction)
    max_connections: int = attrs.field(default=DEFAULT_MAX_CONNECTIONS, validator=_count)

    def changed(self, **changes: Any) -> ClientOptions:
        """These options with `changes` for a client that shares this one's pool and budget.

        `ValueError` for an option of the pool (POOL_OPTIONS) or one that does not exist.
        """
        shared = POOL_OPTIONS & changes.keys()
        if shared:
            raise ValueError(
                f"{', '.join(sorted(shared))}: an option of the connection pool and rate budget, "
                "which a client from with_options shares; make a new CavaticaClient instead"
            )
        unknown = changes.keys() - attrs.fields_dict(ClientOptions).keys()
        if unknown:
            raise ValueError(f"no such client option: {', '.join(sorted(unknown))}")
        if changes.get("retry", self.retry) is None:
            changes["retry"] = RetryPolicy()
        return attrs.evolve(self, **changes)

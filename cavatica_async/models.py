"""Typed models of what the platform returns (attrs, frozen, slotted)."""

from __future__ import annotations

from datetime import datetime

import attrs


@attrs.frozen
class RateLimit:
    """The user's API rate limit: `remaining` of `limit` requests until `reset`.

    `instance_limit` / `instance_remaining` come only from `GET /v2/rate_limit`; -1 means
    unlimited (https://docs.sevenbridges.com/reference/get-your-current-rate-limit-status).
    """

    limit: int
    remaining: int
    reset: datetime
    instance_limit: int | None = None
    instance_remaining: int | None = None

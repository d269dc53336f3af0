"""Virtual time under anyio's pytest plugin: event loops whose time jumps to the next deadline
whenever every task waits, so hours of platform time pass in seconds."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest


def virtual_time_backends() -> list[Any]:
    """Values for `anyio_backend` that run a test in virtual time, one per event loop:
    `@pytest.mark.parametrize("anyio_backend", virtual_time_backends())`.

    trio runs on `MockClock(autojump_threshold=0)`; asyncio on looptime's loop (Python 3.11+,
    installed by the `testing` extra). A backend that is not installed is skipped, saying why.
    """
    return [_trio(), _asyncio()]


def _trio() -> Any:
    if importlib.util.find_spec("trio") is None:
        return pytest.param(("trio", {}), id="trio-virtual", marks=_skip("trio is not installed"))
    from trio.testing import MockClock

    return pytest.param(("trio", {"clock": MockClock(autojump_threshold=0)}), id="trio-virtual")


def _asyncio() -> Any:
    if importlib.util.find_spec("looptime") is None:  # the testing extra has it on 3.11+
        reason = "virtual time on asyncio needs looptime (Python 3.11 or newer)"
        return pytest.param(("asyncio", {}), id="asyncio-virtual", marks=_skip(reason))
    import looptime

    return pytest.param(
        ("asyncio", {"loop_factory": looptime.new_event_loop}), id="asyncio-virtual"
    )


def _skip(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.skip(reason=reason)

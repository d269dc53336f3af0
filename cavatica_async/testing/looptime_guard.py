"""A guard for looptime's pytest plugin beside pytest-asyncio: no event loop made and left open.

Before every test, looptime's plugin asks pytest-asyncio's loop policy for the current loop. On
the main thread, before any loop was ever set, asyncio's policy answers that by making a new
loop and leaving it set; nobody closes it, and the `ResourceWarning` fails a `-W error` run
whose first test is a plain or an anyio one (docs/testing.md#virtual-time). Marking the thread
as having had its loop set (to none) once, at the start, makes the policy say "no current loop"
instead, which looptime takes as "not a test of mine", as it does after any pytest-asyncio test.
"""

from __future__ import annotations

import asyncio

import pytest


def pytest_sessionstart(session: pytest.Session) -> None:
    """Mark the main thread's event loop as set (to none) when looptime and pytest-asyncio
    are both active and no loop was ever set."""
    plugins = session.config.pluginmanager
    if not (plugins.has_plugin("looptime_plugin") and plugins.has_plugin("asyncio")):
        return
    # The policy's thread-local state (CPython's BaseDefaultEventLoopPolicy): read only to be
    # sure nothing is replaced; any other policy is left alone.
    local = getattr(asyncio.get_event_loop_policy(), "_local", None)
    if getattr(local, "_loop", True) is None and getattr(local, "_set_called", True) is False:
        asyncio.set_event_loop(None)

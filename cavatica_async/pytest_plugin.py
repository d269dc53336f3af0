"""The pytest plugin (entry point `pytest11`): the testing kit's fixtures where the `simulator`
extra is installed; where it is not, the same names fail a test that asks for them by naming
the extra, and a project that does not use them loses nothing.

With or without the simulator, a guard for looptime's pytest plugin beside pytest-asyncio: no
event loop made and left open.

Before every test, looptime's plugin asks pytest-asyncio's loop policy for the current loop. On
the main thread, before any loop was ever set, asyncio's policy answers that by making a new
loop and leaving it set (from Python 3.12 with a `DeprecationWarning`, "There is no current
event loop"); nobody closes it, and either warning fails a `-W error` run whose first test is a
plain or an anyio one (docs/testing.md#virtual-time). Marking the thread
as having had its loop set (to none) once, at the start, makes the policy say "no current loop"
instead, which looptime takes as "not a test of mine", as it does after any pytest-asyncio test.
"""

from __future__ import annotations

import asyncio
import importlib.util

import pytest

__all__ = [
    "cavatica_client",
    "cavatica_server",
    "cavatica_sim",
    "pytest_configure",
    "pytest_sessionstart",
]

if all(importlib.util.find_spec(name) is not None for name in ("starlette", "uvicorn")):
    from cavatica_async.testing.fixtures import (
        cavatica_client,
        cavatica_server,
        cavatica_sim,
        pytest_configure,
    )
else:
    MISSING = "the cavatica_sim, cavatica_client and cavatica_server fixtures need the simulator: "
    INSTALL = "pip install 'cavatica-async[testing]'"

    def pytest_configure(config: pytest.Config) -> None:
        """Register the `cavatica_sim` marker, so a module that uses it still collects."""
        config.addinivalue_line("markers", f"cavatica_sim(**options): needs {INSTALL}")

    @pytest.fixture
    def cavatica_sim() -> None:
        """Fails: the simulator extra is not installed."""
        pytest.fail(MISSING + INSTALL, pytrace=False)

    @pytest.fixture
    def cavatica_client(cavatica_sim: None) -> None:
        """Fails: the simulator extra is not installed."""

    @pytest.fixture
    def cavatica_server(cavatica_sim: None) -> None:
        """Fails: the simulator extra is not installed."""


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

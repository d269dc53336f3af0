"""The pytest plugin (entry point `pytest11`): the testing kit's fixtures where the `simulator`
extra is installed; where it is not, the same names fail a test that asks for them by naming
the extra, and a project that does not use them loses nothing."""

from __future__ import annotations

import importlib.util

import pytest

__all__ = ["cavatica_client", "cavatica_server", "cavatica_sim", "pytest_configure"]

if all(importlib.util.find_spec(name) is not None for name in ("starlette", "uvicorn")):
    from cavatica_async.testing.fixtures import (
        cavatica_client,
        cavatica_server,
        cavatica_sim,
        pytest_configure,
    )
    from cavatica_async.testing.looptime_guard import pytest_sessionstart

    __all__ += ["pytest_sessionstart"]
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

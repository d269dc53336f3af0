"""The pytest plugin (entry point `pytest11`): the testing kit's fixtures, active only where the
`simulator` extra is installed, so a project that has only the library loses nothing."""

from __future__ import annotations

import importlib.util

if all(importlib.util.find_spec(name) is not None for name in ("starlette", "uvicorn")):
    from cavatica_async.testing.fixtures import (
        cavatica_client,
        cavatica_server,
        cavatica_sim,
        pytest_configure,
    )

    __all__ = ["cavatica_client", "cavatica_server", "cavatica_sim", "pytest_configure"]

"""Fixtures shared by every test: an isolated environment, a fake clock, a respx router."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import respx

from cavatica_async import CavaticaClient, CavaticaError
from cavatica_async._logging import secrets
from cavatica_async.simulator import Simulator

from tests import canary
from tests.helpers import BASE_URL, FakeClock
from tests.helpers_watch import SOAK_REPORT


@pytest.fixture(autouse=True, scope="session")
def canary_check() -> Iterator[None]:
    """The whole session under the canary check (tests/canary.py); a leak fails it at the end."""
    patch = pytest.MonkeyPatch()
    add, simulator_init = secrets.add, Simulator.__init__
    error_init, client_init = CavaticaError.__init__, CavaticaClient.__init__

    def remember(secret: str) -> None:
        if len(secret) >= 8:  # shorter ones are not masked (see _logging.MIN_SECRET)
            canary.TOKENS.add(secret)
        add(secret)

    def canary_simulator(self: Simulator, *args: Any, **kwargs: Any) -> None:
        simulator_init(self, *args, **kwargs)
        if kwargs.get("token") is None:
            self.token = canary.CANARY

    def checked_error(self: CavaticaError, *args: Any, **kwargs: Any) -> None:
        error_init(self, *args, **kwargs)
        canary.shown(f"{type(self).__name__} text", f"{self} {self!r}")

    def checked_client(self: CavaticaClient, *args: Any, **kwargs: Any) -> None:
        client_init(self, *args, **kwargs)
        canary.shown("CavaticaClient repr", repr(self))

    patch.setattr(secrets, "add", remember)
    patch.setattr(Simulator, "__init__", canary_simulator)
    patch.setattr(CavaticaError, "__init__", checked_error)
    patch.setattr(CavaticaClient, "__init__", checked_client)
    handler, root = canary.CanaryHandler(logging.DEBUG), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield
    root.removeHandler(handler)
    root.setLevel(level)
    patch.undo()
    assert not canary.LEAKS, "a token leaked:\n" + "\n".join(canary.LEAKS[:20])


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run every anyio-marked test on asyncio and on trio."""
    return str(request.param)


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No test sees the real credentials file or SB_* variables; HOME is a temporary folder."""
    for name in ("SB_AUTH_TOKEN", "SB_API_ENDPOINT", "SB_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def clock() -> FakeClock:
    """A clock whose sleeps return at once and advance time."""
    return FakeClock()


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    """A respx router used as an injected transport (no global patching)."""
    with respx.MockRouter(base_url=BASE_URL, assert_all_called=False) as mock:
        yield mock


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The fault soak's figures: jobs, faults injected, events checked."""
    for line in SOAK_REPORT:
        terminalreporter.write_line(line)

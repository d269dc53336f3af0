"""Fixtures shared by every test: an isolated environment, a fake clock, a respx router."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import respx

from tests import canary
from tests.helpers import BASE_URL, TOKEN, FakeClock
from tests.helpers_watch import SOAK_REPORT


@pytest.fixture(autouse=True, scope="session")
def canary_check() -> Iterator[None]:
    """The whole session under the canary check (tests/canary.py); a leak fails it at the end."""
    patch = pytest.MonkeyPatch()
    leave = pytest.RaisesExc.__exit__

    def checked_exit(self: pytest.RaisesExc[Any], *exc: Any) -> Any:
        if isinstance(exc[1], BaseException):
            canary.raised("caught by pytest.raises", exc[1])
        return leave(self, *exc)

    patch.setattr(pytest.RaisesExc, "__exit__", checked_exit)
    canary.TOKENS.add(TOKEN)
    handler, root = canary.CanaryHandler(logging.DEBUG), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield
    root.removeHandler(handler)
    root.setLevel(level)
    patch.undo()
    assert not canary.LEAKS, "a token leaked:\n" + "\n".join(canary.LEAKS[:20])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Every exception that escapes a test is checked by the canary too."""
    try:
        return (yield)
    except BaseException as error:
        canary.raised(f"escaped {item.nodeid}", error)
        raise


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

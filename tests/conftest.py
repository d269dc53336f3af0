"""Fixtures shared by every test: an isolated environment, a fake clock, a respx router."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import respx

from helpers import BASE_URL, FakeClock


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

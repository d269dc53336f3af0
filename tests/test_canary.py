"""The canary sees a token wherever the suite's public surfaces show one."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests import canary


@pytest.fixture
def leaks() -> Iterator[int]:
    """How many leaks there were before the test; those it plants are taken back out after,
    so the session's check stays clean."""
    before = len(canary.LEAKS)
    yield before
    del canary.LEAKS[before:]


def test_a_token_in_an_exception_chain_is_a_leak(leaks: int) -> None:
    try:
        try:
            raise ValueError(f"token {canary.CANARY}")
        except ValueError as inner:
            raise RuntimeError("outer, clean") from inner
    except RuntimeError as error:
        canary.raised("self-test", error)
    assert len(canary.LEAKS) == leaks + 1
    assert "ValueError" in canary.LEAKS[-1]


def test_a_token_in_a_log_record_is_a_leak(leaks: int) -> None:
    logging.getLogger("somebody.else").warning("the token is %s", canary.CANARY)
    assert canary.LEAKS[-1].startswith("log record of somebody.else")


def test_clean_text_is_no_leak(leaks: int) -> None:
    canary.shown("self-test", "nothing secret here")
    canary.raised("self-test", KeyError("state"))
    assert len(canary.LEAKS) == leaks

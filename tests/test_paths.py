"""Ids are checked and percent-encoded before they enter a path."""

from __future__ import annotations

import pytest
import respx

from cavatica_async import JobKind, JobWatcher
from cavatica_async.paths import MAX_ID_LENGTH, check_id, expand

from tests.helpers import FakeClock, make_client


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "is empty"),
        ("a/b", "path separator"),
        ("a\\b", "path separator"),
        ("..", "contains '..'"),
        (".", "is '.'"),
        ("x..y", "contains '..'"),
        ("a b", "whitespace"),
        ("abc\n", "whitespace"),
        ("a\x00b", "control"),
        ("a\x7fb", "control"),
    ],
)
def test_unsafe_ids_are_rejected_by_name(value: str, problem: str) -> None:
    with pytest.raises(ValueError, match=r"^invalid export id ") as info:
        check_id(value, "export id")
    assert str(info.value).startswith(f"invalid export id {value!r}: ")
    assert problem in str(info.value)


def test_non_string_ids_are_rejected() -> None:
    with pytest.raises(TypeError, match="export id must be a string, got int: 42"):
        check_id(42, "export id")


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("gW26LlICb9MmJkalaWEeI3HvJkbgvIh8", "gW26LlICb9MmJkalaWEeI3HvJkbgvIh8"),
        ("70721895322947584", "70721895322947584"),
        ("a?b#c%d", "a%3Fb%23c%25d"),
        ("é", "%C3%A9"),
    ],
)
def test_ids_are_percent_encoded(value: str, encoded: str) -> None:
    assert expand("/storage/exports/{export_id}", {"export_id": value}) == (
        f"/storage/exports/{encoded}"
    )


def test_the_fields_must_match_the_template() -> None:
    with pytest.raises(KeyError, match="needs"):
        expand("/async/files/copy/{job_id}", {"id": "1"})


def test_an_id_too_long_for_a_url_is_refused_without_echoing_it() -> None:
    assert check_id("a" * MAX_ID_LENGTH, "export id")
    with pytest.raises(ValueError, match=r"70,000 characters, more than the 1,000") as info:
        check_id("a" * 70_000, "export id")
    assert len(str(info.value)) < 200


@pytest.mark.anyio
async def test_an_id_too_long_never_reaches_the_transport(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    long_id = "e" * 70_000
    async with make_client(router, clock) as client:
        for call in (
            client.exports.get(long_id),
            client.exports.bulk_get(["e1", long_id]),
            client.drs_imports.get(long_id),
            client.async_jobs.get_copy(long_id),
            client.exports.wait(long_id),
        ):
            with pytest.raises(ValueError, match="more than the 1,000"):
                await call
        with pytest.raises(ValueError, match="more than the 1,000"):
            JobWatcher(client).add(JobKind.EXPORT, long_id)
    assert not router.calls

"""Attributing bulk answer items to what was asked: a table of answers, honest and not."""

from __future__ import annotations

from typing import Any

import pytest

from cavatica_async.bulk_match import body_source, match, resource_id, source_key, source_names


def job(job_id: str) -> dict[str, Any]:
    return {"resource": {"id": job_id, "state": "RUNNING"}}


ERROR = {"error": {"status": 404, "code": 9008, "message": "no such job"}}


@pytest.mark.parametrize(
    ("asked", "items", "expected"),
    [
        # In order: taken by position, error items included.
        (["a", "b"], [job("a"), job("b")], [job("a"), job("b")]),
        (["a", "b"], [job("a"), ERROR], [job("a"), ERROR]),
        # Reordered: each job goes where its id says; an error item is trusted for nothing.
        (["a", "b"], [job("b"), job("a")], [job("a"), job("b")]),
        (["a", "b", "c"], [ERROR, job("a"), job("b")], [job("a"), job("b"), None]),
        # A foreign id is ignored; the id it displaced gets nothing.
        (["a", "b"], [job("a"), job("x")], [job("a"), None]),
        # Short, padded, or empty answers.
        (["a", "b"], [job("b")], [None, job("b")]),
        (["a"], [job("a"), job("a")], [None]),
        (["a", "b"], [], [None, None]),
        # The same id asked twice, answered in order: by position; out of order: not at all.
        (["a", "a"], [job("a"), job("a")], [job("a"), job("a")]),
        (["a", "a", "b"], [job("b"), job("a"), job("a")], [None, None, job("b")]),
        # An id sent as a number (DRS ids) names the same job as its text.
        (
            ["7"],
            [{"resource": {"id": 7, "state": "RUNNING"}}],
            [{"resource": {"id": 7, "state": "RUNNING"}}],
        ),
        # Items that are not objects name nothing; in order, they stay (and fail alone later).
        (["a", "b"], ["junk", job("b")], ["junk", job("b")]),
    ],
)
def test_read_answers_are_matched_by_id(
    asked: list[str], items: list[Any], expected: list[Any]
) -> None:
    assert match(asked, items, resource_id, "bulk get") == expected


def created(file: str, job_id: str) -> dict[str, Any]:
    return {"resource": {"id": job_id, "source": {"file": file}, "type": "EXPORT"}}


def bodies(*files: str) -> list[dict[str, Any]]:
    return [{"source": {"file": f}, "destination": {"volume": "o/v", "location": f}} for f in files]


@pytest.mark.parametrize(
    ("asked", "items", "expected"),
    [
        # One item per input, each about its input or silent: by position, as both official
        # clients do.
        (bodies("f1", "f2"), [created("f1", "j1"), ERROR], [created("f1", "j1"), ERROR]),
        # Reordered: by what each job reads; the error item says nothing, so it is not trusted.
        (
            bodies("f1", "f2"),
            [created("f2", "j2"), created("f1", "j1")],
            [created("f1", "j1"), created("f2", "j2")],
        ),
        (bodies("f1", "f2"), [created("f2", "j2"), ERROR], [None, created("f2", "j2")]),
        # Short or padded: by what each job reads, where that is unambiguous.
        (
            bodies("f1", "f2", "f3"),
            [created("f3", "j3"), created("f1", "j1")],
            [created("f1", "j1"), None, created("f3", "j3")],
        ),
        (
            bodies("f1", "f1", "f2"),
            [created("f1", "j1"), created("f2", "j2")],
            [None, None, created("f2", "j2")],
        ),
        (bodies("f1"), [created("f1", "j1"), created("f9", "j9")], [created("f1", "j1")]),
    ],
)
def test_create_answers_are_matched_by_position_or_source(
    asked: list[dict[str, Any]], items: list[Any], expected: list[Any]
) -> None:
    names = source_names(asked)
    keys = [body_source(body, names) for body in asked]
    assert match(keys, items, source_key(names), "bulk create") == expected


def test_source_keys_compare_only_the_fields_asked_for() -> None:
    asked = [{"source": {"volume": "o/v", "location": "a.txt"}}]
    names = source_names(asked)
    assert names == ["location", "volume"]
    item = {"resource": {"source": {"volume": "o/v", "location": "a.txt", "type": "s3"}}}
    assert source_key(names)(item) == body_source(asked[0], names) == ("a.txt", "o/v")
    assert source_key(names)({"resource": {"source": {"volume": "o/v"}}}) is None

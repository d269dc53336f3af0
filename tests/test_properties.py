"""Property-based tests (hypothesis): any answer body and any id string is handled, never crashes.

- Every model, from random bodies, valid and not: a model or `DecodeError`, nothing else.
- Every id string: refused before anything is sent, or sent as one percent-encoded path segment
  that decodes back to the id.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cavatica_async import CavaticaClient, DecodeError
from cavatica_async.converter import structure
from cavatica_async.models import (
    ApiErrorInfo,
    AsyncFileJob,
    BulkItem,
    DrsImportJob,
    ExportJob,
    File,
    ImportJob,
    Page,
    RateLimit,
)
from cavatica_async.paths import check_id, expand

from tests.helpers import BASE_URL

DATA = Path(__file__).parent / "data"
EXAMPLE = {
    ExportJob: json.loads((DATA / "export_completed.json").read_text()),
    ImportJob: {
        "id": "imp1",
        "state": "RUNNING",
        "source": {"volume": "rfranklin/input", "location": "a.txt"},
        "destination": {"project": "rfranklin/p", "name": "a.txt"},
        "started_on": "2026-11-20T10:00:00Z",
        "result": {"id": "f1", "name": "a.txt", "size": 3},
    },
    DrsImportJob: json.loads((DATA / "drs_import.json").read_text()),
    AsyncFileJob: json.loads((DATA / "copy_job_from_table.json").read_text()),
    File: {"id": "f1", "name": "a.txt", "size": 3, "tags": ["x"], "metadata": {"k": "v"}},
    RateLimit: {"rate": {"limit": 1000, "remaining": 998, "reset": 1763900000}},
    ApiErrorInfo: {"status": 404, "code": 9008, "message": "not found"},
    BulkItem[ExportJob]: {"resource": json.loads((DATA / "export_started.json").read_text())},
    Page[File]: {"items": [{"id": "f1"}], "links": [{"href": "/files?offset=1", "rel": "next"}]},
}

# Any JSON value, nested a few levels.
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)
TIMESTAMPS = st.one_of(
    st.integers(min_value=-(2**40), max_value=2**45),  # epoch seconds or milliseconds
    st.datetimes().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
    st.text(max_size=25),
)


def _mutation(key: str) -> st.SearchStrategy[Any]:
    """Values a field may take in a bad (or merely odd) answer."""
    odd: st.SearchStrategy[Any] = st.one_of(
        JSON,
        st.integers().map(str),  # numeric strings
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_", max_size=15),  # unknown states
        st.lists(JSON, min_size=500, max_size=2000),  # huge arrays
    )
    return TIMESTAMPS | odd if key.endswith("_on") or key == "reset" else odd


@st.composite
def bodies(draw: st.DrawFn, model: Any) -> Any:
    """The model's example body with random fields dropped, replaced or added; or any JSON."""
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON)
    body = dict(EXAMPLE[model])
    for key in draw(st.lists(st.sampled_from(sorted(body)), max_size=3, unique=True)):
        if draw(st.booleans()):
            del body[key]
        else:
            body[key] = draw(_mutation(key))
    body.update(draw(st.dictionaries(st.text(max_size=10), JSON, max_size=3)))  # extra keys
    return body


@pytest.mark.parametrize("model", list(EXAMPLE), ids=lambda m: getattr(m, "__name__", str(m)))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_body_gives_a_model_or_a_decode_error(model: Any, data: st.DataObject) -> None:
    body = data.draw(bodies(model))
    try:
        result = structure(body, model, what="answer")
    except DecodeError as error:
        problem = str(error)
    else:
        assert isinstance(result, getattr(model, "__origin__", model))
        return
    assert problem.startswith("answer")  # names what failed to decode


@pytest.mark.parametrize("model", list(EXAMPLE), ids=lambda m: getattr(m, "__name__", str(m)))
def test_every_example_body_is_valid(model: Any) -> None:
    # The base the mutations start from must itself parse, or they would test nothing.
    assert structure(EXAMPLE[model], model, what="example")


@settings(max_examples=500, deadline=None)
@given(job_id=st.text(max_size=40))
def test_an_id_is_refused_or_sent_as_one_segment(job_id: str) -> None:
    try:
        checked = check_id(job_id, "export id")
    except ValueError as error:
        problem = str(error)
    else:
        problem = ""
    if problem:
        assert problem.startswith("invalid export id")
        return
    path = expand("/storage/exports/{job_id}", {"job_id": checked})
    prefix, _, segment = path.rpartition("/")
    assert prefix == "/storage/exports"
    assert unquote(segment) == job_id
    assert segment not in ("", ".", "..")


@pytest.mark.anyio
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(job_id=st.text(max_size=40))
async def test_a_bad_id_never_reaches_the_transport(job_id: str) -> None:
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as mock:
        route = mock.get(url__startswith=BASE_URL + "/storage/exports/").mock(
            side_effect=lambda request: httpx.Response(
                200,
                json={
                    **EXAMPLE[ExportJob],
                    "id": unquote(request.url.raw_path.decode().rpartition("/")[2]),
                },
            )
        )
        async with CavaticaClient(token="a" * 32, base_url=BASE_URL) as client:
            try:
                check_id(job_id, "export id")
            except ValueError:
                with pytest.raises(ValueError, match="export id"):
                    await client.exports.get(job_id)
                assert not route.called
            else:
                await client.exports.get(job_id)
                [call] = route.calls
                sent = call.request.url.raw_path.decode().rpartition("/")[2]
                assert unquote(sent) == job_id

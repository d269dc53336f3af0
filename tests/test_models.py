"""Models: every documented example parses; unknown states and fields are tolerated."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from cavatica_async import (
    ApiErrorInfo,
    AsyncFileJob,
    AsyncJobState,
    AsyncJobType,
    BulkItem,
    DecodeError,
    DrsImportJob,
    DrsImportState,
    ExportJob,
    ExportState,
    File,
    ImportJob,
    ImportState,
    Page,
)
from cavatica_async.converter import structure

DATA = Path(__file__).parent / "data"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_completed_export_example() -> None:
    job = structure(load("export_completed.json"), ExportJob, what="example")
    assert job.id == "2fzgXdc7zqeYFMiVvTCZdLBKgUpKdUhn"
    assert job.state == "COMPLETED"
    assert job.state is ExportState.COMPLETED
    assert job.state.is_terminal
    assert job.source is not None
    assert job.source.file == "576159f7f5b4e1de6ae9b5f0"
    assert job.destination is not None
    assert (job.destination.volume, job.destination.location) == ("rfranklin/output", "output.vcf")
    assert job.started_on == utc("2016-06-15T19:17:39")
    assert job.finished_on == utc("2016-06-15T19:17:41")
    assert job.properties["aws_storage_class"] == "STANDARD"
    assert job.overwrite is False
    assert job.error is None


def test_failed_export_example() -> None:
    job = structure(load("export_failed.json"), ExportJob, what="example")
    assert job.state is ExportState.FAILED
    assert job.state.is_terminal
    assert job.error == ApiErrorInfo(
        status=409,
        code=9107,
        message="Location on volume already contains a file. Check the documentation.",
        more_info="http://docs.sevenbridges.com/docs/api-status-codes#9107",
    )


def test_started_export_example() -> None:
    job = structure(load("export_started.json"), ExportJob, what="example")
    assert job.state is ExportState.PENDING
    assert not job.state.is_terminal
    assert job.finished_on is None


def test_bulk_export_get_example() -> None:
    body = load("bulk_export_get.json")
    items = [structure(item, BulkItem[ExportJob], what="item") for item in body["items"]]
    assert [item.ok for item in items] == [True, True]
    first = items[0].resource
    assert first is not None
    assert first.id == "gOM3zcx6CG411ac0SbNkaUE0SNRK4H0S"
    assert first.state is ExportState.COMPLETED
    assert first.result is not None
    assert first.result.id == "5aba5c8b1c94b662fa6c2ae4"
    assert first.result.size == 36433
    assert first.result.storage is not None
    assert first.result.storage.type == "VOLUME"
    assert first.result.created_on == utc("2018-03-27T15:00:27")
    # The page shows import-shaped source/destination: tolerated, the export fields stay empty.
    assert first.source is not None
    assert first.source.file is None


def test_drs_import_example() -> None:
    job = structure(load("drs_import.json"), DrsImportJob, what="example")
    assert job.id == "154608246075330560"
    assert job.state is DrsImportState.FINISHED
    assert job.state.is_terminal
    assert job.result == (
        BulkItem(
            resource=File(
                id="6130ac6485ecd250bb0c4fed",
                href="https://cavatica-api.sbgenomics.com/v2/files/6130ac6485ecd250bb0c4fed",
            )
        ),
    )


def test_copy_job_from_the_documented_fields() -> None:
    job = structure(load("copy_job_from_table.json"), AsyncFileJob, what="example")
    assert job.type is AsyncJobType.COPY
    assert job.state is AsyncJobState.FINISHED
    assert (job.total_files, job.completed_files, job.failed_files) == (2, 1, 1)
    assert [item.ok for item in job.result] == [True, False]
    assert job.result[1].error is not None
    assert job.result[1].error.code == 10226


def test_copy_page_example_is_not_a_copy_job() -> None:
    # The copy-job page's "response" is an automation list; it must fail clearly, not half-parse.
    with pytest.raises(DecodeError, match=r"required field missing @ \$\.id.*\$\.state"):
        structure(load("copy_job_doc_example.json"), AsyncFileJob, what="copy page example")


@pytest.mark.parametrize(
    ("cls", "terminal", "running"),
    [
        (ExportState, {"COMPLETED", "FAILED"}, {"PENDING", "RUNNING"}),
        (ImportState, {"COMPLETED", "FAILED"}, {"PENDING", "RUNNING"}),
        (DrsImportState, {"FINISHED"}, {"PENDING", "SUBMITTED", "RESOLVING", "RUNNING"}),
        (AsyncJobState, {"FINISHED"}, {"SUBMITTED", "RESOLVING", "RUNNING"}),
    ],
)
def test_states_are_strings_with_terminal_flags(
    cls: type[ExportState], terminal: set[str], running: set[str]
) -> None:
    assert {state.value for state in cls} == terminal | running
    for state in cls:
        assert state == state.value
        assert str(state) == f"{state}" == state.value
        assert state.is_terminal == (state.value in terminal)
        assert state.is_known


@pytest.mark.parametrize("cls", [ExportJob, ImportJob])
def test_unknown_state_is_kept(cls: type[ExportJob]) -> None:
    job = structure({"id": "j1", "state": "ARCHIVING"}, cls, what="body")
    assert job.state == "ARCHIVING"
    assert not job.state.is_known
    assert not job.state.is_terminal
    assert type(job.state) is type(ExportState.PENDING) or type(job.state) is ImportState


def test_extra_fields_are_ignored_and_counts_may_be_strings() -> None:
    body = {
        "id": 12345,
        "state": "RUNNING",
        "type": "MOVE",
        "total_files": "10",
        "completed_files": 4,
        "failed_files": "0",
        "brand_new_field": {"nested": [1, 2]},
        "result": [],
    }
    job = structure(body, AsyncFileJob, what="body")
    assert job.id == "12345"
    assert (job.total_files, job.completed_files, job.failed_files) == (10, 4, 0)
    assert job.type is AsyncJobType.MOVE


def test_epoch_and_iso_timestamps_both_parse() -> None:
    iso = structure(
        {"id": "e", "state": "RUNNING", "started_on": "2021-09-14T14:06:27Z"}, ExportJob, what="b"
    )
    epoch = structure(
        {"id": "e", "state": "RUNNING", "started_on": 1631628387}, ExportJob, what="b"
    )
    assert iso.started_on == epoch.started_on == utc("2021-09-14T14:06:27")


def test_missing_state_names_the_field_and_the_job() -> None:
    with pytest.raises(DecodeError) as info:
        structure({"id": "gW26LlICb9MmJkalaWEeI3HvJkbgvIh8"}, ExportJob, what="GET /x answer")
    assert str(info.value) == (
        "GET /x answer (id 'gW26LlICb9MmJkalaWEeI3HvJkbgvIh8') does not fit ExportJob: "
        "required field missing @ $.state"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "e", "state": 7}, "$.state"),
        ({"id": "e", "state": "RUNNING", "overwrite": "maybe"}, "$.overwrite"),
        ({"id": "e", "state": "RUNNING", "started_on": "not a date"}, "$.started_on"),
        ({"id": None, "state": "RUNNING"}, "$.id"),
        ({"id": "e", "state": "RUNNING", "result": {"name": "no id"}}, "$.result.id"),
    ],
)
def test_wrong_types_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(DecodeError, match=rf"does not fit ExportJob: .*@ \{field}"):
        structure(body, ExportJob, what="b")


@pytest.mark.parametrize(
    "body", [{}, {"resource": {"id": "f"}, "error": {"code": 1}}, {"resource": None}]
)
def test_bulk_item_has_exactly_one_of_resource_or_error(body: dict[str, Any]) -> None:
    with pytest.raises(DecodeError, match="does not fit BulkItem"):
        structure(body, BulkItem[File], what="item")


def test_page_finds_its_next_link() -> None:
    body = {
        "href": "https://x/v2/async/files?offset=0&limit=2",
        "items": [{"id": "1", "state": "RUNNING"}],
        "links": [
            {"href": "https://x/v2/async/files?offset=0&limit=2", "rel": "prev", "method": "GET"},
            {"href": "https://x/v2/async/files?offset=2&limit=2", "rel": "NEXT", "method": "GET"},
        ],
    }
    page = structure(body, Page[AsyncFileJob], what="page")
    assert page.next_href == "https://x/v2/async/files?offset=2&limit=2"
    assert structure({"items": []}, Page[AsyncFileJob], what="page").next_href is None

"""JobKind, JobEvent and the watcher's input checks."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cavatica_async import (
    ApiErrorInfo,
    AsyncJobState,
    CavaticaClient,
    ExportState,
    JobEvent,
    JobKind,
    JobWatcher,
)

AT = datetime(2026, 11, 22, tzinfo=timezone.utc)


def test_kinds_are_strings_and_know_which_are_bulk() -> None:
    assert JobKind("drs_import") is JobKind.DRS_IMPORT
    assert str(JobKind.COPY) == "copy"
    assert [k for k in JobKind if k.bulk] == [JobKind.EXPORT, JobKind.IMPORT]


@pytest.mark.parametrize(
    ("current", "error", "terminal"),
    [
        (ExportState.RUNNING, None, False),
        (ExportState.FAILED, None, True),
        (AsyncJobState.FINISHED, None, True),
        (ExportState("NEW_STATE"), None, False),
        (None, ApiErrorInfo(status=404, code=9008), True),
    ],
)
def test_event_terminal(
    current: ExportState | None, error: ApiErrorInfo | None, terminal: bool
) -> None:
    event = JobEvent(JobKind.EXPORT, "e1", None, current, None, AT, error)
    assert event.terminal is terminal


@pytest.mark.anyio
async def test_watcher_checks_what_it_is_given() -> None:
    async with CavaticaClient(token="t") as client:
        watcher = JobWatcher(client)
        with pytest.raises(ValueError, match="invalid export job id 'a/b'"):
            watcher.add(JobKind.EXPORT, "a/b")
        with pytest.raises(ValueError, match="'shipment' is not a valid JobKind"):
            watcher.add("shipment", "x")
        with pytest.raises(ValueError, match="not a JobWatcher snapshot"):
            JobWatcher(client, resume={"version": 99, "jobs": []})
        watcher.add("export", "e1")
        watcher.add("export", "e1")  # twice is once
        assert watcher.snapshot() == {
            "version": 1,
            "jobs": [{"kind": "export", "id": "e1", "state": None, "final": False}],
        }
        watcher.remove("export", "e1")
        assert watcher.snapshot()["jobs"] == []
        with pytest.raises(RuntimeError, match="inside `async with JobWatcher"):
            await watcher.__anext__()

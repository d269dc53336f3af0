"""The verdict on each item of a start call's answer, by table."""

from __future__ import annotations

import pytest

from cavatica_async import ApiErrorInfo, BulkItem, ExportJob, ExportState
from cavatica_async.bulk import MISSING_START
from cavatica_async.transfers.start_results import StartVerdict, start_result

JOB = ExportJob(id="e" * 32, state=ExportState.PENDING)


@pytest.mark.parametrize(
    ("item", "verdict"),
    [
        (BulkItem(resource=JOB), StartVerdict.STARTED),
        # The platform refused the item: nothing started.
        (BulkItem(error=ApiErrorInfo(status=400, code=9101)), StartVerdict.REFUSED),
        (BulkItem(error=ApiErrorInfo(status=404, code=5002)), StartVerdict.REFUSED),
        (BulkItem(error=ApiErrorInfo(status=409, code=9107)), StartVerdict.REFUSED),
        (BulkItem(error=ApiErrorInfo(status=403, code=9020)), StartVerdict.REFUSED),
        # Not started, and nothing wrong with the item: send it again later.
        (BulkItem(error=ApiErrorInfo(status=408, code=0)), StartVerdict.LATER),
        (BulkItem(error=ApiErrorInfo(status=401, code=0)), StartVerdict.STOP),
        (BulkItem(error=ApiErrorInfo(status=429, code=1000)), StartVerdict.LATER),
        (BulkItem(error=ApiErrorInfo(status=503, code=0)), StartVerdict.LATER),
        # The platform may have started it: reconcile first.
        (BulkItem(error=ApiErrorInfo(status=503, code=None)), StartVerdict.UNKNOWN),
        (BulkItem(error=ApiErrorInfo(status=500)), StartVerdict.UNKNOWN),
        (BulkItem(error=ApiErrorInfo(status=502)), StartVerdict.UNKNOWN),
        (BulkItem(error=ApiErrorInfo(message="connection lost")), StartVerdict.UNKNOWN),
        (BulkItem(error=ApiErrorInfo(message=MISSING_START)), StartVerdict.UNKNOWN),
        (BulkItem(resource=ExportJob(id="", state=ExportState.PENDING)), StartVerdict.UNKNOWN),
    ],
)
def test_each_answer_gets_its_verdict(item: BulkItem[ExportJob], verdict: StartVerdict) -> None:
    result = start_result(item)
    assert result.verdict is verdict
    assert result.job_id == (JOB.id if verdict is StartVerdict.STARTED else None)
    assert result.error == item.error

"""The official sevenbridges-python client runs its job calls against the simulator unchanged."""

from __future__ import annotations

import anyio
import pytest
import sevenbridges as sbg

from cavatica_async.simulator import Simulator, Timing

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # the official client is synchronous
async def test_the_official_client_completes_its_job_calls(anyio_backend: str) -> None:
    sim = Simulator(seed=5, files_per_project=12, timing=Timing(median=0.05, failure=0.0))
    async with sim.serve() as base_url:
        outcome = await anyio.to_thread.run_sync(official_session, base_url, sim.token)
    assert outcome["files"] == 12  # 11 files and the results folder in the project root
    assert outcome["export_state"] in ("PENDING", "RUNNING", "COMPLETED")
    assert outcome["bulk_valid"] == [True]
    assert outcome["drs_state"] in ("SUBMITTED", "RESOLVING", "RUNNING", "FINISHED")
    assert outcome["copy_type"] == "COPY"
    assert outcome["rate_limit"] == 1000
    # It reached every endpoint it claims to use, and nothing answered with an error.
    counts = sim.request_counts()
    assert all(status < 400 for (_, _, status) in counts), counts
    for key in [
        ("GET", "/files", 200),
        ("POST", "/storage/exports", 200),
        ("GET", "/storage/exports/{job_id}", 200),
        ("POST", "/bulk/storage/exports/get", 200),
        ("POST", "/bulk/drs/imports/create", 200),
        ("GET", "/bulk/drs/imports/{job_id}", 200),
        ("POST", "/async/files/copy", 200),
        ("GET", "/async/files/copy/{job_id}", 200),
        ("GET", "/rate_limit", 200),
    ]:
        assert counts.get(key), key


def official_session(base_url: str, token: str) -> dict[str, object]:
    # sevenbridges-python refuses http URLs unless debug is on.
    api = sbg.Api(url=base_url, token=token, debug=True, advance_access=True)
    files = list(api.files.query(project="rfranklin/project-1", limit=5).all())
    source = next(f for f in files if f.type == "file")
    export = api.exports.submit_export(
        file=source, volume="rfranklin/output", location="sbg/out.vcf", copy_only=True
    )
    fetched = api.exports.get(export.id)
    records = api.exports.bulk_get([export])
    drs = api.drs_imports.bulk_submit(
        imports=[{"drs_uri": "drs://drs.example.org/x1", "project": "rfranklin/project-1"}]
    )
    drs_fetched = api.drs_imports.bulk_get(drs.id)
    copy = api.async_jobs.file_bulk_copy(
        files=[{"file": source.id, "project": "rfranklin/project-2"}]
    )
    copy_fetched = api.async_jobs.get_file_copy_job(copy.id)
    rate = api.rate_limit.get()
    return {
        "files": len(files),
        "export_state": fetched.state,
        "bulk_valid": [record.valid for record in records],
        "drs_state": drs_fetched.state,
        "copy_type": copy_fetched.type,
        "rate_limit": rate.rate.limit,
    }

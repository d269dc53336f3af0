"""Our client against the simulator: the two were written apart and must agree on the API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cavatica_async import (
    CavaticaClient,
    CopyItem,
    DrsImportItem,
    ExportRequest,
    ExportState,
    ForbiddenError,
    NotFoundError,
    PollPolicy,
)
from cavatica_async.simulator import Simulator, Timing

from tests import canary

pytestmark = pytest.mark.anyio

FAST = PollPolicy(initial=0.01, factor=1.5, maximum=0.05)


@pytest.fixture
def sim() -> Simulator:
    return Simulator(
        token=canary.CANARY,
        seed=3,
        files_per_project=150,
        timing=Timing(median=0.02, sigma=0.3, failure=0.0),
    )


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[CavaticaClient]:
    async with CavaticaClient(
        token=sim.token, base_url=sim.base_url, transport=sim.transport()
    ) as client:
        yield client


def files(sim: Simulator) -> list[str]:
    return [f.id for f in sim.world.children("rfranklin/project-1", None) if f.type == "file"]


async def test_exports_end_to_end(sim: Simulator, client: CavaticaClient) -> None:
    ids = files(sim)
    job = await client.exports.start(ids[0], "rfranklin/output", "it/a.vcf", copy_only=True)
    done = await client.exports.wait(job.id, deadline=30, policy=FAST)
    assert done.state is ExportState.COMPLETED
    assert done.result is not None
    assert done.result.id == ids[0]
    requests = [ExportRequest(f, "rfranklin/output", f"it/{f}.vcf") for f in ids[1:131]]
    started = await client.exports.bulk_start(requests, copy_only=True)
    assert [item.ok for item in started] == [True] * 130
    got = await client.exports.bulk_get([item.resource.id for item in started if item.resource])
    assert [item.resource.id for item in got if item.resource] == [
        item.resource.id for item in started if item.resource
    ]
    listed = [job async for job in client.exports.list(volume="rfranklin/output")]
    assert len(listed) == 131
    assert client.rate_limit is not None
    assert client.rate_limit.limit == 1000


async def test_platform_errors_map_to_our_errors(sim: Simulator, client: CavaticaClient) -> None:
    with pytest.raises(ForbiddenError) as info:
        await client.exports.start(files(sim)[0], "rfranklin/archive", "x")
    assert info.value.code == 9026
    with pytest.raises(NotFoundError) as missing:
        await client.exports.get("nope")
    assert missing.value.code == 9008
    with pytest.raises(NotFoundError) as gone:
        await client.async_jobs.get_copy("123")
    assert gone.value.code == 10211


async def test_drs_and_copy_end_to_end(sim: Simulator, client: CavaticaClient) -> None:
    items = [
        DrsImportItem(f"drs://drs.example.org/{n}", project="rfranklin/project-2")
        for n in range(120)
    ]
    jobs = await client.drs_imports.start(items, tags=["it"])
    assert len(jobs) == 2
    done = [await client.drs_imports.wait(job.id, deadline=30, policy=FAST) for job in jobs]
    assert sum(len(job.result) for job in done) == 120
    assert all(item.ok for job in done for item in job.result)
    [copy] = await client.async_jobs.copy([CopyItem(files(sim)[0], project="rfranklin/project-2")])
    copied = await client.async_jobs.wait_copy(copy.id, deadline=30, policy=FAST)
    assert (copied.total_files, copied.completed_files, copied.failed_files) == (1, 1, 0)
    assert [job.id async for job in client.async_jobs.list()] == [copy.id]


async def test_over_loopback_http(sim: Simulator) -> None:
    async with (
        sim.serve() as base_url,
        CavaticaClient(token=sim.token, base_url=base_url) as client,
    ):
        rate = await client.get_rate_limit()
        job = await client.exports.start(
            files(sim)[0], "rfranklin/output", "lo.vcf", copy_only=True
        )
        done = await client.exports.wait(job.id, deadline=30, policy=FAST)
    assert rate.limit == 1000
    assert done.state.is_terminal

"""JobWatcher(job_list=True): copy, move and delete jobs read from the job list, 100 a request."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import httpx
import pytest
import respx

from cavatica_async import CavaticaClient, JobEvent, JobKind, JobWatcher, PollPolicy

from tests.helpers import FakeClock, rate_limit_body
from tests.helpers_watch import FAST, check_against_truth, simulator, start_mixed

pytestmark = pytest.mark.anyio

BASE = "https://api.test/v2"
QUICK = PollPolicy(initial=0.01, factor=1.0, maximum=0.01, jitter=0.0)


def copy_job(job_id: str, state: str, kind: str = "COPY") -> dict[str, Any]:
    return {"id": job_id, "type": kind, "state": state, "result": []}


def page(items: list[dict[str, Any]], more: bool) -> dict[str, Any]:
    links = [{"href": f"{BASE}/async/files?offset=100", "rel": "next"}] if more else []
    return {"items": items, "links": links}


async def watch(client: CavaticaClient, jobs: list[tuple[JobKind, str]]) -> list[JobEvent]:
    async with JobWatcher(client, policy=QUICK, job_list=True) as watcher:
        watcher.add_many(jobs)
        with anyio.fail_after(10):
            return [event async for event in watcher]


async def test_mixed_jobs_are_seen_to_the_end_with_few_list_requests() -> None:
    sim = simulator()
    async with CavaticaClient(
        token=sim.token, base_url=sim.base_url, transport=sim.transport()
    ) as client:
        jobs = await start_mixed(sim, client)
        async with JobWatcher(client, policy=FAST, job_list=True) as watcher:
            watcher.add_many(jobs)
            watcher.add(JobKind.COPY, "123456789")  # not on the list: its own GET says 404
            with anyio.fail_after(90):
                events = [event async for event in watcher]
    check_against_truth([e for e in events if e.error is None], sim, jobs)
    [unknown] = [e for e in events if e.error is not None]
    assert (unknown.kind, unknown.job_id, unknown.error and unknown.error.status) == (
        JobKind.COPY,
        "123456789",
        404,
    )
    counts = sim.request_counts()
    single = sum(
        n for (method, path, _), n in counts.items() if method == "GET" and "/async/files/" in path
    )
    assert single == 1  # only the unknown id was read on its own
    listed = sum(1 for kind, _ in jobs if kind in (JobKind.COPY, JobKind.MOVE, JobKind.DELETE))
    observations = sum(1 for e in events if e.kind in (JobKind.COPY, JobKind.MOVE, JobKind.DELETE))
    assert watcher.stats.pages == counts[("GET", "/async/files", 200)]
    # One job-list request answers up to 100 jobs: far fewer requests than single GETs would be.
    assert watcher.stats.pages < (listed + observations) / 5
    assert watcher.stats.rate_limited == 0
    assert all(w.rejected == 0 and w.used <= sim.limiter.limit for w in sim.limiter.windows)


async def test_a_job_the_list_does_not_show_is_read_alone_after_a_bounded_search(
    caplog: pytest.LogCaptureFixture,
) -> None:
    others = [copy_job(f"o{n}", "RUNNING") for n in range(100)]
    # The same id as a move job is not the watched copy job.
    others[0] = copy_job("c1", "FINISHED", kind="MOVE")
    with respx.mock(base_url=BASE) as mock:
        mock.get("/rate_limit").respond(json=rate_limit_body())
        listing = mock.get("/async/files").respond(json=page(others, more=True))
        single = mock.get("/async/files/copy/c1").mock(
            side_effect=[
                httpx.Response(200, json=copy_job("c1", "RUNNING")),
                httpx.Response(200, json=copy_job("c1", "FINISHED")),
            ]
        )
        async with CavaticaClient(token="t" * 32, base_url=BASE) as client:
            with caplog.at_level(logging.INFO, logger="cavatica_async"):
                events = await watch(client, [(JobKind.COPY, "c1")])
    assert [(e.previous, e.current) for e in events] == [(None, "RUNNING"), ("RUNNING", "FINISHED")]
    # One watched job fills one page; two more are read before giving up, and never again.
    assert listing.call_count == 3
    assert [call.request.url.params["offset"] for call in listing.calls] == ["0", "100", "200"]
    assert single.call_count == 2
    assert "1 job(s) not in the job list" in caplog.text


async def test_waits_between_a_sweeps_pages_count_as_budget_waits() -> None:
    history = [copy_job(f"o{n}", "FINISHED") for n in range(299)] + [copy_job("c1", "FINISHED")]

    def listing(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        return httpx.Response(200, json=page(history[offset : offset + 100], offset + 100 < 300))

    # 10 requests left for the 2 s to the reset, all of them the watcher's: one every 0.2 s.
    # On a clock of the test's own, so a slow machine cannot let the window pass first.
    clock = FakeClock()
    window = {"rate": {"limit": 1000, "remaining": 10, "reset": clock.now + 2}}
    with respx.mock(base_url=BASE) as mock:
        mock.get("/rate_limit").respond(json=window)
        route = mock.get("/async/files").mock(side_effect=listing)
        client = CavaticaClient(token="t" * 32, base_url=BASE, budget_fraction=1.0, clock=clock)
        watcher = JobWatcher(client, policy=QUICK, job_list=True)
        async with client, watcher:
            watcher.add(JobKind.COPY, "c1")
            with anyio.fail_after(10):
                events = [event async for event in watcher]
    assert [str(e.current) for e in events] == ["FINISHED"]
    assert route.call_count == 3
    assert watcher.stats.budget_wait >= 0.3  # the second and third pages waited their turn


async def test_a_job_is_looked_for_where_the_list_last_showed_it() -> None:
    states = iter(["RUNNING", "FINISHED"])
    history = [copy_job(f"o{n}", "FINISHED") for n in range(300)]

    def listing(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        if offset <= 250 < offset + 100:
            history[250] = copy_job("c1", next(states))
        return httpx.Response(200, json=page(history[offset : offset + 100], offset + 100 < 300))

    with respx.mock(base_url=BASE) as mock:
        mock.get("/rate_limit").respond(json=rate_limit_body())
        route = mock.get("/async/files").mock(side_effect=listing)
        async with CavaticaClient(token="t" * 32, base_url=BASE) as client:
            events = await watch(client, [(JobKind.COPY, "c1")])
    assert [str(e.current) for e in events] == ["RUNNING", "FINISHED"]
    # Never seen: from the start. Seen at 250: from there.
    assert [call.request.url.params["offset"] for call in route.calls] == ["0", "100", "200", "250"]


async def test_the_list_seen_once_serves_every_later_poll() -> None:
    states = iter(["SUBMITTED", "RESOLVING", "RUNNING", "FINISHED"])

    def listing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=page([copy_job("c1", next(states))], more=False))

    with respx.mock(base_url=BASE) as mock:
        mock.get("/rate_limit").respond(json=rate_limit_body())
        route = mock.get("/async/files").mock(side_effect=listing)
        async with CavaticaClient(token="t" * 32, base_url=BASE) as client:
            events = await watch(client, [(JobKind.COPY, "c1")])
    assert [str(e.current) for e in events] == ["SUBMITTED", "RESOLVING", "RUNNING", "FINISHED"]
    assert route.call_count == 4


async def test_a_refused_list_falls_back_to_one_get_per_job(
    caplog: pytest.LogCaptureFixture,
) -> None:
    refused = {"status": 400, "code": 90000, "message": "limit must be at most 50"}
    with respx.mock(base_url=BASE) as mock:
        mock.get("/rate_limit").respond(json=rate_limit_body())
        listing = mock.get("/async/files").respond(400, json=refused)
        mock.get("/async/files/delete/d1").respond(json=copy_job("d1", "FINISHED", "DELETE"))
        async with CavaticaClient(token="t" * 32, base_url=BASE) as client:
            events = await watch(client, [(JobKind.DELETE, "d1")])
    assert [(e.kind, e.job_id, str(e.current)) for e in events] == [
        (JobKind.DELETE, "d1", "FINISHED")
    ]
    assert listing.call_count == 1
    assert "the job list was refused" in caplog.text
    assert "90000" in caplog.text


async def test_a_broken_listed_job_fails_alone_and_is_read_again() -> None:
    answers = iter(
        [
            [copy_job("c1", "RUNNING") | {"started_on": "not a time"}, copy_job("c2", "RUNNING")],
            [copy_job("c1", "FINISHED"), copy_job("c2", "FINISHED")],
        ]
    )

    def listing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=page(next(answers), more=False))

    with respx.mock(base_url=BASE) as mock:
        mock.get("/rate_limit").respond(json=rate_limit_body())
        mock.get("/async/files").mock(side_effect=listing)
        async with CavaticaClient(token="t" * 32, base_url=BASE) as client:
            events = await watch(client, [(JobKind.COPY, "c1"), (JobKind.COPY, "c2")])
    assert sorted((e.job_id, str(e.current)) for e in events) == [
        ("c1", "FINISHED"),
        ("c2", "FINISHED"),
        ("c2", "RUNNING"),
    ]

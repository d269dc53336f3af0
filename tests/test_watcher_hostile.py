"""JobWatcher against broken and lying answers (respx, asyncio and trio): it never crashes,
hangs, reports a state the platform did not give for that job, or reports an end twice.

Each test here failed on main before issue 16.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest
import respx

from cavatica_async import (
    CavaticaClient,
    ClientClosedError,
    JobEvent,
    JobKind,
    JobWatcher,
    PollPolicy,
)
from cavatica_async.endpoints.jobs import BulkRead

from tests.helpers import rate_limit_body

pytestmark = pytest.mark.anyio

BASE = "https://api.test/v2"
TOKEN = "w" * 32
FAST = PollPolicy(initial=0.01, factor=1.0, maximum=0.01, jitter=0.0)
NESTED = b"[" * 100_000


def export(job_id: str, state: str) -> dict[str, Any]:
    return {"resource": {"id": job_id, "state": state}}


def copy_job(job_id: str, state: Any) -> dict[str, Any]:
    return {"id": job_id, "state": state, "type": "COPY"}


Answer = Callable[[httpx.Request], httpx.Response]


def scripted(*answers: Answer) -> Answer:
    """Each request gets the next answer; the last one repeats."""
    queue = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        return (queue.pop(0) if len(queue) > 1 else queue[0])(request)

    return answer


def bulk(states: dict[str, str], order: Callable[[list[Any]], list[Any]] = list) -> Answer:
    """A bulk get answering each asked id with its state in `states`, in `order`."""

    def answer(request: httpx.Request) -> httpx.Response:
        ids = json.loads(request.content)["export_ids"]
        return httpx.Response(200, json={"items": order([export(i, states[i]) for i in ids])})

    return answer


def body(content: bytes) -> Answer:
    return lambda request: httpx.Response(200, content=content)


async def watch(
    mock: respx.MockRouter, jobs: list[tuple[JobKind, str]], policy: PollPolicy = FAST
) -> tuple[list[JobEvent], JobWatcher]:
    mock.get("/rate_limit").respond(json=rate_limit_body())
    async with (
        CavaticaClient(token=TOKEN, base_url=BASE) as client,
        JobWatcher(client, policy=policy) as watcher,
    ):
        watcher.add_many(jobs)
        with anyio.fail_after(10):
            events = [event async for event in watcher]
    return events, watcher


def states(events: list[JobEvent]) -> list[tuple[str, str | None]]:
    return [(e.job_id, None if e.current is None else str(e.current)) for e in events]


# --- 1. a nested body does not end the watch -----------------------------------------------------


async def test_a_nested_bulk_answer_is_a_failed_poll() -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.post("/bulk/storage/exports/get").mock(
            side_effect=scripted(body(NESTED), bulk({"e1": "COMPLETED"}))
        )
        events, watcher = await watch(mock, [(JobKind.EXPORT, "e1")])
    assert states(events) == [("e1", "COMPLETED")]
    assert watcher.stats.failures == 1


async def test_a_nested_single_answer_is_a_failed_poll() -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.get("/async/files/copy/c1").mock(
            side_effect=scripted(
                body(NESTED),
                lambda request: httpx.Response(200, json=copy_job("c1", "FINISHED")),
            )
        )
        events, watcher = await watch(mock, [(JobKind.COPY, "c1")])
    assert states(events) == [("c1", "FINISHED")]
    assert watcher.stats.failures == 1


# --- 7. bulk answers are matched by id -----------------------------------------------------------


async def test_a_reordered_bulk_answer_gives_each_job_its_own_state() -> None:
    truth = {"e1": "COMPLETED", "e2": "FAILED", "e3": "RUNNING"}
    with respx.mock(base_url=BASE) as mock:
        mock.post("/bulk/storage/exports/get").mock(
            side_effect=scripted(
                bulk(truth, order=lambda items: items[::-1]),
                bulk({**truth, "e3": "COMPLETED"}),
            )
        )
        events, _ = await watch(mock, [(JobKind.EXPORT, i) for i in truth])
    assert sorted(states(events)) == [
        ("e1", "COMPLETED"),
        ("e2", "FAILED"),
        ("e3", "COMPLETED"),
        ("e3", "RUNNING"),
    ]


async def test_a_foreign_item_is_ignored_and_the_missing_job_polled_again() -> None:
    def foreign(request: httpx.Request) -> httpx.Response:
        # e2's place is taken by a job nobody asked for, in a FAILED state.
        return httpx.Response(
            200, json={"items": [export("e1", "COMPLETED"), export("x9", "FAILED")]}
        )

    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/bulk/storage/exports/get").mock(
            side_effect=scripted(foreign, bulk({"e2": "COMPLETED"}))
        )
        events, watcher = await watch(mock, [(JobKind.EXPORT, "e1"), (JobKind.EXPORT, "e2")])
    assert states(events) == [("e1", "COMPLETED"), ("e2", "COMPLETED")]
    assert route.call_count == 2
    assert watcher.stats.failures == 1


# --- 8. a single answer about another job is not taken -------------------------------------------


async def test_a_single_answer_about_another_job_is_a_failed_poll() -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.get("/async/files/copy/c1").mock(
            side_effect=scripted(
                lambda request: httpx.Response(200, json=copy_job("c2", "FINISHED")),
                lambda request: httpx.Response(200, json=copy_job("c1", "RUNNING")),
                lambda request: httpx.Response(200, json=copy_job("c1", "FINISHED")),
            )
        )
        events, watcher = await watch(mock, [(JobKind.COPY, "c1")])
    assert states(events) == [("c1", "RUNNING"), ("c1", "FINISHED")]
    assert watcher.stats.failures == 1


# --- 9. one consumer, one end per job ------------------------------------------------------------


async def test_a_second_task_iterating_gets_a_runtime_error() -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.get("/rate_limit").respond(json=rate_limit_body())
        mock.post("/bulk/storage/exports/get").mock(side_effect=bulk({"e1": "RUNNING"}))
        async with (
            CavaticaClient(token=TOKEN, base_url=BASE) as client,
            JobWatcher(client, policy=FAST) as watcher,
        ):
            watcher.add(JobKind.EXPORT, "e1")
            first = await watcher.__anext__()  # the one RUNNING event; then it waits
            errors: list[Exception] = []

            async def consume() -> None:
                async for _ in watcher:
                    pass  # pragma: no cover (nothing more comes)

            async def second() -> None:
                await anyio.sleep(0.05)  # the first consumer is waiting by now
                try:
                    await watcher.__anext__()
                except RuntimeError as error:
                    errors.append(error)
                group.cancel_scope.cancel()

            with anyio.fail_after(5):
                async with anyio.create_task_group() as group:
                    group.start_soon(consume)
                    group.start_soon(second)
    assert str(first.current) == "RUNNING"
    assert [str(e) for e in errors] == ["another task is already iterating this JobWatcher"]


async def test_a_job_removed_and_added_again_ends_once() -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.get("/rate_limit").respond(json=rate_limit_body())
        route = mock.post("/bulk/storage/exports/get").mock(
            side_effect=bulk({"e1": "COMPLETED", "e2": "RUNNING"})
        )
        async with (
            CavaticaClient(token=TOKEN, base_url=BASE) as client,
            JobWatcher(client, policy=FAST) as watcher,
        ):
            watcher.add_many([(JobKind.EXPORT, "e1"), (JobKind.EXPORT, "e2")])
            with anyio.fail_after(5):
                while not route.called:  # noqa: ASYNC110 (respx offers no event)
                    await anyio.sleep(0.001)
                await anyio.sleep(0.02)  # e1's final event is queued, not delivered
            watcher.remove(JobKind.EXPORT, "e1")
            watcher.add(JobKind.EXPORT, "e1")
            watcher.remove(JobKind.EXPORT, "e2")
            with anyio.fail_after(5):
                events = [event async for event in watcher]
    assert states(events) == [("e1", "COMPLETED")]


# --- 12. closing the client ends the watch -------------------------------------------------------


async def test_closing_the_client_under_a_running_watcher_ends_it() -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.get("/rate_limit").respond(json=rate_limit_body())
        mock.post("/bulk/storage/exports/get").mock(side_effect=bulk({"e1": "RUNNING"}))
        client = CavaticaClient(token=TOKEN, base_url=BASE)
        seen: list[JobEvent] = []

        async def run() -> None:
            async with JobWatcher(client, policy=FAST) as watcher:
                watcher.add(JobKind.EXPORT, "e1")
                async for event in watcher:
                    seen.append(event)
                    await client.aclose()

        with anyio.fail_after(5), pytest.raises(ClientClosedError):
            await run()
    assert states(seen) == [("e1", "RUNNING")]


# --- 14. an answer that never decodes is reported once -------------------------------------------


@pytest.mark.parametrize(
    ("kind", "path", "answer"),
    [
        (
            JobKind.COPY,
            "/async/files/copy/c1",
            lambda request: httpx.Response(200, json=copy_job("c1", 5)),
        ),
        (
            JobKind.EXPORT,
            "/bulk/storage/exports/get",
            lambda request: httpx.Response(200, json={"items": [export("c1", [1])]}),
        ),
    ],
    ids=["single", "bulk"],
)
async def test_an_answer_that_never_decodes_ends_in_one_error_event(
    kind: JobKind, path: str, answer: Answer
) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.route(path=path).mock(side_effect=answer)
        events, watcher = await watch(mock, [(kind, "c1")])
    assert len(events) == 1
    [event] = events
    assert event.terminal
    assert event.current is None
    assert event.error is not None
    assert (event.error.message or "").startswith("5 answers in a row could not be read")
    assert route.call_count == FAST.max_bad_answers
    assert watcher.snapshot()["jobs"] == [
        {"kind": kind.value, "id": "c1", "state": None, "final": True}
    ]


# --- 10. a pause is capped at one rate window ----------------------------------------------------


@pytest.mark.parametrize("retry_after", ["1e20", "inf", "Fri, 31 Dec 9999 23:59:59 GMT"])
async def test_a_429_pauses_the_watcher_for_at_most_one_window(retry_after: str) -> None:
    limited = httpx.Response(
        429,
        json={"status": 429, "code": 1000, "message": "slow down"},
        headers={"Retry-After": retry_after},
    )
    with respx.mock(base_url=BASE) as mock:
        mock.get("/rate_limit").respond(json=rate_limit_body())
        route = mock.post("/bulk/storage/exports/get").mock(return_value=limited)
        async with (
            CavaticaClient(token=TOKEN, base_url=BASE) as client,
            JobWatcher(client, policy=FAST) as watcher,
        ):
            watcher.add(JobKind.EXPORT, "e1")
            with anyio.fail_after(5):
                while not route.called:  # noqa: ASYNC110 (respx offers no event)
                    await anyio.sleep(0.001)
                await anyio.sleep(0.01)
            paused = client.transport.budget.paused_until - client.transport.clock.monotonic()
    assert watcher.stats.rate_limited == 1
    assert 290 < paused <= 301


# --- 4. nothing unforeseen ends the watch ----------------------------------------------------


async def test_an_unexpected_error_while_polling_is_a_failed_poll(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = BulkRead.parse
    calls = 0

    def buggy(self: BulkRead) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("a bug nobody foresaw")
        return real(self)

    monkeypatch.setattr(BulkRead, "parse", buggy)
    with respx.mock(base_url=BASE) as mock:
        mock.post("/bulk/storage/exports/get").mock(side_effect=bulk({"e1": "COMPLETED"}))
        events, watcher = await watch(mock, [(JobKind.EXPORT, "e1")])
    assert states(events) == [("e1", "COMPLETED")]
    assert watcher.stats.failures == 1


@pytest.mark.parametrize(
    "entry",
    [
        {"kind": "export"},
        {"kind": "nope", "id": "e1"},
        "e1",
        {"kind": "copy", "id": "c1", "state": 5},
    ],
)
async def test_a_snapshot_entry_that_is_not_a_job_is_a_value_error(entry: Any) -> None:
    async with CavaticaClient(token=TOKEN, base_url=BASE) as client:
        with pytest.raises(ValueError, match="snapshot job 0 is not a watched job"):
            JobWatcher(client, resume={"version": 1, "jobs": [entry]})


# --- found by trying to break it ---------------------------------------------------------------


async def test_a_job_re_added_while_its_final_event_waits_for_room_is_still_watched() -> None:
    # buffer=1: e1's COMPLETED waits in _emit behind e0's RUNNING while e1 is removed and
    # added again; the old watch ending must not end the new one.
    with respx.mock(base_url=BASE) as mock:
        mock.get("/rate_limit").respond(json=rate_limit_body())
        route = mock.post("/bulk/storage/exports/get").mock(
            side_effect=scripted(
                bulk({"e0": "RUNNING", "e1": "COMPLETED"}),
                bulk({"e0": "COMPLETED", "e1": "COMPLETED"}),
            )
        )
        async with (
            CavaticaClient(token=TOKEN, base_url=BASE) as client,
            JobWatcher(client, policy=FAST, buffer=1) as watcher,
        ):
            watcher.add_many([(JobKind.EXPORT, "e0"), (JobKind.EXPORT, "e1")])
            with anyio.fail_after(5):
                while not route.called:  # noqa: ASYNC110 (respx offers no event)
                    await anyio.sleep(0.001)
                await anyio.sleep(0.05)
            watcher.remove(JobKind.EXPORT, "e1")
            watcher.add(JobKind.EXPORT, "e1")
            with anyio.fail_after(5):
                events = [event async for event in watcher]
    assert sorted(states(events)) == [("e0", "COMPLETED"), ("e0", "RUNNING"), ("e1", "COMPLETED")]
    assert {job["id"]: job["final"] for job in watcher.snapshot()["jobs"]} == {
        "e0": True,
        "e1": True,
    }


async def test_json_answers_that_never_fit_a_whole_batch_end_in_one_error_event_each() -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/bulk/storage/exports/get").respond(200, json={"foo": 1})
        events, _ = await watch(mock, [(JobKind.EXPORT, "e1"), (JobKind.EXPORT, "e2")])
    assert sorted(states(events)) == [("e1", None), ("e2", None)]
    assert all("answers in a row could not be read" in (e.error.message or "") for e in events)  # type: ignore[union-attr]
    assert route.call_count == FAST.max_bad_answers


async def test_an_answer_that_is_not_json_at_all_is_waited_out_like_an_outage() -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.get("/async/files/copy/c1").mock(
            side_effect=scripted(
                *[body(b"<html>proxy</html>")] * 8,
                lambda request: httpx.Response(200, json=copy_job("c1", "FINISHED")),
            )
        )
        events, watcher = await watch(mock, [(JobKind.COPY, "c1")])
    assert states(events) == [("c1", "FINISHED")]
    assert watcher.stats.failures == 8


@pytest.mark.parametrize("jobs", [[], [(JobKind.EXPORT, "e1")]], ids=["no-jobs", "one-job"])
async def test_closing_the_client_ends_an_idle_watch_at_once(
    jobs: list[tuple[JobKind, str]],
) -> None:
    slow = PollPolicy(initial=3600.0, maximum=3600.0)
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.get("/rate_limit").respond(json=rate_limit_body())
        mock.post("/bulk/storage/exports/get").mock(side_effect=bulk({"e1": "RUNNING"}))
        client = CavaticaClient(token=TOKEN, base_url=BASE)

        async def close_soon() -> None:
            await anyio.sleep(0.1)
            await client.aclose()

        async def run() -> None:
            async with JobWatcher(client, policy=slow, keep_open=True) as watcher:
                watcher.add_many(jobs)
                async for _ in watcher:
                    pass

        started = anyio.current_time()
        with anyio.fail_after(5):
            async with anyio.create_task_group() as group:
                group.start_soon(close_soon)
                with pytest.raises(ClientClosedError):
                    await run()
    assert anyio.current_time() - started < 2


@pytest.mark.parametrize(
    "answer",
    [
        lambda request: httpx.Response(200, content=b"x", headers={"Content-Encoding": "br"}),
        lambda request: httpx.Response(200, content=NESTED),
    ],
    ids=["coding-not-asked-for", "nested"],
)
async def test_an_answer_refused_every_time_ends_in_one_error_event(answer: Answer) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/async/files/copy/c1").mock(side_effect=answer)
        events, _ = await watch(mock, [(JobKind.COPY, "c1")])
    assert states(events) == [("c1", None)]
    assert route.call_count == FAST.max_bad_answers

"""JobWatcher reading answers one at a time (respx): what it structures, and when."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import respx

from cavatica_async import CavaticaClient, JobKind, JobWatcher, PollPolicy

from tests.helpers import rate_limit_body

pytestmark = pytest.mark.anyio

BASE = "https://api.test/v2"
STARTED = json.loads((Path(__file__).parent / "data" / "export_started.json").read_text())
FAST = PollPolicy(initial=0.01, factor=1.0, maximum=0.01, jitter=0.0)


def export(job_id: str, state: str, **fields: Any) -> dict[str, Any]:
    return {"resource": {**STARTED, "id": job_id, "state": state, **fields}}


def answers(script: dict[str, list[dict[str, Any]]]) -> Callable[[httpx.Request], httpx.Response]:
    """A bulk get answering each id with the next item of its script (the last one repeats)."""

    def answer(request: httpx.Request) -> httpx.Response:
        ids = json.loads(request.content)["export_ids"]
        items = [script[i].pop(0) if len(script[i]) > 1 else script[i][0] for i in ids]
        return httpx.Response(200, json={"items": items})

    return answer


async def test_an_unchanged_state_is_not_structured_and_a_bad_change_fails_alone() -> None:
    broken = {"started_on": "not a time"}
    with respx.mock(base_url=BASE) as mock:
        mock.get("/rate_limit").respond(json=rate_limit_body())
        mock.post("/bulk/storage/exports/get").mock(
            side_effect=answers(
                {
                    # Unchanged, e1's broken field is never read; changed, e2 cannot be built.
                    "e1": [
                        export("e1", "PENDING"),
                        export("e1", "PENDING", **broken),
                        export("e1", "COMPLETED"),
                    ],
                    "e2": [
                        export("e2", "PENDING"),
                        export("e2", "RUNNING", **broken),
                        export("e2", "COMPLETED"),
                    ],
                }
            )
        )
        async with (
            CavaticaClient(token="t" * 32, base_url=BASE) as client,
            JobWatcher(client, policy=FAST) as watcher,
        ):
            watcher.add_many([(JobKind.EXPORT, "e1"), (JobKind.EXPORT, "e2")])
            seen = [(e.job_id, str(e.current)) for e in [event async for event in watcher]]
    assert seen == [("e1", "PENDING"), ("e2", "PENDING"), ("e1", "COMPLETED"), ("e2", "COMPLETED")]
    assert watcher.stats.failures == 1  # e2's undecodable answer, polled again


async def test_events_queued_before_a_remove_are_not_delivered() -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.get("/rate_limit").respond(json=rate_limit_body())
        route = mock.post("/bulk/storage/exports/get").mock(
            side_effect=answers(
                {
                    "e1": [export("e1", "PENDING")],
                    "e2": [export("e2", "PENDING"), export("e2", "COMPLETED")],
                }
            )
        )
        async with (
            CavaticaClient(token="t" * 32, base_url=BASE) as client,
            JobWatcher(client, policy=FAST) as watcher,
        ):
            watcher.add_many([(JobKind.EXPORT, "e1"), (JobKind.EXPORT, "e2")])
            with anyio.fail_after(5):
                while not route.called:  # noqa: ASYNC110 (respx offers no event)
                    await anyio.sleep(0.001)
                await anyio.sleep(0.01)  # both first events are queued, none delivered
            watcher.remove(JobKind.EXPORT, "e1")
            seen = [(e.job_id, str(e.current)) async for e in watcher]
    assert seen == [("e2", "PENDING"), ("e2", "COMPLETED")]

"""One watching session for the command line: watch, show, stop on Ctrl-C, sum up."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any

import anyio
import attrs
from anyio import CancelScope

from cavatica_async.cli.display import Tally, View
from cavatica_async.client import CavaticaClient
from cavatica_async.errors import CavaticaError
from cavatica_async.events import JobKind
from cavatica_async.polling import PollPolicy
from cavatica_async.watcher import JobWatcher

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def silence_stdout() -> None:
    """Send what is still written to stdout (the interpreter's last flush included) nowhere,
    quietly: its reader has gone (`| head`)."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


@attrs.define
class Outcome:
    """How a session ended and what it saw."""

    tally: Tally
    stopped_by: int | None  # the signal that stopped the session (SIGINT, SIGTERM), if any
    elapsed: float
    requests: int  # every request this client sent, retries included
    rate_limited: int  # 429 answers it received
    snapshot: dict[str, Any]

    @property
    def interrupted(self) -> bool:
        """Whether a signal stopped the session before every job ended."""
        return self.stopped_by is not None

    @property
    def exit_status(self) -> int:
        """0 all succeeded, 1 any failed / unknown / unfinished, 130 (SIGINT) or 143 (SIGTERM)
        stopped, as a shell reports a command a signal ended."""
        if self.stopped_by is not None:
            return 128 + self.stopped_by
        unfinished = sum(self.tally.total.values()) - sum(
            self.tally.finished(kind) for kind in self.tally.total
        )
        return EXIT_FAILED if self.tally.failed or unfinished else EXIT_OK

    def figures(self) -> dict[str, Any]:
        """The summary's numbers."""
        per = self.requests / self.tally.transitions if self.tally.transitions else 0.0
        return {
            "transitions seen": self.tally.transitions,
            "API requests": self.requests,
            "requests per transition": f"{per:.3f}",
            "429 answers": self.rate_limited,
            "elapsed": f"{self.elapsed:.1f} s",
        }


async def follow(
    client: CavaticaClient,
    jobs: Iterable[tuple[JobKind, str]],
    view: View,
    *,
    policy: PollPolicy | None = None,
    resume: Mapping[str, Any] | None = None,
    job_list: bool = False,
) -> Outcome:
    """Watch `jobs` (and those of `resume`) to the end or to Ctrl-C, showing each event."""
    started = time.monotonic()
    stopped_by: list[int] = []
    async with JobWatcher(client, policy=policy, resume=resume, job_list=job_list) as watcher:
        watcher.add_many(jobs)
        for entry in watcher.snapshot()["jobs"]:
            if not entry["final"]:
                view.tally.add(JobKind(entry["kind"]), entry["state"])
        view.start()
        fatal: list[CavaticaError] = []
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(_stop_on_signal, group.cancel_scope, stopped_by)
                group.start_soon(_show_status, view, client, watcher)
                try:
                    async for event in watcher:
                        view.event(event)
                except CavaticaError as exc:  # kept out of the task group's exception group
                    fatal.append(exc)
                group.cancel_scope.cancel()
        finally:
            view.stop()
        if fatal:
            raise fatal[0]
        snapshot = watcher.snapshot()
    outcome = Outcome(
        tally=view.tally,
        stopped_by=stopped_by[0] if stopped_by else None,
        elapsed=time.monotonic() - started,
        requests=client.stats.requests,
        rate_limited=client.stats.rate_limited,
        snapshot=snapshot,
    )
    if outcome.interrupted:
        view.note("Interrupted: what was seen so far:")
    view.summary(outcome.figures())
    return outcome


async def _stop_on_signal(scope: CancelScope, stopped_by: list[int]) -> None:
    # SIGTERM (a service manager, `kill`, a CI timeout) ends the session as Ctrl-C does: the
    # summary printed and the snapshot written.
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for number in signals:
            stopped_by.append(int(number))
            scope.cancel()
            return


async def _show_status(view: View, client: CavaticaClient, watcher: JobWatcher) -> None:
    while True:
        rate = client.rate_limit
        budget = f"{rate.remaining}/{rate.limit} left in this window" if rate else "not known yet"
        stats = client.stats
        view.refresh(
            f"API requests {stats.requests} · rate limit {budget} · "
            f"waited for budget {watcher.stats.budget_wait:.1f} s · 429s {stats.rate_limited}"
        )
        await anyio.sleep(0.25)

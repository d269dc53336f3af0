"""`cavatica-async simulate` in a process of its own, as the command-line tests' platform."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cavatica_async import CavaticaClient, ExportRequest
from cavatica_async.testing import SimulatorServer

from tests import canary

Simulate = Callable[..., "SimulatorProcess"]


class SimulatorProcess:
    """A running `cavatica-async simulate`: its API root, and what it has seen so far."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._inspect = base_url.removesuffix("/v2") + "/__simulator"

    def _get(self, what: str) -> Any:
        answer = httpx.get(
            f"{self._inspect}/{what}", headers={"X-SBG-Auth-Token": canary.CANARY}, timeout=30
        )
        answer.raise_for_status()
        return answer.json()[what]

    def jobs(self) -> list[dict[str, Any]]:
        """Every job the simulator started: kind, id, state, sources."""
        jobs: list[dict[str, Any]] = self._get("jobs")
        return jobs

    def start_counts(self) -> Counter[tuple[str, str]]:
        """How many jobs were started for each (kind, source)."""
        return Counter((job["kind"], source) for job in self.jobs() for source in job["sources"])

    def reads(self) -> int:
        """How many GET calls it answered."""
        return sum(row["count"] for row in self._get("requests") if row["method"] == "GET")

    def start_calls(self) -> int:
        """How many start calls it answered, refused ones too: every POST but a bulk get."""
        return sum(
            row["count"]
            for row in self._get("requests")
            if row["method"] == "POST" and not row["path"].endswith("/get")
        )


@pytest.fixture
def simulate(tmp_path: Path) -> Iterator[Simulate]:
    """Start `cavatica-async simulate OPTIONS` on a free port; each is stopped after the test."""
    processes: list[subprocess.Popen[str]] = []

    def start(*options: str) -> SimulatorProcess:
        log = (tmp_path / f"simulate-{len(processes)}.log").open("w")
        command = [sys.executable, "-m", "cavatica_async.cli", "simulate", "--port", "0"]
        process = subprocess.Popen(
            [*command, "--token", canary.CANARY, *options],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        log.close()
        processes.append(process)
        assert process.stdout is not None
        ready = process.stdout.readline()  # "Simulated CAVATICA API at URL (Ctrl-C to stop)"
        assert " at " in ready, f"the simulator did not start: {ready!r}"
        return SimulatorProcess(ready.split(" at ")[1].split()[0])

    yield start
    for process in processes:
        process.terminate()
        process.communicate(timeout=30)


@pytest.fixture
async def one_export(cavatica_server: SimulatorServer) -> str:
    """The id of one export started (copy only) on `cavatica_server`, for a command to watch."""
    server = cavatica_server
    async with CavaticaClient(token=server.token, base_url=server.base_url) as client:
        file_id = server.simulator.file_ids()[0]
        [item] = await client.exports.bulk_start(
            [ExportRequest(file_id, "rfranklin/output", "cli/one.vcf.gz")], copy_only=True
        )
    assert item.resource is not None
    return item.resource.id

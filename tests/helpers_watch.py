"""Watcher tests' shared parts: a fast simulator, a mixed set of started jobs, the truth check."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from cavatica_async import (
    CavaticaClient,
    CopyItem,
    DrsImportItem,
    ExportRequest,
    ImportRequest,
    JobEvent,
    JobKind,
    PollPolicy,
)
from cavatica_async.kinds import KINDS
from cavatica_async.simulator import Simulator, Timing

from tests import canary

# The fault soak's figures, printed at the end of the session (conftest).
SOAK_REPORT: list[str] = []

# Everything runs 100x faster than the platform: 5 s median state dwell and a 3 s rate window.
SPEED = 100
FAST = PollPolicy(initial=0.02, factor=1.5, maximum=0.3)
# The simulator names kinds as the library does; the table of kinds knows them all.
KIND_OF = {kind.value: kind for kind in KINDS}


def simulator(**overrides: object) -> Simulator:
    settings: dict[str, object] = {
        "token": canary.CANARY,
        "seed": 4,
        "files_per_project": 700,
        "speed": SPEED,
        "reset_in_ms": True,
        "timing": Timing(median=5, sigma=0.6, failure=0.1),
    }
    settings.update(overrides)
    return Simulator(**settings)  # type: ignore[arg-type]


async def start_mixed(
    sim: Simulator, client: CavaticaClient, scale: float = 1
) -> list[tuple[JobKind, str]]:
    """1000 / scale jobs: 60% exports, 20% imports, 6% DRS, 6% copy, 4% move, 4% delete."""

    def share(count: int) -> int:
        return int(count / scale)

    ours = sim.file_ids("rfranklin/project-1")
    theirs = sim.file_ids("rfranklin/project-2")
    jobs: list[tuple[JobKind, str]] = []
    exports = [ExportRequest(f, "rfranklin/output", f"w/{f}") for f in ours[: share(600)]]
    started = await client.exports.bulk_start(exports, copy_only=True)
    jobs += [(JobKind.EXPORT, item.resource.id) for item in started if item.resource]
    imports = [
        ImportRequest(
            "rfranklin/input", f"reads/sample_{n:05d}.fastq.gz", project="rfranklin/project-2"
        )
        for n in range(share(200))
    ]
    jobs += [
        (JobKind.IMPORT, i.resource.id)
        for i in await client.imports.bulk_start(imports)
        if i.resource
    ]
    for n in range(share(60)):
        [drs] = await client.drs_imports.start(
            [DrsImportItem(f"drs://h.example/{n}", project="rfranklin/project-1")]
        )
        jobs.append((JobKind.DRS_IMPORT, drs.id))
    for n in range(share(60)):
        [copy] = await client.async_jobs.copy([CopyItem(theirs[n], project="rfranklin/project-1")])
        jobs.append((JobKind.COPY, copy.id))
    for n in range(share(40)):
        [move] = await client.async_jobs.move(
            [CopyItem(theirs[share(100) + n], project="rfranklin/project-1")]
        )
        jobs.append((JobKind.MOVE, move.id))
    for n in range(share(40)):
        [delete] = await client.async_jobs.delete([theirs[share(200) + n]])
        jobs.append((JobKind.DELETE, delete.id))
    return jobs


def check_against_truth(
    events: list[JobEvent], sim: Simulator, jobs: list[tuple[JobKind, str]]
) -> None:
    """Each job: events in order, chained, no duplicates, no phantom, final state exactly once."""
    truth: dict[tuple[JobKind, str], list[str]] = defaultdict(list)
    for transition in sim.ground_truth():
        truth[(KIND_OF[transition.kind], transition.job_id)].append(transition.current)
    seen: dict[tuple[JobKind, str], list[JobEvent]] = defaultdict(list)
    for event in events:
        seen[(event.kind, event.job_id)].append(event)
    for key in jobs:
        states = truth[key]
        observed = seen[key]
        assert observed, f"no event for {key}"
        currents = [str(e.current) for e in observed]
        assert observed[0].previous is None
        for before, after in pairwise(observed):
            assert after.previous == before.current  # chained: nothing skipped silently
        # Observed states are the true states in the true order (a subsequence: short states
        # may be missed, none is invented or repeated).
        position = 0
        for state in currents:
            assert state in states[position:], (key, currents, states)
            position = states.index(state, position) + 1
        assert currents[-1] == states[-1]  # the final state, exactly once
        assert observed[-1].terminal
        assert sum(e.terminal for e in observed) == 1

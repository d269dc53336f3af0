"""Every code block of the README and of the documentation site's home and guide pages runs:
Python against the simulator, the rest checked. A block on several pages is checked once.

Python blocks are executed, and every function they define is called with a client connected
to the simulator (its ids, volumes and DRS URIs). `ini` blocks are read as a credentials file;
`sh` blocks' commands must be make targets or parse as `cavatica-async` command lines. `text`
blocks are sample output.
"""

from __future__ import annotations

import inspect
import re
import shlex
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from cavatica_async import (
    CavaticaClient,
    CopyItem,
    ExportRequest,
    JobEvent,
    JobKind,
    SystemClock,
)
from cavatica_async.cli import build_parser
from cavatica_async.config import resolve_config
from cavatica_async.simulator import Simulator, Timing

from tests import canary
from tests.helpers_downstream import project, run_pytest

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", ROOT / "docs" / "index.md", *sorted(ROOT.glob("docs/guide/*.md"))]
BLOCKS = list(
    dict.fromkeys(
        block
        for page in PAGES
        for block in re.findall(r"```(\w+)\n(.*?)```", page.read_text(), re.S)
    )
)
PYTHON_BLOCKS = [code for language, code in BLOCKS if language == "python"]
# Test modules (they import pytest) run under pytest-asyncio in a project of their own; the
# rest are called here with a client on the simulator.
TESTS = [code for code in PYTHON_BLOCKS if re.search(r"^import pytest$", code, re.M)]
PYTHON = [code for code in PYTHON_BLOCKS if code not in TESTS]
SPEED = 200
LOOPTIME = sys.version_info >= (3, 11)  # the virtual-time examples on asyncio need looptime


class FastClock(SystemClock):
    """Real wall time, sleeps SPEED times shorter: waits with default intervals stay quick."""

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds / SPEED)


def simulator() -> Simulator:
    return Simulator(
        token=canary.CANARY,
        seed=2,
        speed=SPEED,
        reset_in_ms=True,
        timing=Timing(median=20, sigma=0.5, failure=0.0),
    )


def files(sim: Simulator, project: str = "rfranklin/project-1", count: int = 5) -> list[str]:
    return [f.id for f in sim.world.children(project, None) if f.type == "file"][:count]


async def exports_and_copies(sim: Simulator, client: CavaticaClient) -> tuple[list[str], list[str]]:
    ours = files(sim, count=8)
    started = await client.exports.bulk_start(
        [ExportRequest(f, "rfranklin/output", f"readme/{f}") for f in ours], copy_only=True
    )
    copies = await client.async_jobs.copy([CopyItem(ours[0], project="rfranklin/project-2")])
    return [i.resource.id for i in started if i.resource], [c.id for c in copies]


async def call_run_service(function: Any, sim: Simulator, client: CavaticaClient) -> None:
    exports, copies = await exports_and_copies(sim, client)
    jobs = [(JobKind.EXPORT, e) for e in exports] + [(JobKind.COPY, c) for c in copies]
    send, receive = anyio.create_memory_object_stream[tuple[JobKind, str]](len(jobs))
    finals: list[JobEvent] = []
    with anyio.fail_after(60), anyio.CancelScope() as service:

        async def on_final(event: JobEvent) -> None:
            finals.append(event)
            if len(finals) == len(jobs):
                service.cancel()  # how a service stops its watcher

        async with send:
            for job in jobs:
                await send.send(job)
        async with receive:
            await function(client, receive, on_final)
    assert sorted(e.job_id for e in finals) == sorted(job_id for _, job_id in jobs)


# How to call each function the README defines, with what the simulator holds.
CALLS: dict[str, Callable[[Any, Simulator, CavaticaClient], Awaitable[None]]] = {
    "export_results": lambda f, sim, client: f(client, files(sim)),
    "import_reads": lambda f, sim, client: f(client),
    "import_from_drs": lambda f, sim, client: f(
        client, [f"drs://drs.example.org/r{n}" for n in range(3)]
    ),
    "copy_then_clean_up": lambda f, sim, client: f(client, files(sim, "rfranklin/project-2", 3)),
    "follow": lambda f, sim, client: _follow(f, sim, client),
    "run_service": call_run_service,
    "export_carefully": lambda f, sim, client: f(client, files(sim)[0]),
    "find_inputs": lambda f, sim, client: f(client),
    "export_project": lambda f, sim, client: _transfer(f, sim, client),
}


async def _transfer(function: Any, sim: Simulator, client: CavaticaClient) -> None:
    with tempfile.TemporaryDirectory() as folder:
        journal = Path(folder) / "transfer.db"
        await function(client, journal)
        report = journal.with_suffix(".csv").read_text().splitlines()
    walked = [f for f in sim.world.files.values() if f.project == "rfranklin/project-1"]
    assert len(report) == 1 + sum(1 for f in walked if f.type == "file")
    assert all(",done," in line for line in report[1:])


async def _follow(function: Any, sim: Simulator, client: CavaticaClient) -> None:
    exports, copies = await exports_and_copies(sim, client)
    await function(client, exports, copies)


@pytest.fixture
async def served(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Simulator]:
    """A simulator over loopback, named by SB_* so `CavaticaClient()` finds it."""
    sim = simulator()
    async with sim.serve() as base_url:
        monkeypatch.setenv("SB_API_ENDPOINT", base_url)
        monkeypatch.setenv("SB_AUTH_TOKEN", sim.token)
        yield sim


def test_the_readme_has_its_blocks() -> None:
    languages = [language for language, _ in BLOCKS]
    assert len(PYTHON) >= 9
    assert len(TESTS) >= 4  # the simulator's, and the three of "Testing your code"
    assert {"sh", "ini", "text"} <= set(languages)


def test_test_blocks_pass_under_pytest_asyncio(tmp_path: Path) -> None:
    """Each test module of the README, as written, in a downstream project: strict mode, every
    warning an error, the plugin's fixtures found through its entry point."""
    runnable = [code for code in TESTS if LOOPTIME or "pytest.mark.looptime" not in code]
    files = {f"test_readme_{index}.py": code for index, code in enumerate(runnable)}
    counts, output = run_pytest(project(tmp_path, files), "-o", "asyncio_mode=strict")
    tests = sum(len(re.findall(r"^async def test_", code, re.M)) for code in runnable)
    assert counts == {"exit": 0, "passed": tests}, output


@pytest.mark.anyio
@pytest.mark.parametrize("index", range(len(PYTHON)))
async def test_python_block_runs(index: int, served: Simulator) -> None:
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(PYTHON[index], f"python block {index} of README.md or docs/", "exec"), namespace)
    defined = {
        name: value
        for name, value in namespace.items()
        if inspect.iscoroutinefunction(value) and value.__module__ == "readme_example"
    }
    assert defined, "a README block should define the coroutine it shows"
    async with CavaticaClient(
        token=served.token,
        base_url=served.base_url,
        transport=served.transport(),
        clock=FastClock(),
    ) as client:
        for name, function in defined.items():
            with anyio.fail_after(60):
                if name == "main":
                    await function()  # `main` finds the simulator through SB_* variables
                else:
                    assert name in CALLS, f"teach tests/test_readme.py how to call {name}"
                    await CALLS[name](function, served, client)


def test_ini_block_is_a_credentials_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [ini] = [code for language, code in BLOCKS if language == "ini"]
    path = tmp_path / ".sevenbridges" / "credentials"
    path.parent.mkdir()
    path.write_text(ini.replace("<your token>", "0123456789abcdef0123456789abcdef"))
    path.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_config().base_url == "https://cavatica-api.sbgenomics.com/v2"
    assert resolve_config(profile="cgc").base_url == "https://cgc-api.sbgenomics.com/v2"


def test_sh_blocks_name_real_targets_and_commands() -> None:
    targets = set(re.findall(r"^([a-z]+):", (ROOT / "Makefile").read_text(), re.M))
    commands = 0
    for language, code in BLOCKS:
        if language != "sh":
            continue
        for line in code.splitlines():
            words = shlex.split(line, comments=True)
            if not words:
                continue
            commands += 1
            if words[0] == "make":
                assert set(words[1:]) <= targets, line
            else:
                assert words[0] == "cavatica-async", line
                build_parser().parse_args(words[1:])  # exits (fails the test) if not valid
    assert commands >= 6

"""The testing kit as a downstream service meets it: a project of its own in a temporary folder,
no conftest.py, only the plugin's fixtures, run by pytest in a process of its own with every
warning an error: under pytest-asyncio in strict and in auto mode, and under anyio's plugin."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.helpers_downstream import project, run_pytest

LOOPTIME = sys.version_info >= (3, 11)  # looptime's asyncio loop needs Python 3.11

SERVICE_TESTS = """
import pytest

from cavatica_async import CavaticaClient, PollPolicy
from cavatica_async.simulator import Simulator, Timing
from cavatica_async.testing import SimulatorServer, virtual_time_backends

QUICK = PollPolicy(initial=0.02, maximum=0.2)
USED: list[CavaticaClient] = []
{backends}

{mark}
@pytest.mark.cavatica_sim(seed=4, timing=Timing(median=0.1, failure=0.0))
async def test_start_and_wait(cavatica_sim: Simulator, cavatica_client: CavaticaClient) -> None:
    file_id = cavatica_sim.file_ids()[0]
    job = await cavatica_client.exports.start(
        file_id, "rfranklin/output", "a.vcf.gz", copy_only=True
    )
    assert (await cavatica_client.exports.wait(job.id, policy=QUICK)).state == "COMPLETED"
    assert cavatica_sim.start_counts()["export", file_id] == 1
    USED.append(cavatica_client)


def test_each_client_was_closed_after_its_test() -> None:
    assert USED and all(client.closed for client in USED)


{mark}
async def test_a_client_of_its_own_finds_the_server(
    cavatica_server: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in cavatica_server.env().items():
        monkeypatch.setenv(name, value)
    async with CavaticaClient(allow_insecure_http=True) as client:
        assert (await client.get_rate_limit()).limit == 1000
    assert cavatica_server.token not in repr(cavatica_server)


@pytest.mark.parametrize("cavatica_sim", [{{"seed": 1}}, {{"seed": 2}}], indirect=True)
def test_seeds(cavatica_sim: Simulator) -> None:
    assert len(cavatica_sim.file_ids()) == 180


{virtual}
@pytest.mark.cavatica_sim(timing=Timing(median=3600, failure=0.0))
async def test_hours_in_virtual_time(
    cavatica_sim: Simulator, cavatica_client: CavaticaClient
) -> None:
    began = cavatica_sim.clock.now()
    file_id = cavatica_sim.file_ids()[0]
    job = await cavatica_client.exports.start(
        file_id, "rfranklin/output", "b.vcf.gz", copy_only=True
    )
    assert (await cavatica_client.exports.wait(job.id, deadline=None)).state == "COMPLETED"
    assert cavatica_sim.clock.now() - began > 1800
"""

LOOP_SCOPE_TESTS = """
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from cavatica_async import CavaticaClient, ClientLoopError
from cavatica_async.simulator import Simulator


@pytest.mark.asyncio(loop_scope="module")
async def test_in_the_modules_loop(cavatica_client: CavaticaClient) -> None:
    assert (await cavatica_client.get_rate_limit()).limit == 1000


@pytest.mark.asyncio(loop_scope="session")
async def test_in_the_sessions_loop(cavatica_client: CavaticaClient) -> None:
    assert (await cavatica_client.get_rate_limit()).limit == 1000


@pytest.fixture(scope="module")
def shared_sim() -> Simulator:
    return Simulator(seed=5)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_client(shared_sim: Simulator) -> AsyncIterator[CavaticaClient]:
    async with CavaticaClient(
        token=shared_sim.token, base_url=shared_sim.base_url, transport=shared_sim.transport()
    ) as client:
        yield client


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("attempt", [1, 2])
async def test_a_shared_client_in_its_own_loop(shared_client: CavaticaClient, attempt: int) -> None:
    assert (await shared_client.get_rate_limit()).limit == 1000


@pytest.mark.asyncio
async def test_a_shared_client_in_another_loop_says_so(shared_client: CavaticaClient) -> None:
    with pytest.raises(ClientLoopError, match="first used in another event loop"):
        await shared_client.get_rate_limit()
"""

# The session's first tests are a plain one and anyio ones, beside pytest-asyncio's in strict
# mode, with looptime's plugin active: nothing may be left an unclosed loop.
PLAIN_AND_ANYIO_FIRST = """
import pytest

from cavatica_async import CavaticaClient
from cavatica_async.simulator import Simulator


def test_plain(cavatica_sim: Simulator) -> None:
    assert cavatica_sim.file_ids()


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_anyio(cavatica_client: CavaticaClient) -> None:
    assert (await cavatica_client.get_rate_limit()).limit == 1000
"""

# looptime finds a test's loop as the thread's current one: closing a client after a test must
# not take that away from the next test in a module's loop.
LOOPTIME_AFTER_A_CLIENT = """
import time

import anyio
import pytest

from cavatica_async import CavaticaClient


@pytest.mark.asyncio(loop_scope="module")
async def test_a_client_left_open(cavatica_client: CavaticaClient) -> None:
    assert (await cavatica_client.get_rate_limit()).limit == 1000


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.looptime
async def test_then_virtual_time_in_the_same_loop() -> None:
    began = time.monotonic()
    await anyio.sleep(3600)
    assert time.monotonic() - began < 600  # an hour of loop time, not of real time
"""

ANYIO_BACKENDS = """

@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)
"""


def service_tests(mark: str, virtual: str, backends: str = "") -> str:
    return SERVICE_TESTS.format(mark=mark, virtual=virtual, backends=backends)


def looptime_virtual(mark: str) -> str:
    if LOOPTIME:
        return f"{mark}\n@pytest.mark.looptime"
    return f"{mark}\n@pytest.mark.skip(reason='looptime needs Python 3.11')"


def check(counts: dict[str, int], output: str, passed: int, skipped: int = 0) -> None:
    expected = {"exit": 0, "passed": passed, **({"skipped": skipped} if skipped else {})}
    assert counts == expected, output


def test_under_pytest_asyncio_in_strict_mode(tmp_path: Path) -> None:
    mark = "@pytest.mark.asyncio"
    folder = project(
        tmp_path / "strict",
        {
            "test_a_first.py": PLAIN_AND_ANYIO_FIRST,
            "test_service.py": service_tests(mark, looptime_virtual(mark)),
            "test_loop_scopes.py": LOOP_SCOPE_TESTS,
            **({"test_looptime_after_a_client.py": LOOPTIME_AFTER_A_CLIENT} if LOOPTIME else {}),
        },
    )
    counts, output = run_pytest(folder, "-o", "asyncio_mode=strict")
    passed = 3 + 6 + 5 + 2 * LOOPTIME - (not LOOPTIME)
    check(counts, output, passed=passed, skipped=int(not LOOPTIME))


def test_under_pytest_asyncio_in_auto_mode(tmp_path: Path) -> None:
    folder = project(
        tmp_path / "auto",
        {
            "test_service.py": service_tests("", looptime_virtual("")),
            "test_loop_scopes.py": LOOP_SCOPE_TESTS,
        },
    )
    counts, output = run_pytest(folder, "-o", "asyncio_mode=auto")
    check(counts, output, passed=6 + 5 - (not LOOPTIME), skipped=int(not LOOPTIME))


def test_under_the_anyio_plugin_on_asyncio_and_trio(tmp_path: Path) -> None:
    mark = "@pytest.mark.anyio"
    virtual = f'{mark}\n@pytest.mark.parametrize("anyio_backend", virtual_time_backends())'
    # looptime's plugin is active too, as the testing extra installs it: an anyio test first
    # must not leave it an unclosed loop (docs/testing.md#virtual-time).
    folder = project(
        tmp_path / "anyio",
        {"test_service.py": service_tests(mark, virtual, ANYIO_BACKENDS)},
    )
    counts, output = run_pytest(folder)
    # Two backends for each async test; virtual time on trio, and on asyncio where looptime is.
    check(counts, output, passed=2 + 1 + 2 + 2 + 1 + LOOPTIME, skipped=int(not LOOPTIME))


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_a_test_outside_every_plugin_is_named_not_hung(tmp_path: Path, mode: str) -> None:
    # An async test no plugin takes (strict mode, no mark) fails, saying why: not a silent pass.
    folder = project(
        tmp_path / mode,
        {
            "test_unmarked.py": (
                "async def test_unmarked(cavatica_client):\n"
                "    assert (await cavatica_client.get_rate_limit()).limit == 1000\n"
            )
        },
    )
    counts, output = run_pytest(folder, "-o", f"asyncio_mode={mode}")
    if mode == "auto":
        check(counts, output, passed=1)
    else:
        assert counts["exit"] == 1
        assert "async def functions are not natively supported" in output


def test_without_the_simulator_the_fixtures_name_the_extra(tmp_path: Path) -> None:
    # As if starlette and uvicorn were not installed (not found, and not importable): the plugin
    # is loaded by its entry point once pytest starts, after this hides them.
    hide = (
        "import importlib.util as util, sys; real = util.find_spec; "
        "util.find_spec = lambda name, *rest: "
        "None if name in ('starlette', 'uvicorn') else real(name, *rest); "
        "sys.modules.update(starlette=None, uvicorn=None); "
        "import pytest; sys.exit(pytest.main(sys.argv[1:]))"
    )
    folder = project(
        tmp_path / "bare",
        {
            "test_bare.py": (
                "import pytest\n\n"
                "def test_plain():\n    assert True\n\n"
                "@pytest.mark.cavatica_sim(seed=1)\n"
                "def test_kit(cavatica_client):\n    pass\n"
            )
        },
    )
    counts, output = run_pytest(folder, python=("-c", hide))
    assert counts == {"exit": 1, "passed": 1, "error": 1}, output
    assert "need the simulator: pip install 'cavatica-async[testing]'" in output
    assert "Traceback" not in output

"""The wheel alone: built from this checkout, installed with no extra in a fresh venv, its
command line run against a simulator served from this venv (another process, another venv)."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from cavatica_async.simulator import Timing
from cavatica_async.testing import SimulatorServer

from tests import canary

ROOT = Path(__file__).parents[2]
COMMANDS = ["watch", "export", "import", "drs-import", "copy", "move", "delete", "status"]
COMMANDS += ["demo", "simulate"]


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `cavatica-async` command of a venv holding the wheel and its dependencies only."""
    folder = tmp_path_factory.mktemp("bare")
    run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder), str(ROOT)]
    )
    [wheel] = folder.glob("cavatica_async-*.whl")
    venv.create(folder / "venv", with_pip=True)
    python = folder / "venv" / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--quiet", str(wheel)])
    listed = run([str(python), "-m", "pip", "list", "--format=freeze"]).stdout.lower()
    assert "rich==" not in listed
    assert "starlette==" not in listed
    return folder / "venv" / "bin" / "cavatica-async"


def run(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=600, check=False
    )
    canary.shown("CLI output", done.stdout + done.stderr)
    assert done.returncode == 0 or env is not None, done.stderr
    return done


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_help(bare: Path, command: str | None) -> None:
    done = run([str(bare), *([command] if command else []), "--help"], env=dict(os.environ))
    assert (done.returncode, done.stderr) == (0, "")
    assert "usage: cavatica-async" in done.stdout


@pytest.mark.parametrize("command", ["demo", "simulate"])
def test_the_simulators_commands_name_their_extra(bare: Path, command: str) -> None:
    done = run([str(bare), command], env=dict(os.environ))
    assert done.returncode == 2
    assert "needs `pip install 'cavatica-async[simulator]'`" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.cavatica_sim(token=canary.CANARY, seed=5, timing=Timing(median=0.3, failure=0.0))
async def test_watch_against_a_simulator_of_another_venv(
    bare: Path, cavatica_server: SimulatorServer, one_export: str, tmp_path: Path
) -> None:
    env = {**os.environ, **cavatica_server.env(), "HOME": str(tmp_path)}
    done = run([str(bare), "watch", "--export", one_export], env=env)
    assert done.returncode == 0, done.stderr
    assert f"export     {one_export}  - -> " in done.stdout
    assert "Summary" in done.stderr
    assert "Traceback" not in done.stderr
    unknown = run([str(bare), "watch", "--export", "nosuchjob"], env=env)
    assert unknown.returncode == 1  # an unknown job, as documented
    assert "Traceback" not in unknown.stderr

"""The command line without its extras: rich (`cli`) hidden, every command still runs in plain
lines; the simulator's commands name their extra. Hidden by `sys.modules[name] = None`, which
makes both `import` and `importlib.util.find_spec` say the module is not there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cavatica_async.simulator import Timing
from cavatica_async.testing import SimulatorServer

from tests import canary

COMMANDS = ["demo", "watch", "export", "import", "drs-import", "copy", "move", "delete"]
COMMANDS += ["status", "simulate"]


def cli(
    hidden: tuple[str, ...], *args: str, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    hide = "".join(f"sys.modules[{name!r}] = None; " for name in hidden)
    code = f"import sys; {hide}from cavatica_async.cli import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100", **(env or {})},
        timeout=120,
        check=False,
    )
    canary.shown("CLI output", done.stdout + done.stderr)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_help_runs_without_rich(command: str | None) -> None:
    status, out, err = cli(("rich",), *([command] if command else []), "--help")
    assert (status, err) == (0, "")
    assert "usage: cavatica-async" in out


@pytest.mark.anyio
@pytest.mark.cavatica_sim(token=canary.CANARY, seed=2, timing=Timing(median=0.3, failure=0.0))
async def test_watch_runs_without_rich_in_plain_lines(
    cavatica_server: SimulatorServer, one_export: str, tmp_path: Path
) -> None:
    env = {**cavatica_server.env(), "HOME": str(tmp_path)}
    status, out, err = cli(("rich",), "watch", "--export", one_export, env=env)
    assert status == 0, err
    assert f"export     {one_export}  - -> " in out
    assert "Summary" in err  # in lines, on stderr: stdout is a pipe
    assert "Traceback" not in err


def test_the_simulators_commands_name_their_extra() -> None:
    status, _, err = cli(("starlette", "uvicorn"), "simulate", "--port", "0")
    assert status == 2
    assert "needs `pip install 'cavatica-async[simulator]'`" in err
    assert "Traceback" not in err

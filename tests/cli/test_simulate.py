"""The command line: `cavatica-async simulate` serves the simulator and says where."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from cavatica_async.cli import build_parser


def test_simulate_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cavatica_async.cli",
            "simulate",
            "--port",
            "0",
            "--token",
            "tok-cli",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        lines = [first, process.stdout.readline(), process.stdout.readline()]
        base_url = first.split(" at ")[1].split()[0]
        assert lines[1] == f"export SB_API_ENDPOINT={base_url}\n"
        assert lines[2] == "export SB_AUTH_TOKEN=tok-cli\n"
        answer = httpx.get(f"{base_url}/user", headers={"X-SBG-Auth-Token": "tok-cli"}, timeout=10)
        assert answer.json()["username"] == "rfranklin"
    finally:
        process.terminate()
        process.communicate(timeout=10)
    assert process.returncode is not None


def test_help_lists_simulate(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(["--help"])
    assert done.value.code == 0
    assert "simulate" in capsys.readouterr().out

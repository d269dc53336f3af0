"""`cavatica-async demo`: runs offline, shows a live display in a terminal, lines in a pipe."""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cavatica_async.cli.demo import run_demo

from tests import canary

CLI = [sys.executable, "-m", "cavatica_async.cli"]


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_summary_matches_the_simulators_own_counters(
    capsys: pytest.CaptureFixture[str], anyio_backend: str
) -> None:
    args = argparse.Namespace(jobs=80, speed=100.0, seed=3, json=False)
    outcome, sim = await run_demo(args)
    counts = sim.request_counts()
    served = sum(counts.values())
    assert outcome.requests == served
    assert outcome.rate_limited == sum(n for (_, _, status), n in counts.items() if status == 429)
    # Every job reached its final state and the tally says how each ended.
    assert sum(outcome.tally.total.values()) == sum(
        outcome.tally.finished(kind) for kind in outcome.tally.total
    )
    finals = {state for kinds in outcome.tally.final.values() for state in kinds}
    assert {"COMPLETED", "FAILED"} <= finals  # some exports fail as real ones do (9107)
    assert "FINISHED with failed items" in finals  # the malformed DRS URIs
    # Not a terminal: the notes and the summary go to stderr, the event lines alone to stdout.
    printed = capsys.readouterr().err
    assert "refused: export of" in printed  # the read-only volume, refused at once
    # The summary's count is the client's own; it equals what the simulator served.
    assert re.search(rf"API requests\s*│\s*{served}\s*│", printed), printed


def run(command: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(tmp_path), "COLUMNS": "120", "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=120, check=False
    )
    canary.shown("CLI output", done.stdout + done.stderr)
    return done


def test_in_a_pipe_it_prints_plain_lines(tmp_path: Path) -> None:
    done = run([*CLI, "demo", "--jobs", "40", "--speed", "100"], tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("export ") and "- -> PENDING" in line for line in lines)
    assert any("FAILED: 9107 Location on volume already contains a file" in line for line in lines)
    # The pipe holds the event lines alone: the notes and the summary are on stderr.
    assert "Summary" in done.stderr
    assert "Summary" not in done.stdout
    assert "\x1b[" not in done.stdout + done.stderr  # no terminal control codes in a pipe
    # The second part: the CLI's export killed with SIGKILL, then run again to its end.
    assert "Killed it with SIGKILL after" in done.stderr
    assert re.search(r"Second run: \d+ completed, \d+ failed, 0 refused, 0 unsure", done.stderr)
    assert "Files started twice across both runs: 0." in done.stderr


def test_json_lines(tmp_path: Path) -> None:
    done = run([*CLI, "demo", "--jobs", "40", "--speed", "100", "--json"], tmp_path)
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert {e["kind"] for e in events} == {"export", "import", "drs_import", "copy"}
    assert "Summary" in done.stderr


@pytest.mark.skipif(shutil.which("script") is None, reason="needs util-linux `script` for a tty")
def test_in_a_terminal_it_shows_a_live_display(tmp_path: Path) -> None:
    command = shlex.join([*CLI, "demo", "--jobs", "40", "--speed", "100"])
    done = run(["script", "-q", "-e", "-c", command, str(tmp_path / "typescript")], tmp_path)
    assert done.returncode == 0, done.stdout
    screen = done.stdout
    assert "━" in screen  # progress bars
    assert "API requests" in screen  # the status line
    assert "\x1b[" in screen  # drawn with terminal control codes
    assert " -> PENDING" not in screen  # no per-event lines: the table is redrawn instead
    assert "Summary" in screen

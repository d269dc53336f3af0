"""A downstream project in a temporary folder, tested by pytest in a process of its own: how a
service that uses the library meets the testing kit (its plugin found by its entry point)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

# What a downstream project configures: pytest-asyncio warns on every run without it.
PYPROJECT = """\
[project]
name = "downstream-service"
version = "0"

[tool.pytest.ini_options]
asyncio_default_fixture_loop_scope = "function"
"""


def project(folder: Path, files: dict[str, str], ini: str = "") -> Path:
    """A project in `folder`: its pyproject.toml (pytest options `ini` added) and `files` (test
    modules, no conftest.py)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(PYPROJECT + ini)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def run_pytest(
    folder: Path, *args: str, python: tuple[str, ...] = ("-m", "pytest")
) -> tuple[dict[str, int], str]:
    """Run pytest in `folder` (`python -m pytest`, or what `python` says) with every warning an
    error; the outcomes counted, and the output.

    Nothing of this project's own pytest run leaks in: not its options, not its SB_* variables.
    """
    env = {
        name: value for name, value in os.environ.items() if not name.startswith(("SB_", "PYTEST_"))
    }
    command = [sys.executable, *python, "-W", "error", "-p", "no:cacheprovider", "-rs"]
    result = subprocess.run(
        [*command, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=600
    )
    output = result.stdout + result.stderr
    summaries = re.findall(r"^=+ (.* in [\d.]+s.*) =+$", result.stdout, re.M)
    counts = {"exit": result.returncode}
    for number, outcome in re.findall(r"(\d+) (\w+)", summaries[-1] if summaries else ""):
        counts[outcome.removesuffix("s")] = int(number)  # "1 error", "2 errors": "error"
    return counts, output

"""The demo's second part: a transfer from the command line, killed half-way and resumed.

The real `cavatica-async export` runs as a child process against the simulator served on
127.0.0.1; it is killed with SIGKILL while its jobs run, and the same command line is run
again: it reconciles what the killed run left and ends every file once.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

import anyio

from cavatica_async.cli.display import View

FOLDER = "results"  # the simulator's folder in each project: every tenth file


async def run_transfer_demo(sim: Any, view: View) -> int:
    """Export a folder with --copy-only, kill the command half-way, run it again; the second
    run's exit status."""
    project = f"{sim.world.username}/project-1"
    with tempfile.TemporaryDirectory() as folder:
        journal = Path(folder) / "transfer.db"
        command = [
            *(sys.executable, "-m", "cavatica_async.cli", "export"),
            *("--project", project, "--folder", FOLDER, "--volume", f"{sim.world.username}/output"),
            *("--prefix", "demo", "--copy-only", "--journal", str(journal)),
        ]
        before = dict(sim.start_counts())  # the first part's starts

        def starts() -> dict[Any, int]:
            counts = sim.start_counts().items()
            return {k: n - before.get(k, 0) for k, n in counts if n > before.get(k, 0)}

        async with sim.serve() as base_url:
            env = {**os.environ, "SB_API_ENDPOINT": base_url, "SB_AUTH_TOKEN": sim.token}
            view.note(f"Transfer: {' '.join(command[3:])}")
            async with await anyio.open_process(command, env=env) as first:
                # Killed once its jobs are running: what it started is in the journal.
                with anyio.move_on_after(30):
                    while not any(starts().values()):  # noqa: ASYNC110 (another process's)
                        await anyio.sleep(0.05)
                await anyio.sleep(0.3)
                first.send_signal(signal.SIGKILL)
                await first.wait()
            view.note(f"Killed it with SIGKILL after {sum(starts().values())} starts.")
            view.note("Running the same command again: it reconciles, then finishes.")
            done = await anyio.run_process(command, env=env, check=False)
        said = done.stderr.decode().strip().splitlines()
        view.note(f"Second run: {said[-1] if said else 'no summary'} (exit {done.returncode})")
        twice = sum(1 for n in starts().values() if n > 1)
        view.note(f"Files started twice across both runs: {twice}.")
    return done.returncode

"""One run of workload G's transfer, in a process of its own so that it can be killed with -9.

Run by `benchmarks.workload_g`, never by hand: `python -m benchmarks.transfer_worker CONFIG_JSON`.
It runs the `Transfer` the transfer commands run (the engine without the terminal display), with
the platform's pace compressed `speed` times like every benchmark: the watcher's intervals and
the DRS queue's window divided by it. Run again on the same journal, it resumes. It prints one
JSON line when its imports are done and it begins (`{"began": epoch}`) and one when its run ends
(`{"ended": epoch, "counts": {...}}`).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import anyio

from cavatica_async import CavaticaClient, DrsImportItem, ExportRequest, PollPolicy
from cavatica_async.transfers import Journal, StartOptions, Transfer, TransferOptions


def options(speed: float) -> TransferOptions:
    """The transfer's options at `speed`: the defaults, with every interval compressed."""
    default = PollPolicy()
    poll = PollPolicy(initial=default.initial / speed, maximum=default.maximum / speed)
    window = TransferOptions().drs_window / speed
    return TransferOptions(start=StartOptions(copy_only=True), poll=poll, drs_window=window)


async def run(config: dict[str, Any], files: list[str]) -> dict[str, int]:
    """Plan the exports of `files` and the DRS imports (an item already planned is kept) and
    run to the end."""
    async with (
        await Journal.open(config["journal"]) as journal,
        CavaticaClient(config["token"], config["base_url"]) as client,
    ):
        transfer = Transfer(client, journal, options(config["speed"]))
        exports = [ExportRequest(f, "rfranklin/output", f"g/{f}") for f in files]
        uris = [f"drs://drs.example.org/g{n:05d}" for n in range(config["uris"])]
        drs = [DrsImportItem(uri, project=config["project"]) for uri in uris]
        await transfer.add("export", exports)
        await transfer.add("drs_import", drs)
        counts = await transfer.run()
    return {state.value: n for state, n in counts.items()}


def main() -> None:
    config: dict[str, Any] = json.loads(Path(sys.argv[1]).read_text())
    files: list[str] = json.loads(Path(config["files"]).read_text())
    print(json.dumps({"began": time.time()}), flush=True)
    counts = anyio.run(run, config, files)
    print(json.dumps({"ended": time.time(), "counts": counts}), flush=True)


if __name__ == "__main__":
    main()

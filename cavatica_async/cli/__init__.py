"""The `cavatica-async` command line: `demo`, `watch`, the transfer commands (`export`,
`import`, `drs-import`, `copy`, `move`, `delete`, `status`) and `simulate`."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path

import anyio

from cavatica_async.cli.follow import EXIT_INTERRUPTED, EXIT_USAGE, silence_stdout
from cavatica_async.cli.messages import in_cli_words
from cavatica_async.errors import CavaticaError

Command = Callable[[argparse.Namespace], Awaitable[int]]
EXIT_BROKEN_PIPE = 141  # as a shell reports a command that SIGPIPE ended
# Transfer commands: each resumed by running the same command line again.
TRANSFERS = {
    "export": "export project files to a volume",
    "import": "import volume objects into a project",
    "drs-import": "import a manifest of DRS URIs into a project",
    "copy": "copy files to another project or folder",
    "move": "move files to another project or folder",
    "delete": "delete files",
}


def _missing(extra: str, exc: ImportError) -> str:
    return f"this command needs `pip install 'cavatica-async[{extra}]'` ({exc})"


def _simulate(args: argparse.Namespace) -> int:
    from cavatica_async.simulator import Simulator, Timing, server

    sim = Simulator(
        seed=args.seed,
        token=args.token,
        speed=args.speed,
        files_per_project=args.files,
        rate_limit=args.rate_limit,
        timing=Timing(median=args.state_seconds, sigma=args.state_spread, failure=args.failure),
    )

    def ready(base_url: str) -> None:
        print(f"Simulated CAVATICA API at {base_url} (Ctrl-C to stop)")
        print(f"export SB_API_ENDPOINT={base_url}")
        print(f"export SB_AUTH_TOKEN={sim.token}", flush=True)

    server.run(sim.app, args.host, args.port, ready)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    from cavatica_async.cli import demo, transfer, transfer_show, watch

    parser = argparse.ArgumentParser(
        prog="cavatica-async",
        description="Move files in and out of CAVATICA / Seven Bridges and watch the jobs.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    shown = commands.add_parser(
        "demo", help="watch a batch of jobs on the built-in simulator (no token, no network)"
    )
    demo.add_arguments(shown)
    shown.set_defaults(run=partial(_run_async, demo.run))

    watching = commands.add_parser("watch", help="watch jobs on a real platform until they end")
    watch.add_arguments(watching)
    watching.set_defaults(run=partial(_run_async, watch.run))

    for command, what in TRANSFERS.items():
        transferring = commands.add_parser(command, help=what, description=f"{what}; resumable.")
        transfer.add_arguments(transferring, command)
        transferring.set_defaults(run=partial(_run_async, transfer.run))
    status = commands.add_parser("status", help="a transfer journal's items and how they ended")
    status.add_argument("--journal", type=Path, required=True, help="the transfer's SQLite file")
    status.add_argument("--json", action="store_true", help="one JSON object per item")
    status.set_defaults(run=partial(_run_async, transfer_show.status))

    simulate = commands.add_parser(
        "simulate",
        help="serve the built-in platform simulator over HTTP",
        description="Serve a seeded fake CAVATICA API on 127.0.0.1 until interrupted.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    simulate.add_argument("--port", type=int, default=8000, help="port (0: any free one)")
    simulate.add_argument("--host", default="127.0.0.1", help="address to listen on")
    simulate.add_argument("--token", help="auth token to accept (default: a seeded random one)")
    simulate.add_argument("--seed", type=int, default=0, help="seed of the world and the jobs")
    simulate.add_argument("--speed", type=float, default=1.0, help="time compression factor")
    simulate.add_argument("--files", type=int, default=200, help="files per project")
    simulate.add_argument("--rate-limit", type=int, default=1000, help="requests per window")
    simulate.add_argument("--failure", type=float, default=0.05, help="job failure probability")
    simulate.add_argument(
        "--state-seconds", type=float, default=20.0, help="median seconds a job spends in a state"
    )
    simulate.add_argument(
        "--state-spread", type=float, default=0.8, help="log-normal sigma of those seconds"
    )
    simulate.set_defaults(run=_simulate)
    return parser


def _run_async(command: Command, args: argparse.Namespace) -> int:
    return anyio.run(command, args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 jobs failed, 2 usage, 130 Ctrl-C)."""
    from cavatica_async.cli.watch import UsageError

    for stream in (sys.stdout, sys.stderr):
        # Text from the platform may hold what the terminal's encoding cannot show (a lone
        # surrogate from a JSON escape): shown escaped, never a UnicodeEncodeError.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        parser = build_parser()
    except ImportError as exc:
        print(f"cavatica-async: {_missing('cli', exc)}", file=sys.stderr)
        return EXIT_USAGE
    args = parser.parse_args(argv)
    if args.debug:
        logging.basicConfig(level=logging.DEBUG)
    try:
        status: int = args.run(args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): nothing more to say to it, and nothing is wrong.
        silence_stdout()
        return EXIT_BROKEN_PIPE
    except ImportError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"cavatica-async {args.command}: {_missing('simulator', exc)}", file=sys.stderr)
        return EXIT_USAGE
    except (UsageError, CavaticaError, ValueError, OSError) as exc:
        if args.debug:
            traceback.print_exc()  # then the same line and status as without --debug
        # One line, never a traceback: the message names what is wrong and where.
        message = in_cli_words(" ".join(str(exc).split()))
        print(f"cavatica-async {args.command}: {message}", file=sys.stderr)
        return EXIT_USAGE
    return status

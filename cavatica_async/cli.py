"""The `cavatica-async` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _simulate(args: argparse.Namespace) -> int:
    from cavatica_async.simulator import Simulator, Timing, server

    sim = Simulator(
        seed=args.seed,
        token=args.token,
        speed=args.speed,
        files_per_project=args.files,
        rate_limit=args.rate_limit,
        timing=Timing(failure=args.failure),
    )

    def ready(base_url: str) -> None:
        print(f"Simulated CAVATICA API at {base_url} (Ctrl-C to stop)")
        print(f"export SB_API_ENDPOINT={base_url}")
        print(f"export SB_AUTH_TOKEN={sim.token}", flush=True)

    try:
        server.run(sim.app, args.host, args.port, ready)
    except OSError as exc:
        print(
            f"cavatica-async simulate: cannot listen on {args.host}:{args.port}: {exc}",
            file=sys.stderr,
        )
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="cavatica-async",
        description="Work with CAVATICA / Seven Bridges asynchronous file jobs.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    simulate = commands.add_parser(
        "simulate",
        help="serve the built-in platform simulator over HTTP",
        description="Serve a seeded fake CAVATICA API on 127.0.0.1 until interrupted.",
    )
    simulate.add_argument("--port", type=int, default=8000, help="port (0: any free one)")
    simulate.add_argument("--host", default="127.0.0.1", help="address to listen on")
    simulate.add_argument("--token", help="auth token to accept (default: a seeded random one)")
    simulate.add_argument("--seed", type=int, default=0, help="seed of the world and the jobs")
    simulate.add_argument("--speed", type=float, default=1.0, help="time compression factor")
    simulate.add_argument("--files", type=int, default=200, help="files per project")
    simulate.add_argument("--rate-limit", type=int, default=1000, help="requests per window")
    simulate.add_argument("--failure", type=float, default=0.05, help="job failure probability")
    simulate.set_defaults(run=_simulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    sys.exit(main())

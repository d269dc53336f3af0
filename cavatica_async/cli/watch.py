"""`cavatica-async watch`: follow real jobs from a terminal or a pipe."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from cavatica_async.cli.display import Tally, View
from cavatica_async.cli.follow import follow
from cavatica_async.client import CavaticaClient
from cavatica_async.errors import (
    CavaticaError,
    ForbiddenError,
    TransportError,
    UnauthorizedError,
)
from cavatica_async.events import JobKind
from cavatica_async.paths import check_id
from cavatica_async.retry import RetryPolicy

# The first call says at once whether the platform is there and takes the token.
PREFLIGHT = RetryPolicy(max_retries=2, deadline=20.0)


class UsageError(Exception):
    """Something wrong with what the user asked for; exit status 2."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `watch` options."""
    ids = parser.add_argument_group("jobs (repeat any of these)")
    for kind in JobKind:
        flag = kind.value.replace("_", "-")
        ids.add_argument(
            f"--{flag}",
            dest=kind.value,
            action="append",
            default=[],
            metavar="ID",
            help=f"watch the {flag} job ID",
        )
    ids.add_argument(
        "--file",
        metavar="PATH",
        help="read `kind id` lines from PATH ('-' for stdin); # starts a comment",
    )
    add_platform_arguments(parser)
    parser.add_argument("--json", action="store_true", help="one JSON object per event on stdout")
    parser.add_argument(
        "--job-list",
        action="store_true",
        help="read copy, move and delete jobs 100 a request from the job list (experimental)",
    )
    parser.add_argument(
        "--snapshot",
        metavar="FILE",
        type=Path,
        help="resume from FILE if it exists, and write the state to it on exit",
    )


def add_platform_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the platform is and whose token: the options every command that calls it takes."""
    where = parser.add_argument_group(
        "platform (default: $SB_AUTH_TOKEN / $SB_API_ENDPOINT, then ~/.sevenbridges/credentials)"
    )
    where.add_argument("--profile", help="credentials file profile")
    where.add_argument("--platform", help="cavatica, cgc, aws-us, aws-eu, gcp, f4c or ali-cn")
    where.add_argument(
        "--base-url", help="API root URL, e.g. https://cavatica-api.sbgenomics.com/v2"
    )


async def preflight(client: CavaticaClient) -> None:
    """One call that says at once whether the platform is there and takes the token
    (`UsageError` saying which is wrong)."""
    try:
        await client.get_rate_limit(retry=PREFLIGHT)
    except (UnauthorizedError, ForbiddenError) as exc:
        raise UsageError(f"the platform refused the token: {exc}") from None
    except TransportError as exc:
        raise UsageError(f"cannot reach {client.base_url}: {exc}") from None
    except CavaticaError as exc:
        raise UsageError(f"the platform is not answering as expected: {exc}") from None


def read_jobs(args: argparse.Namespace) -> list[tuple[JobKind, str]]:
    """The jobs named by the options and the file, each id checked."""
    jobs = [(kind, job_id) for kind in JobKind for job_id in getattr(args, kind.value)]
    if args.file:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text()
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 2:
                raise UsageError(f"{args.file}:{number}: expected `kind id`, got {raw.strip()!r}")
            try:
                kind = JobKind(parts[0].replace("-", "_").lower())
            except ValueError:
                known = ", ".join(k.value for k in JobKind)
                raise UsageError(
                    f"{args.file}:{number}: unknown kind {parts[0]!r} ({known})"
                ) from None
            jobs.append((kind, parts[1]))
    for kind, job_id in jobs:
        check_id(job_id, f"{kind.value} job id")
    return jobs


def load_snapshot(path: Path | None) -> dict[str, Any] | None:
    """The snapshot to resume from, if the file exists."""
    if path is None or not path.exists():
        return None
    try:
        snapshot: dict[str, Any] = json.loads(path.read_text())
    except ValueError as exc:
        raise UsageError(
            f"{path} is not a snapshot written by `watch --snapshot` ({exc})"
        ) from None
    return snapshot


def save_snapshot(path: Path, snapshot: dict[str, Any]) -> None:
    """Write the snapshot atomically, so an interrupted write never leaves half a file."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(snapshot) + "\n")
    os.replace(temporary, path)


async def run(args: argparse.Namespace) -> int:
    """Watch the jobs; the exit status says how they ended."""
    jobs = read_jobs(args)
    resume = load_snapshot(args.snapshot)
    if not jobs and resume is None:
        if args.file:
            raise UsageError(f"no jobs to watch: {args.file} has no `kind id` line")
        raise UsageError("no jobs to watch: give --export ID (or another kind), or --file")
    client = CavaticaClient(profile=args.profile, platform=args.platform, base_url=args.base_url)
    async with client:
        await preflight(client)
        view = View(Tally(), mode="json" if args.json else "auto")
        try:
            outcome = await follow(client, jobs, view, resume=resume, job_list=args.job_list)
        except ValueError as exc:  # a bad snapshot entry
            raise UsageError(str(exc)) from None
    if args.snapshot is not None:
        save_snapshot(args.snapshot, outcome.snapshot)
    return outcome.exit_status

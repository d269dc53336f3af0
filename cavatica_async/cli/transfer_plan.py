"""What a transfer command plans: its items, from a manifest or from the platform.

Each command's options name a source (a project or folder, a volume prefix, a manifest) and a
destination; this module turns them into the typed requests a `Transfer` adds, reading the
platform only (docs/transfers.md#from-the-command-line).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cavatica_async.client import CavaticaClient
from cavatica_async.errors import NotFoundError
from cavatica_async.file_walk import is_folder
from cavatica_async.transfers import (
    copies_of,
    exports_of,
    imports_of,
    read_manifest,
)
from cavatica_async.transfers.requests import Request

# The command's name -> the transfer kind it plans.
KIND_OF = {
    "export": "export",
    "import": "import",
    "drs-import": "drs_import",
    "copy": "copy",
    "move": "move",
    "delete": "delete",
}


class PlanError(ValueError):
    """The options or the manifest cannot make a plan (exit status 2)."""


async def folder_id(client: CavaticaClient, project: str, path: str) -> str:
    """The id of the folder at `path` in `project`; `PlanError` if there is none."""
    found = await client.files.find(project, path.strip("/"))
    if found is None or not is_folder(found):
        raise PlanError(f"no folder {path!r} in {project}")
    return str(found.id)


async def destination(
    client: CavaticaClient, project: str | None, folder: str | None
) -> dict[str, str]:
    """`{"project": P}` or `{"parent": folder id}`: where items land."""
    if project is None:
        raise PlanError("give the destination project")
    if folder:
        return {"parent": await folder_id(client, project, folder)}
    return {"project": project}


async def _writable_volume(client: CavaticaClient, volume: str) -> None:
    """An export's volume, checked before its items are planned: one line now, not a refusal
    per item later."""
    try:
        found = await client.volumes.get(volume)
    except NotFoundError:
        raise PlanError(f"there is no volume {volume} (or this user cannot see it)") from None
    if found.access_mode == "RO":
        raise PlanError(f"the volume {volume} is read-only: nothing can be exported to it")


# What picks a command's items on the platform, instead of a manifest.
SELECTION = {"export": ("project", "folder"), "import": ("volume",), "copy": ("from_folder",)}
SELECTION["move"] = SELECTION["copy"]


async def plan(client: CavaticaClient, args: argparse.Namespace) -> list[Request]:
    """The command's items; `PlanError` (with the manifest's bad lines) if it has none to give,
    or if it names both a manifest and a selection."""
    items = await _items(client, args)
    if not items:
        source = args.manifest or " ".join(
            str(getattr(args, name))
            for name in SELECTION.get(KIND_OF[args.command], ())
            if getattr(args, name, None) is not None
        )
        raise PlanError(f"nothing to {args.command}: {source} holds no items")
    return items


async def _items(client: CavaticaClient, args: argparse.Namespace) -> list[Request]:
    kind = KIND_OF[args.command]
    chosen = [name for name in SELECTION.get(kind, ()) if getattr(args, name, None) is not None]
    if args.manifest is not None and chosen:
        given = " ".join(f"--{name.replace('_', '-')}" for name in chosen)
        raise PlanError(f"give --manifest or {given}, not both: each says what to {args.command}")
    if kind == "export":
        await _writable_volume(client, args.volume)
    if args.manifest is not None:
        defaults: dict[str, Any] = {}
        if kind == "export":
            defaults["volume"] = args.volume
        elif kind != "delete":
            project = args.project if kind in ("import", "drs_import") else args.to_project
            folder = args.folder if kind in ("import", "drs_import") else args.to_folder
            defaults.update(await destination(client, project, folder))
        manifest = read_manifest(args.manifest, kind, defaults=defaults)
        if manifest.problems and not args.skip_bad:
            shown = "; ".join(str(problem) for problem in manifest.problems[:5])
            more = len(manifest.problems) - 5
            raise PlanError(
                f"{args.manifest} has {len(manifest.problems)} bad rows: {shown}"
                + (f" (and {more} more)" if more > 0 else "")
                + "; fix them, or give --skip-bad"
            )
        if manifest.problems:
            # --skip-bad: said once, on stderr, so that nothing is left out unseen.
            first = manifest.problems[0]
            print(
                f"{args.manifest}: left out {len(manifest.problems)} bad rows (--skip-bad), "
                f"the first: {first}",
                file=sys.stderr,
            )
        return manifest.requests(skip_bad=True)
    needed = {"export": "project", "import": "volume", "copy": "from_folder", "move": "from_folder"}
    if kind not in needed or getattr(args, needed[kind]) is None:
        what = f" or --{needed[kind].replace('_', '-')}" if kind in needed else ""
        raise PlanError(f"{args.command} needs --manifest{what}: what to {args.command}")
    if kind == "export":
        # The source: a project or a folder of it; the volume and prefix are the destination.
        source = await destination(client, args.project, args.folder)
        return list(
            await exports_of(
                client,
                args.volume,
                args.prefix,
                project=source.get("project"),
                parent=source.get("parent"),
                overwrite=args.overwrite,
            )
        )
    if kind == "import":
        where = await destination(client, args.project, args.folder)
        return list(
            await imports_of(
                client,
                args.volume,
                args.prefix,
                project=where.get("project"),
                parent=where.get("parent"),
                overwrite=args.overwrite,
                autorename=args.autorename,
                # Its folders are made while planning: a dry run only reads.
                keep_structure=not args.dry_run,
            )
        )
    if kind in ("copy", "move"):
        where = await destination(client, args.to_project, args.to_folder)
        return list(
            await copies_of(
                client,
                source_parent=args.from_folder,
                project=where.get("project"),
                parent=where.get("parent"),
            )
        )
    raise PlanError(f"{args.command} needs --manifest")  # not reached: checked above


def signature(args: argparse.Namespace) -> str:
    """What a command line plans, to tell a rerun of it from another command on the same
    journal (which would add other items to it)."""
    keys = (
        *("command", "project", "folder", "volume", "prefix", "manifest", "from_folder"),
        *("to_project", "to_folder", "overwrite", "autorename", "skip_bad"),
    )
    return json.dumps({key: _plain(getattr(args, key, None)) for key in keys}, sort_keys=True)


def described(planned: str) -> str:
    """A `signature` as the command line it came from (`export --project P ...`)."""
    try:
        given = json.loads(planned)
    except ValueError:
        return repr(planned[:200])
    if not isinstance(given, dict):
        return repr(planned[:200])
    words = [str(given.get("command"))]
    for key, value in sorted(given.items()):
        if key == "command" or value in (None, False, ""):
            continue
        option = "--" + key.replace("_", "-")
        words.append(option if value is True else f"{option} {value}")
    return " ".join(words)


def _plain(value: object) -> object:
    if isinstance(value, Path):
        return str(value.resolve())  # the same manifest, whichever folder the rerun is in
    return value if value is None or isinstance(value, (str, bool, int)) else str(value)

"""A transfer's items from a selection: every file of a project or folder, every object under
a volume prefix (through the discovery calls, docs/platform.md#finding-files)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cavatica_async.client import CavaticaClient
from cavatica_async.errors import ConflictError
from cavatica_async.file_walk import answered_id, is_folder
from cavatica_async.inputs import CopyItem, ExportRequest, ImportRequest
from cavatica_async.resources import VolumeObject


async def exports_of(
    client: CavaticaClient,
    volume: str,
    prefix: str,
    *,
    project: str | None = None,
    parent: str | None = None,
    keep_paths: bool = True,
    overwrite: bool = False,
    properties: Mapping[str, Any] | None = None,
) -> list[ExportRequest]:
    """An export of every file under `project` (or the folder `parent`) to `volume` under
    `prefix`: at `prefix/path`, the file's folder path kept, or `prefix/name` if not."""
    base = prefix.strip("/")
    requests = []
    async for path, file in client.files.walk(project=project, parent=parent):
        location = path if keep_paths else path.rsplit("/", 1)[-1]
        requests.append(
            ExportRequest(
                file.id,
                volume,
                f"{base}/{location}" if base else location,
                overwrite=overwrite,
                properties=properties,
            )
        )
    return requests


async def imports_of(
    client: CavaticaClient,
    volume: str,
    prefix: str,
    *,
    project: str | None = None,
    parent: str | None = None,
    keep_structure: bool = True,
    overwrite: bool = False,
    autorename: bool = False,
) -> list[ImportRequest]:
    """An import of every object under `prefix` of `volume` into `project` (or the folder
    `parent`), each a file named as its object. With `keep_structure` (the default) each lands
    in the folders of its path below the prefix, made now where missing
    (docs/transfers.md#selections); without, side by side."""
    if (project is None) == (parent is None):
        raise ValueError("imports_of: give exactly one of project or parent")
    made: dict[tuple[str, ...], str] = {}
    requests = []
    async for entry in client.volumes.list_objects(volume, prefix=prefix, recursive=True):
        if not isinstance(entry, VolumeObject):
            continue
        *folders, _ = entry.location[len(prefix) :].lstrip("/").split("/")
        into_project, into_parent = project, parent
        if keep_structure and folders:
            into_project = None
            into_parent = await _folder(client, project, parent, tuple(folders), made)
        requests.append(
            ImportRequest(
                volume,
                entry.location,
                project=into_project,
                parent=into_parent,
                overwrite=overwrite,
                autorename=autorename,
            )
        )
    return requests


async def _folder(
    client: CavaticaClient,
    project: str | None,
    parent: str | None,
    path: tuple[str, ...],
    made: dict[tuple[str, ...], str],
) -> str:
    """The id of the folder at `path` below the destination, each missing level made."""
    current = parent
    for depth in range(1, len(path) + 1):
        if path[:depth] not in made:
            made[path[:depth]] = await _child_folder(client, project, current, path[depth - 1])
        current = made[path[:depth]]
    return made[path]


async def _child_folder(
    client: CavaticaClient, project: str | None, parent: str | None, name: str
) -> str:
    """The folder `name` at a project's root (`parent` None) or in `parent`, made if missing."""
    root = project if parent is None else None  # exactly one of the two names the place
    for attempt in range(2):
        page = await client.files.list(project=root, parent=parent, names=[name]).next_page()
        found = next((f for f in page.items if f.name == name), None) if page else None
        if found is not None:
            if not is_folder(found):
                raise ValueError(f"a file named {name!r} is where a folder of the prefix goes")
            return answered_id(found, "folder")
        if attempt == 0:
            try:
                folder = await client.files.create_folder(name, project=root, parent=parent)
            except ConflictError:
                continue  # made meanwhile by someone else: list it again
            return answered_id(folder, "folder")
    raise ValueError(f"the folder {name!r} was reported taken but cannot be listed")


async def copies_of(
    client: CavaticaClient,
    *,
    source_project: str | None = None,
    source_parent: str | None = None,
    project: str | None = None,
    parent: str | None = None,
) -> list[CopyItem]:
    """A copy (or move) of each file and folder at the top of `source_project` (or the folder
    `source_parent`) into `project` (or the folder `parent`); a folder's copy keeps its tree."""
    return [
        CopyItem(file.id, project=project, parent=parent)
        async for _, file in client.files.walk(
            project=source_project, parent=source_parent, recursive=False, folders=True
        )
    ]

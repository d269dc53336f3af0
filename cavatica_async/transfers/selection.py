"""A transfer's items from a selection: every file of a project or folder, every object under
a volume prefix (through the discovery calls, docs/platform.md#finding-files)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cavatica_async.client import CavaticaClient
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
    overwrite: bool = False,
    autorename: bool = False,
) -> list[ImportRequest]:
    """An import of every object under `prefix` of `volume` into `project` (or the folder
    `parent`), each a file named as its object. The platform keeps folder structure only for
    a folder import, which is one job for all its files; file by file, the files land side by
    side (docs/transfers.md#selections)."""
    return [
        ImportRequest(
            volume,
            entry.location,
            project=project,
            parent=parent,
            overwrite=overwrite,
            autorename=autorename,
        )
        async for entry in client.volumes.list_objects(volume, prefix=prefix, recursive=True)
        if isinstance(entry, VolumeObject)
    ]


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

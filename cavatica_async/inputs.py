"""What callers send to start jobs: typed items that check themselves and render their JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from cavatica_async.paths import MAX_ID_LENGTH, MAX_TEXT_LENGTH, check_id

# A volume or project id (`owner/name`) is an id: at most MAX_ID_LENGTH characters, like every
# id; a location and a DRS URI are text, at most MAX_TEXT_LENGTH.


def _require(value: object, what: str, limit: int = MAX_TEXT_LENGTH) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string, got {str(value)[:100]!r}")
    value = str.__str__(value)  # the text itself: a subclass's own __len__ is not trusted
    if len(value) > limit:
        raise ValueError(f"{what} {value[:40]!r}... has {len(value):,} characters, over {limit:,}")


def _optional(value: object, what: str) -> None:
    if value is not None:
        _require(value, what)


def _destination(project: str | None, parent: str | None, what: str) -> dict[str, str]:
    # Start-import, DRS import and copy pages: a destination is a project or a folder, not both.
    if (project is None) == (parent is None):
        raise ValueError(f"{what}: give exactly one of project or parent")
    if project is not None:
        _require(project, f"{what} project", MAX_ID_LENGTH)
        return {"project": project}
    check_id(parent, f"{what} parent folder id")
    return {"parent": str(parent)}


@attrs.frozen
class ExportRequest:
    """One export for `exports.bulk_start`: project file → `location` on `volume`."""

    file: str
    volume: str
    location: str
    overwrite: bool = False
    properties: Mapping[str, Any] | None = None

    def __attrs_post_init__(self) -> None:
        check_id(self.file, "export source file id")
        _require(self.volume, "export volume", MAX_ID_LENGTH)
        _require(self.location, "export location")

    def body(self) -> dict[str, Any]:
        """The JSON item (https://docs.sevenbridges.com/reference/start-an-export-job-v2)."""
        body: dict[str, Any] = {
            "source": {"file": self.file},
            "destination": {"volume": self.volume, "location": self.location},
            "overwrite": self.overwrite,
        }
        if self.properties is not None:
            body["properties"] = dict(self.properties)
        return body


@attrs.frozen
class ImportRequest:
    """One import for `imports.bulk_start`: `location` on `volume` → a project or folder."""

    volume: str
    location: str
    project: str | None = None
    parent: str | None = None
    name: str | None = None
    overwrite: bool = False
    autorename: bool = False
    preserve_folder_structure: bool | None = None

    def __attrs_post_init__(self) -> None:
        _require(self.volume, "import volume", MAX_ID_LENGTH)
        _require(self.location, "import location")
        _destination(self.project, self.parent, "import destination")
        _optional(self.name, "import name")

    def body(self) -> dict[str, Any]:
        """The JSON item (https://docs.sevenbridges.com/reference/start-an-import-job-v2)."""
        destination: dict[str, Any] = _destination(self.project, self.parent, "import destination")
        if self.name is not None:
            destination["name"] = self.name
        body: dict[str, Any] = {
            "source": {"volume": self.volume, "location": self.location},
            "destination": destination,
            "overwrite": self.overwrite,
            "autorename": self.autorename,
        }
        # Default true for folders and not to be sent for single files, so only when asked.
        if self.preserve_folder_structure is not None:
            body["preserve_folder_structure"] = self.preserve_folder_structure
        return body


@attrs.frozen
class DrsImportItem:
    """One DRS object to import into a project or folder."""

    drs_uri: str
    project: str | None = None
    parent: str | None = None
    name: str | None = None
    metadata: Mapping[str, Any] | None = None

    def __attrs_post_init__(self) -> None:
        _require(self.drs_uri, "DRS URI")
        _destination(self.project, self.parent, f"DRS import of {self.drs_uri}")
        _optional(self.name, "DRS import name")

    def body(self) -> dict[str, Any]:
        """The JSON item (https://docs.cavatica.org/docs/start-a-bulk-drs-import-job)."""
        body: dict[str, Any] = {
            "drs_uri": self.drs_uri,
            **_destination(self.project, self.parent, f"DRS import of {self.drs_uri}"),
        }
        if self.name is not None:
            body["name"] = self.name
        if self.metadata is not None:
            body["metadata"] = dict(self.metadata)
        return body


@attrs.frozen
class CopyItem:
    """One file or folder to copy (or move) into a project or folder, optionally renamed."""

    file: str
    project: str | None = None
    parent: str | None = None
    name: str | None = None

    def __attrs_post_init__(self) -> None:
        check_id(self.file, "file id")
        _destination(self.project, self.parent, f"copy of file {self.file}")
        _optional(self.name, "copy name")

    def body(self) -> dict[str, Any]:
        """The JSON item (https://docs.sevenbridges.com/reference/copy-multiple-files)."""
        body: dict[str, Any] = {
            "file": self.file,
            **_destination(self.project, self.parent, f"copy of file {self.file}"),
        }
        if self.name is not None:
            body["name"] = self.name
        return body

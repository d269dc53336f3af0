"""What the discovery calls return: the user, projects, volumes and what a volume holds.

Every field but the identifying one may be missing: list answers carry only what `fields` asked
for (docs/platform.md#finding-files).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs


@attrs.frozen
class User:
    """The user the token belongs to (`GET /user`)."""

    username: str
    href: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    affiliation: str | None = None
    role: str | None = None


@attrs.frozen
class Project:
    """A project; its id is `owner/short-name`."""

    id: str
    href: str | None = None
    name: str | None = None
    description: str | None = None
    root_folder: str | None = None
    billing_group: str | None = None
    created_by: str | None = None
    category: str | None = None
    created_on: datetime | None = None
    modified_on: datetime | None = None
    tags: tuple[str, ...] = ()


@attrs.frozen
class VolumeService:
    """The cloud bucket behind a volume: `s3`, `gcs` and so on, its bucket and prefix."""

    type: str | None = None
    bucket: str | None = None
    prefix: str | None = None


@attrs.frozen
class Volume:
    """A cloud bucket attached to the platform; its id is `owner/name`."""

    id: str
    href: str | None = None
    name: str | None = None
    description: str | None = None
    access_mode: str | None = None  # RO or RW
    active: bool | None = None
    service: VolumeService | None = None
    created_on: datetime | None = None
    modified_on: datetime | None = None


@attrs.frozen
class VolumeObject:
    """An object in a volume, at `location` (the key under the volume's own prefix)."""

    location: str
    volume: str | None = None
    href: str | None = None
    type: str | None = None
    metadata: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class VolumePrefix:
    """A "folder" of a volume listing: the common start of the objects below it."""

    prefix: str
    volume: str | None = None
    href: str | None = None

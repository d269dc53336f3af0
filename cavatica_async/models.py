"""Typed models of what the platform returns (attrs, frozen, slotted), with per-family states."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs

T = TypeVar("T")


class OpenEnum(str, enum.Enum):
    """A string enum that keeps a value it does not know instead of failing."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        # A new platform state must not break parsing: keep its raw string as a pseudo-member.
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def is_known(self) -> bool:
        """Whether this value is one the library knows (not a kept unknown string)."""
        return self._value_ in type(self)._value2member_map_

    def __str__(self) -> str:
        return str(self._value_)


class ExportState(OpenEnum):
    """States of a storage export (https://docs.sevenbridges.com/reference/get-details-of-an-export-job-v2)."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"

    @property
    def is_terminal(self) -> bool:
        """COMPLETED and FAILED are final; an unknown state is not."""
        return self in (ExportState.COMPLETED, ExportState.FAILED)


class ImportState(OpenEnum):
    """States of a storage import (https://docs.sevenbridges.com/reference/start-an-import-job-v2)."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"

    @property
    def is_terminal(self) -> bool:
        """COMPLETED and FAILED are final; an unknown state is not."""
        return self in (ImportState.COMPLETED, ImportState.FAILED)


class DrsImportState(OpenEnum):
    """States of a bulk DRS import (PENDING from the quickstart; the rest from the DRS page)."""

    PENDING = "PENDING"
    SUBMITTED = "SUBMITTED"
    RESOLVING = "RESOLVING"
    RUNNING = "RUNNING"
    FINISHED = "FINISHED"

    @property
    def is_terminal(self) -> bool:
        """FINISHED is final (check `result` for per-file failures); an unknown state is not."""
        return self is DrsImportState.FINISHED


class AsyncJobState(OpenEnum):
    """States of an async copy / move / delete job (get-details-of-a-copy-job)."""

    SUBMITTED = "SUBMITTED"
    RESOLVING = "RESOLVING"
    RUNNING = "RUNNING"
    FINISHED = "FINISHED"

    @property
    def is_terminal(self) -> bool:
        """FINISHED is final (there is no FAILED: see `failed_files`); unknown states are not."""
        return self is AsyncJobState.FINISHED


class AsyncJobType(OpenEnum):
    """What an async file job does."""

    COPY = "COPY"
    MOVE = "MOVE"
    DELETE = "DELETE"


@attrs.frozen
class ApiErrorInfo:
    """A platform error object, as found in bulk items, failed jobs and job results."""

    status: int | None = None
    code: int | None = None
    message: str | None = None
    more_info: str | None = None


@attrs.frozen
class FileStorage:
    """Where a file's content lives (`VOLUME` for aliases)."""

    type: str | None = None
    volume: str | None = None
    location: str | None = None


@attrs.frozen
class File:
    """A platform file or folder; job results often carry only `id` and `href`."""

    id: str
    href: str | None = None
    name: str | None = None
    type: str | None = None
    size: int | None = None
    project: str | None = None
    parent: str | None = None
    created_on: datetime | None = None
    modified_on: datetime | None = None
    storage: FileStorage | None = None
    tags: tuple[str, ...] = ()
    metadata: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class BulkItem(Generic[T]):
    """One result of a bulk call: exactly one of `resource` or `error` is set."""

    resource: T | None = None
    error: ApiErrorInfo | None = None

    def __attrs_post_init__(self) -> None:
        if (self.resource is None) == (self.error is None):
            raise ValueError("a bulk item has exactly one of 'resource' or 'error'")

    @property
    def ok(self) -> bool:
        """Whether this item succeeded."""
        return self.error is None


@attrs.frozen
class ExportSource:
    """The project file an export reads."""

    file: str | None = None


@attrs.frozen
class ExportDestination:
    """The volume and location an export writes."""

    volume: str | None = None
    location: str | None = None


@attrs.frozen
class ExportJob:
    """A storage export job (project file → cloud volume)."""

    id: str
    state: ExportState
    href: str | None = None
    source: ExportSource | None = None
    destination: ExportDestination | None = None
    overwrite: bool | None = None
    properties: dict[str, Any] = attrs.field(factory=dict)
    started_on: datetime | None = None
    finished_on: datetime | None = None
    result: File | None = None
    error: ApiErrorInfo | None = None


@attrs.frozen
class ImportSource:
    """The volume object (or folder, ending in `/`) an import reads."""

    volume: str | None = None
    location: str | None = None


@attrs.frozen
class ImportDestination:
    """The project or folder an import writes, and the name it gives."""

    project: str | None = None
    parent: str | None = None
    name: str | None = None


@attrs.frozen
class ImportJob:
    """A storage import job (cloud volume → project)."""

    id: str
    state: ImportState
    href: str | None = None
    source: ImportSource | None = None
    destination: ImportDestination | None = None
    overwrite: bool | None = None
    autorename: bool | None = None
    preserve_folder_structure: bool | None = None
    started_on: datetime | None = None
    finished_on: datetime | None = None
    result: File | None = None
    error: ApiErrorInfo | None = None


@attrs.frozen
class DrsImportJob:
    """A bulk DRS import job; `result` has one item per requested URI."""

    id: str
    state: DrsImportState
    href: str | None = None
    result: tuple[BulkItem[File], ...] = ()
    started_on: datetime | None = None
    finished_on: datetime | None = None
    # Not in the reference table, but in sevenbridges-python's DRS test data: kept when sent.
    total_files: int | None = None
    completed_files: int | None = None
    failed_files: int | None = None


@attrs.frozen
class AsyncFileJob:
    """An async copy, move or delete job; FINISHED with `failed_files > 0` is a partial failure."""

    id: str
    state: AsyncJobState
    type: AsyncJobType | None = None
    href: str | None = None
    result: tuple[BulkItem[File], ...] = ()
    total_files: int | None = None
    completed_files: int | None = None
    failed_files: int | None = None
    started_on: datetime | None = None
    finished_on: datetime | None = None


@attrs.frozen
class Link:
    """A pagination link of a list answer."""

    href: str
    rel: str
    method: str = "GET"


@attrs.frozen
class Page(Generic[T]):
    """One page of a list answer: its items and the links to its neighbours."""

    items: tuple[T, ...]
    href: str | None = None
    links: tuple[Link, ...] = ()

    @property
    def next_href(self) -> str | None:
        """The URL of the next page, if there is one (rel compared case-insensitively)."""
        return next((link.href for link in self.links if is_next(link.rel)), None)


def is_next(rel: object) -> bool:
    """Whether a page link's `rel` names the next page: `next`, in any case (the one rule every
    pager follows; docs/platform.md#lists-and-pages)."""
    return isinstance(rel, str) and rel.lower() == "next"


@attrs.frozen
class RateLimit:
    """The user's API rate limit: `remaining` of `limit` requests until `reset`.

    `instance_limit` / `instance_remaining` come only from `GET /v2/rate_limit`; -1 means
    unlimited (https://docs.sevenbridges.com/reference/get-your-current-rate-limit-status).
    """

    limit: int
    remaining: int
    reset: datetime
    instance_limit: int | None = None
    instance_remaining: int | None = None

"""`client.user`, `client.projects` and `client.volumes`: who the token is, and where files live.

https://docs.sevenbridges.com/reference/get-my-information, list-all-your-projects,
get-project-details, list-volumes-v2, get-details-of-a-volume-v2 and
list-the-contents-of-a-volume (docs/platform.md#finding-files).
"""

from __future__ import annotations

from typing import Any, TypeVar

from cavatica_async.converter import structure, structure_about
from cavatica_async.pages import ALL_FIELDS, Pager
from cavatica_async.paths import check_pair, check_texts
from cavatica_async.resources import Project, User, Volume
from cavatica_async.retry import RetryPolicy
from cavatica_async.timeout import Timeout
from cavatica_async.transport import Transport
from cavatica_async.volume_listing import VolumeListing

T = TypeVar("T")


async def get_named(
    transport: Transport,
    family: str,
    model: type[T],
    resource_id: str,
    what: str,
    timeout: float | Timeout | None,
    retry: RetryPolicy | None,
) -> T:
    """The resource `owner/name` of a family (`/projects`, `/storage/volumes`), read with
    `GET {family}/{owner}/{name}`; an answer about another one is a `DecodeError`."""
    owner, name = check_pair(resource_id, what)
    response = await transport.request(
        "GET",
        family + "/{owner}/{name}",
        ids={"owner": owner, "name": name},
        timeout=timeout,
        retry=retry,
    )
    return structure_about(
        response.json(), model, resource_id=resource_id, what=f"GET {family}/{resource_id} answer"
    )


class CurrentUser:
    """`client.user`: the user the token belongs to."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    async def get(
        self, *, timeout: float | Timeout | None = None, retry: RetryPolicy | None = None
    ) -> User:
        """Who the token belongs to: username, name, email and what else the platform says."""
        response = await self._transport.request("GET", "/user", timeout=timeout, retry=retry)
        return structure(response.json(), User, what="GET /user answer")


class Projects:
    """`client.projects`: list and read projects."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def list(
        self,
        *,
        owner: str | None = None,
        name: str | None = None,
        limit: int | None = None,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> Pager[Project]:
        """The projects this user can see, or those of `owner`; `name` matches part of a
        project's name, in any case."""
        params: dict[str, Any] = dict(ALL_FIELDS)
        if name is not None:
            params["name"] = check_texts([name], "project name filter")[0]
        path, ids = "/projects", {}
        if owner is not None:
            path, ids = "/projects/{owner}", {"owner": owner}
        return Pager(
            self._transport,
            path,
            Project,
            params,
            ids=ids,
            paced=True,
            limit=limit,
            timeout=timeout,
            retry=retry,
        )

    async def get(
        self,
        project_id: str,
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> Project:
        """The project `owner/short-name` (`NotFoundError`, code 3002, if there is none)."""
        return await get_named(
            self._transport, "/projects", Project, project_id, "project id", timeout, retry
        )


class Volumes:
    """`client.volumes`: list and read volumes, and list what they hold."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def list(
        self,
        *,
        limit: int | None = None,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> Pager[Volume]:
        """The volumes this user can use."""
        return Pager(
            self._transport,
            "/storage/volumes",
            Volume,
            ALL_FIELDS,
            paced=True,
            limit=limit,
            timeout=timeout,
            retry=retry,
        )

    async def get(
        self,
        volume_id: str,
        *,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> Volume:
        """The volume `owner/name` (`NotFoundError`, code 9007, if there is none)."""
        return await get_named(
            self._transport, "/storage/volumes", Volume, volume_id, "volume id", timeout, retry
        )

    def list_objects(
        self,
        volume_id: str,
        *,
        prefix: str = "",
        recursive: bool = False,
        timeout: float | Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> VolumeListing:
        """What `volume_id` holds under `prefix` (`"reads/"`): its objects and, one level down,
        its prefixes; with `recursive=True`, every object below, prefixes descended."""
        owner, name = check_pair(volume_id, "volume id")
        if prefix:
            check_texts([prefix], "volume prefix")
        return VolumeListing(
            self._transport,
            "/storage/volumes/{owner}/{name}/list",
            {"owner": owner, "name": name},
            prefix,
            recursive=recursive,
            timeout=timeout,
            retry=retry,
        )

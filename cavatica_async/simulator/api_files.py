"""Finding files: projects, file listings (offset and continuation-token forms), file details.

The platform's behaviour as docs/platform.md#finding-files states it: listings page by offset
or by continuation token, items carry only `href`, `id`, `name` and `project` unless `fields`
asks for more, and unknown ids are 404s with the platform's codes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cavatica_async.simulator.http import (
    HttpError,
    Pipeline,
    api_root,
    bulk_list,
    error_body,
    json_body,
    page_limit,
    paginate,
)
from cavatica_async.simulator.world import SimFile

if TYPE_CHECKING:
    from cavatica_async.simulator import Simulator

# What a list item shows without `fields` (the list-files example).
_LISTED = ("href", "id", "name", "project")


def shown_fields(request: Request) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """What of each item an answer shows: `fields=_all` everything, a comma list those fields
    (with `href` and `id`), nothing given the listing's short form."""
    asked = request.query_params.get("fields")
    if asked == "_all":
        return lambda body: body
    keep = set(_LISTED) if asked is None else {"href", "id", *asked.split(",")}
    return lambda body: {key: value for key, value in body.items() if key in keep}


def _project(sim: Simulator, project_id: str) -> str:
    if project_id not in sim.world.projects:
        raise HttpError(404, 3002, f"Project {project_id} does not exist.")
    return project_id


def _file(sim: Simulator, file_id: str) -> SimFile:
    found = sim.world.files.get(file_id)
    if found is None:
        raise HttpError(404, 5002, f"File {file_id} does not exist.")
    return found


def _folder(sim: Simulator, folder_id: str) -> SimFile:
    folder = _file(sim, folder_id)
    if folder.type != "folder":
        raise HttpError(400, 5022, f"{folder_id} is not a folder.")
    return folder


def _filtered(request: Request, listed: Sequence[SimFile]) -> Sequence[SimFile]:
    # name and tag repeat for "any of"; each metadata field must match
    # (https://docs.sevenbridges.com/reference/list-files-primary-method).
    query = request.query_params
    names, tags = set(query.getlist("name")), set(query.getlist("tag"))
    metadata = {k[9:]: v for k, v in query.multi_items() if k.startswith("metadata.")}
    task = query.get("origin.task")
    if not (names or tags or metadata or task):
        return listed  # unfiltered: pages read only what they show
    return [
        f
        for f in listed
        if (not names or f.name in names)
        and (not tags or tags.intersection(f.tags))
        and all(k in f.metadata and str(f.metadata[k]) == v for k, v in metadata.items())
        and (task is None or f.origin_task == task)
    ]


def _listed(sim: Simulator, request: Request) -> Sequence[SimFile]:
    project, parent = request.query_params.get("project"), request.query_params.get("parent")
    if (project is None) == (parent is None):
        raise HttpError(400, 90000, "Give exactly one of 'project' or 'parent'.")
    if parent is not None:
        folder = _folder(sim, parent)
        return _filtered(request, sim.world.children(folder.project, folder.id))
    return _filtered(request, sim.world.children(_project(sim, str(project)), None))


def _render(sim: Simulator, request: Request) -> Callable[[SimFile], dict[str, Any]]:
    root, keep = api_root(request), shown_fields(request)
    return lambda f: keep(sim.world.file_json(f, root))


async def _files(sim: Simulator, request: Request) -> Response:
    return paginate(request, _listed(sim, request), "/files", _render(sim, request))


async def _files_scroll(sim: Simulator, request: Request) -> Response:
    if any(key.startswith("metadata.") for key in request.query_params):
        raise HttpError(400, 90000, "Metadata filters cannot be used with a continuation token.")
    listed = _listed(sim, request)
    return sim.scrolls.page(request, "/files/scroll", listed, _render(sim, request))


async def _folder_list(sim: Simulator, request: Request) -> Response:
    folder = _folder(sim, request.path_params["file_id"])
    listed = sim.world.children(folder.project, folder.id)
    return paginate(request, listed, f"/files/{folder.id}/list", _render(sim, request))


async def _folder_scroll(sim: Simulator, request: Request) -> Response:
    folder = _folder(sim, request.path_params["file_id"])
    listed = sim.world.children(folder.project, folder.id)
    path = f"/files/{folder.id}/scroll"
    return sim.scrolls.page(request, path, listed, _render(sim, request))


async def _file_details(sim: Simulator, request: Request) -> Response:
    found = _file(sim, request.path_params["file_id"])
    return JSONResponse(sim.world.file_json(found, api_root(request)))


async def _create_folder(sim: Simulator, request: Request) -> Response:
    # sevenbridges-python's File.create_folder: POST /files {name, type: folder, project|parent}.
    body = await json_body(request)
    if not isinstance(body, dict) or body.get("type") != "folder":
        raise HttpError(400, 90000, "Only folders can be created: give 'type': 'folder'.")
    name = body.get("name")
    if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
        raise HttpError(400, 90000, "A folder needs a 'name' without '/'.")
    project, parent = sim.destination(body)
    if sim.world.named(project, parent, name) is not None:
        raise HttpError(409, 5003, f"A file or folder named {name} already exists.")
    made = sim.world.add_file(project, parent, name, sim.clock.now(), folder=True)
    return JSONResponse(sim.world.file_json(made, api_root(request)), status_code=201)


async def _bulk_files(sim: Simulator, request: Request) -> Response:
    # https://docs.cavatica.org/docs/get-details-of-multiple-files: {"file_ids": [...]}, <= 100.
    ids = bulk_list(await json_body(request), "file_ids")
    root, items = api_root(request), []
    for file_id in ids:
        found = sim.world.files.get(file_id) if isinstance(file_id, str) else None
        if found is None:
            items.append({"error": error_body(404, 5002, f"File {file_id} does not exist.")})
        else:
            items.append({"resource": sim.world.file_json(found, root)})
    return JSONResponse({"items": items})


async def _projects(sim: Simulator, request: Request) -> Response:
    owner = request.path_params.get("owner")
    name = (request.query_params.get("name") or "").lower()
    root, world = api_root(request), sim.world
    chosen = [
        p
        for p in world.projects.values()
        if (owner is None or p.id.split("/", 1)[0] == owner) and name in p.name.lower()
    ]
    path = "/projects" if owner is None else f"/projects/{owner}"
    return paginate(request, chosen, path, lambda p: world.project_json(p, root))


async def _project_details(sim: Simulator, request: Request) -> Response:
    project_id = _project(sim, f"{request.path_params['owner']}/{request.path_params['name']}")
    return JSONResponse(sim.world.project_json(sim.world.projects[project_id], api_root(request)))


async def _volume_list(sim: Simulator, request: Request) -> Response:
    volume_id = f"{request.path_params['owner']}/{request.path_params['name']}"
    volume = sim.world.volumes.get(volume_id)
    if volume is None:
        raise HttpError(404, 9007, f"Volume {volume_id} does not exist.")
    prefix = request.query_params.get("prefix", "")
    limit = page_limit(request)
    entries = volume.listing(prefix)
    root = api_root(request)
    start = sim.scrolls.volume_start(request, volume_id, prefix)
    page = entries[start : start + limit]
    more = start + limit < len(entries)
    base = f"{root}/storage/volumes/{volume_id}/list"
    links = []
    if more:
        token = sim.scrolls.volume_token(request, volume_id, prefix, start + limit)
        query = urlencode({"prefix": prefix, "limit": limit, "continuation_token": token})
        links.append({"next": f"{base}?{query}"})
    body = {
        "href": str(request.url),
        "prefix": prefix,
        "limit": limit,
        "truncated": more,
        "items": [
            {
                "href": f"{base}?{urlencode({'prefix': key})}",
                "location": key,
                "volume": volume_id,
                "type": "s3",
            }
            for key, is_prefix in page
            if not is_prefix
        ],
        "prefixes": [
            {"href": f"{base}?{urlencode({'prefix': key})}", "prefix": key, "volume": volume_id}
            for key, is_prefix in page
            if is_prefix
        ],
        "links": links,
    }
    return JSONResponse(body)


def routes(pipeline: Pipeline) -> list[Route]:
    """Projects, file listings and details, bulk file details, volume contents."""
    return [
        pipeline.route("GET", "/projects", _projects),
        pipeline.route("GET", "/projects/{owner}", _projects),
        pipeline.route("GET", "/projects/{owner}/{name}", _project_details),
        pipeline.route("GET", "/files", _files),
        pipeline.route("POST", "/files", _create_folder),
        pipeline.route("GET", "/files/scroll", _files_scroll),
        pipeline.route("GET", "/files/{file_id}", _file_details),
        pipeline.route("GET", "/files/{file_id}/list", _folder_list),
        pipeline.route("GET", "/files/{file_id}/scroll", _folder_scroll),
        pipeline.route("POST", "/bulk/files/get", _bulk_files),
        pipeline.route("GET", "/storage/volumes/{owner}/{name}/list", _volume_list),
    ]

"""A transfer item's request: the typed value a user plans, and the JSON body the journal keeps.

The journal stores each item's body exactly as its start call sends it; reading it back gives
the typed request again, so what a resumed run sends is what the first run planned.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from cavatica_async.inputs import CopyItem, DrsImportItem, ExportRequest, ImportRequest
from cavatica_async.paths import check_id

Request: TypeAlias = ExportRequest | ImportRequest | DrsImportItem | CopyItem | str
KINDS = ("export", "import", "drs_import", "copy", "move", "delete")
# What each kind's requests are: a delete's is a file id.
_TYPES: dict[str, type[Any]] = {
    "export": ExportRequest,
    "import": ImportRequest,
    "drs_import": DrsImportItem,
    "copy": CopyItem,
    "move": CopyItem,
    "delete": str,
}


def check_kind(kind: str) -> str:
    """`kind` if it is a transfer kind, else `ValueError`."""
    if kind not in _TYPES:
        raise ValueError(f"unknown transfer kind {kind!r}; one of {', '.join(KINDS)}")
    return kind


def source_of(kind: str, request: Request) -> str:
    """What an item moves, the key a transfer knows it by: a file id, `volume:location`, a URI."""
    check_type(kind, request)
    if isinstance(request, str):
        return check_id(request, "file id")
    if isinstance(request, ImportRequest):
        return f"{request.volume}:{request.location}"
    if isinstance(request, DrsImportItem):
        return request.drs_uri
    return request.file


def body_of(kind: str, request: Request) -> dict[str, Any]:
    """The JSON item the start call sends for `request`."""
    check_type(kind, request)
    if isinstance(request, str):
        return {"file": check_id(request, "file id")}
    return request.body()


def check_type(kind: str, request: object) -> None:
    """`TypeError` unless `request` is what `kind` plans (an ExportRequest for exports, ...)."""
    wanted = _TYPES[check_kind(kind)]
    if not isinstance(request, wanted):
        raise TypeError(
            f"a {kind} item is a {wanted.__name__}, got {type(request).__name__}: {request!r}"
        )


def request_of(kind: str, body: dict[str, Any]) -> Request:
    """The typed request a journal item's body stands for (`ValueError` if it cannot)."""
    check_kind(kind)
    try:
        if kind == "export":
            source, destination = body["source"], body["destination"]
            return ExportRequest(
                file=source["file"],
                volume=destination["volume"],
                location=destination["location"],
                overwrite=bool(body.get("overwrite", False)),
                properties=body.get("properties"),
            )
        if kind == "import":
            source, destination = body["source"], body["destination"]
            return ImportRequest(
                volume=source["volume"],
                location=source["location"],
                project=destination.get("project"),
                parent=destination.get("parent"),
                name=destination.get("name"),
                overwrite=bool(body.get("overwrite", False)),
                autorename=bool(body.get("autorename", False)),
                preserve_folder_structure=body.get("preserve_folder_structure"),
            )
        if kind == "drs_import":
            return DrsImportItem(
                drs_uri=body["drs_uri"],
                project=body.get("project"),
                parent=body.get("parent"),
                name=body.get("name"),
                metadata=body.get("metadata"),
            )
        if kind == "delete":
            return check_id(body["file"], "file id")
        return CopyItem(
            file=body["file"],
            project=body.get("project"),
            parent=body.get("parent"),
            name=body.get("name"),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"a journal's {kind} item is not a {kind} request: {exc}") from None


def storage_request(kind: str, body: dict[str, Any]) -> ExportRequest | ImportRequest:
    """`request_of` for an export or import (`ValueError` for another kind)."""
    request = request_of(kind, body)
    if not isinstance(request, (ExportRequest, ImportRequest)):
        raise ValueError(f"not a storage kind: {kind!r}")
    return request

"""Bulk calls of any length: chunks of at most 100, sent concurrently, re-joined in order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import anyio

from cavatica_async.converter import structure
from cavatica_async.errors import ApiError, CavaticaError, DecodeError, PartialStartError
from cavatica_async.models import ApiErrorInfo, BulkItem
from cavatica_async.retry import RetryPolicy
from cavatica_async.transport import Transport

T = TypeVar("T")
C = TypeVar("C")
R = TypeVar("R")

# "One call can contain up to 100 items" (https://docs.sevenbridges.com/reference/start-a-bulk-
# export-job); the bulk get pages state no number, so the same bound is assumed (§4.1).
BULK_LIMIT = 100
# Chunks in flight at once: enough to overlap latency, few enough to leave the rate budget.
BULK_CONCURRENCY = 4


def chunked(values: Sequence[C], size: int = BULK_LIMIT) -> list[Sequence[C]]:
    """`values` cut into consecutive slices of at most `size`."""
    return [values[start : start + size] for start in range(0, len(values), size)]


async def run_chunks(
    chunks: Sequence[C], send: Callable[[C], Awaitable[R]], *, stop_on_error: bool
) -> list[R | CavaticaError]:
    """Send every chunk (at most BULK_CONCURRENCY at once); each result or error in chunk order.

    With `stop_on_error`, the first error cancels the chunks not yet done: their slots keep
    that error too, since their results are unknown.
    """
    results: list[R | CavaticaError | None] = [None] * len(chunks)
    limiter = anyio.CapacityLimiter(BULK_CONCURRENCY)
    first_error: list[CavaticaError] = []

    async def one(index: int, chunk: C) -> None:
        async with limiter:
            try:
                results[index] = await send(chunk)
            except CavaticaError as exc:
                results[index] = exc
                first_error.append(exc)
                if stop_on_error:
                    group.cancel_scope.cancel()

    async with anyio.create_task_group() as group:
        for index, chunk in enumerate(chunks):
            group.start_soon(one, index, chunk)
    return [first_error[0] if result is None else result for result in results]


async def bulk_post(
    transport: Transport,
    path: str,
    key: str,
    values: Sequence[Any],
    model: type[T],
    *,
    idempotent: bool,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    retry: RetryPolicy | None = None,
) -> list[BulkItem[T]]:
    """POST `{key: chunk}` per chunk of `values`; one `BulkItem` per value, in order.

    Read-only calls (`idempotent`) raise the first failure. Create calls never lose a started
    job: a chunk that failed as a whole gives each of its values an error item instead.
    """

    async def send(chunk: Sequence[Any]) -> list[BulkItem[T]]:
        items = await post_chunk(
            transport,
            path,
            key,
            chunk,
            idempotent=idempotent,
            params=params,
            headers=headers,
            retry=retry,
        )
        return [
            structure_item(item, model, f"POST {path} item {index}")
            for index, item in enumerate(items)
        ]

    results = await run_chunks(chunked(values), send, stop_on_error=idempotent)
    joined: list[BulkItem[T]] = []
    for chunk, result in zip(chunked(values), results, strict=True):
        if isinstance(result, CavaticaError):
            if idempotent:
                raise result
            joined.extend(BulkItem(error=error_info(result)) for _ in chunk)
        else:
            joined.extend(result)
    return joined


async def post_chunk(
    transport: Transport,
    path: str,
    key: str,
    chunk: Sequence[Any],
    *,
    idempotent: bool,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    retry: RetryPolicy | None = None,
) -> list[Any]:
    """POST `{key: chunk}` (at most 100 values): the answer's items as JSON, one per value."""
    response = await transport.request(
        "POST",
        path,
        json={key: list(chunk)},
        params=params,
        headers=headers,
        idempotent=idempotent,
        retry=retry,
    )
    return raw_items(response.json(), len(chunk), f"POST {path}")


async def start_jobs(
    transport: Transport,
    path: str,
    items: Sequence[dict[str, Any]],
    model: type[T],
    *,
    what: str,
    extra: dict[str, Any] | None = None,
) -> list[T]:
    """POST `{"items": chunk, **extra}` per chunk; each call starts one job; all jobs, in order.

    Raises the failure if no chunk started a job, else `PartialStartError` with the jobs that did.
    """
    if not items:
        raise ValueError(f"{what}: no items given")

    async def send(chunk: Sequence[dict[str, Any]]) -> T:
        response = await transport.request(
            "POST", path, json={"items": list(chunk), **(extra or {})}
        )
        return structure(response.json(), model, what=f"POST {path} answer")

    results = await run_chunks(chunked(items), send, stop_on_error=False)
    started = [result for result in results if not isinstance(result, CavaticaError)]
    errors = [result for result in results if isinstance(result, CavaticaError)]
    if errors:
        if not started:
            raise errors[0]
        raise PartialStartError(what, started, errors)
    return started


def error_info(error: CavaticaError) -> ApiErrorInfo:
    """An `ApiErrorInfo` standing for a whole failed call, for each item it carried."""
    if isinstance(error, ApiError):
        return ApiErrorInfo(
            status=error.status, code=error.code, message=str(error), more_info=error.more_info
        )
    return ApiErrorInfo(message=str(error))


def raw_items(body: Any, expected: int, what: str) -> list[Any]:
    """The `items` of a bulk answer, one per input, not yet structured (`DecodeError` if not)."""
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise DecodeError(f"{what} answer has no 'items' list")
    # Bulk answers carry one item per input, in input order (sevenbridges-python bulk.py).
    if len(items) != expected:
        raise DecodeError(f"{what} answered {len(items)} items for {expected} inputs")
    return items


def structure_item(item: Any, model: type[T], what: str) -> BulkItem[T]:
    """One bulk answer item as a `BulkItem` (`DecodeError` naming the item's id if it cannot)."""
    return structure(item, BulkItem[model], what=f"{what}{_resource_id(item)}")  # type: ignore[valid-type]


def _resource_id(item: Any) -> str:
    resource = item.get("resource") if isinstance(item, dict) else None
    job_id = resource.get("id") if isinstance(resource, dict) else None
    return f" (id {job_id!r})" if job_id is not None else ""

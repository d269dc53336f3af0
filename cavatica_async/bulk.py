"""Bulk calls of any length: chunks of at most 100, sent concurrently, re-joined in order."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import anyio

from cavatica_async.bulk_match import body_source, match, resource_id, source_key, source_names
from cavatica_async.converter import structure
from cavatica_async.errors import (
    CavaticaError,
    DecodeError,
    PartialStartError,
    error_info,
    shown,
)
from cavatica_async.models import ApiErrorInfo, BulkItem
from cavatica_async.retry import RetryPolicy
from cavatica_async.timeout import Timeout
from cavatica_async.transport import Transport

T = TypeVar("T")
C = TypeVar("C")
R = TypeVar("R")

# "One call can contain up to 100 items" (https://docs.sevenbridges.com/reference/start-a-bulk-
# export-job); the bulk get pages state no number, so the same bound is assumed
# (docs/platform.md#what-is-not-documented-and-what-we-assume).
BULK_LIMIT = 100
# Chunks in flight at once: enough to overlap latency, few enough to leave the rate budget.
BULK_CONCURRENCY = 4
MISSING_READ = "the answer had no item for this id"
MISSING_START = (
    "the answer did not say what became of this item; a job may have started for it "
    "(look before starting it again)"
)


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
            except Exception as exc:
                # Anything unforeseen stays with its chunk: escaping, it would cancel the
                # other chunks' requests and lose the jobs they started.
                error = exc if isinstance(exc, CavaticaError) else unexpected(exc)
                results[index] = error
                first_error.append(error)
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
    timeout: float | Timeout | None = None,
    retry: RetryPolicy | None = None,
) -> list[BulkItem[T]]:
    """POST `{key: chunk}` per chunk of `values`; one `BulkItem` per value, in order.

    Read-only calls (`idempotent`, `values` are ids) raise the first failure, and match answer
    items to ids by the id each names. Create calls never lose a started job: a chunk that
    failed as a whole gives each of its values an error item instead. Either way one item that
    cannot be decoded fails alone.
    """
    what = f"POST {path}"

    async def send(chunk: Sequence[Any]) -> list[BulkItem[T]]:
        raw = await post_chunk(
            transport,
            path,
            key,
            chunk,
            idempotent=idempotent,
            params=params,
            headers=headers,
            timeout=timeout,
            retry=retry,
        )
        if idempotent:
            matched = match(chunk, raw, resource_id, what)
        else:
            names = source_names(chunk)
            asked = [body_source(body, names) for body in chunk]
            matched = match(asked, raw, source_key(names), what)
        return [
            _one(item, model, f"{what} item {index}", idempotent)
            for index, item in enumerate(matched)
        ]

    check_json(values, what)
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


def _one(item: Any, model: type[T], what: str, read: bool) -> BulkItem[T]:
    """One answer item as a `BulkItem`; what cannot be read becomes that item's error."""
    if item is None:
        # Said so that nobody starts it again blindly: the platform may have started it.
        missing = MISSING_READ if read else MISSING_START
        return BulkItem(error=ApiErrorInfo(message=f"{what}: {missing}"))
    try:
        return structure_item(item, model, what)
    except DecodeError as error:
        return BulkItem(error=error_info(error))


async def post_chunk(
    transport: Transport,
    path: str,
    key: str,
    chunk: Sequence[Any],
    *,
    idempotent: bool,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float | Timeout | None = None,
    retry: RetryPolicy | None = None,
) -> list[Any]:
    """POST `{key: chunk}` (at most 100 values): the answer's items as JSON, not yet matched."""
    response = await transport.request(
        "POST",
        path,
        json={key: list(chunk)},
        params=params,
        headers=headers,
        idempotent=idempotent,
        timeout=timeout,
        retry=retry,
    )
    return raw_items(response.json(), f"POST {path}")


async def start_jobs(
    transport: Transport,
    path: str,
    items: Sequence[dict[str, Any]],
    model: type[T],
    *,
    what: str,
    extra: dict[str, Any] | None = None,
    timeout: float | Timeout | None = None,
    retry: RetryPolicy | None = None,
) -> list[T]:
    """POST `{"items": chunk, **extra}` per chunk; each call starts one job; all jobs, in order.

    Raises the failure if no chunk started a job, else `PartialStartError` with the jobs that did.
    """
    if not items:
        raise ValueError(f"{what}: no items given")
    check_json([items, extra], what)

    async def send(chunk: Sequence[dict[str, Any]]) -> T:
        response = await transport.request(
            "POST",
            path,
            json={"items": list(chunk), **(extra or {})},
            timeout=timeout,
            retry=retry,
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


def raw_items(body: Any, what: str) -> list[Any]:
    """The `items` of a bulk answer, not yet structured nor matched (`DecodeError` if none)."""
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise DecodeError(f"{what} answer has no 'items' list", permanent=True)
    return items


def check_json(value: Any, what: str) -> None:
    """`ValueError` unless `value` can be sent as JSON, checked before the first chunk goes:
    found in a later chunk, it would stop the call after earlier chunks had started jobs."""
    try:
        # As httpx will send it: UTF-8, so a lone surrogate fails here, not in a later chunk.
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError, RecursionError) as exc:
        problem = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise ValueError(f"{what}: the items cannot be sent as JSON: {problem}") from None


def unexpected(exc: Exception) -> CavaticaError:
    """A `CavaticaError` standing for an exception nothing foresaw, chained to it."""
    error = CavaticaError(f"unexpected {type(exc).__name__}: {exc}")
    error.__cause__ = exc
    return error


def structure_item(item: Any, model: type[T], what: str) -> BulkItem[T]:
    """One bulk answer item as a `BulkItem` (`DecodeError` naming the item's id if it cannot)."""
    job_id = resource_id(item)
    about = f" (id {shown(job_id, 100)!r})" if job_id is not None else ""
    return structure(item, BulkItem[model], what=f"{what}{about}")  # type: ignore[valid-type]

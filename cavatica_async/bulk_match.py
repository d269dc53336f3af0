"""Which item of a bulk answer belongs to which input: checked, never taken on trust.

The platform answers one item per input, in input order (both official clients rely on it:
sevenbridges-python `BulkRecord.parse_records`). An answer that breaks that promise (reordered
by a proxy, short, padded, or naming jobs nobody asked for) must not make the library report
one job's state as another's, so position is used only where the answer agrees with it.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from cavatica_async._logging import logger

# What an item says it is about (a job id, a source), or None when it does not say.
Key = Callable[[Any], Hashable | None]


def resource_of(item: Any) -> dict[str, Any] | None:
    """The `resource` object of an answer item, if it has one."""
    resource = item.get("resource") if isinstance(item, dict) else None
    return resource if isinstance(resource, dict) else None


def resource_id(item: Any) -> str | None:
    """The id of an answer item's resource (ids may arrive as numbers), or None."""
    resource = resource_of(item)
    value = resource.get("id") if resource is not None else None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value)


def source_key(names: Sequence[str]) -> Key:
    """A key of what an answer item's job reads: its `resource.source` fields named `names`."""

    def key(item: Any) -> Hashable | None:
        resource = resource_of(item)
        source = resource.get("source") if resource is not None else None
        return _fields(source, names)

    return key


def body_source(body: Any, names: Sequence[str]) -> Hashable | None:
    """What a create body asks to read, comparable with `source_key(names)` of its item."""
    return _fields(body.get("source") if isinstance(body, dict) else None, names)


def source_names(bodies: Sequence[Any]) -> list[str]:
    """The source fields the create bodies name (`file`; or `volume` and `location`)."""
    names = {
        name
        for body in bodies
        if isinstance(body, dict) and isinstance(body.get("source"), dict)
        for name in body["source"]
    }
    return sorted(names)


def match(
    asked: Sequence[Hashable | None],
    items: Sequence[Any],
    key: Key,
    what: str,
) -> list[Any]:
    """One answer item per asked key, or None where the answer has nothing trustworthy.

    By position when the answer has one item per input and none says it is about something
    else; otherwise by key alone, where key and item pair up one to one.
    Error items say nothing about what they are for, so out of order they are trusted for
    nothing; an item about something not asked for is ignored and logged.
    """
    keys = [key(item) for item in items]
    if len(items) == len(asked) and all(
        got is None or want is None or got == want for got, want in zip(keys, asked, strict=True)
    ):
        return list(items)
    logger.warning(
        "%s: the answer's %d item(s) do not follow the %d asked for; matched by what each "
        "item names",
        what,
        len(items),
        len(asked),
    )
    found: dict[Hashable, deque[Any]] = defaultdict(deque)
    for got, item in zip(keys, items, strict=True):
        if got is not None:
            found[got].append(item)
    wanted: dict[Hashable, int] = defaultdict(int)
    for want in asked:
        if want is not None:
            wanted[want] += 1
    for got, extra in found.items():
        if got not in wanted:
            logger.warning(
                "%s: ignored %d item(s) about %r, which was not asked for", what, len(extra), got
            )
    matched: list[Any] = []
    for want in asked:
        # A key asked for twice, or answered twice, cannot be told apart: neither is trusted.
        if want is None or wanted[want] != 1 or len(found.get(want, ())) != 1:
            matched.append(None)
        else:
            matched.append(found[want][0])
    return matched


def _fields(source: Any, names: Sequence[str]) -> Hashable | None:
    if not isinstance(source, dict) or not names:
        return None
    values = [source.get(name) for name in names]
    if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
        return None
    return tuple(str(v) for v in values)

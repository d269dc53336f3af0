"""Building request paths from templates, with ids checked and percent-encoded."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from urllib.parse import quote

_FORMATTER = string.Formatter()
# One regex search instead of a Python loop per character: ids are checked on every bulk poll.
_WHITESPACE = re.compile(r"\s")


def check_id(value: object, what: str) -> str:
    """Return `value` if it is safe as one path segment, else raise `ValueError` naming it."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, got {type(value).__name__}: {value!r}")
    problem = None
    if not value:
        problem = "is empty"
    elif "/" in value or "\\" in value:
        problem = "contains a path separator"
    elif ".." in value:
        problem = "contains '..'"
    elif value == ".":
        # URL normalisation drops a "." segment: /storage/exports/. would list exports.
        problem = "is '.'"
    elif _WHITESPACE.search(value):
        problem = "contains whitespace"
    elif not value.isprintable():
        problem = "contains control characters"
    if problem:
        raise ValueError(f"invalid {what} {value!r}: {problem}")
    return value


def expand(template: str, ids: Mapping[str, str]) -> str:
    """Fill `{name}` fields of `template` with checked, percent-encoded ids."""
    fields = {name for _, name, _, _ in _FORMATTER.parse(template) if name}
    if fields != set(ids):
        raise KeyError(f"path {template!r} needs {sorted(fields)}, got {sorted(ids)}")
    return template.format_map(
        {
            name: quote(check_id(value, name.replace("_", " ")), safe="")
            for name, value in ids.items()
        }
    )

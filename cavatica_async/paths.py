"""Building request paths from templates, with ids checked and percent-encoded."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from urllib.parse import quote

_FORMATTER = string.Formatter()
# Platform ids are 17 to 32 characters in the docs' examples (a 32-character export id in
# https://docs.cavatica.org/docs/get-details-of-a-bulk-export-job); sevenbridges-python refuses
# URLs over 6,000 characters before sending. An id longer than this cannot be
# real, and one of 70,000 would make a URL no HTTP library sends.
MAX_ID_LENGTH = 1000
# One regex search instead of a Python loop per character: ids are checked on every bulk poll.
_WHITESPACE = re.compile(r"\s")


def check_id(value: object, what: str) -> str:
    """Return `value` if it is safe as one path segment, else raise `ValueError` naming it."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, got {type(value).__name__}: {value!r}")
    if type(value) is not str:
        value = str.__str__(value)  # a subclass's own __len__ or __str__ is not trusted
    problem = None
    if not value:
        problem = "is empty"
    elif len(value) > MAX_ID_LENGTH:
        # Said without echoing the whole value: it may be megabytes.
        raise ValueError(
            f"invalid {what} {value[:40]!r}...: {len(value):,} characters, "
            f"more than the {MAX_ID_LENGTH:,} an id may have"
        )
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

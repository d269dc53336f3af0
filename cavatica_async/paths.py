"""Building request paths from templates, with ids checked and percent-encoded."""

from __future__ import annotations

import re
import string
from collections.abc import Collection, Mapping, Sequence
from urllib.parse import quote

_FORMATTER = string.Formatter()
# Platform ids are 17 to 32 characters in the docs' examples (a 32-character export id in
# https://docs.cavatica.org/docs/get-details-of-a-bulk-export-job); sevenbridges-python refuses
# URLs over 6,000 characters before sending. An id longer than this cannot be
# real, and one of 70,000 would make a URL no HTTP library sends.
MAX_ID_LENGTH = 1000
# A location is an object key (S3 allows 1,024 bytes), a name or a filter value: past this many
# characters none can be real.
MAX_TEXT_LENGTH = 4096
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


def check_pair(value: object, what: str) -> tuple[str, str]:
    """`owner/name` (a project or volume id) as its two parts, each a checked id."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, got {type(value).__name__}: {value!r}")
    parts = str.__str__(value).split("/")
    if len(parts) != 2:
        raise ValueError(f"invalid {what} {str.__str__(value)[:100]!r}: expected owner/name")
    owner, name = parts
    return check_id(owner, f"{what} owner"), check_id(name, f"{what} name")


def check_texts(values: Sequence[str], what: str) -> list[str]:
    """Filter values (names, tags, metadata): a non-empty list of non-empty strings of at most
    MAX_TEXT_LENGTH characters each; a lone string is refused, not split into letters."""
    if isinstance(values, str):
        raise TypeError(f"expected a sequence of {what}s, got one string {values!r}")
    if not isinstance(values, Collection) or isinstance(values, (bytes, Mapping)):
        raise TypeError(f"expected a list of {what}s, got {type(values).__name__}")
    if not values:
        # An empty filter would be dropped from the query and match everything.
        raise ValueError(f"an empty list of {what}s matches nothing; give None for no filter")
    checked = []
    for value in values:
        if not isinstance(value, str) or not value:
            raise ValueError(f"a {what} must be a non-empty string, got {str(value)[:100]!r}")
        text = str.__str__(value)
        if len(text) > MAX_TEXT_LENGTH:
            raise ValueError(
                f"a {what} {text[:40]!r}... has {len(text):,} characters, over {MAX_TEXT_LENGTH:,}"
            )
        checked.append(text)
    return checked


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

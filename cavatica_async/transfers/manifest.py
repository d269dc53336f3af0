"""Reading a transfer's items from a manifest file: CSV, TSV or JSON Lines, one item a row.

Columns by kind (names as in the API's items; `project` or `parent` names the destination):

| kind | required | optional |
|---|---|---|
| export | file, volume, location | overwrite |
| import | volume, location, project or parent | name, overwrite, autorename |
| drs_import | drs_uri, project or parent | name |
| copy, move | file, project or parent | name |
| delete | file | |

Every row is checked before anything runs; each problem names its line. A column the kind does
not know is a problem too (a typo would otherwise be dropped without a word), and so is an item
a manifest lists twice.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import attrs

from cavatica_async.bulk import check_json
from cavatica_async.inputs import CopyItem, DrsImportItem, ExportRequest, ImportRequest
from cavatica_async.paths import check_id
from cavatica_async.transfers.requests import KINDS, Request, body_of, source_of

_COLUMNS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "export": (frozenset({"file", "volume", "location"}), frozenset({"overwrite"})),
    "import": (
        frozenset({"volume", "location"}),
        frozenset({"project", "parent", "name", "overwrite", "autorename"}),
    ),
    "drs_import": (frozenset({"drs_uri"}), frozenset({"project", "parent", "name"})),
    "copy": (frozenset({"file"}), frozenset({"project", "parent", "name"})),
    "move": (frozenset({"file"}), frozenset({"project", "parent", "name"})),
    "delete": (frozenset({"file"}), frozenset()),
}
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}
_PLACE = frozenset({"project", "parent"})
MAX_LINE = 65_536  # characters: a longer row is not a manifest's


@attrs.frozen
class ManifestProblem:
    """One row that cannot be an item, and why."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@attrs.frozen
class Manifest:
    """The items of a manifest, in order, with their lines, and every problem found."""

    kind: str
    items: tuple[tuple[int, Request], ...]
    problems: tuple[ManifestProblem, ...]

    def requests(self, *, skip_bad: bool = False) -> list[Request]:
        """The items to plan: `ManifestError` naming every bad row, unless `skip_bad` (then
        the good rows only, the bad ones left to the caller's report of `problems`)."""
        if self.problems and not skip_bad:
            raise ManifestError(self.problems)
        return [request for _, request in self.items]


class ManifestError(ValueError):
    """A manifest has bad rows; nothing is planned until it is clean (or they are skipped)."""

    def __init__(self, problems: tuple[ManifestProblem, ...]) -> None:
        shown = "; ".join(str(problem) for problem in problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        super().__init__(f"the manifest has {len(problems)} bad rows: {shown}{more}")
        self.problems = problems


def read_manifest(
    path: str | Path, kind: str, *, defaults: Mapping[str, Any] | None = None
) -> Manifest:
    """Every row of `path` as an item of `kind` (`.csv`, `.tsv`, `.jsonl` or `.ndjson`).
    `defaults` gives the columns a row leaves out (a destination `project` or `parent` for
    rows that name neither; a `volume`), as a command line's options do."""
    if kind not in _COLUMNS:
        raise ValueError(f"unknown transfer kind {kind!r}; one of {', '.join(KINDS)}")
    path = Path(path)
    items: list[tuple[int, Request]] = []
    problems: list[ManifestProblem] = []
    first_line: dict[str, int] = {}
    for line, row in _rows(path):
        if isinstance(row, str):
            problems.append(ManifestProblem(line, row))
            continue
        try:
            request = _item(kind, row, defaults or {})
            check_json(body_of(kind, request), "the item")  # as add() will, with its line
        except (TypeError, ValueError) as exc:
            problems.append(ManifestProblem(line, str(exc)))
            continue
        source = source_of(kind, request)
        if source in first_line:
            problems.append(
                ManifestProblem(
                    line, f"{source!r} is listed twice (first on line {first_line[source]})"
                )
            )
            continue
        first_line[source] = line
        items.append((line, request))
    return Manifest(kind, tuple(items), tuple(problems))


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line, row) for each item row; a row that cannot be read is its problem's text. A file
    that cannot be read to its end is a `ValueError`: rows past the point would be lost."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".tsv", ".jsonl", ".ndjson"):
        raise ValueError(f"{path}: a manifest is .csv, .tsv, .jsonl or .ndjson")
    reader: csv.DictReader[str] | None = None
    try:
        # utf-8-sig: a byte-order mark, as spreadsheet programs write, is not part of a column.
        with path.open(newline="", encoding="utf-8-sig", errors="strict") as handle:
            if suffix in (".jsonl", ".ndjson"):
                for line, text in _lines(handle):
                    if not text or text.strip():  # '' is a line over MAX_LINE
                        yield line, _json_row(text)
                return
            delimiter = "\t" if suffix == ".tsv" else ","
            reader = csv.DictReader(_bounded(_lines(handle)), delimiter=delimiter)
            _check_header(reader.fieldnames)
            for row in reader:
                yield reader.line_num, _csv_row(row)
    except UnicodeDecodeError as exc:
        line = _undecodable_line(path)
        raise ValueError(f"{path}: line {line} is not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        at = reader.line_num if reader is not None else 0
        raise ValueError(f"{path}: cannot be read as CSV after line {at}: {exc}") from None
    except OSError as exc:
        raise ValueError(f"{path} cannot be read: {exc.strerror or exc}") from None


def _lines(handle: IO[str]) -> Iterator[tuple[int, str]]:
    """(line, text) of each line; one over MAX_LINE characters is read no further than that
    (an endless line must not fill the memory) and comes back as ''. Lines end at a line feed,
    a carriage return or both, as Python's text files read them."""
    line = 0
    while text := handle.readline(MAX_LINE + 2):
        line += 1
        if len(text.rstrip("\r\n")) > MAX_LINE:
            while text and not text.endswith(("\n", "\r")):
                text = handle.readline(MAX_LINE + 2)
            yield line, ""
        else:
            yield line, text


def _bounded(lines: Iterator[tuple[int, str]]) -> Iterator[str]:
    """The lines for the CSV reader; a line over MAX_LINE ends the reading (a CSV row's
    fields may span lines, so the rows after it could not be told apart)."""
    for line, text in lines:
        if not text:
            raise csv.Error(f"line {line} is over {MAX_LINE:,} characters")
        yield text


def _check_header(names: Sequence[str] | None) -> None:
    """A column named twice would have one value silently win: refused."""
    seen = [name.strip() for name in names or ()]
    twice = sorted({name for name in seen if seen.count(name) > 1})
    if twice:
        raise csv.Error(f"the header names {', '.join(map(repr, twice))} more than once")


def _undecodable_line(path: Path) -> int:
    """The line of the first byte that is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 16):
            try:
                line += decoder.decode(chunk).count("\n")
            except UnicodeDecodeError as exc:
                return line + chunk[: max(exc.start, 0)].count(b"\n")
    return line


def _json_row(text: str) -> dict[str, Any] | str:
    if not text:
        return f"over {MAX_LINE:,} characters"
    try:
        row = json.loads(text)
    except RecursionError:
        return "not JSON: nested too deeply"
    except json.JSONDecodeError as exc:
        return f"not JSON: {exc.msg} at column {exc.colno}"  # its line is the manifest's
    except ValueError as exc:
        return f"not JSON: {exc}"
    return row if isinstance(row, dict) else "not a JSON object"


def _csv_row(row: dict[str | Any, Any]) -> dict[str, Any] | str:
    if None in row:
        return "more fields than the header names"
    if any(value is None for value in row.values()):
        return "fewer fields than the header names"
    return {k.strip(): v.strip() for k, v in row.items() if v.strip() != ""}


def _item(kind: str, given: Mapping[str, Any], defaults: Mapping[str, Any]) -> Request:
    required, optional = _COLUMNS[kind]
    unknown = set(given) - required - optional
    if unknown:
        raise ValueError(f"columns the {kind} items do not take: {', '.join(sorted(unknown))}")
    row = dict(given)
    for key, value in defaults.items():
        # A destination is a project or a parent: a row naming either keeps its own.
        if key not in row and not (key in _PLACE and _PLACE & row.keys()):
            row[key] = value
    missing = required - set(row)
    if missing:
        raise ValueError(f"missing {', '.join(sorted(missing))}")
    values = dict(row)
    for flag in ("overwrite", "autorename"):
        if flag in values:
            values[flag] = _flag(values[flag], flag)
    for key, value in values.items():
        if not isinstance(value, (str, bool)):
            raise ValueError(f"{key} must be text, got {type(value).__name__}")
    if kind == "export":
        return ExportRequest(**values)
    if kind == "import":
        return ImportRequest(**values)
    if kind == "drs_import":
        return DrsImportItem(**values)
    if kind == "delete":
        return check_id(values["file"], "file id")
    return CopyItem(**values)


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"{name} must be true or false, got {str(value)[:40]!r}")

"""Every reference to the project's docs resolves to a heading of a file in this repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Where references live: code, tests, benchmarks and every Markdown file of the repository.
SOURCES = sorted(
    path
    for pattern in ("cavatica_async/**/*.py", "tests/**/*.py", "benchmarks/**/*.py", "**/*.md")
    for path in ROOT.glob(pattern)
    if ".venv" not in path.parts and "results" not in path.parts
)
REFERENCE = re.compile(r"(?:\.\./)?docs/([\w-]+\.md)#([\w-]+)")


def slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def anchors(document: Path) -> set[str]:
    return {
        slug(line.lstrip("#")) for line in document.read_text().splitlines() if line.startswith("#")
    }


def references() -> list[tuple[str, str, str]]:
    found = []
    for path in SOURCES:
        for match in REFERENCE.finditer(path.read_text()):
            found.append((str(path.relative_to(ROOT)), match.group(1), match.group(2)))
    return found


def test_the_docs_exist_and_are_referenced() -> None:
    assert (ROOT / "docs" / "platform.md").is_file()
    assert (ROOT / "docs" / "watcher.md").is_file()
    cited = {document for _, document, _ in references()}
    # Every design note of docs/ is cited from somewhere, and every page cited is there. The
    # site's home page (index.md) and its guide/ and reference/ pages are reached from
    # mkdocs.yml's nav instead (tests/test_docs_site.py).
    notes = {path.name for path in (ROOT / "docs").glob("*.md")} - {"index.md"}
    assert cited == notes
    assert {"platform.md", "watcher.md", "transfers.md"} <= cited


@pytest.mark.parametrize(("source", "document", "anchor"), references())
def test_each_reference_names_a_heading(source: str, document: str, anchor: str) -> None:
    path = ROOT / "docs" / document
    assert path.is_file(), f"{source} cites docs/{document}, which does not exist"
    assert anchor in anchors(path), f"{source} cites docs/{document}#{anchor}: no such heading"


def test_no_section_sign_points_outside_the_repository() -> None:
    # The section sign used to cite research notes that are not part of the repository.
    sign = chr(0xA7)
    offenders = [
        str(path.relative_to(ROOT))
        for path in SOURCES
        if sign in path.read_text() and path.parent.name != "docs"
    ]
    assert offenders == []

"""The documentation site (`make docs`): every page is in its nav, every public name in its API
reference. Read from the files, so it runs without the docs extra installed."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from tests.test_public_api import PUBLIC

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CONFIG = (ROOT / "mkdocs.yml").read_text()


def nav() -> list[str]:
    """The pages mkdocs.yml's nav lists (`- Title: page.md` lines after `nav:`)."""
    section = CONFIG[CONFIG.index("\nnav:") :]
    return re.findall(r"^\s+- [^:\n]+: (\S+\.md)$", section, re.M)


def directives() -> set[str]:
    """The names the API reference renders (`::: cavatica_async.Name`)."""
    pages = sorted((DOCS / "reference").glob("*.md"))
    return {name for page in pages for name in re.findall(r"^::: (\S+)$", page.read_text(), re.M)}


def test_every_page_is_in_the_nav_once() -> None:
    # mkdocs only notes a page left out of the nav; `validation.omitted_files` makes it a
    # warning (an error under --strict), and this says so without building the site.
    pages = nav()
    assert len(pages) == len(set(pages))
    assert set(pages) == {str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md")}


def test_the_design_notes_are_in_the_nav() -> None:
    notes = {path.name for path in DOCS.glob("*.md")} - {"index.md"}
    assert notes <= set(nav())
    assert "index.md" in nav()


def test_every_public_name_is_in_the_api_reference() -> None:
    missing = [f"{package}.{name}" for package, name in PUBLIC]
    assert sorted(set(missing) - directives()) == []


def test_every_endpoint_group_is_in_the_api_reference() -> None:
    # The client's groups are public through it (`client.exports`), not through `__all__`.
    client = (ROOT / "cavatica_async" / "client.py").read_text()
    groups = re.findall(r"^\s+self\.\w+ = (\w+)\(transport\)$", client, re.M)
    assert len(groups) >= 9
    for group in groups:
        [module] = re.findall(
            rf"^from (cavatica_async\.endpoints\.\w+) import .*\b{group}\b", client, re.M
        )
        assert f"{module}.{group}" in directives()
        assert getattr(importlib.import_module(module), group).__doc__

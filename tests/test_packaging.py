"""What the release files need, checked without building them (`make dist` builds them).

The sdist runs its own tests, so every top-level path the tests read or import must be in its
include list; a path left out fails here, not in a user's unpacked sdist.
"""

from __future__ import annotations

import re
import sys
from fnmatch import fnmatch
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest needs tomli on 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
INCLUDE = PYPROJECT["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
TESTS = sorted((ROOT / "tests").rglob("*.py"))
# `ROOT / "Makefile"`, `Path(__file__).parent.parent / "cavatica_async"`.
PATH = re.compile(r"""(?:\bROOT|\.parent\.parent)\s*/\s*["']([^"'/]+)""")
# Globs over the tree (tests/test_docs.py): "benchmarks/**/*.py", "**/*.md".
GLOB = re.compile(r"""["']([^"'\s]*\*\*/[^"'\s]*)["']""")
# Top-level modules the tests import, or run as `python -m benchmarks.run`.
IMPORT = re.compile(r"""^\s*(?:from|import)\s+(\w+)|["'](\w+)\.[\w.]+["']""", re.M)


def shipped() -> set[str]:
    # hatchling adds pyproject.toml to every sdist.
    return {entry.removeprefix("/") for entry in INCLUDE} | {"pyproject.toml"}


def matching(pattern: str) -> set[str]:
    """The top-level paths a glob from the root reads (hidden ones, such as venvs, aside)."""
    first, _, rest = pattern.partition("/")
    if first != "**":
        return {first}
    tops = [path for path in ROOT.iterdir() if not path.name.startswith((".", "__"))]
    return {
        path.name
        for path in tops
        if (path.is_file() and fnmatch(path.name, rest))
        or (path.is_dir() and any(path.glob(pattern)))
    }


def read_by_tests() -> set[str]:
    found: set[str] = set()
    for path in TESTS:
        text = path.read_text()
        found.update(PATH.findall(text))
        for pattern in GLOB.findall(text):
            found |= matching(pattern)
        for match in IMPORT.finditer(text):
            module = match.group(1) or match.group(2)
            if (ROOT / module / "__init__.py").is_file():
                found.add(module)
    return found


def test_license_is_apache_2() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "END OF TERMS AND CONDITIONS" in text
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]


def test_sdist_include_list_names_existing_top_level_paths() -> None:
    # Anchored (a bare name matches at any depth, e.g. a venv's site-packages/tests), no globs.
    for entry in INCLUDE:
        assert entry.startswith("/"), entry
        assert (ROOT / entry.removeprefix("/")).exists(), entry
        assert not set("*?[") & set(entry), entry


def test_the_scan_finds_what_the_tests_are_known_to_read() -> None:
    # Guards the scan itself: these are read by test_readme, test_docs and test_benchmarks.
    assert {"Makefile", "README.md", "docs", "benchmarks", "cavatica_async", "tests"} <= (
        read_by_tests()
    )


def test_sdist_ships_everything_the_tests_read() -> None:
    missing = read_by_tests() - shipped()
    assert not missing, f"the tests read {sorted(missing)}: add them to the sdist's include list"


def test_project_urls_share_one_repository() -> None:
    urls = PYPROJECT["project"]["urls"]
    assert {"Repository", "Documentation", "Changelog"} <= set(urls)
    repository = urls["Repository"]
    assert urls["Documentation"].startswith(repository)
    assert urls["Changelog"].startswith(repository)

"""No module of the library reaches into another's private names (issue 17's seams)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "cavatica_async"
MODULES = {path.stem for path in PACKAGE.rglob("*.py")} | {p.name for p in PACKAGE.iterdir()}


def private(name: str) -> bool:
    # Dunders (`__init__`) and the enum module's "sunder" names (`_value_`) are public protocol;
    # private modules (`_logging`) are the package's own core, as anyio's `_core` is.
    dunder = name.startswith("__") and name.endswith("__")
    sunder = name.startswith("_") and name.endswith("_") and not dunder
    return name.startswith("_") and not dunder and not sunder and name not in MODULES


def defined(tree: ast.Module) -> set[str]:
    """The private names a module makes: its functions, classes, and attributes it assigns."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return {name for name in names if private(name)}


def reaches() -> list[str]:
    """Private names a module imports from another, or reads off an object of another module."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE.parent)
        tree = ast.parse(path.read_text())
        own = defined(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                found += [
                    f"{where}:{node.lineno} imports {a.name}" for a in node.names if private(a.name)
                ]
            elif isinstance(node, ast.Attribute) and private(node.attr) and node.attr not in own:
                # A class's own attributes, and those it inherits, are its to use.
                owner = node.value
                mine = isinstance(owner, ast.Name) and owner.id in ("self", "cls")
                if not mine:
                    found.append(f"{where}:{node.lineno} reads {ast.unparse(node)}")
    return found


def test_no_private_name_is_used_across_modules() -> None:
    assert reaches() == []


def test_the_check_sees_a_reach() -> None:
    tree = ast.parse("group._bulk_get_raw(ids)\nself._mine = 1\nother._mine")
    reads = [node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)]
    assert set(reads) - defined(tree) == {"_bulk_get_raw"}
    assert not private("__init__")
    assert not private("_value_")
    assert not private("_logging")


def test_no_module_or_class_is_too_long() -> None:
    long_modules = [
        f"{path.relative_to(PACKAGE.parent)}: {len(path.read_text().splitlines())} lines"
        for path in PACKAGE.rglob("*.py")
        if len(path.read_text().splitlines()) > 400
    ]
    long_classes = [
        f"{path.relative_to(PACKAGE.parent)}: {node.name}, {node.end_lineno - node.lineno + 1}"
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef)
        and node.end_lineno
        and node.end_lineno - node.lineno >= 300
    ]
    assert long_modules == []
    assert long_classes == []

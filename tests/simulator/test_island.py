"""The simulator shares no code with the client, so the two cannot share a misreading of the API."""

from __future__ import annotations

import ast
from pathlib import Path

import cavatica_async.simulator

SIMULATOR = Path(cavatica_async.simulator.__file__).parent


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_simulator_imports_nothing_of_the_client() -> None:
    sources = sorted(SIMULATOR.glob("*.py"))
    assert len(sources) >= 10
    for source in sources:
        for module in imported_modules(source):
            if module.startswith("cavatica_async"):
                assert module.startswith("cavatica_async.simulator"), (
                    f"{source.name} imports {module}"
                )

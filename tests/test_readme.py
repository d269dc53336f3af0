"""The README's Python examples are valid code (they run against the simulator once it exists)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = (Path(__file__).parent.parent / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def test_the_readme_has_examples() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_each_example_compiles_and_imports(index: int) -> None:
    code = compile(BLOCKS[index], f"README.md block {index}", "exec")
    namespace: dict[str, object] = {}
    exec(code, namespace)  # defines functions and imports names; runs no I/O

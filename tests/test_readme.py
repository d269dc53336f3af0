"""The README's Python examples are valid code; those written as tests run against the simulator."""

from __future__ import annotations

import re
from pathlib import Path

import anyio
import pytest

README = (Path(__file__).parent.parent / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def test_the_readme_has_examples() -> None:
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_each_example_compiles_imports_and_runs_its_tests(index: int) -> None:
    namespace: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(BLOCKS[index], f"README.md block {index}", "exec"), namespace)
    # Blocks that define `test_*` coroutines run them (offline: they use the simulator);
    # the rest define functions for a real platform and run nothing here.
    for name, value in namespace.items():
        if name.startswith("test_") and callable(value):
            anyio.run(value)  # type: ignore[arg-type]

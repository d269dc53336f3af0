"""The public surface: every name exported has a docstring, and so do its public members.

The API reference (`make docs`) renders these docstrings; a name without one would show as an
empty entry, without a warning, so this test is what fails `make docs` on it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import itertools
from pathlib import Path

import pytest

from cavatica_async import CavaticaClient

# The packages whose `__all__` is public API, each with a page in docs/reference/.
PACKAGES = (
    "cavatica_async",
    "cavatica_async.transfers",
    "cavatica_async.simulator",
    "cavatica_async.testing",
)
PUBLIC = [
    (package, name)
    for package in PACKAGES
    for name in sorted(importlib.import_module(package).__all__)
]


def public_members(obj: object) -> list[tuple[str, object]]:
    members = []
    for name, member in vars(obj).items():
        if name.startswith("_") or not (inspect.isfunction(member) or isinstance(member, property)):
            continue
        members.append((name, member))
    return members


def attribute_docstring(module: str, name: str) -> str | None:
    """The docstring under a constant's assignment (`X = 1`, then a string), where the API
    reference reads it; followed through `from ... import X` to the module that assigns it."""
    body = ast.parse(Path(importlib.import_module(module).__file__ or "").read_text()).body
    for statement, following in itertools.pairwise([*body, ast.Pass()]):
        if isinstance(statement, ast.ImportFrom) and statement.module:
            if name in {alias.name for alias in statement.names}:
                return attribute_docstring(statement.module, name)
            continue
        targets = statement.targets if isinstance(statement, ast.Assign) else []
        if isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        if any(isinstance(target, ast.Name) and target.id == name for target in targets):
            docstring = following.value if isinstance(following, ast.Expr) else None
            return docstring.value if isinstance(docstring, ast.Constant) else None
    return None


@pytest.mark.parametrize(("package", "name"), PUBLIC)
def test_every_public_name_is_documented(package: str, name: str) -> None:
    obj = getattr(importlib.import_module(package), name)
    if not (inspect.isclass(obj) or inspect.isfunction(obj)):
        assert attribute_docstring(package, name), f"{package}.{name} has no docstring"
        return
    # Its own: one inherited from a base class (an error's from CavaticaError) is not shown.
    own = vars(obj).get("__doc__") if inspect.isclass(obj) else obj.__doc__
    assert (own or "").strip(), f"{package}.{name} has no docstring"
    if inspect.isclass(obj):
        for member_name, member in public_members(obj):
            assert inspect.getdoc(member), f"{package}.{name}.{member_name} has no docstring"


def test_the_check_reads_attribute_docstrings() -> None:
    assert attribute_docstring("cavatica_async", "NO_RETRY")
    assert attribute_docstring("cavatica_async.transfers", "SCHEMA_VERSION")  # re-exported
    assert attribute_docstring("cavatica_async.config", "DEFAULT_PLATFORM") is None


@pytest.mark.anyio
@pytest.mark.parametrize(
    "group",
    [
        "exports",
        "imports",
        "drs_imports",
        "async_jobs",
        "jobs",
        "user",
        "projects",
        "files",
        "volumes",
    ],
)
async def test_endpoint_groups_are_documented(group: str) -> None:
    async with CavaticaClient(token="t") as client:
        endpoint = type(getattr(client, group))
    assert inspect.getdoc(endpoint)
    for klass in endpoint.__mro__:
        if klass.__module__.startswith("cavatica_async"):
            for member_name, member in public_members(klass):
                assert inspect.getdoc(member), f"{klass.__name__}.{member_name} has no docstring"

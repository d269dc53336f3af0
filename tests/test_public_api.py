"""The public surface: every name exported has a docstring, and so do its public members."""

from __future__ import annotations

import inspect

import pytest

import cavatica_async
from cavatica_async import CavaticaClient


def public_members(obj: object) -> list[tuple[str, object]]:
    members = []
    for name, member in vars(obj).items():
        if name.startswith("_") or not (inspect.isfunction(member) or isinstance(member, property)):
            continue
        members.append((name, member))
    return members


@pytest.mark.parametrize("name", sorted(set(cavatica_async.__all__) - {"__version__"}))
def test_every_public_name_is_documented(name: str) -> None:
    obj = getattr(cavatica_async, name)
    if not (inspect.isclass(obj) or inspect.isfunction(obj)):
        return  # constants (PLATFORMS, NO_RETRY) are documented where they are defined
    assert inspect.getdoc(obj), f"{name} has no docstring"
    if inspect.isclass(obj):
        for member_name, member in public_members(obj):
            assert inspect.getdoc(member), f"{name}.{member_name} has no docstring"


@pytest.mark.anyio
@pytest.mark.parametrize("group", ["exports", "imports", "drs_imports", "async_jobs"])
async def test_endpoint_groups_are_documented(group: str) -> None:
    async with CavaticaClient(token="t") as client:
        endpoint = type(getattr(client, group))
    assert inspect.getdoc(endpoint)
    for klass in endpoint.__mro__:
        if klass.__module__.startswith("cavatica_async"):
            for member_name, member in public_members(klass):
                assert inspect.getdoc(member), f"{klass.__name__}.{member_name} has no docstring"

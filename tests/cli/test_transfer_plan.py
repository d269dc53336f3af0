"""What a transfer command plans, and how a rerun of it is known."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from cavatica_async import CavaticaClient
from cavatica_async.cli.transfer_plan import PlanError, described, plan, signature


def args(**given: object) -> argparse.Namespace:
    defaults: dict[str, object] = {"command": "delete", "manifest": None, "skip_bad": False}
    return argparse.Namespace(**{**defaults, **given})


def test_a_rerun_is_the_same_command_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    relative = signature(args(manifest=Path("ids.csv")))
    monkeypatch.chdir("/")
    assert signature(args(manifest=tmp_path / "ids.csv")) == relative
    assert signature(args(manifest=tmp_path / "other.csv")) != relative
    assert signature(args(manifest=tmp_path / "ids.csv", skip_bad=True)) != relative


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_rows_left_out_by_skip_bad_are_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "ids.csv"
    manifest.write_text("file\n" + "a" * 24 + "\n\n" + "b" * 24 + ",extra\n")
    async with CavaticaClient("t" * 32, "http://localhost/v2") as client:
        planned = await plan(client, args(manifest=manifest, skip_bad=True))
    assert len(planned) == 1
    said = capsys.readouterr().err
    assert f"{manifest}: left out 1 bad rows (--skip-bad), the first: line 4" in said


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_manifest_of_no_items_is_no_plan(tmp_path: Path) -> None:
    manifest = tmp_path / "ids.csv"
    manifest.write_text("file\n")
    async with CavaticaClient("t" * 32, "http://localhost/v2") as client:
        with pytest.raises(PlanError, match=r"nothing to delete: .* holds no items"):
            await plan(client, args(manifest=manifest))


def test_a_plan_is_described_as_its_command_line(tmp_path: Path) -> None:
    planned = signature(args(command="copy", manifest=tmp_path / "ids.csv", skip_bad=True))
    assert described(planned) == f"copy --manifest {tmp_path / 'ids.csv'} --skip-bad"
    assert described("not json") == "'not json'"

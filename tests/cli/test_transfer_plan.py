"""What a transfer command plans, and how a rerun of it is known."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from cavatica_async.cli.transfer_plan import signature


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

"""The benchmark harness runs (`--quick`) and writes well-formed results; no speed is asserted."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.metrics import analytic, percentile, score

ROOT = Path(__file__).parent.parent


def test_the_analytic_bound() -> None:
    jobs = [("export", "x")] * 10_000 + [("drs_import", "y")] * 200 + [("copy", "z")] * 200
    bound = analytic(jobs)
    assert bound["sweep_requests"] == 500  # 100 bulk gets + 400 single gets (§4 table)
    assert bound["t_min_s"] == pytest.approx(187.5)


def test_percentiles_by_nearest_rank() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert percentile(list(map(float, range(1, 101))), 0.99) == 99.0
    assert math.isnan(percentile([], 0.5))


def test_scoring_against_the_truth() -> None:
    truth = [
        ["export", "e1", None, "PENDING", 100.0],
        ["export", "e1", "PENDING", "RUNNING", 110.0],
        ["export", "e1", "RUNNING", "COMPLETED", 120.0],
    ]
    seen = [("export", "e1", "PENDING", 100.5), ("export", "e1", "COMPLETED", 121.0)]
    report = {
        "truth": truth,
        "counts": [["POST", "/bulk/storage/exports/get", 200, 4]],
        "windows": [[0, 4, 0]],
    }
    figures = score(seen, report, speed=10, t_min=5.0)
    assert figures["requests_per_transition"] == 2.0
    assert figures["transitions_missed"] == 1  # RUNNING came and went between polls
    assert figures["completeness"] == 1.0
    assert figures["latency_max_s"] == 10.0  # 1 s compressed x 10


def test_quick_run_writes_json_and_markdown(tmp_path: Path) -> None:
    out, markdown = tmp_path / "bench.json", tmp_path / "BENCHMARKS.md"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--quick",
            "--out",
            str(out),
            "--markdown",
            str(markdown),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())
    runs = results["workloads"]["A"]["runs"]
    assert "watcher (f=0.8, default)" in runs
    for run in runs.values():
        assert run["requests"] > 0
        assert 0.0 <= run["completeness"] <= 1.0
        assert run["transitions_detected"] > 0
    text = markdown.read_text()
    assert "| watcher (f=0.8, default) |" in text
    assert "## Targets" in text

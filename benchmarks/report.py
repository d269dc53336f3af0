"""BENCHMARKS.md from a results file: tables with ratios to the watcher, and the targets."""

from __future__ import annotations

import json
import math
import sys
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks import slack_targets
from benchmarks.plot import tradeoff_svg
from benchmarks.workload_g import markdown as transfers_markdown

WATCHER = "watcher (f=0.8, default)"
JOB_LIST = "watcher (job list, experimental)"  # JobWatcher(job_list=True)


def _num(value: float | None, digits: int = 1) -> str:
    return (
        "n/a"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{value:,.{digits}f}"
    )


def _spread(run: dict[str, Any], key: str, digits: int) -> str:
    """A figure, with its bootstrap interval over seeds when there is one."""
    figure = _num(run.get(key), digits)
    if "ci95" not in run or key not in run["ci95"]:
        return figure
    low, high = run["ci95"][key]
    return f"{figure} [{_num(low, digits)}, {_num(high, digits)}]"


def _versus(run: dict[str, Any], mine: dict[str, Any], key: str, digits: int) -> str:
    """A figure and its ratio to the default watcher's, e.g. `0.012 (0.9x)`."""
    figure = _spread(run, key, digits)
    if run is mine or not mine[key]:
        return figure
    return f"{figure} ({_num(run[key] / mine[key], 1)}x)"


def _table(entry: dict[str, Any]) -> list[str]:
    """Every client of a workload; each main figure with its ratio to the default watcher's."""
    runs = entry["runs"]
    mine = runs[WATCHER]
    unknown = mine.get("unknown_ids", 0) > 0
    lines = [
        "| client | requests | 429 | transitions seen | req / transition (x watcher) | "
        "latency p50 / p99 (x watcher) / max (s) | final-state latency p50 / p99 / max (s) | "
        "p99 / T_min | final states seen | "
        "busiest window | CPU ms per status read (x watcher) / per transition |"
        + (" unknown ids reported |" if unknown else ""),
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        + (" ---: |" if unknown else ""),
    ]
    for label, run in runs.items():
        lines.append(
            f"| {label} | {run['requests']:,.0f} | {run['requests_429']:,.0f} | "
            f"{run['transitions_detected']:,.0f} | "
            f"{_versus(run, mine, 'requests_per_transition', 3)} | "
            f"{_num(run['latency_p50_s'])} / {_versus(run, mine, 'latency_p99_s', 1)} / "
            f"{_num(run['latency_max_s'])} | "
            f"{_num(run.get('final_latency_p50_s'))} / {_spread(run, 'final_latency_p99_s', 1)} / "
            f"{_num(run.get('final_latency_max_s'))} | "
            f"{_num(run['p99_over_t_min'], 2)} | {run['completeness']:.1%} | "
            f"{run['busiest_window']:,.0f} | "
            f"{_versus(run, mine, 'client_cpu_ms_per_status', 3)} / "
            f"{_num(run['client_cpu_ms_per_transition'], 3)} |"
            + (f" {run['unknown_reported']} of {run['unknown_ids']} |" if unknown else "")
        )
    return lines


def _times(ratio: float) -> str:
    """A CPU ratio (theirs over ours) in words."""
    return f"{ratio:.1f}x less" if ratio >= 1 else f"{1 / ratio:.1f}x more"


def _row(target: str, measured: str, met: bool | None) -> str:
    status = "no target" if met is None else "met" if met else "NOT met"
    return f"| {target} | {measured} | {status} |"


def _variants(runs: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The default watcher and, where it ran, the one reading the job list: (tag, run)."""
    tags = {WATCHER: "", JOB_LIST: " (job list, experimental)"}
    return [(tag, runs[label]) for label, tag in tags.items() if label in runs]


def _pick(runs: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    return next((r for label, r in runs.items() if label.startswith(prefix)), None)


def _watcher_rows(name: str, runs: dict[str, Any]) -> list[str]:
    """Completeness, windows and 429s of every watcher run; p99 of each variant."""
    watchers = [r for label, r in runs.items() if label.startswith("watcher")]
    complete = min(r["completeness"] for r in watchers)
    busiest = max(r["busiest_window"] for r in watchers)
    rejected = sum(r["requests_429"] for r in watchers)
    judged = name in ("A", "B", "C", "D")  # the issue sets no latency target on F
    return [
        _row(
            f"{name}: completeness 100% of final states (watcher)", f"{complete:.1%}", complete == 1
        ),
        _row(
            f"{name}: no rate window over the limit (watcher)",
            f"busiest {busiest:,} of 1000",
            busiest <= 1000,
        ),
        _row(f"{name}: zero 429s caused by the watcher", f"{rejected}", rejected == 0),
    ] + [
        _row(
            f"{name}{tag}: p99 latency <= 1.2 x T_min"
            if judged
            else f"{name}{tag}: p99 latency (reported; the issue sets no latency target here)",
            f"{run['p99_over_t_min']:.2f} x T_min",
            run["p99_over_t_min"] <= 1.2 if judged else None,
        )
        for tag, run in _variants(runs)
    ]


def _baseline_rows(name: str, runs: dict[str, Any]) -> list[str]:
    """The watcher against the naive loop and the official client, as the issue words them."""
    mine = runs[WATCHER]
    rows = []
    naive = _pick(runs, "naive")
    official = _pick(runs, "sevenbridges-python: thread")
    if name == "A" and official is not None:
        fewer = official["requests_per_transition"] / mine["requests_per_transition"]
        rows.append(
            _row(
                "A: <= 1/20 the requests per transition of sevenbridges-python's thread-per-job "
                "loop, with a lower p99",
                f"{fewer:,.0f}x fewer; p99 {mine['latency_p99_s']:,.0f} s vs {official['latency_p99_s']:,.0f} s",
                fewer >= 20 and mine["latency_p99_s"] < official["latency_p99_s"],
            )
        )
        sweeps = {label: r for label, r in runs.items() if label.startswith("fixed bulk sweep")}
        # Every watcher budget is held to it, not only the default (the wording).
        verdicts = []
        for label, watcher in runs.items():
            if not label.startswith("watcher"):
                continue
            dominated = [
                sweep.removeprefix("fixed bulk sweep ")
                for sweep, r in sweeps.items()
                if r["requests_per_transition"] <= watcher["requests_per_transition"]
                and r["latency_p99_s"] <= watcher["latency_p99_s"]
            ]
            verdicts.append((label.removeprefix("watcher "), dominated))
        rows.append(
            _row(
                "A: watcher (every budget run) not dominated by any fixed sweep (2.5-40 s, T_min)",
                "; ".join(
                    f"{label} dominated by: {', '.join(dominated) or 'none'}"
                    for label, dominated in verdicts
                ),
                not any(dominated for _, dominated in verdicts),
            )
        )
    for tag, run in _variants(runs):
        if name in ("B", "C", "D") and naive is not None:
            fewer = naive["requests_per_transition"] / run["requests_per_transition"]
            rows.append(
                _row(
                    f"{name}{tag}: >= 5x fewer requests per transition than naive async",
                    f"{fewer:.1f}x",
                    fewer >= 5,
                )
            )
        if official is not None:
            ratio = official["client_cpu_ms_per_status"] / run["client_cpu_ms_per_status"]
            per_transition = (
                official["client_cpu_ms_per_transition"] / run["client_cpu_ms_per_transition"]
            )
            rows.append(
                _row(
                    f"{name}{tag}: client CPU per observed status <= 1/10 of sevenbridges-python's",
                    f"{_times(ratio)} (per transition seen: {_times(per_transition)})",
                    ratio >= 10,
                )
            )
    if name == "F":
        rows.append(
            _row(
                "F: every id the platform does not know reported",
                f"{mine['unknown_reported']} of {mine['unknown_ids']}",
                mine["unknown_reported"] == mine["unknown_ids"],
            )
        )
    return rows


def _idle_rows(idle_rows: list[dict[str, Any]]) -> list[str]:
    if not idle_rows:
        return ["| E: CPU, RSS and loop lag at 100k idle jobs | not run | open |"]
    biggest = max(idle_rows, key=lambda row: row["jobs"])
    per_job = biggest["rss_growth_bytes"] / biggest["jobs"]
    cpu = max(row["cpu_share_of_a_core"] for row in idle_rows)
    return [
        _row(
            "E: client CPU <= 5% of a core at the real rate",
            f"{cpu:.1%} (worst size, after a {biggest['warmup_s']:.0f} s warm-up; "
            f"{max(row['cpu_share_with_start'] for row in idle_rows):.1%} with the first sweep)",
            cpu <= 0.05,
        ),
        _row(
            f"E: RSS <= 1 KiB per idle watched job at {biggest['jobs']:,}",
            f"{per_job:,.0f} bytes",
            per_job <= 1024,
        ),
        _row(
            f"E: event-loop lag p99 <= 50 ms at {biggest['jobs']:,}",
            f"{biggest['loop_lag_p99_ms']:.1f} ms",
            biggest["loop_lag_p99_ms"] <= 50,
        ),
    ]


def _targets(results: dict[str, Any], baseline: dict[str, Any] | None) -> list[str]:
    """Every target of the benchmark issues with the measured figure, met or not."""
    lines = ["| target | measured | status |", "| --- | --- | --- |"]
    for name, entry in results["workloads"].items():
        lines += _watcher_rows(name, entry["runs"]) + _baseline_rows(name, entry["runs"])
    lines += _idle_rows(results.get("idle", []))
    lines += slack_targets.rows(results, baseline)
    # The 15 minutes are for the default run: every workload, one seed.
    everything = set(results["workloads"]) == set("ABCDF") and results.get("idle")
    if everything and len(results["seeds"]) == 1 and "run_minutes" in results:
        # The 15 minutes were set for A to F; G (transfers) came later and is timed apart.
        minutes = results["run_minutes"] - results.get("g_minutes", 0.0)
        lines.append(_row("A to F under 15 minutes on 2 cores", f"{minutes:.1f} min", minutes < 15))
    return lines


def _seeds(seeds: list[int]) -> str:
    if len(seeds) == 1:
        return f"seed {seeds[0]}"
    return (
        f"seeds {', '.join(map(str, seeds))} (each figure the median over the seeds, "
        "[a bootstrap 95% interval]; limits from the worst seed)"
    )


def write_markdown(
    results: dict[str, Any], path: Path, baseline: dict[str, Any] | None = None
) -> None:
    """Regenerate the Markdown report from `results`, with A's trade-off plot beside it;
    `baseline`, a run of the code before, for the targets that say "no regression"."""
    v = results["versions"]
    out = [
        "# Benchmarks",
        "",
        f"Generated by `{results['command']}` on {date.today().isoformat()}; raw figures in "
        f"`{results['raw']}`. Definitions: "
        "`benchmarks/metrics.py`. Every case runs the simulator in its own process over loopback HTTP, "
        f"{_seeds(results['seeds'])}, time compressed by the factor each workload names, for every client "
        "alike (latencies are in platform seconds); states last a median 30 s (log-normal, sigma 0.6), 5% of jobs fail, "
        "and the rate limit is the platform's 1000 requests per 5 minutes, its reset sent in whole seconds. A case ends "
        f"when its client is done or after {results.get('deadline_s', 900):g} platform seconds.",
        "",
        *(
            [f"The whole run took {results['run_minutes']:.1f} minutes on this machine.", ""]
            if "run_minutes" in results
            else []
        ),
        f"Machine: {v['processor']} ({v['machine']}), {v['system']}; Python {v['python']}; "
        + ", ".join(f"{name} {version}" for name, version in v["packages"].items())
        + ".",
        "",
    ]
    for name, entry in results["workloads"].items():
        bound = entry["bound"]
        out += [
            f"## {name}: {entry['title']}",
            "",
            f"Analytic bound (docs/watcher.md#the-lower-bound): a sweep costs S = {bound['sweep_requests']:,} requests; at 80% of the "
            f"budget T_min = {bound['t_min_s']:.1f} s, so the mean latency floor is {bound['mean_latency_floor_s']:.1f} s "
            f"and the worst-case floor {bound['t_min_s']:.1f} s. Time compressed {entry.get('speed', results.get('speed', 0)):g}x.",
            "",
            *_table(entry),
            "",
        ]
        if name == "A":
            # The issue asks for A's (requests per transition, p99) plot.
            plot = path.with_name(f"{path.stem}-A.svg")
            plot.write_text(tradeoff_svg(entry["runs"]))
            out += [f"![A: requests per transition against p99 latency]({plot.name})", ""]
    if results.get("idle"):
        out += [
            f"## E: idle-but-watched jobs at the real rate (no compression, {results.get('idle_seconds', 60):g} s each)",
            "",
            f"| jobs | RSS growth | per 10k jobs | CPU share of a core: after a {results['idle'][0]['warmup_s']:.0f} s warm-up / whole period | CPU ms per status read | loop lag p99 |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for row in results["idle"]:
            out.append(
                f"| {row['jobs']:,} | {row['rss_growth_bytes'] / 2**20:.1f} MB | {row['rss_per_10k_jobs_mb']:.1f} MB | "
                f"{row['cpu_share_of_a_core']:.1%} / {row['cpu_share_with_start']:.1%} | "
                f"{row['cpu_ms_per_status']:.3f} | {row['loop_lag_p99_ms']:.1f} ms |"
            )
        out.append("")
    if "transfers" in results:
        out += transfers_markdown(results["transfers"])
        out += [f"G took {results['g_minutes']:.1f} minutes of the run.", ""]
    out += ["## Targets", "", *_targets(results, baseline), ""]
    path.write_text("\n".join(out))


if __name__ == "__main__":
    # python -m benchmarks.report RESULTS.json OUT.md [BASELINE.json]
    before = json.loads(Path(sys.argv[3]).read_text()) if len(sys.argv) > 3 else None
    write_markdown(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]), before)

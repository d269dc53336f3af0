"""BENCHMARKS.md from a results file: tables with ratios to the watcher, and the targets."""

from __future__ import annotations

import json
import math
import sys
from datetime import date
from pathlib import Path
from typing import Any

WATCHER = "watcher (f=0.8, default)"


def _num(value: float, digits: int = 1) -> str:
    return (
        "n/a"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{value:,.{digits}f}"
    )


def _table(entry: dict[str, Any]) -> list[str]:
    runs = entry["runs"]
    mine = runs[WATCHER]
    lines = [
        "| client | requests | 429 | transitions seen | req / transition | vs watcher | "
        "latency p50 / p99 / max (s) | p99 / T_min | final states seen | busiest window | "
        "CPU s / 1000 obs |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, run in runs.items():
        ratio = run["requests_per_transition"] / mine["requests_per_transition"]
        lines.append(
            f"| {label} | {run['requests']:,} | {run['requests_429']:,} | "
            f"{run['transitions_detected']:,} | {_num(run['requests_per_transition'], 3)} | "
            f"{'1' if label == WATCHER else _num(ratio, 1) + 'x'} | "
            f"{_num(run['latency_p50_s'])} / {_num(run['latency_p99_s'])} / {_num(run['latency_max_s'])} | "
            f"{_num(run['p99_over_t_min'], 2)} | {run['completeness']:.1%} | {run['busiest_window']:,} | "
            f"{_num(run['client_cpu_s_per_1000_observations'], 3)} |"
        )
    return lines


def _targets(results: dict[str, Any]) -> list[str]:
    a = results["workloads"].get("A")
    lines = ["| target | measured | status |", "| --- | --- | --- |"]
    if a is None:
        return [*lines, "| (workload A not run) | | |"]
    runs = a["runs"]
    mine = runs[WATCHER]
    complete = all(
        r["completeness"] == 1.0 for label, r in runs.items() if label.startswith("watcher")
    )
    over = max(r["busiest_window"] for label, r in runs.items() if label.startswith("watcher"))
    rejected = sum(r["requests_429"] for label, r in runs.items() if label.startswith("watcher"))
    sweeps = {label: r for label, r in runs.items() if label.startswith("fixed bulk sweep")}
    dominated = [
        label
        for label, r in sweeps.items()
        if r["requests_per_transition"] <= mine["requests_per_transition"]
        and r["latency_p99_s"] <= mine["latency_p99_s"]
        and (r["requests_per_transition"], r["latency_p99_s"])
        != (mine["requests_per_transition"], mine["latency_p99_s"])
    ]
    naive = next(r for label, r in runs.items() if label.startswith("naive"))
    rows = [
        (
            "A: completeness 100% of final states (watcher)",
            f"{mine['completeness']:.1%}" + ("" if complete else " (a fraction run missed some)"),
            complete,
        ),
        (
            "A: no rate window over the limit (watcher)",
            f"busiest window {over} of 1000",
            over <= 1000,
        ),
        ("A: zero 429s caused by the watcher", f"{rejected}", rejected == 0),
        (
            "A: watcher not dominated by any fixed sweep (5-40 s, T_min)",
            "dominated by: " + (", ".join(dominated) or "none"),
            not dominated,
        ),
        (
            "A: p99 latency <= 1.2 x T_min",
            f"{mine['p99_over_t_min']:.2f} x T_min",
            mine["p99_over_t_min"] <= 1.2,
        ),
        (
            "A: <= 1/20 the requests per transition of a per-job loop (naive async measured)",
            f"{naive['requests_per_transition'] / mine['requests_per_transition']:.0f}x fewer",
            naive["requests_per_transition"] >= 20 * mine["requests_per_transition"],
        ),
    ]
    for target, measured, met in rows:
        lines.append(f"| {target} | {measured} | {'met' if met else 'NOT met'} |")
    for name in ("B", "C", "D"):
        entry = results["workloads"].get(name)
        if entry is None:
            lines.append(
                f"| {name}: zero 429s, p99 <= 1.2 x T_min, >= 5x fewer requests per transition than naive | not run | open |"
            )
            continue
        mine = entry["runs"][WATCHER]
        naive = next(r for label, r in entry["runs"].items() if label.startswith("naive"))
        fewer = naive["requests_per_transition"] / mine["requests_per_transition"]
        for target, measured, met in (
            (
                f"{name}: zero 429s caused by the watcher",
                f"{mine['requests_429']}",
                mine["requests_429"] == 0,
            ),
            (
                f"{name}: p99 latency <= 1.2 x T_min",
                f"{mine['p99_over_t_min']:.2f} x T_min",
                mine["p99_over_t_min"] <= 1.2,
            ),
            (
                f"{name}: >= 5x fewer requests per transition than naive",
                f"{fewer:.1f}x",
                fewer >= 5,
            ),
            (
                f"{name}: completeness 100%",
                f"{mine['completeness']:.1%}",
                mine["completeness"] == 1.0,
            ),
        ):
            lines.append(f"| {target} | {measured} | {'met' if met else 'NOT met'} |")
    idle = {row["jobs"]: row for row in results.get("idle", [])}
    biggest = idle[max(idle)] if idle else None
    if biggest is None:
        lines.append("| E: CPU, RSS and loop lag at 100k idle jobs | not run | open |")
    else:
        per_job = biggest["rss_growth_bytes"] / biggest["jobs"]
        cpu = max(row["cpu_share_of_a_core"] for row in idle.values())
        for target, measured, met in (
            (
                "E: client CPU <= 5% of a core at the real rate",
                f"{cpu:.1%} (worst size)",
                cpu <= 0.05,
            ),
            (
                f"E: RSS <= 1 KiB per idle watched job at {biggest['jobs']:,}",
                f"{per_job:,.0f} bytes",
                per_job <= 1024,
            ),
            (
                f"E: event-loop lag p99 <= 50 ms at {biggest['jobs']:,}",
                f"{biggest['loop_lag_p99_ms']:.1f} ms",
                biggest["loop_lag_p99_ms"] <= 50,
            ),
        ):
            lines.append(f"| {target} | {measured} | {'met' if met else 'NOT met'} |")
    for pending in (
        "A-D: client CPU per observed status <= 1/10 of sevenbridges-python's",
        "F: adversarial (half budget spent, external consumer, maintenance, 10% unknown ids, short dwell)",
        "A: against sevenbridges-python's thread-per-job loop (and its bulk variant)",
    ):
        lines.append(f"| {pending} | not measured yet | open |")
    return lines


def write_markdown(results: dict[str, Any], path: Path) -> None:
    """Regenerate the Markdown report from `results`."""
    v = results["versions"]
    out = [
        "# Benchmarks",
        "",
        f"Generated by `make bench` (`python -m benchmarks.run{' --quick' if results['quick'] else ''}`) "
        f"on {date.today().isoformat()}; raw figures in `benchmarks/results/bench.json`. Definitions: "
        "`benchmarks/metrics.py`. Every case runs the simulator in its own process over loopback HTTP, "
        f"seed {results['seed']}, time compressed by the factor each workload names, for every client "
        "alike (latencies are in platform seconds); states last a median 30 s (log-normal, sigma 0.6), 5% of jobs fail, "
        "and the rate limit is the platform's 1000 requests per 5 minutes.",
        "",
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
            f"Analytic bound (§4): a sweep costs S = {bound['sweep_requests']:,} requests; at 80% of the "
            f"budget T_min = {bound['t_min_s']:.1f} s, so the mean latency floor is {bound['mean_latency_floor_s']:.1f} s "
            f"and the worst-case floor {bound['t_min_s']:.1f} s. Time compressed {entry.get('speed', results.get('speed', 0)):g}x.",
            "",
            *_table(entry),
            "",
        ]
    if results.get("idle"):
        out += [
            "## E: idle-but-watched jobs at the real rate (no compression, 60 s each)",
            "",
            "| jobs | RSS growth | per 10k jobs | CPU share of a core | CPU s / 1000 observations | loop lag p99 |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for row in results["idle"]:
            out.append(
                f"| {row['jobs']:,} | {row['rss_growth_bytes'] / 2**20:.1f} MB | {row['rss_per_10k_jobs_mb']:.1f} MB | "
                f"{row['cpu_share_of_a_core']:.1%} | {row['cpu_s_per_1000_observations']:.3f} | {row['loop_lag_p99_ms']:.1f} ms |"
            )
        out.append("")
    out += ["## Targets", "", *_targets(results), ""]
    path.write_text("\n".join(out))


if __name__ == "__main__":
    write_markdown(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]))

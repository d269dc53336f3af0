"""Scoring a run against the simulator's ground truth, and the analytic lower bound.

Definitions (fixed before running; docs/watcher.md#metrics):
- requests per detected transition: every request the simulator answered during the run (429s
  and retries included), divided by the transitions the client detected. A detected transition
  is a job seen in a state it was not seen in before (its first sighting included).
- detection latency: for each ground-truth transition the client saw, the time from the true
  change to the client's first observation of the new state, in platform seconds (compressed
  seconds times the compression factor).
- final-state latency ("how long after my job ended did I know"): for every ground-truth final
  state reached during the run, the time from the true end to the client's first observation of
  it, in platform seconds. Every job counts: one whose end the client never saw counts the time
  from its end to the end of the run (a lower bound), so a client that misses ends is not
  flattered by leaving them out, as the all-transitions latency above does.
- completeness: ground-truth final states the client saw, over all ground-truth final states.
- client CPU per status read (docs/watcher.md#metrics, item 4, as in workload E): the client
  process's user + system CPU time (`getrusage`) from the client's start to its end or the
  deadline, its setup included
  and no idle baseline subtracted (the harness process is otherwise idle during a case),
  divided by the job statuses the simulator's 200 answers carried to it (a job, or each job of a
  bulk result or job-list page). Also given per detected transition (shown beside it) and
  per request (in the JSON).
- unknown ids reported: ids the platform does not know that the client reported as such, over
  the ids given that the platform does not know (workload F).
- busiest window: the most requests counted in one rate-limit window (limit: 1000), 429s and
  the external consumer's share (workload F) included.
- over several seeds (`--seeds`), each figure is the median of the seeds' figures, the main
  ones with a bootstrap 95% interval of that median (docs/watcher.md#procedure), except that
  the limits (busiest window, 429s, completeness, unknown ids reported) take the worst seed.
- the lower bound (docs/watcher.md#the-lower-bound): one sweep costs S = ceil(E/100) + D + C
  requests; at a budget fraction f of R = 1000/300 requests per second the minimum uniform
  period is T_min = S / (f R), a change is seen T_min/2 after it on average and T_min at worst.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import defaultdict
from typing import Any

FINAL = ("COMPLETED", "FAILED", "FINISHED")
RATE = 1000 / 300  # the platform's requests per second
# The figures given a bootstrap interval when a case runs over several seeds.
WITH_INTERVAL = (
    "requests_per_transition",
    "latency_p99_s",
    "final_latency_p99_s",
    "p99_over_t_min",
    "client_cpu_ms_per_status",
)
RESAMPLES = 2000
WORST = {"busiest_window": max, "requests_429": max, "completeness": min, "unknown_reported": min}


def analytic(jobs: list[tuple[str, str]], fraction: float = 0.8) -> dict[str, float]:
    """S, T_min and the mean latency floor for the initial active set."""
    bulk = sum(1 for kind, _ in jobs if kind in ("export", "import"))
    single = len(jobs) - bulk
    sweep = math.ceil(bulk / 100) + single
    t_min = sweep / (fraction * RATE)
    return {"sweep_requests": sweep, "t_min_s": t_min, "mean_latency_floor_s": t_min / 2}


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def score(
    observations: list[tuple[str, str, str | None, float]],
    report: dict[str, Any],
    *,
    speed: float,
    t_min: float,
    cpu_s: float,
    ended: float,
) -> dict[str, Any]:
    """The run's figures from what the client saw, what the simulator knows and the CPU spent."""
    first_seen: dict[tuple[str, str], float] = {}
    for _, job_id, state, at in observations:
        first_seen.setdefault((job_id, str(state)), at)
    latencies: list[float] = []
    final_latencies: list[float] = []  # every job's end, seen or not (module docstring)
    finals_true = finals_seen = missed = 0
    truth_by_job: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for _, job_id, _, current, at in report["truth"]:
        truth_by_job[job_id].append((current, at))
    for job_id, states in truth_by_job.items():
        for current, at in states:
            seen = first_seen.get((job_id, current))
            if current in FINAL and at <= ended:
                finals_true += 1
                finals_seen += seen is not None
                final_latencies.append(max(0.0, (ended if seen is None else seen) - at) * speed)
            if seen is None:
                missed += 1
            else:
                latencies.append(max(0.0, seen - at) * speed)
    unknown_seen = {(kind, job_id) for kind, job_id, state, _ in observations if state is None}
    requests = sum(n for _, path, _, n in report["counts"] if path != "/rate_limit")
    rejected = sum(n for _, _, status, n in report["counts"] if status == 429)
    detected = len(observations)
    p99 = percentile(latencies, 0.99)
    return {
        "requests": requests,
        "requests_429": rejected,
        "transitions_detected": detected,
        "transitions_true": sum(len(s) for s in truth_by_job.values()),
        "transitions_missed": missed,
        "requests_per_transition": requests / detected if detected else math.inf,
        "latency_p50_s": percentile(latencies, 0.5),
        "latency_p95_s": percentile(latencies, 0.95),
        "latency_p99_s": p99,
        "latency_max_s": max(latencies) if latencies else math.nan,
        "p99_over_t_min": p99 / t_min if t_min else math.nan,
        "final_latency_p50_s": percentile(final_latencies, 0.5),
        "final_latency_p99_s": percentile(final_latencies, 0.99),
        "final_latency_max_s": max(final_latencies) if final_latencies else math.nan,
        "completeness": finals_seen / finals_true if finals_true else 1.0,
        "unknown_ids": report.get("unknown", 0),
        "unknown_reported": len(unknown_seen),
        "busiest_window": report.get("external", 0)
        + max((used + rejected for _, used, rejected in report["windows"]), default=0),
        "statuses_read": report["statuses"],
        "client_cpu_ms_per_status": 1000 * cpu_s / max(1, report["statuses"]),
        "client_cpu_ms_per_transition": 1000 * cpu_s / max(1, detected),
        "client_cpu_ms_per_request": 1000 * cpu_s / max(1, requests),
    }


def median_interval(values: list[float], seed: int = 0) -> tuple[float, float]:
    """A bootstrap 95% interval of the median (percentile method, a fixed resampling seed)."""
    rng = random.Random(seed)
    medians = sorted(
        statistics.median(rng.choices(values, k=len(values))) for _ in range(RESAMPLES)
    )
    return medians[int(0.025 * RESAMPLES)], medians[int(0.975 * RESAMPLES) - 1]


def over_seeds(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One case's figures over several seeds: medians, each seed's figures, main intervals."""
    if len(runs) == 1:
        return runs[0]
    summary: dict[str, Any] = {
        key: WORST.get(key, statistics.median)([run[key] for run in runs])
        for key, value in runs[0].items()
        if isinstance(value, (int, float))
    }
    summary["ci95"] = {
        key: median_interval([run[key] for run in runs])
        for key in WITH_INTERVAL
        if all(key in run for run in runs)
    }
    summary["per_seed"] = runs
    return summary

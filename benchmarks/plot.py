"""Workload A's trade-off as an SVG scatter: requests per transition against p99 latency.

The issue asks for this plot: the watcher at each budget fraction against the fixed bulk
sweeps; a point below and left of another beats it on both. Plain SVG, so the report needs no
plotting library.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

WIDTH, HEIGHT = 720, 420
LEFT, RIGHT, TOP, BOTTOM = 70, 190, 30, 50  # margins; labels of the points go right of them


def _ticks(high: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to the first at or above `high`, about `count` steps."""
    raw = high / count
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 5, 10) if step * m >= raw)
    return [i * step for i in range(math.ceil(high / step - 1e-9) + 1)]


def tradeoff_svg(runs: dict[str, dict[str, Any]]) -> str:
    """The watcher runs and fixed sweeps of `runs` as (requests / transition, p99 s) points."""
    points = [
        (label, run["requests_per_transition"], run["latency_p99_s"])
        for label, run in runs.items()
        if label.startswith(("watcher (f=", "fixed bulk sweep"))
    ]
    xs = _ticks(max(x for _, x, _ in points) * 1.05)
    ys = _ticks(max(y for _, _, y in points) * 1.05)

    def at(x: float, y: float) -> tuple[float, float]:
        width, height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
        return LEFT + x / xs[-1] * width, HEIGHT - BOTTOM - y / ys[-1] * height

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="18">A: requests per transition vs p99 latency '
        "(lower left is better; filled: the watcher, hollow: fixed bulk sweeps)</text>",
    ]
    for x in xs:
        px, _ = at(x, 0)
        out.append(
            f'<line x1="{px:.1f}" y1="{TOP}" x2="{px:.1f}" y2="{HEIGHT - BOTTOM}" stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{px:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{x:g}</text>'
        )
    for y in ys:
        _, py = at(0, y)
        out.append(
            f'<line x1="{LEFT}" y1="{py:.1f}" x2="{WIDTH - RIGHT}" y2="{py:.1f}" stroke="#ddd"/>'
        )
        out.append(f'<text x="{LEFT - 6}" y="{py + 4:.1f}" text-anchor="end">{y:g}</text>')
    out += [
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 12}" text-anchor="middle">'
        "requests per detected transition</text>",
        f'<text transform="translate(16 {(TOP + HEIGHT - BOTTOM) / 2}) rotate(-90)" '
        'text-anchor="middle">p99 detection latency (platform s)</text>',
    ]
    placed: list[tuple[float, float, float]] = []  # labels drawn: x, baseline y, width
    for label, x, y in points:
        px, py = at(x, y)
        mine = label.startswith("watcher")
        fill, stroke = ("#1f77b4", "#1f77b4") if mine else ("white", "#d62728")
        out.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="5" fill="{fill}" stroke="{stroke}" '
            'stroke-width="2"/>'
        )
        # Nearby points (the watcher at f=0.8 and 0.95) would print their labels over each
        # other: each label takes the first place beside its point that no earlier one holds.
        name = label.replace("fixed bulk sweep every", "sweep")
        width = 6.6 * len(name)
        for dy in (4, -9, 17):
            free = [
                box
                for box in ((px + 8, py + dy), (px - 8 - width, py + dy))
                if not any(
                    abs(box[1] - y0) < 13 and box[0] < x0 + w0 and x0 < box[0] + width
                    for x0, y0, w0 in placed
                )
            ]
            if free:
                break
        lx, ly = free[0] if free else (px + 8, py + 4)
        placed.append((lx, ly, width))
        out.append(f'<text x="{lx:.1f}" y="{ly:.1f}">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"

"""Server-side SVG bar charts (no JavaScript): geometry computed here, drawn by
``templates/ipr/includes/bar_chart.html`` next to an accessible table of the same numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 260, 48, 28, 12


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: int
    label: str


@dataclass
class Chart:
    title: str
    series: list[str]
    groups: list[str]
    bars: list[Bar] = field(default_factory=list)
    ticks: list[dict[str, Any]] = field(default_factory=list)
    group_labels: list[dict[str, Any]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: int = HEIGHT - BOTTOM


def _nice_max(value: int) -> int:
    """The smallest "round" axis top (4 intervals of 1, 2, 2.5 or 5 × 10^k, whole numbers)."""
    for k in range(16):
        for m in (1, 2, 2.5, 5):
            step = m * 10**k
            if step == int(step) and step * 4 >= value:
                return int(step * 4)
    return int(value)


def bar_chart(title: str, groups: list[str], series: list[tuple[str, list[int | float]]]) -> Chart:
    """Grouped bars: one group per label in ``groups``, one bar per series in each group."""
    chart = Chart(title=title, series=[name for name, _values in series], groups=groups)
    if not groups:
        return chart
    peak = max((max(values) if values else 0) for _n, values in series)
    top = _nice_max(int(peak))
    plot_h = HEIGHT - BOTTOM - TOP
    plot_w = WIDTH - LEFT - 8
    slot = plot_w / len(groups)
    bar_w = max(2.0, min(36.0, (slot * 0.8) / max(1, len(series))))
    for gi, group in enumerate(groups):
        start = LEFT + gi * slot + (slot - bar_w * len(series)) / 2
        for si, (name, values) in enumerate(series):
            value = values[gi] if gi < len(values) else 0
            h = plot_h * (value / top) if top else 0
            chart.bars.append(
                Bar(
                    x=round(start + si * bar_w, 1),
                    y=round(HEIGHT - BOTTOM - h, 1),
                    width=round(bar_w - 1, 1),
                    height=round(h, 1),
                    value=int(value),
                    series=si,
                    label=f"{group} — {name}: {int(value):,}".replace(",", "."),
                )
            )
        chart.group_labels.append({"x": round(LEFT + gi * slot + slot / 2, 1), "text": group})
    for i in range(5):
        value = top * i / 4
        chart.ticks.append(
            {
                "y": round(HEIGHT - BOTTOM - plot_h * i / 4, 1),
                "text": _short(value),
            }
        )
    return chart


def _short(value: float) -> str:
    if value >= 1_000_000_000:
        return f"{value / 1_000_000_000:g} tỷ"
    if value >= 1_000_000:
        return f"{value / 1_000_000:g} tr"
    return f"{value:g}"

"""Server-side SVG bar charts: no JavaScript, readable without colour (values printed on bars
when they fit) and always drawn beside an accessible table of the same numbers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from openstx.core.money import format_number, short_amount

PALETTE = [
    "#0b6e4f",
    "#c8102e",
    "#1f5fa8",
    "#e0a800",
    "#6b4fa0",
    "#2a9d8f",
    "#8a5a44",
    "#d1495b",
    "#5c6b73",
    "#9bc53d",
]


def bar_chart_svg(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | int | None]]],
    title: str = "",
    fmt: Callable[[float], str] = format_number,
    width: int = 640,
    height: int = 260,
) -> str:
    """Grouped vertical bars: one group per category (e.g. a year), one bar per series."""
    left, right, top, bottom = 66, 8, 12, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, vals in series for v in vals if v is not None]
    vmax = _nice_max(max(values) if values else 0)
    n_cat, n_ser = max(1, len(categories)), max(1, len(series))
    group_w = plot_w / n_cat
    bar_w = max(2.0, (group_w * 0.8) / n_ser)
    longest = max((len(name) for name, _ in series), default=0)
    cols = 3 if longest <= 26 else 2 if longest <= 44 else 1  # legend columns that fit the names
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 18 * ((n_ser + cols - 1) // cols)}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):  # grid lines and y-axis labels
        v = vmax * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d5dbe1"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">{escape(_short(v))}</text>'
        )
    for c, category in enumerate(categories):
        gx = left + c * group_w + group_w * 0.1
        for s, (_, vals) in enumerate(series):
            val = vals[c] if c < len(vals) else None
            if val is None:
                continue
            h = plot_h * (val / vmax) if vmax else 0
            x, y = gx + s * bar_w, top + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(series[s][0])}, '
                f"{escape(str(category))}: {escape(fmt(val))}</title></rect>"
            )
        parts.append(
            f'<text x="{left + c * group_w + group_w / 2:.1f}" y="{top + plot_h + 14}" '
            f'text-anchor="middle" font-size="11">{escape(str(category))}</text>'
        )
    for s, (name, _) in enumerate(series):  # legend
        lx, ly = left + (s % cols) * (plot_w / cols), height - 6 + 18 * (s // cols)
        parts.append(
            f'<rect x="{lx:.1f}" y="{ly - 9}" width="10" height="10" fill="{PALETTE[s % len(PALETTE)]}"/>'
        )
        parts.append(f'<text x="{lx + 14:.1f}" y="{ly}" font-size="11">{escape(name[:80])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def hbar_chart_svg(
    labels: Sequence[str],
    values: Sequence[float | int | None],
    title: str = "",
    fmt: Callable[[float], str] = format_number,
    label_width: int = 220,
    bar_width: int = 320,
    max_label: int = 34,
) -> str:
    """Horizontal bars, one per labelled value (long category names such as fields of science
    or statuses read better beside the bar than under it); the value is printed after each bar."""
    bar_h, gap = 22, 6
    vmax = max((v or 0 for v in values), default=0) or 1
    height = max(len(labels) * (bar_h + gap), bar_h)
    width = label_width + bar_width + 120
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        'class="chart">',  # sized by site.css (no inline style: CSP)
        f"<title>{escape(title)}</title>",
    ]
    for i, label in enumerate(labels):
        v = values[i] if i < len(values) else None
        v = v or 0
        y = i * (bar_h + gap)
        w = bar_width * v / vmax
        text_y = y + bar_h * 0.7
        short = label if len(label) <= max_label else label[: max_label - 1] + "…"
        parts.append(
            f'<text x="{label_width - 6}" y="{text_y:.1f}" text-anchor="end" font-size="12">'
            f"{escape(short)}</text>"
        )
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_h}" '
            f'fill="{PALETTE[0]}"><title>{escape(label)}: {escape(fmt(v))}</title></rect>'
        )
        parts.append(
            f'<text x="{label_width + w + 6:.1f}" y="{text_y:.1f}" font-size="12">'
            f"{escape(fmt(v))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _short(v: float) -> str:
    """An axis label: "1,5 tỷ", "250 triệu" in Vietnamese, "1.5B", "250M" in English."""
    return short_amount(v, compact=True)


def vi_number(value: float) -> str:
    """15000000 -> "15.000.000" (Vietnamese) / "15,000,000" (English): the interface's digit
    grouping, for ``bar_chart_svg(fmt=...)``."""
    return format_number(value)


def short_label(text: str, limit: int = 18) -> str:
    """A category label cut to fit under its bars (the table beside the chart has it whole)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

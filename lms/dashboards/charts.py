"""Charts drawn on the server as SVG: no script, no other host, readable on a 360 px phone.

Each chart scales to its container through its viewBox. Labels sit above their bar (long Vietnamese unit
names never squeeze the bar), text is at least 13 user units, and the figures are also printed as text.
Every chart is `role="img"` with a title; the page puts a table with the same numbers beside it.
"""
from __future__ import annotations

from markupsafe import Markup, escape

from lms.formats import percent

# A phone's width: on a 360 px screen one user unit is about one pixel; wider screens scale it up.
WIDTH = 360
BAR_COLOUR = "#1f5f99"  # 6.9:1 on white
TRACK_COLOUR = "#e3e8ee"
LINE_COLOUR = "#8a1111"
TEXT_COLOUR = "#212529"


def bar_chart(rows: list[tuple[str, float]], *, title: str, chart_id: str, maximum: float = 100.0) -> Markup:
    """Horizontal bars, one per (label, percentage); values are shown as text at the end of each bar."""
    row_height, bar_height, top = 44, 16, 8
    height = top + row_height * max(len(rows), 1) + 4
    parts = [
        f'<svg class="lms-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title" xmlns="http://www.w3.org/2000/svg" '
        f'preserveAspectRatio="xMinYMin meet" font-family="system-ui, sans-serif">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]
    track = WIDTH - 70
    for index, (label, value) in enumerate(rows):
        y = top + index * row_height
        share = 0.0 if maximum <= 0 else max(0.0, min(1.0, value / maximum))
        parts.append(f'<text x="0" y="{y + 14}" font-size="14" fill="{TEXT_COLOUR}">{escape(label)}</text>')
        parts.append(f'<rect x="0" y="{y + 20}" width="{track}" height="{bar_height}" fill="{TRACK_COLOUR}"/>')
        parts.append(f'<rect x="0" y="{y + 20}" width="{track * share:.1f}" height="{bar_height}" '
                     f'fill="{BAR_COLOUR}"/>')
        parts.append(f'<text x="{track + 6}" y="{y + 33}" font-size="14" font-weight="600" '
                     f'fill="{TEXT_COLOUR}">{escape(percent(value))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(points: list[tuple[str, int]], *, title: str, chart_id: str) -> Markup:
    """A trend line over short labelled points (e.g. month numbers); the page's table holds the values."""
    height, left, right, top, bottom = 220, 40, 12, 16, 36
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    peak = max([v for _, v in points] + [1])
    step = plot_w / max(len(points) - 1, 1)
    coords = [(left + i * step, top + plot_h - plot_h * v / peak) for i, (_, v) in enumerate(points)]
    parts = [
        f'<svg class="lms-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title" xmlns="http://www.w3.org/2000/svg" '
        f'preserveAspectRatio="xMinYMin meet" font-family="system-ui, sans-serif">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - right}" y2="{top + plot_h}" '
        f'stroke="{TEXT_COLOUR}" stroke-width="1"/>',
        f'<text x="0" y="{top + 5}" font-size="13" fill="{TEXT_COLOUR}">{peak}</text>',
        f'<line x1="{left}" y1="{top}" x2="{WIDTH - right}" y2="{top}" stroke="{TRACK_COLOUR}" stroke-width="1"/>',
        f'<text x="0" y="{top + plot_h}" font-size="13" fill="{TEXT_COLOUR}">0</text>',
    ]
    if coords:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{LINE_COLOUR}" stroke-width="3"/>')
    for (label, _value), (x, y) in zip(points, coords, strict=True):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{LINE_COLOUR}"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 14}" font-size="13" text-anchor="middle" '
                     f'fill="{TEXT_COLOUR}">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))

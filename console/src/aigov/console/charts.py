"""Inline SVG charts rendered on the server: no script, readable by screen readers (each chart
has a title and the numbers are also in text next to it)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

COLOURS = {
    "prohibited": "#a4161a",
    "high_risk": "#8a5300",
    "limited_risk": "#0b4f9c",
    "minimal_risk": "#1b6e3a",
    "out_of_scope": "#3f6e55",
    "unclassified": "#5a5f70",
    "full": "#1b6e3a",
    "partial": "#8a5300",
    "none": "#a4161a",
}


def bars(items: Sequence[tuple[str, float]], *, title: str, unit: str = "") -> Markup:
    """Horizontal bars, one per ``(label, value)``; the colour follows the label when known."""
    width, row, label_w = 300, 28, 92
    top = max((v for _, v in items), default=0) or 1
    height = row * max(len(items), 1) + 4
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(items):
        y = i * row + 2
        w = (width - label_w - 60) * (value / top)
        colour = COLOURS.get(label, "#0b4f9c")
        text = escape(label.replace("_", " "))
        parts.append(
            f'<text x="0" y="{y + 16}" font-size="14" fill="#1a1a2e">{text}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="18" rx="3" fill="{colour}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" font-size="14" fill="#1a1a2e">'
            f"{_num(value)}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def line(points: Sequence[tuple[str, float]], *, title: str, threshold: float | None) -> Markup:
    """A small line chart of values in [0, 1] over time (labels are shown first and last)."""
    width, height, pad = 420, 140, 28
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - 4}" y2="{height - pad}" '
        'stroke="#8a8fa0"/>',
        f'<text x="0" y="{pad - 10}" font-size="11" fill="#4a4a5e">100%</text>'
        f'<text x="0" y="{height - pad}" font-size="11" fill="#4a4a5e">0%</text>',
    ]
    span_y = height - 2 * pad

    def yof(v: float) -> float:
        return height - pad - span_y * max(0.0, min(1.0, v))

    if threshold is not None:
        ty = yof(threshold)
        parts.append(
            f'<line x1="{pad}" y1="{ty:.1f}" x2="{width - 4}" y2="{ty:.1f}" stroke="#a4161a" '
            f'stroke-dasharray="4 3"/><text x="{width - 90}" y="{ty - 4:.1f}" font-size="11" '
            f'fill="#a4161a">threshold {_num(threshold * 100)}%</text>'
        )
    n = len(points)
    coords = []
    for i, (_, v) in enumerate(points):
        x = pad + (width - pad - 10) * (i / (n - 1) if n > 1 else 0.5)
        coords.append((x, yof(v)))
    if coords:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#0b4f9c" stroke-width="2"/>')
        for x, y in coords:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#0b4f9c"/>')
        parts.append(
            f'<text x="{pad}" y="{height - 8}" font-size="11" fill="#4a4a5e">'
            f"{escape(points[0][0][:10])}</text>"
            f'<text x="{width - 80}" y="{height - 8}" font-size="11" fill="#4a4a5e">'
            f"{escape(points[-1][0][:10])}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"

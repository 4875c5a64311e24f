"""Server-rendered SVG trend charts for the Project 06 dashboard (no script, no external library): one line per
indicator over the periods shown, 0–100 %, with each point's value in a <title> for screen readers and tooltips."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD, LEFT = 320, 90, 14, 34


def trend_svg(label: str, keys: list[str], percents: list[float | None]) -> Markup:
    """A line of the percentages (gaps where a period had no case), labelled for assistive technology."""
    step = (WIDTH - LEFT - PAD) / max(1, len(percents) - 1)

    def y(value: float) -> float:
        return round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * value / 100, 1)

    points = [
        (round(PAD + i * step, 1), y(p), key, p) for i, (key, p) in enumerate(zip(keys, percents)) if p is not None
    ]
    summary = ", ".join(f"{key}: {'—' if p is None else f'{p}%'}" for key, p in zip(keys, percents, strict=True))
    parts = [
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{escape(label)}: {escape(summary)}">',
    ]
    for level in (100, 50, 0):
        kind = "axis" if level == 0 else "grid"
        parts.append(f'<line x1="{LEFT}" y1="{y(level)}" x2="{WIDTH - PAD}" y2="{y(level)}" class="{kind}"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y(level) + 3}" text-anchor="end" aria-hidden="true">{level}%</text>')
    if len(points) > 1:
        parts.append('<polyline class="line" points="' + " ".join(f"{x},{yy}" for x, yy, _, _ in points) + '"/>')
    for x, yy, key, p in points:
        parts.append(f'<circle cx="{x}" cy="{yy}" r="3.5" class="dot"><title>{escape(key)}: {p}%</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))

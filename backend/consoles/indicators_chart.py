"""The geometry of the Project 06 dashboard's trend charts (server-rendered SVG, no script, no external library):
one line per indicator over the periods shown, 0–100 %. The markup is templates/consoles/indicators/chart.html,
so every text in it is escaped by Jinja."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, PAD, LEFT = 320, 90, 14, 34


@dataclass(frozen=True)
class Trend:
    width: int
    height: int
    left: int
    right: int
    levels: list[tuple[int, float]]  # (percent, y) of the grid lines
    points: list[tuple[float, float, str, float]]  # x, y, period, percent
    summary: str  # every period's value, for screen readers


def trend(keys: list[str], percents: list[float | None]) -> Trend:
    """Points of the percentages (gaps where a period had no case)."""
    step = (WIDTH - LEFT - PAD) / max(1, len(percents) - 1)

    def y(value: float) -> float:
        return round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * value / 100, 1)

    points = [
        (round(LEFT + i * step, 1), y(p), key, p) for i, (key, p) in enumerate(zip(keys, percents)) if p is not None
    ]
    summary = ", ".join(f"{key}: {'—' if p is None else f'{p}%'}" for key, p in zip(keys, percents, strict=True))
    return Trend(WIDTH, HEIGHT, LEFT, WIDTH - PAD, [(level, y(level)) for level in (100, 50, 0)], points, summary)

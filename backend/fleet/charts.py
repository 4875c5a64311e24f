"""A small server-rendered SVG of a kiosk's job over the last hours: scans attempted and read per hour
as bars, check-ins as a line. No JavaScript library, so the dashboard's CSP stays strict."""

from __future__ import annotations

from datetime import tzinfo

from markupsafe import Markup, escape

from backend.fleet.telemetry import MetricPoint

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 220, 44, 28, 12


def totals(points: list[MetricPoint]) -> dict:
    attempted = sum(p.scans_attempted for p in points)
    succeeded = sum(p.scans_succeeded for p in points)
    timed = [p.mean_checkin_ms for p in points if p.mean_checkin_ms is not None]
    return {
        "attempted": attempted,
        "succeeded": succeeded,
        "rate": (succeeded / attempted) if attempted else None,
        "checkins": sum(p.checkins_completed for p in points),
        "mean_checkin_s": (sum(timed) / len(timed) / 1000) if timed else None,
    }


def job_chart(points: list[MetricPoint], zone: tzinfo) -> Markup:
    if not points:
        return Markup("")
    peak = max([p.scans_attempted for p in points] + [p.checkins_completed for p in points] + [1])
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / len(points)
    bar = max(2.0, slot * 0.36)

    def y(value: int) -> float:
        return TOP + plot_h - plot_h * value / peak

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="Lượt quét và tiếp đón theo giờ / scans and check-ins per hour">'
    ]
    for fraction in (0, 0.5, 1):
        value = round(peak * fraction)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - 8}" y1="{y(value):.1f}" y2="{y(value):.1f}"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value}</text>'
        )
    line = []
    for index, point in enumerate(points):
        x = LEFT + index * slot + slot / 2
        parts.append(
            f'<rect class="attempted" x="{x - bar:.1f}" y="{y(point.scans_attempted):.1f}" '
            f'width="{bar:.1f}" height="{TOP + plot_h - y(point.scans_attempted):.1f}">'
            f"<title>{point.scans_attempted} lượt quét / scans</title></rect>"
        )
        parts.append(
            f'<rect class="succeeded" x="{x:.1f}" y="{y(point.scans_succeeded):.1f}" '
            f'width="{bar:.1f}" height="{TOP + plot_h - y(point.scans_succeeded):.1f}">'
            f"<title>{point.scans_succeeded} đọc thành công / read</title></rect>"
        )
        line.append(f"{x:.1f},{y(point.checkins_completed):.1f}")
        if index % 3 == 0:
            hour = escape(point.start.astimezone(zone).strftime("%Hh"))
            parts.append(f'<text class="axis" x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{hour}</text>')
    parts.append(f'<polyline class="checkins" points="{" ".join(line)}"/>')
    parts.append("</svg>")
    # Every value above is a number we formatted or text passed through escape() (bandit B704 does not apply).
    return Markup("".join(parts))  # nosec B704

"""Inline SVG charts for the page: nothing is fetched, so the page stays one self-contained file."""

from __future__ import annotations

from html import escape

from goldenpath.fleet.history import Point
from goldenpath.fleet.model import FleetReport

VERSION_COLORS = {
    "current": "#2e7d32",
    "behind": "#f9a825",
    "unsupported-major": "#c62828",
    "unknown": "#9e9e9e",
}
# One colour per series of the trend chart, in order: "none" first, then the levels.
SERIES_COLORS = ("#9e9e9e", "#a1662f", "#78909c", "#d4a017", "#5e35b1", "#00897b", "#c62828")


def version_chart(report: FleetReport) -> str:
    """Repos per template version: green the supported line's newest, amber older ones of the line, red other majors."""
    counts = report.version_counts()
    if not counts:
        return "<p>No repos.</p>"
    top = max(counts.values())
    bar, gap, height = 56, 16, 180
    width = len(counts) * (bar + gap) + gap
    parts = [_svg("template version distribution", width, height + 40)]
    for index, (version, count) in enumerate(counts.items()):
        status = "unknown" if version == "unknown" else report.line.status_of(version)
        h = max(2, round(height * count / top))
        x = gap + index * (bar + gap)
        parts.append(
            f'<g class="version" data-version="{escape(version)}" data-status="{status}">'
            f"<title>{escape(version)}: {count} repos ({status})</title>"
            f'<rect x="{x}" y="{height - h + 16}" width="{bar}" height="{h}" fill="{VERSION_COLORS[status]}" rx="3"/>'
            f'<text x="{x + bar / 2}" y="{height - h + 11}" text-anchor="middle">{count}</text>'
            f'<text x="{x + bar / 2}" y="{height + 32}" text-anchor="middle">{escape(version)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def statement_chart(report: FleetReport) -> str:
    """Share of repos passing each automated statement."""
    passing = report.summary()["statement_pass_counts"]
    total = max(len(report.repos), 1)
    row, label, width = 18, 250, 240
    height = row * len(report.statements) + 4
    parts = [_svg("repos passing each statement", label + width + 60, height)]
    for index, info in enumerate(report.statements):
        y = index * row + 2
        share = passing[info.id] / total
        parts.append(
            f"<g><title>{escape(info.id)} {escape(info.title)}: {passing[info.id]} of {len(report.repos)}</title>"
            f'<text x="{label - 6}" y="{y + 12}" text-anchor="end">{escape(info.id)} {escape(info.title)}</text>'
            f'<rect x="{label}" y="{y}" width="{width}" height="{row - 4}" fill="#eceff1"/>'
            f'<rect x="{label}" y="{y}" width="{round(width * share)}" height="{row - 4}" fill="#2e7d32"/>'
            f'<text x="{label + width + 6}" y="{y + 12}">{round(100 * share)}%</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def level_chart(counts: dict[str, int]) -> str:
    """One stacked bar: how many repos stand at each level."""
    total = max(sum(counts.values()), 1)
    width, height = 560, 26
    parts = [_svg("level distribution", width, height + 22)]
    x = 0.0
    for index, (name, count) in enumerate(counts.items()):
        w = width * count / total
        color = SERIES_COLORS[index % len(SERIES_COLORS)]
        parts.append(
            f'<g class="level" data-level="{escape(name)}" data-count="{count}"><title>{escape(name)}: {count} repos</title>'
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{color}"/>'
            + (
                f'<text x="{x + w / 2:.1f}" y="{height + 15}" text-anchor="middle">{escape(name)} {count}</text>'
                if count
                else ""
            )
            + "</g>"
        )
        x += w
    parts.append("</svg>")
    return "".join(parts)


def trend_chart(points: list[Point], levels: list[str]) -> str:
    """Repos at or above each level, and repos passing every automated statement, report by report."""
    if len(points) < 2:
        return "<p>One report so far: the chart starts with the next.</p>"
    series = {
        f"{name} or above": [
            sum(p.level_counts.get(n, 0) for n in levels[levels.index(name) :]) for p in points
        ]
        for name in levels
    }
    series["every automated statement"] = [p.all_pass for p in points]
    series["repos"] = [p.repos for p in points]
    top = max(max(values) for values in series.values()) or 1
    left, width, height, legend = 40, 520, 170, 210
    step = width / (len(points) - 1)
    parts = [_svg("trend of passes over time", left + width + legend, height + 40, css_id="trend-chart")]
    for tick in (0, top):
        y = height - height * tick / top + 10
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
        parts.append(f'<line x1="{left}" x2="{left + width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d7de"/>')
    for index, (name, values) in enumerate(series.items()):
        color = SERIES_COLORS[(index + 1) % len(SERIES_COLORS)]
        coords = " ".join(
            f"{left + i * step:.1f},{height - height * v / top + 10:.1f}" for i, v in enumerate(values)
        )
        parts.append(
            f'<g class="series" data-series="{escape(name)}" data-values="{",".join(map(str, values))}">'
            f"<title>{escape(name)}: {' → '.join(map(str, values))}</title>"
            f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="2"/>'
            f'<text x="{left + width + 8}" y="{22 + 16 * index}" fill="{color}">{escape(name)}</text></g>'
        )
    for i in (0, len(points) - 1):
        parts.append(
            f'<text x="{left + i * step:.1f}" y="{height + 30}" text-anchor="middle">{escape(points[i].generated_at[:10])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def sparkline(values: list[int], top: int) -> str:
    """A tiny line of one statement's passes over the reports."""
    if len(values) < 2:
        return ""
    width, height = 90, 18
    step = width / (len(values) - 1)
    top = max(top, 1)
    coords = " ".join(
        f"{i * step:.1f},{height - (height - 2) * v / top - 1:.1f}" for i, v in enumerate(values)
    )
    return (
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{" → ".join(map(str, values))}"><polyline points="{coords}" fill="none" stroke="#2e7d32" '
        'stroke-width="1.5"/></svg>'
    )


def progress_bar(passing: int, total: int) -> str:
    share = passing / total if total else 0.0
    return (
        f'<svg class="progress" viewBox="0 0 200 12" width="200" height="12" role="img" '
        f'aria-label="{passing} of {total}"><rect width="200" height="12" rx="3" fill="#eceff1"/>'
        f'<rect width="{200 * share:.1f}" height="12" rx="3" fill="#2e7d32"/></svg>'
    )


def _svg(label: str, width: float, height: float, css_id: str = "") -> str:
    ident = f' id="{css_id}"' if css_id else ""
    return (
        f'<svg{ident} role="img" aria-label="{escape(label)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">'
    )

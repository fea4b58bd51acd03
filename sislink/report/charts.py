"""Inline SVG charts for the HTML reports, drawn without any script or download.

Each function returns SVG markup as ``markupsafe.Markup``; every label is
escaped. The charts carry ``role="img"`` and a title for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 720
BAR_HEIGHT = 18
BAR_GAP = 8
LABEL_WIDTH = 240
PLOT_HEIGHT = 220
MARGIN = 36
LEGEND_SPACING = 140
"""Pixels from one legend entry to the next, less when the entries need it to
fit the width."""
COLORS = {
    "on_time": "#1a7f37",
    "late": "#b54708",
    "overdue_open": "#b42318",
    "unmet_at_exit": "#6b21a8",
    "timeliness": "#1d4ed8",
    "delivery": "#7c3aed",
}


@dataclass(frozen=True, slots=True)
class StackedBar:
    """One bar of a stacked bar chart: a label and its parts in order."""

    label: str
    parts: Sequence[tuple[str, int]]


def stacked_bars(title: str, bars: Sequence[StackedBar]) -> Markup:
    """Return a horizontal stacked bar chart of shares, one bar per row.

    Each bar fills the plot width at 100% of its total; a bar without any
    count is drawn as an empty outline.
    """
    height = MARGIN + len(bars) * (BAR_HEIGHT + BAR_GAP) + MARGIN
    plot = WIDTH - LABEL_WIDTH - 100
    parts = [_open(title, WIDTH, height), _legend(bars)]
    for index, bar in enumerate(bars):
        y = MARGIN + index * (BAR_HEIGHT + BAR_GAP)
        total = sum(count for _name, count in bar.parts)
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT - 5}" '
            f'text-anchor="end" font-size="12">{escape(bar.label)}</text>'
        )
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{plot}" height="{BAR_HEIGHT}" '
            'fill="none" stroke="#c8c8c8"/>'
        )
        x = float(LABEL_WIDTH)
        for name, count in bar.parts:
            if total == 0 or count == 0:
                continue
            width = plot * count / total
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y}" width="{width:.1f}" '
                f'height="{BAR_HEIGHT}" fill="{COLORS.get(name, "#666")}">'
                f"<title>{escape(bar.label)}: {escape(name)} {count:,} of "
                f"{total:,}</title></rect>"
            )
            x += width
        share = f"{100 * bar.parts[0][1] / total:.0f}% on time" if total else "none due"
        parts.append(
            f'<text x="{LABEL_WIDTH + plot + 6}" y="{y + BAR_HEIGHT - 5}" '
            f'font-size="11">{share}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    title: str,
    months: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
) -> Markup:
    """Return a line chart of shares (0 to 1) by month, one line per series.

    A month without a value leaves a gap in its line.
    """
    height = PLOT_HEIGHT + 2 * MARGIN + 20
    left, plot_width = 50, WIDTH - 50 - MARGIN
    parts = [_open(title, WIDTH, height)]
    for tick in (0, 25, 50, 75, 100):
        y = MARGIN + PLOT_HEIGHT * (1 - tick / 100)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" '
            f'stroke="#e5e5e5"/><text x="{left - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end" font-size="11">{tick}%</text>'
        )
    step = plot_width / max(len(months) - 1, 1)
    for index, month in enumerate(months):
        x = left + index * step
        parts.append(
            f'<text x="{x:.1f}" y="{MARGIN + PLOT_HEIGHT + 16}" text-anchor="middle" '
            f'font-size="11">{escape(month)}</text>'
        )
    for number, (name, values) in enumerate(series):
        color = list(COLORS.values())[3 + number % 2]
        parts.extend(_polyline(values, left, step, color, name))
        legend_x = left + number * 200
        parts.append(
            f'<rect x="{legend_x}" y="{height - 16}" width="12" height="12" '
            f'fill="{color}"/><text x="{legend_x + 16}" y="{height - 6}" '
            f'font-size="12">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _polyline(
    values: Sequence[float | None], left: float, step: float, color: str, name: str
) -> list[str]:
    """Return one polyline per run of months with values, and a dot per value."""
    parts: list[str] = []
    run: list[str] = []
    for index, value in enumerate([*values, None]):
        if value is None:
            if len(run) > 1:
                parts.append(
                    f'<polyline class="line" fill="none" stroke="{color}" '
                    f'stroke-width="2" points="{" ".join(run)}"/>'
                )
            run = []
            continue
        x = left + index * step
        y = MARGIN + PLOT_HEIGHT * (1 - max(0.0, min(value, 1.0)))
        run.append(f"{x:.1f},{y:.1f}")
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}">'
            f"<title>{escape(name)}: {100 * value:.0f}%</title></circle>"
        )
    return parts


def _open(title: str, width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="system-ui, sans-serif"><title>{escape(title)}</title>'
    )


def _legend(bars: Sequence[StackedBar]) -> str:
    names = [name for name, _count in bars[0].parts] if bars else []
    spacing = min(LEGEND_SPACING, (WIDTH - LABEL_WIDTH) // max(len(names), 1))
    parts = []
    for index, name in enumerate(names):
        x = LABEL_WIDTH + index * spacing
        parts.append(
            f'<rect x="{x}" y="8" width="12" height="12" '
            f'fill="{COLORS.get(name, "#666")}"/><text x="{x + 16}" y="18" '
            f'font-size="12">{escape(name.replace("_", " "))}</text>'
        )
    return "".join(parts)

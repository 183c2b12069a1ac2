"""Two charts, drawn from the same numbers as SVG (HTML) and as reportlab drawings (PDF):
status by state (stacked bars: overdue, open, closed) and requests per month."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, Protocol

from records_req.lifecycle import CLOSED

GROUPS = (("overdue", "#c0392b"), ("open", "#2e86c1"), ("closed", "#95a5a6"))


class Charted(Protocol):
    """What a chart needs of a request: a report's RequestDetails, or a dashboard's RequestRow (records_req.views)."""

    @property
    def jurisdiction(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def overdue(self) -> bool: ...


class HasRequests(Protocol):
    @property
    def requests(self) -> Sequence[Charted]: ...
    def per_month(self) -> dict[str, int]: ...


def status_by_state(report: HasRequests) -> tuple[list[str], dict[str, list[int]]]:
    states = sorted({r.jurisdiction for r in report.requests})
    series: dict[str, list[int]] = {name: [0] * len(states) for name, _ in GROUPS}
    index = {code: i for i, code in enumerate(states)}
    for r in report.requests:
        group = "overdue" if r.overdue else "closed" if r.status in CLOSED else "open"
        series[group][index[r.jurisdiction]] += 1
    return states, series


def per_month(report: HasRequests) -> tuple[list[str], list[int]]:
    months = report.per_month()
    return list(months), list(months.values())


def _svg_bars(labels: list[str], series: list[tuple[str, str, list[int]]], title: str) -> str:
    width, height, left, bottom, top = 640, 260, 40, 40, 30
    n = max(len(labels), 1)
    totals = [sum(values[i] for _, _, values in series) for i in range(len(labels))] or [0]
    peak = max(max(totals), 1)
    slot = (width - left - 10) / n
    bar = max(slot * 0.7, 1)
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        'xmlns="http://www.w3.org/2000/svg" class="chart">',
        f'<text x="{left}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#333"/>',
        f'<text x="{left - 6}" y="{top + 4}" font-size="12" text-anchor="end">{peak}</text>',
    ]
    for i, label in enumerate(labels):
        x = left + i * slot + (slot - bar) / 2
        y = float(height - bottom)
        for name, color, values in series:
            value = values[i]
            if not value:
                continue
            h = (height - bottom - top) * value / peak
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{color}">'
                f"<title>{escape(label)} {escape(name)}: {value}</title></rect>"
            )
        if n <= 40 or i % max(n // 20, 1) == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 14}" font-size="12" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    legend_x = float(left)
    for name, color, _ in series:
        parts.append(f'<rect x="{legend_x}" y="{height - 14}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{legend_x + 14}" y="{height - 5}" font-size="13">{escape(name)}</text>')
        legend_x += 110
    parts.append("</svg>")
    return "".join(parts)


def svg_status_by_state(report: HasRequests, title: str, names: Mapping[str, str] | None = None) -> str:
    """``names``: the legend's words for overdue, open and closed (the page's language)."""
    states, series = status_by_state(report)
    return _svg_groups(states, series, title, names)


def svg_state_groups(
    groups: Mapping[str, Mapping[str, int]], title: str, names: Mapping[str, str] | None = None
) -> str:
    """The same chart from counts already made: per state, its overdue, open and closed requests
    (the dashboard's kept counts, reports.data.Summary.groups)."""
    states = sorted(groups)
    series = {name: [groups[code].get(name, 0) for code in states] for name, _ in GROUPS}
    return _svg_groups(states, series, title, names)


def _svg_groups(states: list[str], series: dict[str, list[int]], title: str, names: Mapping[str, str] | None) -> str:
    said = names or {}
    return _svg_bars(states, [(said.get(name, name), color, series[name]) for name, color in GROUPS], title)


def svg_per_month(report: HasRequests, title: str, name: str = "requests") -> str:
    months, counts = per_month(report)
    return _svg_bars(months, [(name, "#2e86c1", counts)], title)


def svg_months(months: Mapping[str, int], title: str, name: str = "requests") -> str:
    """Requests per month from counts already made (reports.data.Summary.months)."""
    return _svg_bars(list(months), [(name, "#2e86c1", list(months.values()))], title)


# A status's colour in the dashboard's chart: the agency's move blue (teal while it has not
# answered), the requester's amber, the records' arrival green, a refusal or a fight red and
# purple, the rest grey (each 4.5:1 or more against white, for the bar's label drawn beside it in
# the same colour's text).
STATUS_COLORS = {
    "draft": "#5c5c5c",
    "awaiting-ack": "#006b8f",
    "awaiting-response": "#0b57a4",
    "fix-required": "#8a5300",
    "payment-required": "#8a5300",
    "partially-released": "#1e6b1e",
    "completed": "#1e6b1e",
    "no-records": "#5c5c5c",
    "denied": "#a30000",
    "appealed": "#6a1b9a",
    "in-litigation": "#6a1b9a",
    "withdrawn": "#5c5c5c",
}


def svg_counts(rows: Sequence[tuple[str, str, int]], title: str) -> str:
    """Horizontal bars, one per (token, label, count): the label on the left, the count at the
    bar's end. Drawn 500 wide with 16 px text, so that scaled to a phone (about 360 px) the text
    is still 12 px, and shown at its own size on a desktop."""
    width, row, left, top = 500, 36, 232, 40
    height = top + row * max(len(rows), 1) + 8
    peak = max((n for _, _, n in rows), default=1) or 1
    span = width - left - 40
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        'xmlns="http://www.w3.org/2000/svg" class="chart bars" font-family="system-ui, sans-serif">',
        f'<text x="0" y="22" font-size="18" font-weight="bold" fill="#1a1a1a">{escape(title)}</text>',
    ]
    for i, (token, label, count) in enumerate(rows):
        y = top + i * row
        color = STATUS_COLORS.get(token, "#5c5c5c")
        bar = max(span * count / peak, 2)
        parts.append(
            f'<text x="{left - 8}" y="{y + 22}" font-size="16" text-anchor="end" fill="#1a1a1a">{escape(label)}</text>'
            f'<rect x="{left}" y="{y + 6}" width="{bar:.1f}" height="24" rx="3" fill="{color}">'
            f"<title>{escape(label)}: {count}</title></rect>"
            f'<text x="{left + bar + 6:.1f}" y="{y + 23}" font-size="16" font-weight="bold" '
            f'fill="{color}">{count}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def drawing(labels: list[str], series: list[tuple[str, str, list[int]]], title: str, font: str) -> Any:
    """The same stacked bars as a reportlab Drawing."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    if not labels or not any(values for _, _, values in series):  # nothing to chart: an empty axis
        labels = [""]
        series = [(name, color, [0]) for name, color, _ in series] or [("", "#ffffff", [0])]
    d = Drawing(460, 220)
    d.add(String(0, 205, title, fontName=font, fontSize=11))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 40, 420, 150
    chart.data = [values for _, _, values in series] or [[0]]
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 6 if len(labels) > 20 else 8
    chart.categoryAxis.labels.angle = 90 if len(labels) > 12 else 0
    chart.categoryAxis.labels.boxAnchor = "e" if len(labels) > 12 else "n"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.valueMin = 0
    peak = max((sum(column) for column in zip(*chart.data, strict=True)), default=1)
    chart.valueAxis.valueStep = max(1, -(-peak // 5))  # whole numbers: these are counts
    chart.categoryAxis.style = "stacked"
    for i, (_, color, _) in enumerate(series):
        chart.bars[i].fillColor = colors.HexColor(color)
        chart.bars[i].strokeColor = None
    d.add(chart)
    x = 30
    for name, color, _ in series:
        from reportlab.graphics.shapes import Rect

        swatch = Rect(x, 2, 8, 8)
        swatch.fillColor = colors.HexColor(color)
        swatch.strokeColor = None
        d.add(swatch)
        d.add(String(x + 12, 2, name, fontName=font, fontSize=8))
        x += 80
    return d

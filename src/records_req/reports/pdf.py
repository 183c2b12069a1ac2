"""PDF: a title page with the filters, the summary with charts, then each request in detail.
Same embedded Unicode fonts and page numbering as the letters."""

from __future__ import annotations

import io
from typing import Any

from records_req.letters.pdf import BOLD, REGULAR, markup, numbered_canvas, setup
from records_req.reports import charts
from records_req.reports.data import Report
from records_req.reports.i18n import labeller


def to_pdf(report: Report, lang: str = "en") -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import inch
    from reportlab.platypus import (
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    setup()
    t = labeller(lang)
    base = ParagraphStyle("rep", fontName=REGULAR, fontSize=9, leading=11.5)
    title = ParagraphStyle("rep-title", parent=base, fontName=BOLD, fontSize=20, leading=24, spaceAfter=12)
    h2 = ParagraphStyle("rep-h2", parent=base, fontName=BOLD, fontSize=13, leading=16, spaceBefore=10, spaceAfter=6)
    h3 = ParagraphStyle("rep-h3", parent=base, fontName=BOLD, fontSize=10, leading=13, spaceBefore=6, spaceAfter=3)
    small = ParagraphStyle("rep-small", parent=base, fontSize=8, leading=10)

    def p(text: str, style: Any = base) -> Any:
        return Paragraph(markup(str(text)), style)

    def table(
        headers: list[str], rows: list[list[Any]], widths: list[float] | None = None, highlight: bool = False
    ) -> Any:
        data = [[p(h, small) for h in headers]] + [[p(c, small) for c in row] for row in rows]
        tbl = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        style: list[Any] = [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        if highlight and rows:
            style.append(("BACKGROUND", (0, 1), (-1, -1), colors.HexColor("#fdecea")))
        tbl.setStyle(TableStyle(style))
        return tbl

    f = report.filters
    filters = [
        f"{t('State')}: {f.state}" if f.state else "",
        "tags: " + ", ".join(f.tags) if f.tags else "",
        f"since {f.since.isoformat()}" if f.since else "",
        "redacted" if f.redact else "",
    ]
    flow: list[Any] = [
        Spacer(1, 2 * inch),
        p(t("Public records requests: status report"), title),
        p(f"{t('As of')} {report.as_of.isoformat()}"),
        p(f"{t('Filters')}: {'; '.join(x for x in filters if x) or t('All requests')}"),
        p(f"{t('Requests')}: {len(report.requests)}"),
        PageBreak(),
        p(t("Summary"), h2),
        table(
            [t("Status"), t("Requests")],
            [[k, v] for k, v in report.by_status().items()],
            [3 * inch, 1.2 * inch],
        ),
    ]
    overdue = report.overdue()
    flow.append(p(t("Overdue"), h2))
    flow.append(
        table(
            ["#", t("Agency"), t("State"), t("Due"), t("Days late")],
            [[r.id, r.agency, r.jurisdiction, r.due_on.isoformat() if r.due_on else "", r.days_late] for r in overdue],
            [0.5 * inch, 3 * inch, 0.6 * inch, 1 * inch, 0.9 * inch],
            highlight=True,
        )
        if overdue
        else p(t("None"))
    )
    soon = report.due_soon()
    flow.append(p(t("Due in the next 14 days"), h2))
    flow.append(
        table(
            ["#", t("Agency"), t("State"), t("Due"), t("Status")],
            [[r.id, r.agency, r.jurisdiction, r.due_on.isoformat() if r.due_on else "", r.status] for r in soon],
            [0.5 * inch, 3 * inch, 0.6 * inch, 1 * inch, 1.4 * inch],
        )
        if soon
        else p(t("None"))
    )
    states, series = charts.status_by_state(report)
    flow.append(
        KeepTogether(
            [
                p(t("By state"), h2),
                charts.drawing(
                    states,
                    [(name, color, series[name]) for name, color in charts.GROUPS],
                    t("Status by state"),
                    REGULAR,
                ),
            ]
        )
    )
    medians = report.medians()
    flow.append(
        table(
            [t("State"), t("Requests"), t("Median days to first response"), t("Median days to completion")],
            [
                [
                    code,
                    sum(c.values()),
                    _num(medians[code]["first_response"]),
                    _num(medians[code]["completion"]),
                ]
                for code, c in report.by_state().items()
            ],
        )
    )
    flow.append(p(t("By 287(g) model"), h2))
    flow.append(table(["model", t("Requests")], [[k, v] for k, v in report.by_model().items()], [3 * inch, 1.2 * inch]))
    months, counts = charts.per_month(report)
    flow.append(
        KeepTogether(
            [
                p(t("Requests over time"), h2),
                charts.drawing(months, [("requests", "#2e86c1", counts)], t("Requests over time"), REGULAR),
            ]
        )
    )
    coverage = report.coverage()
    if coverage:
        flow.append(p(t("Coverage"), h2))
        flow.append(
            table(
                [t("Agency"), *coverage["topics"]],
                [
                    [agency, *(row.get(topic, "") for topic in coverage["topics"])]
                    for agency, row in coverage["rows"].items()
                ],
            )
        )
    flow.append(PageBreak())
    flow.append(p(t("Details"), h2))
    for r in report.requests:
        block = [
            p(
                f"#{r.id} {r.agency} ({r.jurisdiction}): {r.status}" + (f" — {t('Overdue')}" if r.overdue else ""),
                h3,
            ),
            p(f"{t('Law')}: {r.law}, {r.law_citation}", small),
            p(
                f"{t('Sent')}: {r.sent_on.isoformat() if r.sent_on else '—'}; {t('Due')}: "
                f"{r.due_on.isoformat() + ' (' + r.due_label + ')' if r.due_on else '—'}",
                small,
            ),
            p(f"{t('Next step')}: {r.next_step}", small),
        ]
        if r.requester:
            block.append(p(f"{t('Requester')}: {', '.join(v for v in r.requester.values() if v)}", small))
        if r.events:
            block.append(p(f"{t('Timeline')}: " + "; ".join(f"{e['on']} {e['kind']}" for e in r.events), small))
        if r.documents:
            block.append(p(f"{t('Documents')}: " + "; ".join(f"{d['role']} {d['name']}" for d in r.documents), small))
        if r.explanation:
            block.append(p(f"{t('How the deadline was computed')}:", small))
            block.extend(p(f"{i}. {line}", small) for i, line in enumerate(r.explanation, 1))
        flow.append(KeepTogether(block))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=0.8 * inch,
        rightMargin=0.8 * inch,
        topMargin=0.8 * inch,
        bottomMargin=0.9 * inch,
        title="records-req report",
        creator="records-req",
        invariant=1,
        initialFontName=REGULAR,
    )
    doc.build(flow, canvasmaker=numbered_canvas())
    return buffer.getvalue()


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"

"""PDF: a title page with the filters, the summary with charts, then each request in detail.
Same embedded Unicode fonts and page numbering as the letters."""

from __future__ import annotations

import io
from typing import Any

from records_req.labels import GROUPS
from records_req.letters.pdf import BOLD, REGULAR, markup, numbered_canvas, setup
from records_req.reports import charts, tables
from records_req.reports.data import Report
from records_req.reports.i18n import labeller
from records_req.reports.tables import Said


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
    said = Said(lang)
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
        p(f"{t('As of')} {said.date(report.as_of)}"),
        p(f"{t('Filters')}: {'; '.join(x for x in filters if x) or t('All requests')}"),
        p(f"{t('Requests')}: {len(report.requests)}"),
        PageBreak(),
        p(t("Summary"), h2),
        table(*tables.by_status(report, t, said), [3 * inch, 1.2 * inch]),
    ]
    flow.append(p(t("Overdue"), h2))
    headers, rows = tables.overdue(report, t, said)
    flow.append(
        table(headers, rows, [0.4 * inch, 2 * inch, 0.5 * inch, 0.9 * inch, 0.6 * inch, 2.5 * inch], highlight=True)
        if rows
        else p(t("None"))
    )
    flow.append(p(t("Due in the next 14 days"), h2))
    headers, rows = tables.due_soon(report, t, said)
    flow.append(
        table(headers, rows, [0.5 * inch, 3 * inch, 0.6 * inch, 1 * inch, 1.4 * inch]) if rows else p(t("None"))
    )
    states, series = charts.status_by_state(report)
    groups = [(GROUPS[name].said(said.lang), color, series[name]) for name, color in charts.GROUPS]
    flow.append(KeepTogether([p(t("By state"), h2), charts.drawing(states, groups, t("Status by state"), REGULAR)]))
    flow.append(table(*tables.by_state(report, t)))
    flow.append(p(t("By 287(g) model"), h2))
    flow.append(table(*tables.by_model(report, t), [3 * inch, 1.2 * inch]))
    months, counts = charts.per_month(report)
    monthly = [(said.word("requests"), "#2e86c1", counts)]
    flow.append(
        KeepTogether(
            [p(t("Requests over time"), h2), charts.drawing(months, monthly, t("Requests over time"), REGULAR)]
        )
    )
    grid = tables.coverage(report, t, said)
    if grid:
        flow.append(p(t("Coverage"), h2))
        flow.append(table(*grid))
    flow.append(PageBreak())
    flow.append(p(t("Details"), h2))
    for r in report.requests:
        block = [
            p(
                f"#{r.id} {r.agency} ({r.jurisdiction}): {said.status(r.status)}"
                + (f" — {t('Overdue')}" if r.overdue else ""),
                h3,
            ),
            p(f"{t('Law')}: {r.law}, {r.law_citation}", small),
            p(f"{t('Sent')}: {said.date(r.sent_on)}; {t('Due')}: {said.due(r)}", small),
            p(f"{t('Next step')}: {said.next_step(r)}", small),
        ]
        if r.requester:
            block.append(p(f"{t('Requester')}: {', '.join(v for v in r.requester if v)}", small))
        _headers, events, undone = tables.timeline(r, t, said)
        if events:  # an undone event struck through, with when and by whom
            block.append(p(f"{t('Timeline')}:", small))
            block.extend(
                Paragraph(
                    f"<strike>{markup(f'{on} {words}')}</strike> {markup(gone)}" if u else markup(f"{on} {words}"),
                    small,
                )
                for (on, words, gone), u in zip(events, undone, strict=True)
            )
        if r.documents:
            block.append(
                p(f"{t('Documents')}: " + "; ".join(f"{d.name} ({said.role(d.role)})" for d in r.documents), small)
            )
        if r.explanation:
            block.append(p(f"{t('How the deadline was computed')}:", small))
            block.extend(p(f"{i}. {line}", small) for i, line in enumerate(said.steps(r), 1))
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

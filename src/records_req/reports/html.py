"""HTML: one self-contained file (inline CSS and SVG, no scripts, no network), readable on a
phone, printable. Every value is escaped."""

from __future__ import annotations

from html import escape
from typing import Any

from records_req import labels
from records_req.reports import charts, tables
from records_req.reports.data import Report
from records_req.reports.i18n import labeller
from records_req.reports.tables import Said
from records_req.views import RequestDetails

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
       margin: 0 auto; padding: 1rem; max-width: 70rem; line-height: 1.45; color: #1b1b1b; }
h1 { font-size: 1.5rem; margin: .2rem 0 .5rem; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 .5rem; border-bottom: 2px solid #ddd; padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
.filters { color: #555; font-size: .9rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .5rem; }
.card { border: 1px solid #ddd; border-radius: .4rem; padding: .5rem .7rem; }
.card b { display: block; font-size: 1.4rem; }
.card.alert { border-color: #c0392b; background: #fdecea; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid #e3e3e3; padding: .3rem .45rem; text-align: left; vertical-align: top; }
th { background: #f5f5f5; }
td.num, th.num { text-align: right; }
tr.overdue td { background: #fdecea; }
tr.undone td { color: #555; } tr.undone td:nth-child(-n+2) { text-decoration: line-through; }
.chart { width: 100%; max-width: 40rem; height: auto; display: block; margin: .5rem 0; }
details { border: 1px solid #ddd; border-radius: .4rem; padding: .4rem .7rem; margin: .4rem 0; }
summary { cursor: pointer; font-weight: 600; }
ol.explain { font-size: .85rem; color: #333; }
@media (max-width: 40rem) {
  body { padding: .6rem; } th, td { padding: .25rem; }
  .scroll table { min-width: 36rem; }  /* wide tables scroll inside their box, not crushed */
}
@media print { details { break-inside: avoid; } details > * { display: block; } .scroll { overflow: visible; } }
"""


def _table(
    headers: list[str],
    rows: list[list[Any]],
    row_class: list[str] | None = None,
    numeric: set[int] | None = None,
) -> str:
    numeric = numeric or set()
    head = "".join(f"<th{' class=num' if i in numeric else ''}>{escape(h)}</th>" for i, h in enumerate(headers))
    body = []
    for n, row in enumerate(rows):
        cls = f' class="{row_class[n]}"' if row_class and row_class[n] else ""
        cells = "".join(f"<td{' class=num' if i in numeric else ''}>{escape(str(v))}</td>" for i, v in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _filters(report: Report, t: Any) -> str:
    f = report.filters
    parts = []
    if f.state:
        parts.append(f"{t('State')}: {f.state}")
    if f.tags:
        parts.append("tags: " + ", ".join(f.tags))
    if f.since:
        parts.append(f"since {f.since.isoformat()}")
    if f.redact:
        parts.append("redacted")
    return "; ".join(parts) or t("All requests")


def _detail(r: RequestDetails, t: Any, said: Said) -> str:
    rows = [
        [t("Agency"), r.agency],
        [t("Law"), f"{r.law}, {r.law_citation}"],
        [t("Status"), said.status(r.status)],
        [t("Sent"), said.date(r.sent_on)],
        [t("Due"), said.due(r)],
        [t("Next step"), said.next_step(r)],
    ]
    if r.tracking_numbers:
        rows.append(["#", ", ".join(r.tracking_numbers)])
    if r.requester:
        who = ", ".join(v for v in r.requester if v)
        rows.append([t("Requester"), who])
    out = [
        f'<details id="r{r.id}"><summary>#{r.id} {escape(r.agency)} ({escape(r.jurisdiction)}): '
        f"{escape(said.status(r.status))}{' — ' + escape(t('Overdue')) if r.overdue else ''}</summary>"
    ]
    out.append(_table(["", ""], rows))
    out.append(f"<h3>{escape(t('Timeline'))}</h3>")
    headers, events, undone = tables.timeline(r, t, said)
    out.append(_table(headers, events, ["undone" if u else "" for u in undone]))
    if r.documents:
        out.append(f"<h3>{escape(t('Documents'))}</h3>")
        out.append(
            _table(
                ["", t("Files"), "SHA-256"],
                [[said.role(d.role), d.name, d.sha256[:16] + "…"] for d in r.documents],
            )
        )
    if r.explanation:
        out.append(f"<h3>{escape(t('How the deadline was computed'))}</h3><ol class=explain>")
        out.extend(f"<li>{escape(line)}</li>" for line in said.steps(r))
        out.append("</ol>")
    out.append("</details>")
    return "".join(out)


def to_html(report: Report, lang: str = "en") -> bytes:
    t = labeller(lang)
    said = Said(lang)
    status = report.by_status()
    overdue_count = len(report.overdue())
    html_lang = "es" if lang == "es" else "en"
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{html_lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(t('Public records requests: status report'))}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{escape(t('Public records requests: status report'))}</h1>",
        f'<p class="filters">{escape(t("As of"))} {escape(said.date(report.as_of))} · '
        f"{escape(t('Filters'))}: {escape(_filters(report, t))}</p>",
        f'<section id="summary"><h2>{escape(t("Summary"))}</h2><div class="cards">',
        f'<div class="card"><span>{escape(t("Requests"))}</span><b>{len(report.requests)}</b></div>',
        f'<div class="card alert"><span>{escape(t("Overdue"))}</span><b id="overdue-count">{overdue_count}</b></div>',
    ]
    out += [f'<div class="card"><span>{escape(said.status(k))}</span><b>{v}</b></div>' for k, v in status.items()]
    out.append("</div></section>")
    out.append(f'<section id="overdue"><h2>{escape(t("Overdue"))}</h2>')
    headers, rows = tables.overdue(report, t, said)
    out.append(_table(headers, rows, ["overdue"] * len(rows), {4}) if rows else f"<p>{escape(t('None'))}</p>")
    out.append("</section>")
    out.append(f'<section id="due-soon"><h2>{escape(t("Due in the next 14 days"))}</h2>')
    headers, rows = tables.due_soon(report, t, said)
    out.append(_table(headers, rows) if rows else f"<p>{escape(t('None'))}</p>")
    out.append("</section>")
    out.append(f'<section id="by-state"><h2>{escape(t("By state"))}</h2>')
    legend = {name: labels.GROUPS[name].said(said.lang) for name, _ in charts.GROUPS}
    out.append(charts.svg_status_by_state(report, t("Status by state"), legend))
    out.append(_table(*tables.by_state(report, t), numeric={1, 2, 3}))
    out.append("</section>")
    out.append(f'<section id="by-model"><h2>{escape(t("By 287(g) model"))}</h2>')
    out.append(_table(*tables.by_model(report, t), numeric={1}))
    out.append("</section>")
    out.append(f'<section id="over-time"><h2>{escape(t("Requests over time"))}</h2>')
    out.append(charts.svg_per_month(report, t("Requests over time"), said.word("requests")))
    out.append("</section>")
    grid = tables.coverage(report, t, said)
    if grid:
        out.append(f'<section id="coverage"><h2>{escape(t("Coverage"))}</h2>')
        out.append(_table(*grid))
        out.append("</section>")
    out.append(f'<section id="details"><h2>{escape(t("Details"))}</h2>')
    out.extend(_detail(r, t, said) for r in report.requests)
    out.append("</section></body></html>")
    return "\n".join(out).encode("utf-8")

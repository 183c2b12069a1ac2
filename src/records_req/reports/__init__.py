"""Reports: read-only views of the tracker, rendered to CSV, XLSX, JSON, PDF, HTML and ICS."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from records_req.reports.data import Report

FORMATS = ("pdf", "html", "csv", "xlsx", "json", "ics")
BINARY = ("pdf", "xlsx")  # not for a terminal


def render(
    report: Report,
    fmt: str,
    lang: str = "en",
    *,
    link: Callable[[int], str] | None = None,
    reminders: Sequence[int] = (1,),
    bom: bool = False,
) -> bytes:
    """The report as ``fmt``: what ``records-req report`` writes and the dashboard serves. Each
    renderer is imported only when it is used. ``link``: a request's address on the dashboard,
    when known (the calendar links to it); ``reminders``: the calendar's alarms, in days before
    each date; ``bom``: the CSV starts with a byte-order mark (for Excel on Windows)."""
    if fmt == "csv":
        from records_req.reports.tabular import to_csv

        return to_csv(report, bom=bom, lang=lang)
    if fmt == "xlsx":
        from records_req.reports.tabular import to_xlsx

        return to_xlsx(report, lang)
    if fmt == "json":
        from records_req.reports.json_report import to_json

        return to_json(report)
    if fmt == "ics":
        from records_req.reports.ics import to_ics

        return to_ics(report, link, reminders)
    if fmt == "html":
        from records_req.reports.html import to_html

        return to_html(report, lang)
    if fmt == "pdf":
        from records_req.reports.pdf import to_pdf

        return to_pdf(report, lang)
    raise ValueError(f"unknown report format {fmt!r}")

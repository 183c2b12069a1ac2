"""CSV and XLSX: one row per request, with stable, documented columns and ISO dates."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from records_req.reports.data import Report, RequestView


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


# (column, what it holds, how to get it). The README documents these; a test checks they match.
COLUMNS: list[tuple[str, str, Callable[[RequestView], Any]]] = [
    ("id", "request number", lambda r: r.id),
    ("jurisdiction", "USPS code (US: federal FOIA)", lambda r: r.jurisdiction),
    ("agency", "agency name", lambda r: r.agency),
    ("law", "the public-records law", lambda r: r.law),
    ("topics", "topics, separated by ';'", lambda r: ";".join(r.topics)),
    ("tags", "tags, separated by ';'", lambda r: ";".join(r.tags)),
    ("status", "current status", lambda r: r.status),
    (
        "overdue",
        "true if past a statutory date while the agency owes a response",
        lambda r: str(r.overdue).lower(),
    ),
    ("days_late", "days past that date (0 if not overdue)", lambda r: r.days_late),
    ("letter_date", "date of the letter", lambda r: _iso(r.letter_date)),
    ("sent", "date sent", lambda r: _iso(r.sent_on)),
    ("first_response", "date of the agency's first response", lambda r: _iso(r.first_response_on)),
    ("completed", "date records were released or no records found", lambda r: _iso(r.completed_on)),
    (
        "days_to_first_response",
        "days from sending to the first response",
        lambda r: _blank(r.days_to_first_response),
    ),
    (
        "days_to_completion",
        "days from sending to completion",
        lambda r: _blank(r.days_to_completion),
    ),
    ("due", "the date that matters now", lambda r: _iso(r.due_on)),
    ("due_label", "what that date is", lambda r: r.due_label),
    ("statutory", "true if that date is set by law", lambda r: str(r.statutory).lower()),
    (
        "tracking_numbers",
        "the agency's reference numbers, separated by ';'",
        lambda r: ";".join(r.tracking_numbers),
    ),
    ("next_step", "what to do next", lambda r: r.next_step),
]


def rows(report: Report) -> list[list[Any]]:
    return [[get(r) for _, _, get in COLUMNS] for r in report.requests]


def to_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([name for name, _, _ in COLUMNS])
    writer.writerows(rows(report))
    return buffer.getvalue().encode("utf-8")


def to_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "requests"
    sheet.append([name for name, _, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows(report):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    summary = book.create_sheet("summary")
    summary.append(["status", "requests"])
    for status, n in report.by_status().items():
        summary.append([status, n])
    buffer = io.BytesIO()
    book.properties.creator = "records-req"
    book.save(buffer)
    return buffer.getvalue()

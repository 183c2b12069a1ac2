"""CSV and XLSX: one row per request, with stable, documented columns and ISO dates.

Every spreadsheet the project writes goes through :func:`csv_bytes` and :func:`xlsx_bytes` (a test
holds it so), because their cells can hold text from outside: an agency's name from ICE's sheet or
a shared export, a tag, a tracking number. A spreadsheet takes a cell that starts with ``=``, ``+``,
``-`` or ``@`` for a formula (``=HYPERLINK(...)`` sends whoever clicks it to a stranger's site), so:

- the XLSX writes every text cell as text, never a formula or an error value, with the text as it
  was; a cell that looks like a formula also gets Excel's own "text" mark (``quotePrefix``, what
  typing ``'=1`` in Excel stores), so that editing it in Excel does not turn it into one. Numbers
  stay numbers, dates are date cells (shown ``yyyy-mm-dd``) and true/false are Excel's TRUE and
  FALSE; each sheet's header is frozen and filters, and its columns are as wide as their text (up
  to a limit), so it sorts and filters as people expect.
- the CSV, which has no types, puts a single quote before such a cell's first character, as
  OWASP's CSV-injection guidance advises (:func:`neutralise`); numbers are never touched. Lines
  end in CRLF (RFC 4180), so that a carriage return inside a value is quoted and cannot start a row.
  Excel on Windows reads a CSV as UTF-8 only when it starts with a byte-order mark (otherwise
  "Núñez" shows as "NÃºÃ±ez"): ``bom=True`` writes one.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from records_req.labels import status_label
from records_req.reports.data import Report
from records_req.views import RequestDetails

Cell = str | int | float | bool | dt.date | None

# A formula's first character (with the full-width forms some spreadsheets also take for them),
# after any white space a spreadsheet may drop, or a leading tab, carriage return, new line or NUL.
# The same after a ';': a spreadsheet set to split on semicolons (the list separator of many
# locales) starts a cell there, and the report's lists (topics, tags, tracking numbers) are
# ';'-joined.
_FORMULA = re.compile(r"(^|;)(?=\s*[=+\-@\uff1d\uff0b\uff0d\uff20]|[\t\r\n\x00])")
_FIRST = frozenset("=+-@\uff1d\uff0b\uff0d\uff20\x00")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` (or a ';'-separated part of it) as a formula."""
    if not text or (";" not in text and text[0] not in _FIRST and not text[0].isspace()):
        return False  # most text: no regular expression needed
    return _FORMULA.search(text) is not None


def neutralise(text: str) -> str:
    """``text`` for a CSV cell: a single quote before each place a formula could start
    (``=1+1`` -> ``'=1+1``, ``-2`` -> ``'-2``, ``a;@x`` -> ``a;'@x``); other text unchanged."""
    return _FORMULA.sub(r"\1'", text) if looks_like_formula(text) else text


def _csv_cell(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]], *, bom: bool = False) -> bytes:
    """A UTF-8 CSV (RFC 4180: CRLF, quoted where needed) in which no text cell starts a formula;
    with ``bom``, it starts with the byte-order mark Excel on Windows needs to read it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in header])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


# What an XLSX cannot hold as it is (openpyxl raises IllegalCharacterError) goes in the format's
# own escape, _xHHHH_, which Excel decodes on reading; a literal "_x0041_" is escaped in turn
# (_x005F_ is the underscore), or Excel would show "A".
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_text(text: str) -> str:
    text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)
    return _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def _cell(sheet: Any, value: Cell) -> Any:
    """What to append for ``value``: numbers and plain text as they are (openpyxl types them), a
    date with its format, and text openpyxl would take for a formula or an error value (or that a
    spreadsheet might) as a cell typed text."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    if value is None or isinstance(value, int | float):
        return value  # numbers, and booleans (Excel's TRUE and FALSE)
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    text = _xlsx_text(value)
    if not (text.startswith("=") or text in ERROR_CODES or looks_like_formula(value)):
        return text
    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"  # not a formula ('=...'), not an error value ('#N/A')
    cell.quotePrefix = True  # Excel's own mark for "text", kept if the cell is edited
    return cell


MIN_WIDTH, MAX_WIDTH = 6, 60  # a column's width, in characters
WIDTH_SAMPLE = 1000  # rows measured for the widths (a 10,000-row report need not be read twice)


def _width(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        return 5
    if isinstance(value, dt.date):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def _widths(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> list[float]:
    """Each column as wide as its header and its longest value among the first rows, within
    :data:`MIN_WIDTH` and :data:`MAX_WIDTH` (and a little room for the filter's button)."""
    widths = [len(name) + 3 for name in header]
    for row in rows[:WIDTH_SAMPLE]:
        for i, value in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], _width(value) + 1)
    return [float(min(MAX_WIDTH, max(MIN_WIDTH, w))) for w in widths]


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Cell]]]]) -> bytes:
    """An XLSX with a worksheet per (title, header, rows): the header bold, frozen and with
    filters, columns as wide as their text, every text cell text, numbers, dates and booleans
    typed. Written row by row (openpyxl's write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, header, given in sheets:
        rows = given if isinstance(given, list) else list(given)
        sheet = book.create_sheet(title)
        sheet.freeze_panes = "A2"
        for i, width in enumerate(_widths(header, rows), start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        if header:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
        names = [WriteOnlyCell(sheet, _xlsx_text(name)) for name in header]
        for cell in names:
            cell.data_type, cell.font = "s", bold
        sheet.append(names)
        for row in rows:
            sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.properties.creator = "records-req"
    book.save(buffer)
    return buffer.getvalue()


# (column, what it holds, how to get it from a request and the report's language). The README
# documents these; a test checks they match.
COLUMNS: list[tuple[str, str, Callable[[RequestDetails, str], Cell]]] = [
    ("id", "request number", lambda r, lang: r.id),
    ("jurisdiction", "USPS code (US: federal FOIA)", lambda r, lang: r.jurisdiction),
    ("agency", "agency name", lambda r, lang: r.agency),
    ("law", "the public-records law", lambda r, lang: r.law),
    ("topics", "topics, separated by ';'", lambda r, lang: ";".join(r.topics)),
    ("tags", "tags, separated by ';'", lambda r, lang: ";".join(r.tags)),
    ("status", "current status, as a token (the JSON report's)", lambda r, lang: r.status),
    ("status_label", "the status in words, in the report's language", lambda r, lang: status_label(r.status, lang)),
    ("overdue", "true if past a statutory date while the agency owes a response", lambda r, lang: r.overdue),
    ("days_late", "days past that date (0 if not overdue)", lambda r, lang: r.days_late),
    ("letter_date", "date of the letter", lambda r, lang: r.letter_date),
    ("sent", "date sent", lambda r, lang: r.sent_on),
    ("first_response", "date of the agency's first response", lambda r, lang: r.first_response_on),
    ("completed", "date records were released or no records found", lambda r, lang: r.completed_on),
    ("days_to_first_response", "days from sending to the first response", lambda r, lang: r.days_to_first_response),
    ("days_to_completion", "days from sending to completion", lambda r, lang: r.days_to_completion),
    ("due", "the date that matters now", lambda r, lang: r.due_on),
    ("due_label", "what that date is", lambda r, lang: r.due_label),
    ("statutory", "true if that date is set by law", lambda r, lang: r.due_statutory),
    (
        "tracking_numbers",
        "the agency's reference numbers, separated by ';'",
        lambda r, lang: ";".join(r.tracking_numbers),
    ),
    ("next_step", "what to do next", lambda r, lang: r.next_step),
]


def rows(report: Report, lang: str = "en") -> list[list[Cell]]:
    return [[get(r, lang) for _, _, get in COLUMNS] for r in report.requests]


def to_csv(report: Report, *, bom: bool = False, lang: str = "en") -> bytes:
    return csv_bytes([name for name, _, _ in COLUMNS], rows(report, lang), bom=bom)


def to_xlsx(report: Report, lang: str = "en") -> bytes:
    """The requests, and a ``summary`` sheet: requests by status (its token and its label)."""
    summary: list[list[Cell]] = [[status, status_label(status, lang), n] for status, n in report.by_status().items()]
    return xlsx_bytes(
        [
            ("requests", [name for name, _, _ in COLUMNS], rows(report)),
            ("summary", ["status", "status_label", "requests"], summary),
        ]
    )

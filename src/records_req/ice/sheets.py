"""Reading ICE's 287(g) spreadsheets (participating and pending agencies) as they really are.

ICE posts the lists as ``.xlsx`` several times a week. Their layout changed over time (6, 7 and
8 columns; ``Sheet1`` or ``Sheet 1``; a stray extra sheet), and their cells carry what hand-kept
spreadsheets carry: stray spaces and newlines, misspelled states and models, Excel ``#N/A``
errors, dates typed as text with typos, impossible years, MOA links wrapped by Outlook SafeLinks
or a PDF-viewer extension. This module reads a sheet into normalized :class:`Agreement` rows and
reports every row it cannot read with its number and the reason; it never silently corrects a
date. Facts about the real files: ``shared/data/ice-287g/SOURCE.md``.

Pure apart from reading the file (openpyxl, not in read-only mode: the MOA URL is only in the
cell's hyperlink).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

from records_req.errors import RecordsReqError
from records_req.names import agency_key
from records_req.vocabulary import MODEL_NAMES as MODEL_NAMES  # ICE's models, defined once there
from records_req.vocabulary import Model as Model

Kind = Literal["participating", "pending"]
EARLIEST_SIGNED = dt.date(2016, 1, 1)  # the oldest agreement on the 2026 lists dates from 2016

STATES: dict[str, str] = {
    "ALABAMA": "AL", "ALASKA": "AK", "ARIZONA": "AZ", "ARKANSAS": "AR", "CALIFORNIA": "CA", "COLORADO": "CO",
    "CONNECTICUT": "CT", "DELAWARE": "DE", "DISTRICT OF COLUMBIA": "DC", "FLORIDA": "FL", "GEORGIA": "GA",
    "HAWAII": "HI", "IDAHO": "ID", "ILLINOIS": "IL", "INDIANA": "IN", "IOWA": "IA", "KANSAS": "KS",
    "KENTUCKY": "KY", "LOUISIANA": "LA", "MAINE": "ME", "MARYLAND": "MD", "MASSACHUSETTS": "MA",
    "MICHIGAN": "MI", "MINNESOTA": "MN", "MISSISSIPPI": "MS", "MISSOURI": "MO", "MONTANA": "MT",
    "NEBRASKA": "NE", "NEVADA": "NV", "NEW HAMPSHIRE": "NH", "NEW JERSEY": "NJ", "NEW MEXICO": "NM",
    "NEW YORK": "NY", "NORTH CAROLINA": "NC", "NORTH DAKOTA": "ND", "OHIO": "OH", "OKLAHOMA": "OK",
    "OREGON": "OR", "PENNSYLVANIA": "PA", "RHODE ISLAND": "RI", "SOUTH CAROLINA": "SC", "SOUTH DAKOTA": "SD",
    "TENNESSEE": "TN", "TEXAS": "TX", "UTAH": "UT", "VERMONT": "VT", "VIRGINIA": "VA", "WASHINGTON": "WA",
    "WEST VIRGINIA": "WV", "WISCONSIN": "WI", "WYOMING": "WY",
    # territories on the lists since 2025-09 and 2026-01
    "GUAM": "GU", "NORTHERN MARIANA ISLANDS": "MP", "PUERTO RICO": "PR", "U.S. VIRGIN ISLANDS": "VI",
    "AMERICAN SAMOA": "AS",
}  # fmt: skip
_LONGEST_STATE = max(map(len, STATES))
TYPES = {
    "county": "County",
    "municipality": "Municipality",
    "muncipality": "Municipality",
    "state agency": "State Agency",
    "state": "State Agency",
}
_NO_VALUE = {"", "#N/A", "#NA", "N/A", "NA", "NONE", "-"}
_TEXT_DATE = re.compile(r"^\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]?\s*(\d{4}|\d{2})\s*$")


class SheetError(RecordsReqError):
    """The file is not a sheet of ICE's 287(g) lists (or cannot be read at all)."""


class Agreement(NamedTuple):
    """One row: one agency's agreement under one model (or its pending application)."""

    row: int
    state: str  # USPS code
    agency: str
    agency_type: str | None  # County, Municipality, State Agency
    county: str | None
    model: Model
    signed: dt.date | None
    moa_url: str | None  # normalized: https, unwrapped from SafeLinks and viewer prefixes
    addendum_url: str | None
    pending: bool
    notes: tuple[str, ...] = ()  # what was corrected or doubted in this row, for the user to see

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies an agreement across imports: state, normalized name, model."""
        return (self.state, agency_key(self.agency), self.model)


class Skipped(NamedTuple):
    row: int
    reason: str


class Sheet(NamedTuple):
    path: str
    kind: Kind
    sheet: str
    columns: tuple[str, ...]
    agreements: tuple[Agreement, ...]
    skipped: tuple[Skipped, ...]

    @property
    def agencies(self) -> int:
        return len({(a.state, agency_key(a.agency)) for a in self.agreements})


# --- a list's date -----------------------------------------------------------------------------

_LIST_NAME = re.compile(
    r"^(participating|pending)agencies(\d{2})(\d{2})(\d{4})(am|pm)?(?:[ _-]*\(?\d{1,3}\)?)?\.[a-z]+$", re.IGNORECASE
)
DatedBy = Literal["file name", "downloaded", "file date", "upload date"]


class ListDate(NamedTuple):
    """When a list is from, and how that is known: ICE's date in the file name
    (``participatingAgencies05182026am.xlsx``), else the day you downloaded it, else the file's
    modification time (or the day it was uploaded to the dashboard)."""

    listed_on: dt.date
    dated_by: DatedBy
    downloaded_on: dt.date | None  # only when you said so


def date_in_list_name(file_name: str) -> tuple[dt.date, str] | None:
    """ICE's date and half-day in a list's file name: ``participatingAgencies05182026am.xlsx``
    (or ``..._2.xlsx``, ``... (1).xlsx``, ``pendingAgencies02272026am.xlsx``) is
    ``(2026-05-18, "am")``; ``""`` when the name has no am/pm. None for any other name."""
    match = _LIST_NAME.match(file_name.strip())
    if not match:
        return None
    try:
        day = dt.date(int(match[4]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return day, (match[5] or "").lower()


def list_date(file_name: str, downloaded_on: dt.date | None, fallback: dt.date, fallback_by: DatedBy) -> ListDate:
    """The list's own date: the one in ICE's file name, else ``downloaded_on``, else ``fallback``
    (the file's modification time, or the upload's day)."""
    named = date_in_list_name(file_name)
    if named is not None:
        return ListDate(named[0], "file name", downloaded_on)
    if downloaded_on is not None:
        return ListDate(downloaded_on, "downloaded", downloaded_on)
    return ListDate(fallback, fallback_by, None)


# --- reading ------------------------------------------------------------------------------------


SUFFIXES = (".xlsx", ".csv")

# What an import reads at most (issue 17: sheets that inflate). ICE's May 2026 participating list
# is a 232 KB file of 22 parts that unpack to 1.5 MB (the sheet 0.85 MB, its links 0.47 MB, the
# shared strings 0.1 MB, every other part under 30 KB); it has 1,854 rows of 13 cells (8 named),
# 83 characters in its longest cell, 507 in its longest link, 154,000 characters of text in all.
# The bounds are 20 to 100 times that; the README's "Limits" lists them.
MAX_FILE_BYTES = 25 * 2**20  # the file as downloaded (the dashboard's upload limit too)
MAX_UNPACKED_BYTES = 50 * 2**20  # an .xlsx's parts, uncompressed, all together
MAX_PART_BYTES = 2 * 2**20  # any one part but the sheets, their links and the shared strings
MAX_PARTS = 1_000
MAX_ROWS = 50_000  # by row number, the header and any title rows included
MAX_COLUMNS = 50  # cells to the right are not read
MAX_CELL = 2_000  # characters in one cell, or in one link's address
MAX_TEXT = 20_000_000  # characters in all the cells read
MAX_CSV_LINE = 100_000  # characters in one line of a CSV
HEADER_WITHIN = 10  # the header may have title rows above it, in the first this many rows
_LARGE_PARTS = re.compile(r"^xl/(?:worksheets/(?:_rels/)?[^/]+|sharedStrings\.xml)$")
_CHUNK = 2**16


def _too_large(path: object, what: str, ice: str) -> SheetError:
    return SheetError(
        f"{path} {what} ({ice}); an import reads no more, so nothing was imported: check that it is ICE's "
        "list as downloaded from ice.gov."
    )


def read_sheet(path: Path) -> Sheet:
    """Read a participating or pending sheet (``.xlsx`` or ``.csv``), within the bounds above:
    whatever the file holds, a failure is one :class:`SheetError` line."""
    import warnings
    import zipfile
    import zlib

    check_file(path)
    try:
        with warnings.catch_warnings():  # openpyxl warns of what it repairs (a date beyond any date...)
            warnings.simplefilter("ignore")
            if path.suffix.lower() == ".csv":
                return _read_csv(path)
            _check_package(path)
            return _read_xlsx(path)
    except SheetError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise SheetError(f"{path} is damaged ({exc}); download it again.") from None
    except OSError as exc:
        raise SheetError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    except Exception as exc:  # openpyxl on parts it does not expect: any error, one line
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise SheetError(
            f"{path} cannot be read as ICE's list ({type(exc).__name__}: {reason}); open it in Excel and save it "
            "again as .xlsx."
        ) from None


def check_suffix(file_name: str) -> None:
    """Only ``.xlsx`` and ``.csv`` are read: an older Excel file (``.xls``) or a LibreOffice one
    (``.ods``) is a clear error, not a reader's traceback."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in SUFFIXES:
        what = f"a {suffix} file" if suffix else "a file without a suffix"
        raise SheetError(f"{file_name} is {what}: open it in Excel or LibreOffice and save it as .xlsx or .csv.")


def check_file(path: Path, file_name: str | None = None) -> None:
    """What can be known before reading: the suffix (of ``file_name``, default ``path``'s) and
    the size. A 1 GB file is refused here, before it is hashed or read."""
    check_suffix(file_name or path.name)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SheetError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if size > MAX_FILE_BYTES:
        raise _too_large(
            path, f"is {size / 2**20:,.0f} MB, more than the {MAX_FILE_BYTES // 2**20} MB", "ICE's lists are under 1 MB"
        )


def _letter(column: int) -> str:
    from openpyxl.utils.cell import get_column_letter

    return str(get_column_letter(column))


class _Bounds:
    """Counts what a read has taken in, and refuses the file at the first bound passed."""

    def __init__(self, path: Path, rows_are: str = "row") -> None:
        self.path, self.text, self.rows_are = path, 0, rows_are

    def row(self, number: int, values: list[Any], line: int | None = None) -> list[Any]:
        """One row's values (at most MAX_COLUMNS), checked."""
        values = values[:MAX_COLUMNS]
        where = f"row {number:,}" + (f" (line {line:,})" if line is not None and line != number else "")
        filled = False
        for column, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            filled = True
            if isinstance(value, str):
                if len(value) > MAX_CELL:
                    raise _too_large(
                        self.path,
                        f"has {len(value):,} characters in {where}, column {_letter(column)}, more than the "
                        f"{MAX_CELL:,} characters a cell may hold",
                        "ICE's longest cell has under 100",
                    )
                self.text += len(value)
        if filled and number > MAX_ROWS:
            raise _too_large(
                self.path, f"has more than {MAX_ROWS:,} rows ({where} is filled)", "ICE's lists have under 2,000"
            )
        if self.text > MAX_TEXT:
            raise _too_large(
                self.path,
                f"holds more than {MAX_TEXT:,} characters of text by {where}",
                "ICE's lists hold under 200,000",
            )
        return values


def _is_header(values: Sequence[Any]) -> bool:
    names = {" ".join(str(v).upper().split()) for v in values if isinstance(v, str)}
    return "STATE" in names and "SUPPORT TYPE" in names


# --- CSV ----------------------------------------------------------------------------------------


def _read_csv(path: Path) -> Sheet:
    """Streamed: one record at a time, never the whole file. Quoting is read strictly: a quote
    that is never closed would swallow every row after it into one cell."""
    bounds = _Bounds(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(_csv_lines(path, handle), strict=True)
        records = _csv_records(path, reader, bounds)
        header: list[Any] | None = None
        first: list[Any] | None = None
        for number, values in records:
            first = values if first is None else first
            if _is_header(values):
                header = values
                break
            if number >= HEADER_WITHIN:
                break
        if header is None:  # parse_rows says which column the first row lacks
            return parse_rows(str(path), "csv", first or [], ())
        no_links: list[str | None] = []
        return parse_rows(str(path), "csv", header, ((n, v, no_links) for n, v in records))


def _csv_lines(path: Path, handle: Any) -> Iterator[str]:
    """The file's lines, none longer than MAX_CSV_LINE: a line is read whole before the csv
    module sees a cell of it, so a file of one 25 MB line would be 25 MB of text at once."""
    number = 0
    while line := handle.readline(MAX_CSV_LINE + 1):
        number += 1
        if len(line) > MAX_CSV_LINE:
            raise _too_large(
                path, f"has a line of more than {MAX_CSV_LINE:,} characters (line {number:,})", "ICE's have under 1,000"
            )
        yield line


def _csv_records(path: Path, reader: Any, bounds: _Bounds) -> Iterator[tuple[int, list[Any]]]:
    number = 0
    while True:
        line = reader.line_num + 1  # where this record begins
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = str(exc)
            if "field larger than field limit" in reason:
                raise _too_large(
                    path,
                    f"has a cell of more than {MAX_CELL:,} characters in row {number + 1:,} (line {line:,})",
                    "ICE's longest cell has under 100",
                ) from None
            raise SheetError(
                f"{path}: row {number + 1:,} (line {line:,}) cannot be read ({reason}): a quote is not closed, or "
                'a quote inside a quoted cell is not doubled (""). Fix it, or import the .xlsx ICE published.'
            ) from None
        except UnicodeDecodeError:
            raise SheetError(
                f'{path} is not UTF-8 text (at row {number + 1:,}, line {line:,}): save it as "CSV UTF-8", '
                "or import the .xlsx ICE published."
            ) from None
        number += 1
        yield number, bounds.row(number, values, line)


# --- Excel --------------------------------------------------------------------------------------


def _check_package(path: Path) -> None:
    """Before openpyxl opens it: the workbook's parts are counted and their unpacked sizes
    bounded (zipfile never unpacks more than a part's declared size: a part that says less than
    it holds fails its CRC), every part is unpacked once, streamed, to find a damaged one, and
    every XML part is refused if it declares a DOCTYPE (entities, external or expanding: Excel
    never writes one). The check runs expat with defusedxml's handlers, without building a tree:
    six times faster than defusedxml's own parser on ICE's sheet."""
    import pyexpat
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, ValueError) as exc:
        raise SheetError(f"{path} is not an Excel workbook ({exc}).") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_PARTS:
            raise _too_large(path, f"has more than {MAX_PARTS:,} parts", "ICE's lists have about 20")
        if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
            raise _too_large(
                path, f"unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB", "ICE's lists unpack to under 2 MB"
            )
        for info in infos:
            if info.file_size > MAX_PART_BYTES and not _LARGE_PARTS.match(info.filename):
                raise _too_large(
                    path,
                    f"has a part, {info.filename}, that unpacks to more than {MAX_PART_BYTES // 2**20} MB",
                    "ICE's parts but the sheet, its links and its shared strings are under 30 KB",
                )

        def refuse(*_: Any) -> int:
            raise _DoctypeError

        for info in infos:
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise SheetError(f"{path} is protected by a password: open it in Excel and save it without one.")
            parser = None
            try:
                with archive.open(info) as stream:
                    chunk = stream.read(_CHUNK)
                    if info.filename.endswith((".xml", ".rels")) or _looks_like_xml(chunk):
                        parser = pyexpat.ParserCreate()
                        parser.StartDoctypeDeclHandler = refuse
                        parser.EntityDeclHandler = refuse
                        parser.UnparsedEntityDeclHandler = refuse
                        parser.ExternalEntityRefHandler = refuse
                    while chunk:
                        if parser is not None:
                            parser.Parse(chunk, False)
                        chunk = stream.read(_CHUNK)
                    if parser is not None:
                        parser.Parse(b"", True)
            except _DoctypeError:
                raise SheetError(
                    f"{path}: its part {info.filename} declares a DOCTYPE (XML entities), which Excel never writes; "
                    "it is not read. Download the list again from ice.gov."
                ) from None
            except pyexpat.ExpatError as exc:
                raise SheetError(
                    f"{path} is damaged: its part {info.filename} is not well-formed XML ({exc}); download it again."
                ) from None
            except NotImplementedError as exc:
                raise SheetError(f"{path}: its part {info.filename} cannot be unpacked ({exc}).") from None
            except Exception as exc:
                raise SheetError(f"{path} is damaged ({info.filename}: {exc}); download it again.") from None


class _DoctypeError(Exception):
    pass


def _looks_like_xml(head: bytes) -> bool:
    """Whatever its name, a part openpyxl might parse as XML (UTF-8 or UTF-16, a BOM or not)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
        return True
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def _size_from_the_head_only() -> None:
    """openpyxl's read-only worksheet asks for its size as it opens (``_get_size``), and its
    ``parse_dimensions`` waits for the *end* of ``<sheetData>`` when a sheet has no ``<dimension>``
    element (Excel writes one; other writers need not): it parses every cell once before a row is
    read, unbounded, and the rows are parsed a second time. This stops at the *start* of
    ``<sheetData>`` instead, with the same answer (the size is not used anyway: the rows are read
    as the XML numbers them, :func:`_numbered_rows`). A 50,000-row sheet without a dimension is
    read in half the time; a sheet with one is read as before. Installed once, on openpyxl's
    class: what it changes is a fix."""
    from openpyxl.worksheet import _read_only
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
    from openpyxl.worksheet.dimensions import SheetDimension

    worksheet = _read_only.ReadOnlyWorksheet
    if getattr(worksheet, "_records_req_head_only", False):
        return

    def _get_size(self: Any) -> None:
        from defusedxml.ElementTree import iterparse

        source = self._get_source()
        try:
            for event, element in iterparse(source, events=("start", "end"), forbid_dtd=True):
                if event == "start" and element.tag == DATA_TAG:
                    return  # the cells begin: no dimension before them
                if event == "end" and element.tag == DIMENSION_TAG:
                    self._min_column, self._min_row, self._max_column, self._max_row = SheetDimension.from_tree(
                        element
                    ).boundaries
                    return
        finally:
            source.close()

    worksheet._get_size = _get_size
    worksheet._records_req_head_only = True


def _read_xlsx(path: Path) -> Sheet:
    """The rows of the first sheet with a header naming STATE and SUPPORT TYPE in its first rows,
    with each cell's hyperlink. Cells are read in openpyxl's read-only mode (1.6 times faster on
    ICE's May 2026 list), streamed row by row and at most MAX_COLUMNS wide whatever size the sheet
    declares; read-only mode drops hyperlinks, so the links are read from the sheet's own XML
    (:func:`_sheet_links`)."""
    import zipfile

    from openpyxl import load_workbook

    _size_from_the_head_only()
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SheetError(f"{path} is not an Excel workbook ({exc}).") from None
    try:
        bounds = _Bounds(path)
        for ws in book.worksheets:
            found = None
            for number, row in _numbered_rows(ws, 1, HEADER_WITHIN, errors=True):
                values = bounds.row(number, row)
                if _is_header(values):
                    found = number, values
                    break
            if found is None:
                continue
            at, values = found
            header = [_text(v) or "" for v in values]
            names = [" ".join(h.upper().split()) for h in header]
            link_columns = {i + 1 for i, name in enumerate(names) if name in ("MOA", "ADDENDUM")}
            with zipfile.ZipFile(path) as archive:
                links = _sheet_links(archive, ws.title, link_columns, path)

            def rows(ws: Any = ws, at: int = at, links: dict[tuple[int, int], str] = links) -> Iterator[Any]:
                for number, row in _numbered_rows(ws, at + 1):
                    values = bounds.row(number, row)
                    yield number, values, [links.get((column, number)) for column in range(1, len(values) + 1)]

            return parse_rows(str(path), ws.title, header, rows())
    finally:
        book.close()
    raise SheetError(
        f"{path} has no sheet with a header naming STATE and SUPPORT TYPE in its first {HEADER_WITHIN} rows: "
        "not an ICE 287(g) list."
    )


def _numbered_rows(
    ws: Any, first: int, last: int | None = None, errors: bool = False
) -> Iterator[tuple[int, list[Any]]]:
    """The values of each row the sheet's XML holds from row ``first`` to ``last``, numbered as
    the XML numbers them, MAX_COLUMNS wide (an error cell as empty, unless ``errors``), read
    from openpyxl's own parser of the read-only sheet. openpyxl's ``iter_rows`` makes up an empty
    row for each number the XML skips (a sheet's one cell at row 1,000,000 was a million rows to
    go through before it was refused) and a cell object for each value; here the parser's rows
    are taken as they come. Rows the XML leaves out are blank rows, which a read skips anyway."""
    from openpyxl.worksheet._reader import WorkSheetParser

    book = ws.parent
    with ws._get_source() as source:
        parser = WorkSheetParser(
            source,
            ws._shared_strings,
            data_only=book.data_only,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for number, cells in parser.parse():
            if number < first:
                continue
            if last is not None and number > last:
                return
            values: list[Any] = [None] * MAX_COLUMNS
            for cell in cells:
                column = cell["column"]
                if column <= MAX_COLUMNS and (errors or cell["data_type"] != "e"):
                    values[column - 1] = cell["value"]
            yield number, values


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _sheet_links(archive: Any, title: str, columns: set[int], path: Path) -> dict[tuple[int, int], str]:
    """The external hyperlink target of each cell in ``columns`` (MOA, ADDENDUM) of the sheet
    called ``title``, by (column, row): its ``<hyperlinks>`` element, resolved through the sheet's
    relationships part. Streamed: the sheet's cells are skipped, a range is clipped to the rows an
    import reads, and only the relationships the links name are kept."""
    import posixpath

    from defusedxml.ElementTree import fromstring, iterparse
    from openpyxl.utils.cell import range_boundaries

    def rels_name(part: str) -> str:
        return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")

    def targets(part: str, wanted: set[str] | None) -> dict[str, str]:
        name = rels_name(part)
        if name not in archive.namelist():
            return {}
        found: dict[str, str] = {}
        with archive.open(name) as stream:
            for _, element in iterparse(stream, forbid_dtd=True):
                if element.tag == f"{_PACKAGE_RELS}Relationship":
                    rid = element.get("Id", "")
                    if wanted is None or rid in wanted:
                        found[rid] = element.get("Target", "")
                element.clear()
        return found

    workbook = fromstring(archive.read("xl/workbook.xml"), forbid_dtd=True)
    rid = next((s.get(f"{_RELS}id") for s in workbook.iter(f"{_MAIN}sheet") if s.get("name") == title), None)
    target = targets("xl/workbook.xml", None).get(rid or "")
    if not target or not columns:
        return {}
    part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    data = _hyperlinks_element(archive, part)
    if data is None:
        return {}
    wanted: dict[tuple[int, int], str] = {}  # (column, row) -> relationship id
    covered = 0
    for match in re.finditer(rb"<(?:\w+:)?hyperlink\b([^>]*)>", data):
        attributes = dict(re.findall(rb'([\w:]+)="([^"]*)"', match.group(1)))
        ref = attributes.get(b"ref", b"").decode("ascii", "replace")
        link_id = next((v for k, v in attributes.items() if k.endswith(b":id")), None)
        if not ref or not link_id:
            continue  # an internal link (a location in the workbook) has no target
        try:
            low_col, low_row, high_col, high_row = range_boundaries(ref)
        except ValueError:
            continue
        low_row, low_col = low_row or 1, low_col or 1
        high_row = min(high_row or low_row, MAX_ROWS)
        for column in columns:
            if low_col <= column <= (high_col or low_col):
                covered += max(high_row - low_row + 1, 0)
                if covered > 2 * MAX_ROWS:
                    raise _too_large(path, f"links more than {2 * MAX_ROWS:,} cells", "ICE's lists link under 2,000")
                for row in range(low_row, high_row + 1):
                    wanted.setdefault((column, row), link_id.decode("ascii", "replace"))
    urls = targets(part, set(wanted.values()))
    links: dict[tuple[int, int], str] = {}
    for (column, row), link_id in wanted.items():
        url = urls.get(link_id)
        if not url:
            continue
        if len(url) > MAX_CELL:
            raise _too_large(
                path,
                f"links cell {_letter(column)}{row} to an address of {len(url):,} characters, more than the "
                f"{MAX_CELL:,} an address may have",
                "ICE's longest has 507",
            )
        links[(column, row)] = url
    return links


def _hyperlinks_element(archive: Any, part: str) -> bytes | None:
    """The sheet's ``<hyperlinks>`` element onwards (it follows the cells), read in chunks: the
    cells before it are never held in memory."""
    marker = b"<hyperlinks"
    kept: bytearray | None = None
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            if kept is not None:
                kept += chunk
                continue
            data = tail + chunk
            at = data.find(marker)
            if at >= 0:
                kept = bytearray(data[at:])
            else:
                tail = data[-len(marker) :]
    if kept is None:
        return None
    end = kept.rfind(b"</hyperlinks>")
    return bytes(kept[:end] if end >= 0 else kept)


def parse_rows(
    path: str, sheet_name: str, header: Sequence[str], rows: Iterable[tuple[int, list[Any], list[str | None]]]
) -> Sheet:
    """Normalize rows read from either format (the column order comes from the header text). A
    row with a character no database can store (NUL) is skipped, with its number and the reason."""
    names = [" ".join(str(h or "").upper().split()) for h in header]
    where = {name: i for i, name in enumerate(names) if name}
    for needed in ("STATE", "LAW ENFORCEMENT AGENCY", "SUPPORT TYPE"):
        if needed not in where:
            raise SheetError(f"{path}: the header has no {needed} column (found: {', '.join(n for n in names if n)}).")
    kind: Kind = "participating" if "SIGNED" in where else "pending"
    agreements: list[Agreement] = []
    skipped: list[Skipped] = []
    for number, values, links in rows:
        if not any(_text(v) for v in values):
            continue  # trailing formatted blank rows
        unstorable = _unstorable(values, names)
        if unstorable:
            skipped.append(Skipped(number, unstorable))
            continue
        row = _Row(values, links, where)
        try:
            agreements.append(_agreement(number, row.cell, row.link, kind))
        except _RowError as exc:
            skipped.append(Skipped(number, str(exc)))
    return Sheet(path, kind, sheet_name, tuple(n for n in names if n), tuple(agreements), tuple(skipped))


def _unstorable(values: Sequence[Any], names: Sequence[str]) -> str | None:
    """Why a row cannot be stored as it is: a NUL character (PostgreSQL refuses it in text; the
    row is skipped on SQLite alike) or a lone surrogate (not UTF-8)."""
    for i, value in enumerate(values):
        if not isinstance(value, str) or (value.isascii() and "\x00" not in value):
            continue
        column = names[i] if i < len(names) and names[i] else f"column {_letter(i + 1)}"
        if "\x00" in value:
            return f"{column} holds a NUL character (\\x00), which no database stores; fix the cell"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return f"{column} holds a character that is not text (a lone surrogate); fix the cell"
    return None


class _RowError(ValueError):
    pass


class _Row:
    """One data row, its cells looked up by header name."""

    def __init__(self, values: list[Any], links: list[str | None], where: dict[str, int]) -> None:
        self.values, self.links, self.where = values, links, where

    def cell(self, name: str) -> Any:
        i = self.where.get(name)
        return self.values[i] if i is not None and i < len(self.values) else None

    def link(self, name: str) -> str | None:
        i = self.where.get(name)
        target = self.links[i] if i is not None and i < len(self.links) else None
        if target is None:  # a CSV, or a cell holding the bare URL
            text = _text(self.cell(name))
            target = text if text and "://" in text else None
        return normalize_url(target)


def _agreement(number: int, cell: Any, link: Any, kind: Kind) -> Agreement:
    notes: list[str] = []
    state_text = _text(cell("STATE"))
    if not state_text:
        raise _RowError("no STATE")
    state = state_code(state_text)
    if state is None:
        raise _RowError(f"unknown state {state_text!r}")
    if state_text.upper() not in STATES:
        notes.append(f"state {state_text!r} read as {state}")
    agency = _text(cell("LAW ENFORCEMENT AGENCY"))
    if not agency:
        raise _RowError("no agency name")
    model_text = _text(cell("SUPPORT TYPE"))
    model = model_code(model_text)
    if model is None:
        raise _RowError(f"unknown support type {model_text!r}")
    signed = None
    if kind == "participating":
        signed, note = signed_date(cell("SIGNED"))
        if note:
            notes.append(note)
    moa = None if kind == "pending" else link("MOA")
    named = date_in_file_name(moa)
    if signed is not None and named is not None and abs((named - signed).days) > 31:
        notes.append(f"{MOA_NOTE} suggests {named.isoformat()}, not {signed.isoformat()}; check the MOA")
    disagreement = name_disagreement(agency, state, moa)
    if disagreement:
        notes.append(disagreement)
    county = _text(cell("COUNTY"))
    if county is not None and county.upper() in _NO_VALUE:
        county = None
    if county is not None:
        fixed = re.sub(r"\b(Conty|Countey|Cnty)\b", "County", county)
        if fixed != county:
            notes.append(f"county {county!r} read as {fixed!r}")
        county = fixed
    type_text = _text(cell("TYPE"))
    agency_type = TYPES.get((type_text or "").lower()) if type_text else None
    return Agreement(
        row=number,
        state=state,
        agency=agency,
        agency_type=agency_type,
        county=county,
        model=model,
        signed=signed,
        moa_url=moa,
        addendum_url=link("ADDENDUM"),
        pending=kind == "pending",
        notes=tuple(notes),
    )


def _text(value: Any) -> str | None:
    """A cell as clean text: spaces, NBSPs and newlines folded, None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = " ".join(str(value).replace("\u00a0", " ").split())
    return text or None


@lru_cache(maxsize=1024)  # a sheet repeats its states: each spelling is looked up once
def state_code(text: str) -> str | None:
    """'PENNSLYVANIA' -> 'PA': exact, then the closest state name (typos), else None."""
    name = " ".join(text.upper().replace(".", ". ").split()).replace(". ", ".").strip()
    name = name.rstrip("J") if name.rstrip("J") in STATES else name  # 'UTAHJ'
    if name in STATES:
        return STATES[name]
    if len(name) == 2 and name in STATES.values():
        return name
    if len(name) > _LONGEST_STATE * 2:  # too long to be within the cutoff of any name: no search
        return None
    close = difflib.get_close_matches(name, STATES, n=1, cutoff=0.85)
    return STATES[close[0]] if close else None


def model_code(text: str | None) -> Model | None:
    """By the model's first word, as ICE's own variants require ('Warrant Services Officer')."""
    word = (text or "").strip().lower()
    if word.startswith("jail"):
        return "JEM"
    if word.startswith("task"):
        return "TFM"
    if word.startswith("warrant"):
        return "WSO"
    return None


def signed_date(value: Any) -> tuple[dt.date | None, str | None]:
    """A SIGNED cell as a date, and a note when it was text or is doubtful (never silently fixed)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "no signing date"
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        text = str(value)
        iso = re.match(r"^\s*(\d{4})-(\d{2})-(\d{2})", text)  # a CSV of the sheet writes dates so
        if iso:
            try:
                day = dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
            except ValueError:
                return None, f"signing date {text!r} is not a real date"
            return _doubtful(day) or (day, None)
        match = _TEXT_DATE.match(text)
        if not match:
            return None, f"signing date {text!r} could not be read"
        month, dom, year = int(match[1]), int(match[2]), int(match[3])
        year += 2000 if year < 100 else 0
        try:
            day = dt.date(year, month, dom)
        except ValueError:
            return None, f"signing date {text!r} is not a real date"
        return _doubtful(day) or (day, f"signing date typed as text {text!r}, read as {day.isoformat()}")
    return _doubtful(day) or (day, None)


def _doubtful(day: dt.date) -> tuple[dt.date | None, str] | None:
    if day.year > 2100:
        return None, f"signing date {day.isoformat()} has an impossible year"
    if day < EARLIEST_SIGNED:
        return day, f"signing date {day.isoformat()} is earlier than any 287(g) agreement on ICE's lists; check the MOA"
    return None


MOA_NOTE = "the MOA's file name"  # how a note on what the MOA link's file name says begins

# Words that name what an agency is, not which one: a file name abbreviates or leaves them out
# (Co, SO, Dept, PD, Div), so they are no disagreement.
_GENERIC_WORDS = frozenset({
    "county", "sheriff", "sheriffs", "office", "police", "department", "dept", "city", "of", "the", "and",
    "township", "parish", "borough", "village", "town", "state", "public", "safety", "division", "corrections",
    "correctional", "correction", "bureau", "services", "constable", "constables", "attorney", "district",
})  # fmt: skip
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+")
_STATE_NAMES = {code: name.lower().split() for name, code in STATES.items()}


def _ascii(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def name_disagreement(agency: str, state: str, url: str | None) -> str | None:
    """A note when ICE's sheet and the file name of the agency's MOA disagree on who it is: a
    word of the name spelled differently ('Berrian' on the sheet, ``BerrienCoSheriffsOfficeMI_...``),
    or a file name that has none of the name's words (another agency's MOA). Letters are compared,
    not spellings of the same word: an abbreviation (Co, SO, Dept, PD, Univ, Ariz), a word left
    out, a possessive, or the state's code for its name is no disagreement. None when they agree
    or the file name names no agency."""
    if not url:
        return None
    file_name = unquote(url.rsplit("/", 1)[-1])
    stem = re.sub(r"\.pdf$", "", file_name, flags=re.IGNORECASE)
    tokens = [t for t in _CAMEL.findall(_ascii(stem)) if t.lower() not in ("moa", "wso", "jem", "tfm", "g", "lea")]
    if not any(len(t) >= 3 and t.lower() not in _GENERIC_WORDS for t in tokens):
        return None  # the file name names no agency: nothing to compare
    spelled = "".join(tokens)
    hay = spelled.lower()
    lowered = [t.lower() for t in tokens]
    bounds = {sum(len(t) for t in tokens[:i]) for i in range(len(tokens) + 1)}  # where a word begins or ends
    state_words = _STATE_NAMES.get(state, [])
    code = state.lower()
    text = re.sub(r"['’]s\b", "", _ascii(agency.replace("’", "'")), flags=re.IGNORECASE).replace("'", "")
    words = [w for w in re.findall(r"[A-Za-z]+", text) if len(w) >= 3 and w.lower() not in _GENERIC_WORDS]

    def found(word: str) -> bool:
        low = word.lower()
        if low in hay or any(len(t) >= 3 and low.startswith(t) for t in lowered):
            return True  # the word, or its abbreviation (Univ, Ariz, Protect)
        return low in state_words and any(t.startswith(code) for t in lowered)  # 'AK' for Alaska

    missing = [w for w in words if not found(w)]
    for word in missing:
        if len(word) < 5:
            continue
        low = word.lower()
        spans = {(i, i + n) for n in (len(low) - 1, len(low), len(low) + 1) for i in range(len(hay) - n + 1)}
        close = [(a, b) for a, b in spans if _close(low, hay[a:b])]
        if close:  # the closest, whole words of the file name first ('Cables', not 'ables', for 'Gables')
            a, b = max(
                close,
                key=lambda s: (
                    s[0] in bounds,
                    s[1] in bounds,
                    difflib.SequenceMatcher(None, low, hay[s[0] : s[1]]).ratio(),
                ),
            )
            return (
                f"{MOA_NOTE} ({file_name}) spells {spelled[a:b]!r} where ICE's sheet has {word!r}; "
                "check the agency's name in the MOA"
            )
    if words and len(missing) == len(words):
        return f"{MOA_NOTE} ({file_name}) does not name this agency; check that the link is its MOA"
    return None


def _close(word: str, other: str) -> bool:
    """Spelled almost alike (one or two letters apart), the cheap bounds first."""
    matcher = difflib.SequenceMatcher(None, word, other)
    return matcher.real_quick_ratio() >= 0.8 and matcher.quick_ratio() >= 0.8 and matcher.ratio() >= 0.8


_NAME_DATES = (
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), (1, 2, 3)),
    (re.compile(r"(?<!\d)(\d{2})\.(\d{2})\.(\d{2})(?!\d)"), (3, 1, 2)),
    (re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{4})(?!\d)"), (3, 1, 2)),
    (re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})(?!\d)"), (3, 1, 2)),
)


def date_in_file_name(url: str | None) -> dt.date | None:
    """The date an MOA's file name carries (``_MOA_030625``, ``2019-10-15``, ``03.10.25``), if any."""
    if not url:
        return None
    name = unquote(url.rsplit("/", 1)[-1])
    for pattern, (y, m, d) in _NAME_DATES:
        for match in pattern.finditer(name):
            year = int(match[y])
            year += 2000 if year < 100 else 0
            try:
                day = dt.date(year, int(match[m]), int(match[d]))
            except ValueError:
                continue
            if 2010 <= day.year <= 2100:
                return day
    return None


def normalize_url(target: str | None) -> str | None:
    """An MOA link as it should be: SafeLinks unwrapped, a PDF viewer's prefix removed, 'https:/'
    repaired, https forced. None for no link."""
    if not target:
        return None
    url = target.strip()
    if "safelinks.protection.outlook.com" in url:
        inner = parse_qs(urlsplit(url).query).get("url")
        if inner:
            url = unquote(inner[0])
    if url.startswith("chrome-extension://"):
        rest = url.split("://", 1)[1]
        url = rest.split("/", 1)[1] if "/" in rest else rest
    url = re.sub(r"^(https?):/(?!/)", r"\1://", url)
    if url.startswith("http://"):
        url = "https://" + url[len("http://") :]
    return url if url.startswith("https://") else None


# --- reading while the database starts ---------------------------------------------------------


class Reading:
    """A sheet being read in a forked child process while this one starts its database (SQLAlchemy
    takes about as long to import as openpyxl takes to read ICE's largest sheet; on two cores they
    overlap). :meth:`result` gives what :func:`read_sheet` would, or raises what it would."""

    def __init__(self, pid: int, pipe: int, path: Path) -> None:
        self.pid, self.pipe, self.path = pid, pipe, path
        self.finished = False  # the child is reaped and the pipe closed: nothing left to undo

    def result(self) -> Sheet:
        import os
        import pickle

        with os.fdopen(self.pipe, "rb") as handle:
            data = handle.read()
        _, status = os.waitpid(self.pid, 0)
        self.finished = True
        if status != 0 or not data:
            return read_sheet(self.path)  # the child failed: read it here, with its error if any
        kind, value = pickle.loads(data)  # our own child's bytes, over our own pipe
        if kind == "error":
            raise SheetError(value)
        sheet: Sheet = value
        return sheet

    def cancel(self) -> None:
        """Stop the child if its result was never taken (the file was imported before)."""
        import contextlib
        import os
        import signal

        if self.finished:
            return
        self.finished = True
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)
        with contextlib.suppress(OSError):
            os.close(self.pipe)


def read_in_background(path: Path) -> Reading | None:
    """Start reading ``path`` in a forked child, where that is safe (Linux, one thread, the
    command run by records-req itself); None elsewhere (then read it with :func:`read_sheet`)."""
    import os
    import sys
    import threading

    if not sys.platform.startswith("linux") or threading.active_count() != 1 or "sqlalchemy" in sys.modules:
        return None
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read, send, and leave without any of the parent's clean-up
        import pickle

        try:
            os.close(read_end)
            try:
                payload = pickle.dumps(("ok", read_sheet(path)))
            except SheetError as exc:
                payload = pickle.dumps(("error", str(exc)))
            with os.fdopen(write_end, "wb") as handle:
                handle.write(payload)
        finally:
            os._exit(0)
    os.close(write_end)
    return Reading(pid, read_end, path)

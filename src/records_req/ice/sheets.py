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
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

from records_req.errors import RecordsReqError

Model = Literal["JEM", "TFM", "WSO"]
Kind = Literal["participating", "pending"]
MODEL_NAMES: dict[Model, str] = {
    "JEM": "Jail Enforcement Model",
    "TFM": "Task Force Model",
    "WSO": "Warrant Service Officer",
}
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
        return (self.state, name_key(self.agency), self.model)


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
        return len({(a.state, name_key(a.agency)) for a in self.agreements})


def name_key(name: str) -> str:
    """A name as compared across imports: case, spacing, apostrophes and 'the' do not matter."""
    text = " ".join(name.replace("’", "'").replace("\u00a0", " ").lower().split())
    return text.removeprefix("the ")


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


def read_sheet(path: Path) -> Sheet:
    """Read a participating or pending sheet (``.xlsx`` or ``.csv``)."""
    check_suffix(path.name)
    if path.suffix.lower() == ".csv":
        sheet_name, header, rows = _csv_rows(path)
    else:
        sheet_name, header, rows = _xlsx_rows(path)
    return parse_rows(str(path), sheet_name, header, rows)


def check_suffix(file_name: str) -> None:
    """Only ``.xlsx`` and ``.csv`` are read: an older Excel file (``.xls``) or a LibreOffice one
    (``.ods``) is a clear error, not a reader's traceback."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in SUFFIXES:
        what = f"a {suffix} file" if suffix else "a file without a suffix"
        raise SheetError(f"{file_name} is {what}: open it in Excel or LibreOffice and save it as .xlsx or .csv.")


def _csv_rows(path: Path) -> tuple[str, list[str], list[tuple[int, list[Any], list[str | None]]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            table = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise SheetError(f"Cannot read {path}: {exc}") from None
    if not table:
        raise SheetError(f"{path} is empty.")
    links: list[str | None] = []
    return "csv", table[0], [(i, list(r), links) for i, r in enumerate(table[1:], 2)]


def _xlsx_rows(path: Path) -> tuple[str, list[str], list[tuple[int, list[Any], list[str | None]]]]:
    """The rows of the sheet whose first row names STATE and SUPPORT TYPE, with each cell's
    hyperlink. Cells are read in openpyxl's read-only mode (1.6 times faster on ICE's May 2026 list),
    which drops hyperlinks, so the links are read from the sheet's own XML (:func:`_sheet_links`)."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.cell import get_column_letter

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SheetError(f"{path} is not an Excel workbook ({exc}).") from None
    try:
        for ws in book.worksheets:  # the sheet whose first row names STATE and SUPPORT TYPE
            first = next(ws.iter_rows(min_row=1, max_row=1), ())
            header = [_text(c.value) or "" for c in first]
            upper = [h.upper() for h in header]
            if "STATE" in upper and "SUPPORT TYPE" in upper:
                with zipfile.ZipFile(path) as archive:
                    links = _sheet_links(archive, ws.title)
                letters = [get_column_letter(i + 1) for i in range(max(len(header), 1))]
                rows = []
                for number, row in enumerate(ws.iter_rows(min_row=2), start=2):
                    while len(letters) < len(row):
                        letters.append(get_column_letter(len(letters) + 1))
                    values = [None if c.data_type == "e" else c.value for c in row]
                    rows.append((number, values, [links.get(f"{letters[i]}{number}") for i in range(len(row))]))
                return ws.title, header, rows
    finally:
        book.close()
    raise SheetError(f"{path} has no sheet whose first row names STATE and SUPPORT TYPE: not an ICE 287(g) list.")


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _sheet_links(archive: Any, title: str) -> dict[str, str]:
    """Each cell's external hyperlink target (``{"G2": "https://..."}``) in the sheet called
    ``title``: its ``<hyperlinks>`` element, resolved through the sheet's relationships part."""
    import posixpath
    import xml.etree.ElementTree as ET

    from openpyxl.utils.cell import get_column_letter, range_boundaries

    def rels(part: str) -> dict[str, str]:
        name = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
        if name not in archive.namelist():
            return {}
        root = ET.fromstring(archive.read(name))
        return {r.get("Id", ""): r.get("Target", "") for r in root.iter(f"{_PACKAGE_RELS}Relationship")}

    workbook = ET.fromstring(archive.read("xl/workbook.xml"))
    rid = next((s.get(f"{_RELS}id") for s in workbook.iter(f"{_MAIN}sheet") if s.get("name") == title), None)
    target = rels("xl/workbook.xml").get(rid or "")
    if not target:
        return {}
    part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    data = archive.read(part)
    start, end = data.rfind(b"<hyperlinks"), data.rfind(b"</hyperlinks>")
    if start < 0 or end < start:
        return {}
    targets = rels(part)
    links: dict[str, str] = {}
    for match in re.finditer(rb"<(?:\w+:)?hyperlink\b([^>]*)>", data[start:end]):
        attributes = dict(re.findall(rb'([\w:]+)="([^"]*)"', match.group(1)))
        ref = attributes.get(b"ref", b"").decode("ascii", "replace")
        link_id = next((v for k, v in attributes.items() if k.endswith(b":id")), None)
        url = targets.get(link_id.decode("ascii", "replace")) if link_id else None
        if not ref or not url:
            continue  # an internal link (a location in the workbook) has no target
        low_col, low_row, high_col, high_row = range_boundaries(ref)
        for column in range(low_col or 1, (high_col or low_col or 1) + 1):
            for row in range(low_row or 1, (high_row or low_row or 1) + 1):
                links.setdefault(f"{get_column_letter(column)}{row}", url)
    return links


def parse_rows(
    path: str, sheet_name: str, header: Sequence[str], rows: Iterable[tuple[int, list[Any], list[str | None]]]
) -> Sheet:
    """Normalize rows read from either format (the column order comes from the header text)."""
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

        row = _Row(values, links, where)
        try:
            agreements.append(_agreement(number, row.cell, row.link, kind))
        except _RowError as exc:
            skipped.append(Skipped(number, str(exc)))
    return Sheet(path, kind, sheet_name, tuple(n for n in names if n), tuple(agreements), tuple(skipped))


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


def state_code(text: str) -> str | None:
    """'PENNSLYVANIA' -> 'PA': exact, then the closest state name (typos), else None."""
    name = " ".join(text.upper().replace(".", ". ").split()).replace(". ", ".").strip()
    name = name.rstrip("J") if name.rstrip("J") in STATES else name  # 'UTAHJ'
    if name in STATES:
        return STATES[name]
    if len(name) == 2 and name in STATES.values():
        return name
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

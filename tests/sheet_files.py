"""Hostile ICE sheets, built byte by byte in the tests that use them (no file of the corpus is
kept): a minimal workbook package whose parts a test can replace, and the bombs made from it."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from xml.sax.saxutils import escape

HEADER = ("STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA")
ROWS = (
    ("TEXAS", "Harris County Sheriff's Office", "County", "Harris County", "Task Force Model", "45845", "link"),
    ("FLORIDA", "Lee County Sheriff's Office", "County", "Lee County", "Warrant Service Officer", "45846", "link"),
)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _letters(column: int) -> str:
    name = ""
    while column:
        column, rest = divmod(column - 1, 26)
        name = chr(65 + rest) + name
    return name


def row_xml(number: int, cells: Iterable[str | None]) -> str:
    """One ``<row>``: text as inline strings, except a SIGNED serial (digits) as a dated number."""
    out = []
    for column, value in enumerate(cells, start=1):
        if value is None:
            continue
        ref = f"{_letters(column)}{number}"
        if value.isdigit() and column == 6:
            out.append(f'<c r="{ref}" s="1"><v>{value}</v></c>')
        else:
            out.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>')
    return f'<row r="{number}">{"".join(out)}</row>'


def sheet_xml(rows: Iterable[str], head: str = "") -> str:
    return f'{DECL}{head}<worksheet xmlns="{MAIN}"><sheetData>{"".join(rows)}</sheetData></worksheet>'


def standard_rows(first: int = 1) -> list[str]:
    return [row_xml(first + i, cells) for i, cells in enumerate((HEADER, *ROWS))]


def parts(sheet: str | bytes | None = None, shared: str | bytes | None = None) -> dict[str, bytes]:
    """The parts of a minimal .xlsx ICE could have written: a header and two agreements."""
    shared = shared if shared is not None else f'{DECL}<sst xmlns="{MAIN}" count="0" uniqueCount="0"/>'
    found = {
        "[Content_Types].xml": (
            f'{DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'{DECL}<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{DECL}<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{DECL}<Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            f'{DECL}<styleSheet xmlns="{MAIN}"><fonts count="1"><font/></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
        ),
        "xl/sharedStrings.xml": shared,
        "xl/worksheets/sheet1.xml": sheet if sheet is not None else sheet_xml(standard_rows()),
    }
    return {name: data.encode() if isinstance(data, str) else data for name, data in found.items()}


def write_xlsx(path: Path, members: Mapping[str, bytes | Iterator[bytes]]) -> Path:
    """A zip of ``members``; a member given as chunks is streamed (a bomb need not be in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if isinstance(data, bytes):
                archive.writestr(name, data)
                continue
            with archive.open(name, "w", force_zip64=True) as handle:
                for chunk in data:
                    handle.write(chunk)
    return path


def xlsx_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def shared_strings(strings: Iterable[str]) -> str:
    items = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings)
    return f'{DECL}<sst xmlns="{MAIN}">{items}</sst>'


def shared_row(columns: int, index: int = 0) -> str:
    """A row whose every cell is shared string ``index``; no cell or row names its place (Excel
    may leave ``r`` out), so a thousand such rows compress to a few bytes."""
    return "<row>" + f'<c t="s"><v>{index}</v></c>' * columns + "</row>"

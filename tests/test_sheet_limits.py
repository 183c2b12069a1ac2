"""Issue 17: ICE sheets that inflate, and every import failure one line. Each hostile file is
built here (tests/sheet_files.py); the bombs are small on disk and would expand to hundreds of
megabytes. What is read is bounded (records_req.ice.sheets: file, parts, rows, columns, cells,
text), every refusal is one line from every door, and nothing is imported."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from records_req.cli import cli
from records_req.ice import sheets
from records_req.ice.sheets import SheetError, read_sheet

from .backend_marks import on_sqlite_only
from .sheet_files import (
    DECL,
    HEADER,
    MAIN,
    REL,
    ROWS,
    _letters,
    parts,
    row_xml,
    shared_row,
    shared_strings,
    sheet_xml,
    standard_rows,
    write_xlsx,
)

# One worker runs the module: each hostile file is built once (the module's ``hostile`` fixture),
# not once by each worker that gets one of its tests.
pytestmark = pytest.mark.xdist_group("sheet-limits")

MB = 2**20
CSV_HEADER = ",".join(HEADER) + "\n"
LEE = "FLORIDA,Lee County Sheriff's Office,County,Lee County,Warrant Service Officer,2025-07-08,\n"


def peak(read: Callable[[], Any]) -> tuple[Any, int]:
    """What ``read`` returned (or the SheetError it raised) and the peak of Python's memory meanwhile."""
    tracemalloc.start()
    try:
        try:
            result: Any = read()
        except SheetError as exc:
            result = exc
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- the hostile files ---------------------------------------------------------------------------

LAUGHS = (
    '<!DOCTYPE sst [<!ENTITY a "lollollollollollollollollollol">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    + "]>"
)


def laughs(path: Path) -> Path:
    """Billion laughs in the shared strings: 1 KB that expands to 30 GB."""
    shared = f'{DECL}{LAUGHS}<sst xmlns="{MAIN}"><si><t>&j;</t></si></sst>'
    return write_xlsx(path, parts(shared=shared))


def external_entity(path: Path) -> Path:
    """An external entity in the workbook part (a file of this computer, read into a sheet name)."""
    workbook = (
        f'{DECL}<!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        '<sheets><sheet name="Sheet1&e;" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    return write_xlsx(path, {**parts(), "xl/workbook.xml": workbook.encode()})


def doctype(path: Path) -> Path:
    """A DOCTYPE with no entity at all, in the sheet: Excel never writes one."""
    return write_xlsx(path, parts(sheet=sheet_xml(standard_rows(), head='<!DOCTYPE worksheet SYSTEM "x.dtd">')))


def damaged(path: Path) -> Path:
    """The sheet's compressed stream damaged in the middle (the zip's directory is intact)."""
    write_xlsx(path, parts(sheet=sheet_xml(standard_rows() * 50)))
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 8, start + info.compress_size - 4):
        raw[i] ^= 0x5A
    path.write_bytes(bytes(raw))
    return path


def truncated(path: Path) -> Path:
    write_xlsx(path, parts())
    path.write_bytes(path.read_bytes()[:-200])
    return path


def broken_styles(path: Path) -> Path:
    """A styles part openpyxl cannot make sense of (a TypeError inside openpyxl)."""
    styles = f'{DECL}<styleSheet xmlns="{MAIN}"><fills count="1"><fill/></fills></styleSheet>'
    return write_xlsx(path, {**parts(), "xl/styles.xml": styles.encode()})


def raw_nul(path: Path) -> Path:
    """A NUL byte inside the sheet's XML: the XML is not well-formed."""
    bad = row_xml(2, ("TEXAS", "Bad\x00Office", "County", "X", "Task Force Model", "45845", "link"))
    return write_xlsx(path, parts(sheet=sheet_xml([row_xml(1, HEADER), bad, row_xml(3, ROWS[1])])))


def zip_bomb(path: Path) -> Path:
    """A shared-strings part that unpacks to 300 MB, streamed into a zip of about 300 KB."""

    def stream() -> Iterator[bytes]:
        yield f'{DECL}<sst xmlns="{MAIN}"><si><t>'.encode()
        for _ in range(300):
            yield b"A" * MB
        yield b"</t></si></sst>"

    return write_xlsx(path, {**parts(), "xl/sharedStrings.xml": stream()})


def string_bomb(path: Path) -> Path:
    """One shared string of 1,900 characters in every cell of 40,000 rows: a few KB on disk,
    600 million characters once every cell is read as text (the 2 GB of issue 17)."""
    rows = shared_row(8) * 40_000
    return write_xlsx(path, parts(shared=shared_strings(["x" * 1900]), sheet=sheet_xml([row_xml(1, HEADER), rows])))


def many_rows(path: Path) -> Path:
    """A row far below ICE's lists (row 1,000,000), the rows between not written at all."""
    far = row_xml(1_000_000, ROWS[0])
    return write_xlsx(path, parts(sheet=sheet_xml([*standard_rows(), far])))


def long_cell(path: Path) -> Path:
    name = "Harris County " * 200  # 2,800 characters
    row = row_xml(2, ("TEXAS", name, "County", "Harris County", "Task Force Model", "45845", "link"))
    return write_xlsx(path, parts(sheet=sheet_xml([row_xml(1, HEADER), row])))


def big_part(path: Path) -> Path:
    """A styles part of 3 MB (ICE's are under 30 KB): a part no list needs that large."""
    styles = parts()["xl/styles.xml"].replace(b"</styleSheet>", b"<!--" + b"x" * (3 * MB) + b"--></styleSheet>")
    return write_xlsx(path, {**parts(), "xl/styles.xml": styles})


def many_parts(path: Path) -> Path:
    return write_xlsx(path, {**parts(), **{f"customXml/item{i}.xml": b"<a/>" for i in range(1200)}})


def sparse_csv(path: Path) -> Path:
    """1 GB of CSV, nearly all of it a hole in the file (no disk used)."""
    with path.open("wb") as handle:
        handle.write(CSV_HEADER.encode())
        handle.truncate(2**30)
    return path


def unbalanced_quote(path: Path) -> Path:
    """A quote opened in row 2 and never closed: the rows after it would become one cell."""
    path.write_text(
        CSV_HEADER + "TEXAS,\"Harris County Sheriff's Office,County,X,Task Force Model,2025-07-07,\n" + LEE * 3
    )
    return path


def stray_quote(path: Path) -> Path:
    path.write_text(CSV_HEADER + 'TEXAS,"Harris" County,County,X,Task Force Model,2025-07-07,\n' + LEE)
    return path


def utf16_csv(path: Path) -> Path:
    path.write_bytes((CSV_HEADER + LEE).encode("utf-16"))
    return path


REFUSED: dict[str, tuple[Callable[[Path], Path], str, str]] = {  # builder, file name, what the line says
    "billion laughs": (laughs, "laughs.xlsx", "DOCTYPE"),
    "external entity": (external_entity, "entity.xlsx", "DOCTYPE"),
    "doctype": (doctype, "doctype.xlsx", "DOCTYPE"),
    "damaged stream": (damaged, "damaged.xlsx", "damaged"),
    "truncated zip": (truncated, "truncated.xlsx", "not an Excel workbook"),
    "broken styles": (broken_styles, "styles.xlsx", "cannot be read"),
    "NUL byte in the XML": (raw_nul, "nul.xlsx", "damaged"),
    "zip bomb": (zip_bomb, "bomb.xlsx", "unpacks to more than 50 MB"),
    "shared-string bomb": (string_bomb, "strings.xlsx", "characters of text"),
    "row 1,000,000": (many_rows, "rows.xlsx", "more than 50,000 rows"),
    "a 2,800-character cell": (long_cell, "cell.xlsx", "2,000 characters"),
    "a 3 MB styles part": (big_part, "styles.xlsx", "xl/styles.xml, that unpacks to more than 2 MB"),
    "1,200 parts": (many_parts, "parts.xlsx", "more than 1,000 parts"),
    "sparse 1 GB CSV": (sparse_csv, "sparse.csv", "more than the 25 MB"),
    "unbalanced quote": (unbalanced_quote, "quote.csv", "row 2 (line 2)"),
    "stray quote": (stray_quote, "stray.csv", "row 2 (line 2)"),
    "UTF-16 CSV": (utf16_csv, "utf16.csv", "not UTF-8"),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """The hostile file of a case of REFUSED, built once for the module (a reader and each door
    read the same file; none of them writes to it)."""
    folder = tmp_path_factory.mktemp("hostile")
    built: dict[str, Path] = {}

    def file(case: str) -> Path:
        if case not in built:
            build, name, _says = REFUSED[case]
            place = folder / str(len(built))  # two cases may share a file name
            place.mkdir()
            built[case] = build(place / name)
        return built[case]

    return file


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_a_hostile_sheet_is_refused_in_one_line_and_in_bounded_memory(
    hostile: Callable[[str], Path], case: str
) -> None:
    _build, _name, says = REFUSED[case]
    path = hostile(case)
    error, used = peak(lambda: read_sheet(path))
    assert isinstance(error, SheetError), f"{case}: read {error!r}"
    message = str(error)
    assert says in message and "\n" not in message and str(path) in message
    assert used < 40 * MB, f"{case}: {used / MB:.0f} MB of Python memory to refuse a {path.stat().st_size:,}-byte file"


def test_the_bombs_are_small_files(hostile: Callable[[str], Path]) -> None:
    assert hostile("billion laughs").stat().st_size < 5_000
    assert hostile("zip bomb").stat().st_size < 400_000
    assert hostile("shared-string bomb").stat().st_size < 40_000


def test_a_hyperlink_over_the_whole_sheet_is_not_expanded_cell_by_cell(tmp_path: Path) -> None:
    """One hyperlink covering A1:XFD1048576 (17 billion cells): only the MOA and ADDENDUM cells
    of rows that exist are looked up."""
    members = parts()
    members["xl/worksheets/sheet1.xml"] = members["xl/worksheets/sheet1.xml"].replace(
        b"</sheetData>",
        f'</sheetData><hyperlinks><hyperlink ref="A1:XFD1048576" xmlns:r="{REL}" r:id="rId9"/></hyperlinks>'.encode(),
    )
    members["xl/worksheets/_rels/sheet1.xml.rels"] = (
        f'{DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId9" Type="{REL}/hyperlink" Target="https://www.ice.gov/doclib/x.pdf" '
        'TargetMode="External"/></Relationships>'
    ).encode()
    path = write_xlsx(tmp_path / "links.xlsx", members)
    sheet, used = peak(lambda: read_sheet(path))
    assert [a.moa_url for a in sheet.agreements] == ["https://www.ice.gov/doclib/x.pdf"] * 2
    assert used < 40 * MB


# --- rows skipped, title rows honoured ----------------------------------------------------------


def test_a_nul_in_one_csv_row_skips_that_row_only(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_text(CSV_HEADER + "TEXAS,Bad\x00 Office,County,X,Task Force Model,2025-07-07,\n" + LEE)
    sheet = read_sheet(path)
    assert [a.agency for a in sheet.agreements] == ["Lee County Sheriff's Office"]
    [(row, reason)] = sheet.skipped
    assert row == 2 and "NUL" in reason


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_title_rows_above_the_header_are_read_past(tmp_path: Path, fmt: str) -> None:
    """The README promises it: a title and a blank row above the header, as a saved copy may have."""
    if fmt == "csv":
        path = tmp_path / "titled.csv"
        path.write_text("287(g) Participating Agencies,,,\n,,,\n" + CSV_HEADER + LEE)
    else:
        title = [row_xml(1, ("287(g) Participating Agencies",)), row_xml(2, ("",))]
        path = write_xlsx(tmp_path / "titled.xlsx", parts(sheet=sheet_xml([*title, *standard_rows(3)])))
    sheet = read_sheet(path)
    assert sheet.kind == "participating" and not sheet.skipped
    assert [a.row for a in sheet.agreements] == ([4] if fmt == "csv" else [4, 5])


def test_rows_the_xml_leaves_out_are_blank_and_every_row_keeps_its_own_number(tmp_path: Path) -> None:
    """Excel writes no ``<row>`` for a blank row: a title at row 1, the header at row 4 and the
    agreements at rows 5 and 9 are read as those rows (the header is found within its first ten
    rows, and each agreement, and each skipped row, is named by the row a person sees)."""
    harris, lee = ROWS
    unknown = ("TEXAS", "", "County", "Harris County", "Task Force Model", "45845", "link")  # no agency
    rows = [row_xml(1, ("287(g) Participating Agencies",)), row_xml(4, HEADER), row_xml(5, harris)]
    rows += [row_xml(7, unknown), row_xml(9, lee)]
    sheet = read_sheet(write_xlsx(tmp_path / "gaps.xlsx", parts(sheet=sheet_xml(rows))))
    assert [(a.row, a.agency) for a in sheet.agreements] == [(5, harris[1]), (9, lee[1])]
    assert [(s.row, s.reason) for s in sheet.skipped] == [(7, "no agency name")]


def test_a_date_serial_beyond_any_date_is_no_warning_and_no_traceback(tmp_path: Path) -> None:
    row = row_xml(2, ("TEXAS", "Harris County Sheriff's Office", "County", "X", "Task Force Model", "9" * 20, "link"))
    path = write_xlsx(tmp_path / "serial.xlsx", parts(sheet=sheet_xml([row_xml(1, HEADER), row])))
    [harris] = read_sheet(path).agreements  # pytest's filterwarnings = error: a warning would fail
    assert harris.signed is None and "no signing date" in harris.notes


def _shared_strings_row(number: int, cells: tuple[str, ...], index: dict[str, int]) -> str:
    """One ``<row>`` as Excel (and ICE) writes it: its text in the shared strings, the SIGNED
    serial a dated number."""
    out = []
    for column, value in enumerate(cells, start=1):
        ref = f"{_letters(column)}{number}"
        if column == 6 and value.isdigit():
            out.append(f'<c r="{ref}" s="1"><v>{value}</v></c>')
        else:
            out.append(f'<c r="{ref}" t="s"><v>{index[value]}</v></c>')
    return f'<row r="{number}">{"".join(out)}</row>'


def test_the_largest_sheet_within_the_limits_is_read(tmp_path: Path) -> None:
    """50,000 rows (27 times ICE's May 2026 list) are read whole. The text is in the shared
    strings, as in ICE's own sheets (inline strings cost openpyxl twice the time to read; the small
    sheets above use them)."""
    strings = sorted({value for row in (HEADER, *ROWS) for value in row})
    index = {value: i for i, value in enumerate(strings)}
    rows = (_shared_strings_row(n, ROWS[n % 2], index) for n in range(2, 50_001))
    sheet_part = sheet_xml([_shared_strings_row(1, HEADER, index), *rows])
    path = write_xlsx(tmp_path / "big.xlsx", parts(sheet=sheet_part, shared=shared_strings(strings)))
    sheet = read_sheet(path)
    assert len(sheet.agreements) == 49_999 and not sheet.skipped
    first, last = sheet.agreements[0], sheet.agreements[-1]
    assert (first.row, first.state, first.agency, first.model) == (2, "TX", "Harris County Sheriff's Office", "TFM")
    assert (last.row, last.state, last.agency, last.model) == (50_000, "TX", "Harris County Sheriff's Office", "TFM")


# --- the doors: the command line and the dashboard ------------------------------------------------

DOOR_CASES = [
    "billion laughs",
    "external entity",
    "damaged stream",
    "broken styles",
    "zip bomb",
    "shared-string bomb",
    "unbalanced quote",
    "a 2,800-character cell",
]


def _cli(db_url: str, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--db", db_url, *args])


# The doors' refusals run on SQLite only: a sheet is read whole, and refused, before the database
# is written to; what PostgreSQL does differently (a NUL it cannot store) is tested on both below.


@on_sqlite_only
@pytest.mark.parametrize("case", DOOR_CASES)
def test_the_command_line_refuses_in_one_line_and_imports_nothing(
    db_url: str, hostile: Callable[[str], Path], case: str
) -> None:
    _build, _name, says = REFUSED[case]
    path = hostile(case)
    result = _cli(db_url, "agencies", "import", str(path))
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in result.stderr
    assert _cli(db_url, "agencies", "imports", "--json").stdout.strip() == "[]"


@on_sqlite_only
def test_the_command_line_refuses_a_sparse_gigabyte_before_hashing_it(db_url: str, tmp_path: Path) -> None:
    path = sparse_csv(tmp_path / "sparse.csv")
    result, used = peak(lambda: _cli(db_url, "agencies", "import", str(path)))
    assert result.exit_code == 1 and "more than the 25 MB" in result.stderr and used < 40 * MB


def test_a_nul_row_is_skipped_on_every_database(db_url: str, tmp_path: Path) -> None:
    """PostgreSQL cannot store a NUL character: the row is skipped, as on SQLite, and the rest imported."""
    path = tmp_path / "nul.csv"
    path.write_text(CSV_HEADER + "TEXAS,Bad\x00 Office,County,X,Task Force Model,2025-07-07,\n" + LEE)
    result = _cli(db_url, "agencies", "import", str(path), "--json")
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.stdout)
    assert data["agreements"] == 1 and [s["row"] for s in data["skipped"]] == [2]
    names = [a["name"] for a in json.loads(_cli(db_url, "agencies", "list", "--json").stdout)]
    assert names == ["Lee County Sheriff's Office"]


def _browser(db_url: str, tmp_path: Path) -> Any:
    import datetime as dt

    from records_req.web import Settings, create_app

    from .test_web import Browser

    app = create_app(
        Settings(db_url=db_url, out_dir=tmp_path / "out", today=dt.date(2026, 12, 1), secret_key=b"k" * 32)
    )
    return Browser(app.test_client())


@on_sqlite_only
@pytest.mark.parametrize("case", DOOR_CASES)
def test_the_dashboard_says_the_same_line_and_imports_nothing(
    db_url: str, tmp_path: Path, hostile: Callable[[str], Path], case: str
) -> None:
    _build, name, says = REFUSED[case]
    data = hostile(case).read_bytes()
    web = _browser(db_url, tmp_path)
    page = web.post(
        "/agencies/import",
        {"sheet": (io.BytesIO(data), name)},
        token_page="/agencies",
        content_type="multipart/form-data",
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 422, text[:500]
    assert says.replace("'", "&#39;") in text and "Traceback" not in text
    assert _cli(db_url, "agencies", "imports", "--json").stdout.strip() == "[]"


@on_sqlite_only
def test_the_dashboard_keeps_an_upload_on_disk_not_in_memory(db_url: str, tmp_path: Path) -> None:
    """A 20 MB upload is copied to its temporary file in chunks: the server's memory does not grow
    by the file's size (it read the whole file into memory before)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    web = _browser(db_url, tmp_path)
    token = web.token("/agencies")
    sheet = FileStorage(io.BytesIO(CSV_HEADER.encode() + b"A" * (20 * MB)), filename="big.csv")
    boundary, body = encode_multipart({"csrf_token": token, "sheet": sheet})
    page, used = peak(
        lambda: web.client.post(
            "/agencies/import",
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
            headers={"Host": "127.0.0.1:8765"},
        )
    )
    assert page.status_code == 422 and "a line of more than 100,000 characters" in page.get_data(as_text=True)
    assert used < 8 * MB, f"{used / MB:.1f} MB to take in a 20 MB upload"


@pytest.fixture(autouse=True)
def _no_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command reads in this process (the forked reader is tested in tests/test_startup.py)."""
    monkeypatch.setattr(sheets, "read_in_background", lambda path: None)

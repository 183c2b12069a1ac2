"""Formula injection (issue 17): text that came from outside (an agency name in ICE's sheet or in a
shared export, a tag, a tracking number, a note, an exemption, a file name) never becomes a live
formula in a CSV or XLSX report, from `records-req report` and the dashboard's downloads alike.

The XLSX keeps every text cell as text (never a formula, never an error value) and the text as it
was; numbers and dates stay typed. The CSV neutralises a formula's first character with a single
quote (OWASP's CSV-injection guidance)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from records_req.web import Settings, create_app

from .cli_helpers import Tracker
from .conftest import isolated_home_for

# One worker runs the module: its hostile export is built once, not by each worker.
pytestmark = pytest.mark.xdist_group("formula-injection")

TODAY = dt.date(2026, 12, 1)
HOST = {"Host": "127.0.0.1:8765"}

# What each hostile value must read as in the CSV (the XLSX holds the value itself, as text).
CSV_READS = {
    '=HYPERLINK("http://x","y")': '\'=HYPERLINK("http://x","y")',
    "+1+1": "'+1+1",
    "-2": "'-2",
    "@SUM(A1)": "'@SUM(A1)",
    "\t=1": "'\t=1",
    "\n=1+1": "'\n=1+1",
    "\r=1": "'\r=1",
    " =1": "' =1",
    "\uff1d1+1": "'\uff1d1+1",  # a full-width equals sign, which some spreadsheets take for '='
    "ok;=1+1": "ok;'=1+1",  # a spreadsheet that splits on ';' would see a cell '=1+1'
    "#N/A": "#N/A",  # not a formula in a CSV, but openpyxl would write it as an error value
    "Cobb County Sheriff": "Cobb County Sheriff",
}
HOSTILE = list(CSV_READS)
FORMULA_START = re.compile(r"^\s*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r\n\0]")


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def _xlsx(data: bytes) -> Any:
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data))


def _assert_no_formula_cells(book: Any) -> None:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type not in ("f", "e"), (sheet.title, cell.coordinate, cell.value)


def _assert_no_csv_cell_starts_a_formula(rows: list[dict[str, str]]) -> None:
    for row in rows:
        for name, value in row.items():
            for piece in value.split(";"):  # what a spreadsheet splitting on ';' would see
                assert not FORMULA_START.match(piece), (row["id"], name, value)


@pytest.fixture(scope="module")
def hostile_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A shared export (and the folder of its letters) with one request per hostile value: the
    value is its agency's name, and (shifted by one and two) another request's tag and tracking
    number. The values are written raw into the export, so that nothing the CLI tidies on input
    (a leading tab or new line) is lost; notes, exemptions and a received file's name carry them
    too. Built once for the module; each test imports it into its own database."""
    folder = tmp_path_factory.mktemp("hostile-export")
    with isolated_home_for(folder / "home"), pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("RECORDS_REQ_OUT", str(folder / "out"))  # where the export's letters are
        scratch = Tracker(f"sqlite:///{folder / 'scratch.db'}", folder)
        scratch("profile", "set", "--name", "Ana Núñez", "--email", "ana@example.org", "--state", "VA")
        n = len(HOSTILE)
        for i in range(n):
            rid = scratch.new("GA", f"Agency {i}", "--tag", f"tag-{i}", "--format", "pdf")
            scratch("sent", str(rid), "--on", "2026-11-02")
            scratch("log", str(rid), "acknowledged", "--on", "2026-11-03", "--tracking-number", f"T-{i}")
        scratch("log", "1", "note", "--on", "2026-11-04", "--note", HOSTILE[0])
        scratch("log", "2", "denied", "--on", "2026-11-05", "--exemptions", "@SUM(A1)", "--note", "-2")
        received = folder / '=HYPERLINK("x","y").pdf'
        received.write_bytes(b"%PDF-1.4\n")
        scratch("attach", "3", str(received), "--on", "2026-11-05", "--note", "+1+1")
        export = folder / "shared.json"
        scratch("db", "export", str(export))
    data = json.loads(export.read_text(encoding="utf-8"))
    for agency in data["agencies"]:
        agency["name"] = HOSTILE[int(agency["name"].split()[1])]
    for tag in data["request_tags"]:
        tag["tag"] = HOSTILE[(int(tag["tag"].split("-")[1]) + 1) % n]
    for number in data["tracking_numbers"]:
        number["number"] = HOSTILE[(int(number["number"].split("-")[1]) + 2) % n]
    export.write_text(json.dumps(data), encoding="utf-8")
    return export, folder / "out"


@pytest.fixture
def hostile(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hostile_export: tuple[Path, Path]) -> Tracker:
    """A database of each backend holding the hostile export (see hostile_export)."""
    export, letters = hostile_export
    monkeypatch.setenv("RECORDS_REQ_OUT", str(letters))
    tracker = Tracker(db_url, tmp_path)
    tracker("db", "import", str(export))
    return tracker


def _by_agency(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    reads = {v: k for k, v in CSV_READS.items()}
    return {reads[r["agency"]]: r for r in rows}


def _check_csv(data: bytes) -> None:
    rows = _csv_rows(data)
    assert len(rows) == len(HOSTILE)
    _assert_no_csv_cell_starts_a_formula(rows)
    n = len(HOSTILE)
    by_agency = _by_agency(rows)
    for i, value in enumerate(HOSTILE):
        row = by_agency[value]
        assert row["agency"] == CSV_READS[value]
        assert row["tags"] == CSV_READS[HOSTILE[(i + 1) % n]]
        assert row["tracking_numbers"] == CSV_READS[HOSTILE[(i + 2) % n]]
    assert {r["days_late"] for r in rows} <= {str(d) for d in range(0, 40)}  # numbers stay plain


def _check_xlsx(data: bytes) -> None:
    book = _xlsx(data)
    _assert_no_formula_cells(book)
    sheet = book["requests"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == len(HOSTILE)
    n = len(HOSTILE)
    by_agency = {row["agency"].value: row for row in rows}
    assert set(by_agency) == set(HOSTILE)  # the text exactly as it was, leading tab and all
    for i, value in enumerate(HOSTILE):
        row = by_agency[value]
        assert row["agency"].data_type == "s"
        assert (row["tags"].value, row["tags"].data_type) == (HOSTILE[(i + 1) % n], "s")
        assert (row["tracking_numbers"].value, row["tracking_numbers"].data_type) == (HOSTILE[(i + 2) % n], "s")
        # numbers and dates stay typed, so a spreadsheet sorts and sums them
        assert isinstance(row["id"].value, int) and row["id"].data_type == "n"
        assert isinstance(row["days_late"].value, int)
        assert isinstance(row["sent"].value, dt.datetime) and row["sent"].value.date() == dt.date(2026, 11, 2)
        assert row["sent"].number_format == "yyyy-mm-dd"
    # a cell whose text looks like a formula carries Excel's own "this is text" mark, so editing it
    # in Excel does not turn it into one
    assert by_agency['=HYPERLINK("http://x","y")']["agency"].quotePrefix
    assert not by_agency["Cobb County Sheriff"]["agency"].quotePrefix


def test_the_cli_report_never_writes_a_formula(hostile: Tracker) -> None:
    _check_csv(hostile.report("csv", "--as-of", TODAY.isoformat()).read_bytes())
    _check_xlsx(hostile.report("xlsx", "--as-of", TODAY.isoformat()).read_bytes())


def test_the_dashboard_downloads_never_write_a_formula(hostile: Tracker) -> None:
    app = create_app(Settings(db_url=hostile.url, out_dir=hostile.tmp / "out", today=TODAY, secret_key=b"k" * 32))
    web = app.test_client()
    got = web.get("/reports/report.csv", headers=HOST)
    assert got.status_code == 200
    _check_csv(got.data)
    assert got.data == hostile.report("csv", "--as-of", TODAY.isoformat()).read_bytes()  # one rule, both doors
    got = web.get("/reports/report.xlsx", headers=HOST)
    assert got.status_code == 200
    _check_xlsx(got.data)


def test_a_control_character_from_an_old_database_is_no_traceback(hostile: Tracker) -> None:
    """openpyxl refuses control characters (IllegalCharacterError): the report is written, with the
    character in the XLSX format's own escape, which Excel shows as the character."""
    import zipfile

    from sqlalchemy import create_engine, text

    from records_req.store.db import normalize_url

    engine = create_engine(normalize_url(hostile.url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE agencies SET name = :name WHERE id = 1"), {"name": "Bad\x01Name"})
    engine.dispose()
    data = hostile.report("xlsx", "--as-of", TODAY.isoformat()).read_bytes()
    _assert_no_formula_cells(_xlsx(data))
    assert "Bad_x0001_Name" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "Bad\x01Name" in {
        r["agency"] for r in _csv_rows(hostile.report("csv", "--as-of", TODAY.isoformat()).read_bytes())
    }


def test_the_json_and_html_reports_keep_the_text_as_it_was(hostile: Tracker) -> None:
    """Only the spreadsheet formats neutralise: JSON holds the values unchanged, HTML escapes them."""
    data = json.loads(hostile.report("json", "--as-of", TODAY.isoformat()).read_text(encoding="utf-8"))
    assert {r["agency"] for r in data["requests"]} == set(HOSTILE)
    html = hostile.report("html", "--as-of", TODAY.isoformat()).read_text(encoding="utf-8")
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in html or '=HYPERLINK("http://x","y")' in html
    assert "'=HYPERLINK" not in html


SHEET = (
    "STATE,LAW ENFORCEMENT AGENCY,TYPE,COUNTY,SUPPORT TYPE,SIGNED,MOA,ADDENDUM\n"
    'TEXAS,"=HYPERLINK(""http://x"",""y"")",County,Harris County,Warrant Service Officer,06/18/2025,,\n'
    "TEXAS,@SUM(A1),Municipality,Harris,Warrant Service Officer,02/10/2026,,\n"
)


def test_an_agency_name_from_ices_sheet_stays_text(db_url: str, tmp_path: Path) -> None:
    rr = Tracker(db_url, tmp_path)
    sheet = tmp_path / "participatingAgencies11302026am.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    rr("agencies", "import", str(sheet), "--downloaded", "2026-11-30")
    rr(
        "campaign",
        "--state",
        "TX",
        "--topic",
        "wso",
        "--tag",
        "-TX WSO",
        "--requester-name",
        "Ana Núñez",
        "--requester-email",
        "ana@example.org",
        "--requester-state",
        "TX",
        "--out",
        str(tmp_path / "out"),
        today="2026-12-01",
    )
    rows = _csv_rows(rr.report("csv", "--as-of", "2026-12-01").read_bytes())
    _assert_no_csv_cell_starts_a_formula(rows)
    assert sorted(r["agency"] for r in rows) == ['\'=HYPERLINK("http://x","y")', "'@SUM(A1)"]
    assert {r["tags"] for r in rows} == {"'-TX WSO"}
    book = _xlsx(rr.report("xlsx", "--as-of", "2026-12-01").read_bytes())
    _assert_no_formula_cells(book)
    agencies = sorted(row[2] for row in book["requests"].iter_rows(min_row=2, values_only=True))
    assert agencies == ['=HYPERLINK("http://x","y")', "@SUM(A1)"]


# --- the one place every spreadsheet is written -------------------------------------------------


def test_the_writers_keep_numbers_typed_and_neutralise_only_text() -> None:
    from records_req.reports.tabular import Cell, csv_bytes, xlsx_bytes

    header = ["number", "text", "date", "empty", "flag"]
    row: list[Cell] = [-2, "-2", dt.date(2026, 11, 2), None, True]
    assert list(csv.reader(io.StringIO(csv_bytes(header, [row]).decode(), newline=""))) == [
        header,
        ["-2", "'-2", "2026-11-02", "", "true"],
    ]
    book = _xlsx(xlsx_bytes([("sheet", header, [row])]))
    _assert_no_formula_cells(book)
    cells = next(book["sheet"].iter_rows(min_row=2))
    assert (cells[0].value, cells[0].data_type) == (-2, "n")  # a legitimate negative number
    assert (cells[1].value, cells[1].data_type) == ("-2", "s")  # text that looks like one
    assert cells[2].value == dt.datetime(2026, 11, 2) and cells[2].is_date
    assert cells[3].value is None


def test_text_a_worksheet_cannot_hold_is_escaped_not_a_traceback() -> None:
    """A control character (from an old database or a shared export) cannot be stored in an XLSX
    as it is: it is written in the format's own escape (_x0001_), which Excel reads back as the
    character, instead of openpyxl's IllegalCharacterError."""
    import zipfile

    from records_req.reports.tabular import xlsx_bytes

    data = xlsx_bytes([("sheet", ["text"], [["a\x01b"], ["_x0041_"]])])
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "a_x0001_b" in xml
    assert "_x005F_x0041_" in xml  # a literal '_x0041_' stays literal in Excel


def test_every_csv_and_xlsx_the_project_writes_goes_through_the_one_writer() -> None:
    """A new writer elsewhere would bypass the neutralisation: there must be none."""
    src = Path(__file__).resolve().parent.parent / "src" / "records_req"
    writers = re.compile(r"csv\.(writer|DictWriter)\(|\bWorkbook\(|\.to_csv\(|\.to_excel\(")
    found = [
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if writers.search(path.read_text(encoding="utf-8")) and path.name != "tabular.py"
    ]
    assert found == []

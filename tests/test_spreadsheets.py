"""Spreadsheets as Excel and Sheets users expect them: date cells, TRUE/FALSE, filter buttons,
column widths, a frozen header; a CSV with a byte-order mark for Excel on Windows; and reports on
standard output. (That no cell is ever a formula: tests/test_formula_injection.py.)"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from .cli_helpers import Tracker


def _seeded(db_url: str, tmp_path: Path) -> Tracker:
    d = Tracker(db_url, tmp_path)
    d("profile", "set", "--name", "Ana Núñez", "--email", "ana@example.org", "--state", "GA")
    number = d.new("GA", "Peña County Sheriff’s Office")
    d("sent", str(number), "--on", "2026-11-27")
    return d


def test_xlsx_has_typed_cells_filters_widths_and_a_frozen_header(db_url: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from records_req.reports.tabular import COLUMNS

    d = _seeded(db_url, tmp_path)
    book = load_workbook(d.report("xlsx"))
    sheet = book["requests"]
    names = [name for name, _, _ in COLUMNS]
    row = dict(zip(names, next(sheet.iter_rows(min_row=2)), strict=True))
    assert row["sent"].is_date and row["sent"].value == dt.datetime(2026, 11, 27)
    assert row["overdue"].data_type == "b" and row["overdue"].value is False  # Excel's FALSE, not text
    assert row["statutory"].data_type == "b"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(names)).column_letter}2"
    widths = {name: sheet.column_dimensions[row[name].column_letter].width for name in names}
    assert widths["agency"] >= len("Peña County Sheriff’s Office") and widths["id"] < widths["agency"]
    assert max(widths.values()) <= 60
    assert book["summary"].auto_filter.ref == "A1:C2"  # status, its label, the count


def test_csv_with_a_byte_order_mark_for_excel_on_windows(db_url: str, tmp_path: Path) -> None:
    d = _seeded(db_url, tmp_path)
    plain = d.report("csv").read_bytes()
    marked = d.report("csv", "--bom", name="excel.csv").read_bytes()
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert marked == b"\xef\xbb\xbf" + plain
    assert "Peña County Sheriff’s Office" in marked.decode("utf-8-sig")


def test_reports_go_to_standard_output_with_dash_or_without_o(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv

    d = _seeded(db_url, tmp_path)
    monkeypatch.chdir(tmp_path)
    for args in (["-o", "-"], []):
        out = d("report", "--format", "csv", *args)
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [r["agency"] for r in rows] == ["Peña County Sheriff’s Office"]
        assert "1 requests" in d.stderr and "1 requests" not in out
    assert not (tmp_path / "-").exists()


def test_the_dashboard_calendar_links_to_each_request(db_url: str, tmp_path: Path) -> None:
    from icalendar import Calendar

    from records_req.web import Settings, create_app

    from .test_web import HOST

    d = _seeded(db_url, tmp_path)
    settings = Settings(db_url=d.url, out_dir=tmp_path / "out", today=dt.date(2026, 11, 28), secret_key=b"k" * 32)
    got = create_app(settings).test_client().get("/reports/report.ics", headers=HOST)
    (event,) = Calendar.from_ical(got.data).walk("VEVENT")
    assert str(event["URL"]) == "http://127.0.0.1:8765/requests/1"

"""Reports: every format read back by a real parser, and its numbers match the database."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from .cli_helpers import Tracker
from .conftest import isolated_home_for

# One worker runs the module: its seeded database (four requests, per backend) is made once, not by each worker.
pytestmark = pytest.mark.xdist_group("reports")

AS_OF = "2026-11-27"


@pytest.fixture(scope="module")
def seeded(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Four requests: two overdue in VA (one tagged), one due soon in GA, one completed in TX.
    Seeded once per module and backend (one worker runs the module): the tests below only read it."""
    tmp = tmp_path_factory.mktemp("reports")
    with isolated_home_for(tmp / "home"):
        d = Tracker(module_db_url, tmp)
        d("profile", "set", "--name", "Ana Núñez", "--email", "ana@example.org", "--phone", "555-0100", "--state", "VA")
        d("agencies", "set", "--state", "VA", "--name", "Fairfax County Sheriff", "--models", "WSO; Task Force")
        for state, agency, tag in (
            ("VA", "Fairfax County Sheriff", "VA 2026"),
            ("VA", "Henrico County Sheriff", "VA 2026"),
            ("GA", "Cobb County Sheriff", ""),
            ("TX", "Harris County Sheriff", ""),
        ):
            args = [
                "new",
                "--state",
                state,
                "--agency",
                agency,
                "--topic",
                "wso",
                "--out",
                str(tmp / "out"),
                "--format",
                "pdf",
                "--date",
                "2026-11-01",
            ]
            if tag:
                args += ["--tag", tag]
            d(*args)
        d("sent", "1", "--on", "2026-11-02")  # VA: due 2026-11-10 -> 17 days late
        d("sent", "2", "--on", "2026-11-16")  # VA: due 2026-11-23 -> 4 days late
        d("log", "2", "acknowledged", "--on", "2026-11-18", "--tracking-number", "R-2")
        d("sent", "3", "--on", "2026-11-25")  # GA: 3 business days -> due 2026-12-02
        d("sent", "4", "--on", "2026-11-02")
        d("log", "4", "released", "--on", "2026-11-12")
    return module_db_url


@pytest.fixture
def db(seeded: str, tmp_path: Path) -> Tracker:
    """The seeded database; each test writes its reports in its own directory."""
    return Tracker(seeded, tmp_path)


def test_csv_rows_match_the_database(db: Tracker) -> None:
    rows = list(csv.DictReader(io.StringIO(db.report("csv").read_text(encoding="utf-8"))))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    by_id = {r["id"]: r for r in rows}
    assert (by_id["1"]["overdue"], by_id["1"]["days_late"], by_id["1"]["due"]) == ("true", "17", "2026-11-10")
    assert (by_id["2"]["days_late"], by_id["2"]["tracking_numbers"]) == ("4", "R-2")
    assert by_id["2"]["days_to_first_response"] == "2"
    assert (by_id["3"]["overdue"], by_id["3"]["due"]) == ("false", "2026-12-02")
    assert (by_id["4"]["status"], by_id["4"]["completed"], by_id["4"]["days_to_completion"]) == (
        "completed",
        "2026-11-12",
        "10",
    )
    from records_req.reports.tabular import COLUMNS

    assert list(rows[0]) == [name for name, _, _ in COLUMNS]


def test_xlsx_matches_csv(db: Tracker) -> None:
    from openpyxl import load_workbook

    book = load_workbook(db.report("xlsx"))
    sheet = book["requests"]
    # the same values; in the XLSX, numbers are numbers and dates are dates (shown yyyy-mm-dd)
    values = [
        [
            (
                ""
                if c is None
                else c.date().isoformat()
                if isinstance(c, dt.datetime)
                else str(c).lower()
                if isinstance(c, bool)
                else str(c)
            )
            for c in row
        ]
        for row in sheet.iter_rows(values_only=True)
    ]
    rows = list(csv.reader(io.StringIO(db.report("csv").read_text(encoding="utf-8"))))
    assert values == rows
    assert isinstance(sheet["J2"].value, int) and sheet["K2"].is_date and sheet["K2"].number_format == "yyyy-mm-dd"
    assert {r[0]: r[2] for r in book["summary"].iter_rows(min_row=2, values_only=True)} == {
        "awaiting-ack": 2,
        "awaiting-response": 1,
        "completed": 1,
    }


def test_json_validates_against_its_schema_and_counts_match(db: Tracker) -> None:
    import jsonschema

    from records_req.reports.json_report import schema

    data = json.loads(db.report("json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema())
    summary = data["summary"]
    assert summary["requests"] == 4
    # 1 and 3 were never answered (awaiting acknowledgement), 2 was acknowledged
    assert summary["by_status"] == {"awaiting-ack": 2, "awaiting-response": 1, "completed": 1}
    assert summary["by_state"]["VA"] == {"awaiting-ack": 1, "awaiting-response": 1}
    assert summary["overdue"] == [{"id": 1, "days_late": 17}, {"id": 2, "days_late": 4}]
    assert summary["due_next_14_days"] == [{"id": 3, "due": "2026-12-02"}]
    assert summary["median_days"]["TX"] == {"first_response": 10, "completion": 10}
    assert summary["by_model"] == {"Task Force": 1, "WSO": 1, "unknown": 3}
    assert data["requests"][0]["requester"]["email"] == "ana@example.org"
    assert data["requests"][0]["explanation"], "open requests carry their deadline explanation"


def test_redact_leaves_out_contact_details(db: Tracker) -> None:
    for fmt in ("json", "html", "pdf"):
        path = db.report(fmt, "--redact", name=f"redacted.{fmt}")
        text = path.read_text(encoding="utf-8") if fmt != "pdf" else _pdf_text(path)
        assert "ana@example.org" not in text and "555-0100" not in text
    data = json.loads((db.tmp / "redacted.json").read_text(encoding="utf-8"))
    assert all(r["requester"] is None for r in data["requests"]) and data["filters"]["redact"] is True


def test_filters_and_coverage_grid(db: Tracker) -> None:
    data = json.loads(db.report("json", "--tag", "VA 2026").read_text(encoding="utf-8"))
    assert [r["id"] for r in data["requests"]] == [1, 2]
    # Virginia's 2026 law on 287(g) agreements (S.B. 783) adds the state-law topic to each request
    assert data["summary"]["coverage"] == {
        "topics": ["state-law", "wso"],
        "rows": {
            "Fairfax County Sheriff (VA)": {"state-law": "awaiting-ack", "wso": "awaiting-ack"},
            "Henrico County Sheriff (VA)": {"state-law": "awaiting-response", "wso": "awaiting-response"},
        },
    }
    assert [r["id"] for r in json.loads(db.report("json", "--state", "tx").read_text())["requests"]] == [4]
    assert json.loads(db.report("json", "--since", "2026-11-02").read_text())["requests"] == []


def test_ics_parses_with_stable_uids(db: Tracker) -> None:
    from icalendar import Calendar

    first = Calendar.from_ical(db.report("ics").read_bytes())
    events = {str(e["UID"]): e for e in first.walk("VEVENT")}
    # request, clock, then the database's own id (tests/test_ics.py holds it unique)
    assert sorted(uid.split("-", 3)[:3] for uid in events) == [["request", str(n), "response"] for n in (1, 2, 3)]
    uid3 = next(uid for uid in events if uid.startswith("request-3-response-"))
    assert events[uid3].decoded("DTSTART").isoformat() == "2026-12-02"
    assert "Cobb County Sheriff" in str(events[uid3]["SUMMARY"])
    assert "O.C.G.A." in str(events[uid3]["DESCRIPTION"])
    # The agency extends: same UID, new date, so calendars replace the event.
    db("log", "3", "extended", "--until", "2026-12-10")
    second = {
        str(e["UID"]): e for e in Calendar.from_ical(db.report("ics", name="again.ics").read_bytes()).walk("VEVENT")
    }
    assert set(second) == set(events)
    assert second[uid3].decoded("DTSTART").isoformat() == "2026-12-10"


def test_same_database_and_options_give_byte_identical_files(db: Tracker) -> None:
    for fmt in ("csv", "json", "ics"):
        one = db.report(fmt, name=f"one.{fmt}").read_bytes()
        two = db.report(fmt, name=f"two.{fmt}").read_bytes()
        assert one == two, fmt


def test_as_of_decides_what_is_overdue(db: Tracker) -> None:
    early = json.loads(
        db("report", "--format", "json", "-o", str(db.tmp / "early.json"), today="2026-11-05")
        and (db.tmp / "early.json").read_text()
    )
    assert early["summary"]["overdue"] == []
    assert early["as_of"] == "2026-11-05"


def _pdf_text(path: Path) -> str:
    import pypdf

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def test_pdf_has_title_page_summary_numbers_and_details(db: Tracker) -> None:
    text = _pdf_text(db.report("pdf", "--tag", "VA 2026"))
    assert "Public records requests: status report" in text
    assert "tags: VA 2026" in text
    assert "Page 1 of" in text
    assert "Fairfax County Sheriff" in text and "17" in text  # overdue with days late
    assert "How the deadline was computed" in text
    assert "Coverage" in text


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.ids: set[str] = set()
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        for key in ("src", "href"):
            if values.get(key):
                self.external.append(str(values[key]))
        if tag == "script":
            self.external.append("<script>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_and_says_what_the_database_says(db: Tracker) -> None:
    parser = _Text()
    parser.feed(db.report("html").read_text(encoding="utf-8"))
    text = " ".join(" ".join(parser.text).split())
    assert parser.external == [], "no scripts, links or remote resources"
    assert {"summary", "overdue", "due-soon", "by-state", "details", "r1"} <= parser.ids
    assert "Fairfax County Sheriff" in text and "R-2" in text
    assert "<svg" in (db.tmp / "report.html").read_text()


def test_spanish_summaries(db: Tracker) -> None:
    html = db.report("html", "--lang", "es", name="es.html").read_text(encoding="utf-8")
    assert 'lang="es"' in html and "Overdue / Vencidas" in html
    pdf = " ".join(_pdf_text(db.report("pdf", "--lang", "es", name="es.pdf")).split())
    assert "Days late / Días de retraso" in pdf


def test_an_existing_report_is_not_overwritten_without_force(db: Tracker) -> None:
    out = db.tmp / "keep.csv"
    out.write_text("mine")
    db("report", "--format", "csv", "-o", str(out), code=1)
    assert out.read_text() == "mine"


def test_catalogs_are_compiled_from_their_sources() -> None:
    import importlib.util

    from records_req.reports.i18n import LOCALE_DIR

    spec = importlib.util.spec_from_file_location(
        "compile_catalogs", Path(__file__).resolve().parent.parent / "scripts" / "compile_catalogs.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for po in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        expected = module.mo_bytes(module.parse_po(po.read_text(encoding="utf-8")))
        assert po.with_suffix(".mo").read_bytes() == expected, "run python scripts/compile_catalogs.py"


def test_html_in_a_real_browser_at_a_phones_width_and_a_desktops(db: Tracker, chromium: Any) -> None:
    """The HTML report in Debian's Chromium, driven by Playwright as tests/test_web_browser.py does:
    one page, read at a phone's width and then resized to a desktop's (the report has no script
    and the context emulates no phone, so a resize lays it out as a new page of that size would)."""
    page_file = db.report("html")
    context = chromium.new_context(viewport={"width": 375, "height": 812})
    try:
        page = context.new_page()
        page.goto(page_file.as_uri())
        for width, height in ((375, 812), (1280, 900)):
            page.set_viewport_size({"width": width, "height": height})
            summary = page.locator("#summary")
            overdue = page.locator("#overdue")
            assert summary.is_visible() and overdue.is_visible()
            assert page.locator("#overdue-count").inner_text() == "2"
            first_cells = overdue.locator("tbody tr td:first-child").all_inner_texts()
            assert first_cells == ["1", "2"]
            viewport: Any = page.evaluate("window.innerWidth")
            assert viewport == width
            page_width: Any = page.evaluate("document.documentElement.scrollWidth")
            assert page_width <= viewport, f"no sideways scrolling of the page itself at {width} px"
            box: Any = page.evaluate(
                "(() => { const r = document.getElementById('summary').getBoundingClientRect(); "
                "return [r.left, r.right]; })()"
            )
            assert box[0] >= 0 and box[1] <= viewport, f"the summary fits at {width} px"
    finally:
        context.close()


def _visible(html: str) -> str:
    """The page's text as a person reads it (its style sheet left out)."""
    parser = _Text()
    parser.feed(html.split("</style>", 1)[-1])
    return " ".join(" ".join(parser.text).split())


def _tokens(text: str) -> list[str]:
    """The status and event tokens ("awaiting-response", "fee-estimate", "draft") found as words."""
    import re

    from records_req import labels

    found = [token for token in (*labels.STATUSES, *labels.EVENTS) if "-" in token or token == "draft"]
    return [token for token in found if re.search(rf"(?<![\w-]){re.escape(token)}(?![\w-])", text)]


@pytest.mark.parametrize(
    ("lang", "status", "date", "event", "legend"),
    [
        ("en", "Awaiting response", "November 10, 2026", "The agency acknowledged the request", "Overdue"),
        ("es", "Esperando respuesta", "10 de noviembre de 2026", "La agencia acusó recibo", "Vencidas"),
    ],
)
def test_html_and_pdf_reports_speak_in_words_in_their_language(
    db: Tracker, lang: str, status: str, date: str, event: str, legend: str
) -> None:
    """Statuses and events by their labels, dates written out, the next step in sentences, the
    chart's legend in the report's language; no machine token in what a person reads."""
    html = db.report("html", "--lang", lang, name=f"words-{lang}.html").read_text(encoding="utf-8")
    text = _visible(html)
    assert status in text and date in text and event in text
    assert f">{legend}</text>" in html  # the status-by-state chart's legend
    assert _tokens(text) == []
    pdf = " ".join(_pdf_text(db.report("pdf", "--lang", lang, name=f"words-{lang}.pdf")).split())
    assert status in pdf and date in pdf and event in pdf and legend in pdf
    assert _tokens(pdf) == []


@pytest.mark.parametrize(("lang", "label"), [("en", "Completed"), ("es", "Completada")])
def test_csv_and_xlsx_keep_the_token_and_add_the_label(db: Tracker, lang: str, label: str) -> None:
    from openpyxl import load_workbook

    path = db.report("csv", "--lang", lang, name=f"labels-{lang}.csv")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))}
    assert (rows["4"]["status"], rows["4"]["status_label"]) == ("completed", label)
    book = load_workbook(db.report("xlsx", "--lang", lang, name=f"labels-{lang}.xlsx"))
    summary = list(book["summary"].iter_rows(values_only=True))
    assert summary[0] == ("status", "status_label", "requests")
    assert ("completed", label, 1) in summary

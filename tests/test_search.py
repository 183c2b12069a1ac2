"""Search what was released (issue 20, section 4): words across the received files' pages (a reply's
attachments, files attached by hand) and the replies' bodies, with the request, the file, the page
and a snippet; filters; phrases, prefixes and exclusions; bad queries in one line; the terminal's
marks and the dashboard's <mark> (escaped text). On SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

import io
import json
import re
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from records_req.cli import cli

from .cli_helpers import Tracker
from .conftest import isolated_home_for
from .test_inbox import MESSAGE_ID, sent_by_email

# One worker runs the module: its shared records (per backend) are seeded once, not by each worker.
pytestmark = pytest.mark.xdist_group("search")

TODAY = "2027-01-25"


def pdf(*pages: str) -> bytes:
    """A real PDF (reportlab), one string per page, each line of it a line of text."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out, pagesize=letter)
    for page in pages:
        y = 720
        for line in page.splitlines():
            canvas.drawString(72, y, line)
            y -= 16
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def release(
    body: str, files: dict[str, bytes], *, day: str = "2027-01-14", reply_to: str = MESSAGE_ID, n: int = 1
) -> bytes:
    """A release as an agency sends it: a reply to our letter with its records attached."""
    import datetime as dt

    message = EmailMessage()
    message["From"] = "Open Records <records@hcso.example>"
    message["To"] = "Ana Nunez <ana@example.org>"
    message["Subject"] = "RE: Public Information Request"
    message["Date"] = format_datetime(dt.datetime.fromisoformat(f"{day}T14:02:00-06:00"))
    message["Message-ID"] = f"<release-{n}.{day}@hcso.example>"
    message["In-Reply-To"] = reply_to
    message.set_content(body)
    for name, data in files.items():
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return message.as_bytes()


def take(t: Tracker, tmp_path: Path, raw: bytes, name: str) -> dict[str, Any]:
    path = tmp_path / f"{name}.eml"
    path.write_bytes(raw)
    [got] = json.loads(t("inbox", "import", str(path), "--json", today=TODAY))
    return dict(got)


def find(t: Tracker, *args: str) -> dict[str, Any]:
    return dict(t.json("search", *args, today=TODAY))


def where(found: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted((h["request"], h["kind"], h["file"] or h["subject"], h["page"]) for h in found["hits"])


def seed(t: Tracker, db_url: str, folder: Path) -> tuple[Tracker, int, int]:
    """Two requests: Harris County (TX), whose release came by email (a 3-page PDF and a reply's
    body), and Miami-Dade (FL, tagged), with a PDF the user attached by hand."""
    tx, _token = sent_by_email(t, db_url)
    fl = t.new("FL", "Miami-Dade Sheriff's Office", "--tag", "FL WSO 2026")
    t("sent", str(fl), "--on", "2026-11-27", "--via", "mail")
    records_pdf = pdf(
        "Intergovernmental service agreement\nBed space for detainees: 120 beds\nPer diem rate $88",
        "Monthly report, October 2026\nThe county met its booking quota for the month.",
        "Encounters by month\nDetainer requests honored: 41",
    )
    got = take(
        t, folder, release("Please find attached the records. Detainers are listed by month.",
                           {"HCSO-287g-records.pdf": records_pdf}), "release"
    )  # fmt: skip
    assert got["request_id"] == tx and got["attachments"][0]["pages"] == 3
    attached = folder / "mdso-letter.pdf"
    attached.write_bytes(pdf("Miami-Dade Sheriff's Office\nNo quotas are set for arrests under the agreement."))
    t("attach", str(fl), str(attached), "--event", "partial-release", "--on", "2027-01-20", today=TODAY)
    return t, tx, fl


@pytest.fixture
def records(db_url: str, tmp_path: Path) -> tuple[Tracker, int, int]:
    """The two requests of :func:`seed`, in a database of this test's own (for a test that adds to it)."""
    return seed(Tracker(db_url, tmp_path), db_url, tmp_path)


@pytest.fixture(scope="module")
def shared_records(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Tracker, int, int]:
    """The two requests of :func:`seed`, seeded once per module and backend: the tests given it
    only search (the search itself, on SQLite's FTS5 and PostgreSQL's tsvector, is their subject)."""
    folder = tmp_path_factory.mktemp("search")
    with isolated_home_for(folder / "home"):
        return seed(Tracker(module_db_url, folder), module_db_url, folder)


def test_search_finds_each_word_on_its_page_with_the_request_the_file_and_a_marked_snippet(
    shared_records: tuple[Tracker, int, int],
) -> None:
    t, tx, fl = shared_records
    found = find(t, "quota")
    assert where(found) == [(tx, "file", "HCSO-287g-records.pdf", 2), (fl, "file", "mdso-letter.pdf", 1)]
    by_request = {h["request"]: h for h in found["hits"]}
    hit = by_request[tx]
    assert hit["agency"] == "Harris County Sheriff's Office" and hit["state"] == "TX"
    assert hit["received"] == "2027-01-14" and hit["message"] is not None
    assert "The county met its booking quota for the month" in hit["snippet"]
    assert [hit["snippet"][a:b] for a, b in hit["marks"]] == ["quota"]
    # English endings: "quota" finds "quotas"; a file attached by hand is searched too
    fl_hit = by_request[fl]
    assert [fl_hit["snippet"][a:b] for a, b in fl_hit["marks"]] == ["quotas"]
    assert fl_hit["received"] == "2027-01-20" and fl_hit["document"] is not None
    # the reply's own words, and nothing from page 1 or 3 for a word on page 2 only
    assert where(find(t, "detainers")) == [
        (tx, "file", "HCSO-287g-records.pdf", 3), (tx, "message", "RE: Public Information Request", None)
    ]  # fmt: skip
    assert find(t, "nonexistentword")["hits"] == []


def test_filters_by_state_agency_tag_and_the_day_received(shared_records: tuple[Tracker, int, int]) -> None:
    t, tx, fl = shared_records
    assert {h["request"] for h in find(t, "quota", "--state", "fl")["hits"]} == {fl}
    assert {h["request"] for h in find(t, "quota", "--agency", "harris")["hits"]} == {tx}
    assert {h["request"] for h in find(t, "quota", "--tag", "FL WSO 2026")["hits"]} == {fl}
    assert find(t, "quota", "--tag", "FL WSO 2026", "--tag", "other")["hits"] == []
    assert {h["request"] for h in find(t, "quota", "--since", "2027-01-15")["hits"]} == {fl}
    assert {h["request"] for h in find(t, "quota", "--until", "2027-01-14")["hits"]} == {tx}
    assert find(t, "quota", "--since", "2027-01-21")["hits"] == []
    t("search", "quota", "--state", "ZZ", today=TODAY, code=2)
    assert "Traceback" not in t.stderr


def test_phrases_prefixes_exclusions_and_either(shared_records: tuple[Tracker, int, int]) -> None:
    t, tx, fl = shared_records
    page1 = [(tx, "file", "HCSO-287g-records.pdf", 1)]
    assert where(find(t, '"bed space"')) == page1
    assert find(t, '"space bed"')["hits"] == []  # a phrase keeps its order
    assert where(find(t, "interg*")) == page1  # a prefix
    assert where(find(t, "quota -booking")) == [(fl, "file", "mdso-letter.pdf", 1)]
    assert where(find(t, "quota", "--limit", "1"))[0][0] in (tx, fl)
    either = where(find(t, "diem OR arrests"))
    assert either == [(tx, "file", "HCSO-287g-records.pdf", 1), (fl, "file", "mdso-letter.pdf", 1)]
    assert where(find(t, "bed space")) == page1  # words anywhere on the page


@pytest.mark.parametrize("query", ['"', 'quota"', '"bed space', "NEAR(quota", "quota AND", "quota)) OR", "'quota'"])
def test_punctuation_in_a_query_is_never_an_error(shared_records: tuple[Tracker, int, int], query: str) -> None:
    t, _tx, _fl = shared_records
    out = t("search", query, "--json", today=TODAY, code=0 if re.search(r"\w", query) else 2)
    if re.search(r"\w", query):
        assert json.loads(out)["query"] == query
    else:
        assert "Nothing to look for" in t.stderr and t.stderr.count("\n") <= 4 and "Traceback" not in t.stderr


def test_a_query_with_nothing_to_find_is_one_line(shared_records: tuple[Tracker, int, int]) -> None:
    t, _tx, _fl = shared_records
    for query in ("-quota", "***", ""):
        t("search", "--", query, today=TODAY, code=2)
        assert "Nothing to look for" in t.stderr and "Traceback" not in t.stderr


def test_the_terminal_marks_the_words_and_never_passes_a_documents_control_codes(
    records: tuple[Tracker, int, int], tmp_path: Path
) -> None:
    t, tx, _fl = records
    hostile = "Attn: \x1b]0;owned\x07 please \x1b[2J review, \x1b[31m red \x1b[0m text"
    take(t, tmp_path, release(hostile, {}, day="2027-01-16", n=2), "hostile")
    result = CliRunner().invoke(cli, ["--db", t.url, "--as-of", TODAY, "search", "review"], color=True)
    assert result.exit_code == 0, result.output
    assert "\x1b[1m\x1b[4mreview\x1b[0m" in result.stdout  # bold and underlined
    assert "\x1b]" not in result.stdout and "\x1b[2J" not in result.stdout and "\x1b[31m" not in result.stdout
    assert f"#{tx} Harris County Sheriff's Office (TX): reply" in result.stdout
    plain = t("search", "review", today=TODAY)  # piped: no marks at all
    assert "\x1b" not in plain and "review" in plain
    assert "1 hit." in t.stderr


def test_the_dashboard_search_marks_words_and_escapes_what_the_agency_sent(
    records: tuple[Tracker, int, int], tmp_path: Path
) -> None:
    from records_req.web import Settings, create_app

    t, tx, _fl = records
    take(t, tmp_path, release("<script>alert(1)</script> quota <b>bold</b>", {}, day="2027-01-16", n=3), "html")
    app = create_app(Settings(db_url=t.url, today=__import__("datetime").date(2027, 1, 25), secret_key=b"k" * 32))
    client = app.test_client()
    page = client.get("/search?q=quota&state=TX")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<mark>quota</mark>" in html
    assert "<script>" not in html  # SQLite's snippet shows the text escaped; PostgreSQL's leaves tags out
    quoted = re.findall("<blockquote>(.*?)</blockquote>", html)
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in q or q == "<mark>quota</mark> bold" for q in quoted), quoted
    assert "<b>bold</b>" not in html
    assert f'href="/requests/{tx}"' in html and "HCSO-287g-records.pdf" in html and "Miami-Dade" not in html
    empty = client.get("/search?q=%22")
    assert empty.status_code == 400 and "Nothing to look for" in empty.get_data(as_text=True)
    assert client.get("/search").status_code == 200  # the box alone
    home = client.get("/").get_data(as_text=True)
    assert 'action="/search"' in home  # the search box on every page

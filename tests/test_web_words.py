"""The dashboard in people's words (issue 19): statuses and events as MuckRock's users know them,
in English and Spanish; no command-line words on any page; the request page as a thread; the
dashboard's summary counts and chart; the agencies page in pages; Spanish chosen from the
browser's language, with dates written the Spanish way."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import pytest

from records_req import labels
from records_req.lifecycle import EVENTS, STATUSES, USER_EVENTS

from .cli_helpers import Tracker
from .conftest import isolated_home_for
from .seeded_copies import Seeds
from .test_web import ANA, HOST, Browser, browser

# One worker runs the module: its seeded dashboard (per backend) is made once, not by each worker
# (test_spanish.py's crawl of the same dashboard is in the group too).
pytestmark = pytest.mark.xdist_group("seeded-dashboard")

# --- the words ----------------------------------------------------------------------------------


def test_every_status_and_event_has_its_words_in_both_languages() -> None:
    assert set(labels.STATUSES) == set(STATUSES)
    assert set(USER_EVENTS) | {"followed-up", "edit", "undo", "reminder"} <= set(labels.EVENTS)
    assert set(EVENTS) <= set(labels.EVENTS)
    for table in (labels.STATUSES, labels.EVENTS):
        english = [label.en for label in table.values()]
        spanish = [label.es for label in table.values()]
        assert len(set(english)) == len(english) and len(set(spanish)) == len(spanish)
        assert all(label.en != label.es for label in table.values())
    assert labels.status_label("fix-required") == "Fix required"
    assert labels.status_label("payment-required", "es") == "Requiere pago"
    assert labels.status_label("no-records") == "No responsive documents"
    assert labels.status_label("denied") == "Rejected"
    assert labels.status_label("some-new-status") == "some new status"  # a newer database's: words still


def test_dates_sizes_and_amounts_as_people_write_them() -> None:
    assert labels.long_date(dt.date(2026, 12, 6), "es") == "6 de diciembre de 2026"
    assert labels.long_date("2026-12-06") == "December 6, 2026"
    assert labels.size(42037) == "42 kB" and labels.size(2_400_000, "es") == "2,4 MB"
    assert labels.size(980) == "980 bytes"
    assert labels.fact_value("amount", 1200.5) == "$1,200.50"
    assert labels.fact_value("via", "portal", "es") == "por el portal de la agencia"
    assert labels.fact_value("exemptions", "law-enforcement,personnel") == "law-enforcement, personnel"


# --- a seeded dashboard, every page crawled -----------------------------------------------------

# (how a request was left, the events after 'sent' on 2026-11-02, as the CLI logs them)
HISTORIES: dict[str, list[tuple[str, ...]]] = {
    "awaiting-ack": [],  # seeded() logs an acknowledgment and undoes it: not answered yet
    "awaiting-response": [("acknowledged", "--on", "2026-11-03", "--tracking-number", "PRR-3001")],
    "fix-required": [("clarification-requested", "--on", "2026-11-04")],
    "payment-required": [("fee-estimate", "--amount", "120", "--on", "2026-11-04")],
    "partially-released": [
        ("acknowledged", "--on", "2026-11-03", "--tracking-number", "PRR-2211"),
        ("partial-release", "--on", "2026-11-10"),
    ],
    "completed": [("released", "--on", "2026-11-12")],
    "no-records": [("no-records", "--on", "2026-11-12")],
    "denied": [("denied", "--on", "2026-11-09", "--exemptions", "law-enforcement,personnel")],
    "appealed": [("denied", "--on", "2026-11-05"), ("appealed", "--on", "2026-11-10")],
    "in-litigation": [("denied", "--on", "2026-11-05"), ("sued", "--on", "2026-11-20", "--court", "Circuit Court")],
    "withdrawn": [("withdrawn", "--on", "2026-11-06")],
}
AGENCIES = ["Fairfax County Sheriff's Office", "Arlington County Police Department", "Henrico County Sheriff's Office",
            "Loudoun County Sheriff's Office", "Prince William County Police Department", "Chesterfield County Police",
            "Virginia Beach Sheriff's Office", "Norfolk Sheriff's Office", "Richmond City Sheriff's Office",
            "Alexandria Sheriff's Office", "Roanoke County Sheriff's Office",
            "Fauquier County Sheriff's Office"]  # fmt: skip


def seeded(rr: Tracker) -> dict[str, int]:
    """One request in every status (VA, sent 2026-11-02), a draft, an undone event, an edit, a
    follow-up letter, a file the agency sent; with the agency's contact in the directory."""
    made: dict[str, int] = {}
    rr("agencies", "set", "--state", "VA", "--name", AGENCIES[0], "--email", "foia@fairfax.example",
       "--portal", "https://fairfax.example/records", "--phone", "703-555-0100",
       "--address", "4110 Chain Bridge Rd\\nFairfax, VA 22030", "--officer", "Pat Records")  # fmt: skip
    for i, (status, events) in enumerate(HISTORIES.items()):
        rid = rr.new("VA", AGENCIES[i], *ANA)
        rr("sent", str(rid), "--on", "2026-11-02", today="2026-11-02")
        for kind, *options in events:
            rr("log", str(rid), kind, *options, today="2026-11-30")
        made[status] = rid
    made["draft"] = rr.new("VA", AGENCIES[len(HISTORIES)], *ANA)
    late = made["awaiting-ack"]
    rr("log", str(late), "acknowledged", "--on", "2026-11-03", today="2026-11-03")
    rr("undo", str(late), today="2026-11-04")
    rr("log", str(late), "note", "--on", "2026-11-05", "--note", "called the clerk", today="2026-11-05")
    rr("edit", str(late), "--on", "2026-11-06", today="2026-11-06")
    rr("followup", str(late), "--out", str(rr.tmp / "out"), today="2026-11-30")
    response = rr.tmp / "response.txt"
    response.write_text("The records you asked for. " * 2000, encoding="utf-8")
    rr("attach", str(made["partially-released"]), str(response), today="2026-11-30")
    return made


class Visible(HTMLParser):
    """The text a person sees (no script, style or head), each text node apart; and the links."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.links: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self.hidden += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden and data.strip():
            self.texts.append(data.strip())


CLI_WORDS = re.compile(r"--[a-z]|records-req |\btarget: |\b\d{4,} bytes\b")
KEBAB_STATUSES = re.compile(r"\b(" + "|".join(re.escape(s) for s in STATUSES if "-" in s) + r")\b")
NOT_PAGES = ("/documents/", "/reports/report.", "/calendar/", "bundle.zip", "/lang/", "/logout", ".json")


class Reading(Protocol):
    """An HTML parser that keeps a page's text nodes and its links."""

    texts: list[str]
    links: list[str]

    def feed(self, data: str) -> None: ...


def crawl(
    web: Browser,
    starts: Sequence[str] = ("/",),
    limit: int = 120,
    reading: Callable[[], Reading] = Visible,
    leaving_out: Sequence[str] = (),
    html: dict[str, str] | None = None,
) -> dict[str, list[str]]:
    """Every page of the dashboard reachable from ``starts`` by its links (downloads, and links
    containing any of ``leaving_out``, left out): path -> its text nodes, as ``reading`` reads them.
    ``html``, if given, gets each page's HTML by path, for checks of the same walk."""
    seen: dict[str, list[str]] = {}
    queue = list(starts)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        page = web.get(path)
        assert page.status_code == 200, path
        parser = reading()
        parser.feed(page.get_data(as_text=True))
        seen[path] = parser.texts
        if html is not None:
            html[path] = page.get_data(as_text=True)
        for href in parser.links:
            target = urlsplit(urljoin("http://127.0.0.1:8765" + path, href))
            if target.netloc != "127.0.0.1:8765" or any(part in target.path for part in NOT_PAGES):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if not any(part in link for part in leaving_out) and link not in seen and link not in queue:
                queue.append(link)
    return seen


def command_words(pages: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [
        (path, text)
        for path, texts in pages.items()
        for text in texts
        if CLI_WORDS.search(text) or KEBAB_STATUSES.search(text)
    ]


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    return Tracker(db_url, tmp_path)


@pytest.fixture(scope="module")
def seeded_rr(
    module_db_url: str, seeds: Seeds, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Tracker, dict[str, int]]:
    """One seeded dashboard per backend for the module's tests that only read it (they post
    nothing, and change only their own session's language); on SQLite, a copy of the worker's."""
    folder = tmp_path_factory.mktemp("seeded")
    with isolated_home_for(folder / "home"):
        return seeds.on(module_db_url, folder, seeded)


def one_in(rr: Tracker, status: str) -> int:
    """One request (VA, sent 2026-11-02) left in ``status`` by HISTORIES' events: for a test that
    changes it, cheaper than the whole seeded dashboard."""
    rid = rr.new("VA", AGENCIES[list(HISTORIES).index(status)], *ANA)
    rr("sent", str(rid), "--on", "2026-11-02", today="2026-11-02")
    for kind, *options in HISTORIES[status]:
        rr("log", str(rid), kind, *options, today="2026-11-30")
    assert rr.json("show", str(rid), today="2026-12-01")["status"] == status
    return rid


@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_page_of_a_seeded_dashboard_speaks_the_command_line_and_each_status_has_its_label(
    seeded_rr: tuple[Tracker, dict[str, int]], lang: str
) -> None:
    """One walk per language over every page: no command-line words anywhere, and each status
    shown by its label (a badge on its request's page, and in the requests list)."""
    rr, made = seeded_rr
    web = browser(rr)
    web.get(f"/lang/{lang}")
    html: dict[str, str] = {}
    pages = crawl(web, html=html)
    for rid in made.values():  # every request page was reached from the lists
        assert f"/requests/{rid}" in pages
    assert {"/", "/requests", "/new", "/agencies", "/campaign", "/reports"} <= set(pages)
    assert command_words(pages) == []
    for status, rid in made.items():
        label = labels.status_label(status, lang)
        assert f'<span class="badge status-{status}">{label}</span>' in html[f"/requests/{rid}"], (lang, status)
        assert f">{label}" in html["/requests"], (lang, status)


def test_the_crawl_finds_command_words_where_they_are() -> None:
    """The check itself: it sees a flag, a command, an edit's raw target, a size in bytes and a
    status token (each as the old pages showed it)."""
    old_pages = (
        "Use --again to make another one.",
        "records-req list shows them",
        "edit · target: 13",
        "response.txt (received, 42037 bytes)",
        "awaiting-response",
        "Status: partially-released",
    )
    for text in old_pages:
        assert command_words({"/": [text]}), text
    assert command_words({"/": ["Awaiting response", "follow-up letter", "41 kB", "records-req"]}) == []


def test_the_request_page_reads_as_a_thread(seeded_rr: tuple[Tracker, dict[str, int]]) -> None:
    rr, made = seeded_rr
    web = browser(rr)
    rid = made["awaiting-ack"]
    page = web.get(f"/requests/{rid}").get_data(as_text=True)
    thread = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    items = thread.split("<li ")[1:]
    # the letter that went out is shown inline, with its files, at 'sent'
    sent = items[0]
    assert "Request sent" in sent and "November 2, 2026" in sent and "by email" in sent
    assert (
        '<div class="letter">' in sent
        and "Fairfax County Sheriff" in sent
        and "Virginia Freedom of Information Act" in sent
    )
    for ext in ("PDF", "DOCX"):
        assert f"Download {ext}" in sent
    assert re.search(r"\(\d+ kB\)", sent)
    # the undone acknowledgment struck through, the edit in words, the follow-up with its letter
    undone = next(item for item in items if "acknowledged" in item)
    assert 'class="undone"' in undone and "<del>" in undone and "undone on November 4, 2026" in undone
    edit = next(item for item in items if "Changed" in item)
    assert "Date: November 5, 2026 → November 6, 2026" in edit and "target" not in edit
    followed = next(item for item in items if "Follow-up letter sent" in item)
    assert '<div class="letter">' in followed
    # the agency's contact from the directory, the running clock, the one next action as a button
    contact = page.split('id="contact"', 1)[1].split("</section>", 1)[0]
    assert 'href="mailto:foia@fairfax.example"' in contact and 'href="https://fairfax.example/records"' in contact
    assert "703-555-0100" in contact and "Pat Records" in contact and "Fairfax, VA 22030" in contact
    overdue = web.get(f"/requests/{made['partially-released']}").get_data(as_text=True)
    shown = rr.json("show", str(made["partially-released"]), today="2026-12-01")
    clock = overdue.split('id="deadline"', 1)[1].split("</section>", 1)[0]
    assert shown["overdue"] and f"<strong>{labels.long_date(shown['due'])}</strong>" in clock
    days = (dt.date(2026, 12, 1) - dt.date.fromisoformat(shown["due"])).days
    assert f"<strong>{days} days late</strong>" in clock
    pay = web.get(f"/requests/{made['payment-required']}").get_data(as_text=True)
    assert 'name="kind" value="fee-paid"' in pay and "I paid the fee today" in pay
    assert "The agency asked for a fee" in pay and "$120.00" in pay
    received = web.get(f"/requests/{made['partially-released']}").get_data(as_text=True)
    assert "response.txt" in received and "(from the agency, 54 kB)" in received
    assert "Tracking number: PRR-2211" in received


def test_the_one_next_action_records_the_answer(rr: Tracker) -> None:
    web = browser(rr)
    rid = one_in(rr, "payment-required")
    done = web.post(f"/requests/{rid}/event", {"kind": "fee-paid", "on": "2026-12-01"}, token_page=f"/requests/{rid}")
    assert done.status_code == 303
    page = web.get(f"/requests/{rid}").get_data(as_text=True)
    assert "Recorded: You paid the fee, on December 1, 2026." in page
    assert rr.json("show", str(rid), today="2026-12-01")["status"] == "awaiting-response"


def test_a_court_action_is_recorded_from_the_page(rr: Tracker) -> None:
    web = browser(rr)
    rid = one_in(rr, "denied")
    done = web.post(
        f"/requests/{rid}/event",
        {"kind": "sued", "on": "2026-11-30", "court": "Fairfax Circuit Court"},
        token_page=f"/requests/{rid}",
    )
    assert done.status_code == 303
    page = web.get(f"/requests/{rid}").get_data(as_text=True)
    assert '<span class="badge status-in-litigation">In litigation</span>' in page
    assert "You filed a court action" in page and "Court: Fairfax Circuit Court" in page


def test_the_dashboard_counts_and_charts_the_requests(seeded_rr: tuple[Tracker, dict[str, int]]) -> None:
    rr, made = seeded_rr
    web = browser(rr)
    page = web.get("/").get_data(as_text=True)
    listed = rr.json("list", today="2026-12-01")
    open_ = [r for r in listed if r["status"] not in ("completed", "no-records", "withdrawn")]
    overdue = rr.json("list", "--status", "overdue", today="2026-12-01")
    summary = page.split('class="summary"', 1)[1].split("</section>", 1)[0]
    assert f'<span class="n">{len(open_)}</span> open' in summary
    assert f'<span class="n">{len(overdue)}</span> overdue' in summary
    assert f'<span class="n">{len(listed) - len(open_)}</span> closed' in summary
    chart = page.split('class="status-chart"', 1)[1].split("</figure>", 1)[0]
    assert chart.count("<rect ") == len(made)  # one bar per status in use, each its own
    for status in made:
        assert f"<title>{labels.status_label(status)}: 1</title>" in chart
    web.get("/lang/es")
    spanish = web.get("/").get_data(as_text=True)
    assert "<title>Requiere pago: 1</title>" in spanish and "Solicitudes por estado" in spanish


def test_spanish_is_chosen_from_the_browser_and_the_switch_wins(seeded_rr: tuple[Tracker, dict[str, int]]) -> None:
    rr, made = seeded_rr
    web = browser(rr)
    rid = made["awaiting-ack"]
    spanish = {"Host": HOST["Host"], "Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}
    page = web.get(f"/requests/{rid}", headers=spanish).get_data(as_text=True)
    assert '<html lang="es">' in page and "2 de noviembre de 2026" in page and "Solicitud enviada" in page
    assert "Esperando acuse de recibo" in page and "La agencia acusó recibo" in page  # the receipt, undone
    english = web.get(f"/requests/{rid}", headers={"Host": HOST["Host"], "Accept-Language": "en-US"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    web.get("/lang/en")  # the switch, kept in the session's cookie, wins over the browser's choice
    assert '<html lang="en">' in web.get(f"/requests/{rid}", headers=spanish).get_data(as_text=True)


def test_the_agencies_page_pages_and_searches(rr: Tracker) -> None:
    from records_req.agencies.directory import AgencyFields, set_agency
    from records_req.workspace import Workspace

    with Workspace(db_url=rr.url).store.write() as s:
        for i in range(230):
            set_agency(s, "TX", f"Agency number {i:03d}", AgencyFields())
        set_agency(s, "TX", "Harris County Sheriff's Office", AgencyFields(records_email="pia@hcso.example"))
    web = browser(rr)
    first = web.get("/agencies?state=TX").get_data(as_text=True)
    assert first.count("Agency number") == 100 and "1–100 / 231" in first and 'rel="next"' in first
    last = web.get("/agencies?state=TX&page=3").get_data(as_text=True)
    assert "201–231 / 231" in last and 'rel="next"' not in last and 'rel="prev"' in last
    found = web.get("/agencies?q=harris").get_data(as_text=True)
    assert "Harris County Sheriff" in found and "Agency number" not in found and "1–1 / 1" in found


def test_the_new_request_page_speaks_no_command_line_after_a_preview_or_a_duplicate(rr: Tracker) -> None:
    """What the form says after it is used (a preview's notes, a duplicate refused, a created
    request's notes) names no flag and no command either."""
    web = browser(rr)
    form = {"state": "VA", "agency": "Henrico County Sheriff's Office", "topic": "wso", "requester_name": "Ana Núñez",
            "requester_email": "ana@example.org", "requester_state": "VA"}  # fmt: skip
    pages: dict[str, list[str]] = {}
    for action in ("preview", "create", "create"):  # the second create is a duplicate
        answer = web.post("/new", form | {"action": action}, follow_redirects=True)
        parser = Visible()
        parser.feed(answer.get_data(as_text=True))
        pages[f"{action} {len(pages)}"] = parser.texts
    assert any("is still open" in text for text in pages["create 2"]), pages["create 2"]
    assert command_words(pages) == []

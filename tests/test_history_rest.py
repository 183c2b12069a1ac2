"""The one history everywhere (issue 19): the reports' timelines in date order with undone events
marked, undo from the dashboard (confirmed, CSRF, who undid it), a tracking number going with the
event that brought it, and the Reports page saying what a cloud calendar cannot reach.
SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from .cli_helpers import Tracker


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    tracker = Tracker(db_url, tmp_path)
    tracker("profile", "set", "--name", "Ana Núñez", "--email", "ana@example.org", "--address", "1 Main St")
    return tracker


def undone_ack(rr: Tracker) -> str:
    """A VA request sent 12-01; an acknowledgment with tracking number R-1 (12-02) undone on
    12-03; a note dated 12-01 entered last (out of date order)."""
    rid = str(rr.new("VA", "Fairfax County Sheriff's Office", "--requester-state", "VA"))
    rr("sent", rid, "--via", "email", "--on", "2026-12-01", today="2026-12-01")
    rr("log", rid, "acknowledged", "--on", "2026-12-02", "--tracking-number", "R-1", today="2026-12-02")
    rr("undo", rid, today="2026-12-03")
    rr("log", rid, "note", "--on", "2026-12-01", "--note", "called the clerk", today="2026-12-03")
    return rid


# --- the reports' timelines ---------------------------------------------------------------------


def test_the_json_report_gives_the_history_in_date_order_with_the_undone_event_marked(rr: Tracker) -> None:
    import getpass

    import jsonschema

    from records_req.reports.json_report import schema

    rid = undone_ack(rr)
    out = rr.tmp / "r.json"
    rr("report", "--format", "json", "-o", str(out), today="2026-12-04")
    report = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(report, schema())
    events = next(r for r in report["requests"] if str(r["id"]) == rid)["events"]
    assert [(e["on"], e["kind"]) for e in events] == [
        ("2026-12-01", "sent"),
        ("2026-12-01", "note"),
        ("2026-12-02", "acknowledged"),
    ]
    ack = events[2]
    assert ack["undone"] is True and ack["undone_on"] == "2026-12-03" and ack["undone_by"] == getpass.getuser()
    assert not events[0]["undone"] and not events[1]["undone"]


class _Rows(HTMLParser):
    """The rows of the report's timeline tables: (row class, cell texts, struck?)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, list[str]]] = []
        self._in_row = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append((dict(attrs).get("class") or "", []))
        elif tag == "td":
            self.rows[-1][1].append("")

    def handle_data(self, data: str) -> None:
        if self.rows and self.rows[-1][1]:
            self.rows[-1][1][-1] += data


def test_the_html_and_pdf_reports_strike_the_undone_event_and_keep_date_order(rr: Tracker) -> None:
    from pypdf import PdfReader

    rid = undone_ack(rr)
    html = rr.tmp / "r.html"
    rr("report", "--format", "html", "-o", str(html), today="2026-12-04")
    page = html.read_text(encoding="utf-8")
    details = page.split(f'<details id="r{rid}">', 1)[1].split("</details>", 1)[0]
    timeline = details.split("Timeline", 1)[1].split("<h3>", 1)[0]
    parser = _Rows()
    parser.feed(timeline)
    rows = [(cls, cells) for cls, cells in parser.rows if cells]
    assert [cells[0] for _, cells in rows] == ["December 1, 2026", "December 1, 2026", "December 2, 2026"]
    assert [cls for cls, _ in rows] == ["", "", "undone"]
    assert "acknowledged" in rows[2][1][1] and rows[2][1][2].startswith("undone on December 3, 2026 by ")
    assert "called the clerk" in rows[1][1][1]

    pdf = rr.tmp / "r.pdf"
    rr("report", "--format", "pdf", "-o", str(pdf), today="2026-12-04")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    after = text.split(f"#{rid} Fairfax County Sheriff", 1)[1]
    sent, note, ack = (after.index(w) for w in ("December 1, 2026 #", "called the clerk", "December 2, 2026 #"))
    assert sent < note < ack
    assert "undone on December 3, 2026 by" in after[ack:]


# --- a tracking number goes with the event that brought it --------------------------------------


def test_undoing_the_event_that_brought_a_tracking_number_removes_it(rr: Tracker) -> None:
    rid = undone_ack(rr)
    shown = rr.json("show", rid, today="2026-12-04")
    assert shown["tracking_numbers"] == []
    assert "R-1" not in rr("show", rid, today="2026-12-04").split("Timeline")[0]
    # Another event carrying the same number keeps it when one of the two is undone.
    rr("log", rid, "acknowledged", "--on", "2026-12-02", "--tracking-number", "R-1", today="2026-12-04")
    rr("log", rid, "note", "--on", "2026-12-04", "--tracking-number", "R-2", today="2026-12-04")
    assert rr.json("show", rid, today="2026-12-04")["tracking_numbers"] == ["R-1", "R-2"]
    rr("undo", rid, today="2026-12-04")
    assert rr.json("show", rid, today="2026-12-04")["tracking_numbers"] == ["R-1"]


# --- undo from the dashboard ----------------------------------------------------------------------


def _undo_form(page: str) -> tuple[str, str]:
    form = page.split('<details class="undo-last">', 1)[1].split("</details>", 1)[0]
    action = re.search(r'action="([^"]+)"', form)
    event = re.search(r'name="event" value="(\d+)"', form)
    assert action and event, form
    return action.group(1), event.group(1)


def test_the_dashboard_undoes_the_last_event_once_confirmed_and_says_who(rr: Tracker) -> None:
    from .test_web import browser

    rid = str(rr.new("VA", "Fairfax County Sheriff's Office", "--requester-state", "VA"))
    rr("sent", rid, "--via", "email", "--on", "2026-11-30", today="2026-12-01")
    rr("log", rid, "acknowledged", "--on", "2026-12-01", "--tracking-number", "R-9", today="2026-12-01")
    web = browser(rr)
    page = web.get(f"/requests/{rid}").get_data(as_text=True)
    action, event = _undo_form(page)
    assert action == f"/requests/{rid}/undo"
    ack = next(e for e in rr.json("show", rid, today="2026-12-01")["events"] if e["kind"] == "acknowledged")
    assert event == str(ack["id"])
    assert "acknowledged" in page.split('<details class="undo-last">', 1)[1].split("</details>", 1)[0]

    forged = web.post(action, {"event": event, "csrf_token": "forged"}, token=False)
    assert forged.status_code in (400, 403)
    assert not any(e["kind"] == "undo" for e in rr.json("show", rid, today="2026-12-01")["events"])

    done = web.post(action, {"event": event}, token_page=f"/requests/{rid}")
    assert done.status_code == 303
    shown = rr.json("show", rid, today="2026-12-01")
    assert [e["data"]["target"] for e in shown["events"] if e["kind"] == "undo"] == [int(event)]
    assert shown["tracking_numbers"] == []
    assert "(undone on Tue 2026-12-01 by dashboard)" in rr("show", rid, today="2026-12-01")
    struck = web.get(f"/requests/{rid}").get_data(as_text=True).split(f'id="event-{event}"', 1)[1].split("</li>")[0]
    assert "<del>" in struck and "by dashboard" in struck

    # The confirmation named the acknowledgment: sent again, it undoes nothing else.
    stale = web.post(action, {"event": event}, token_page=f"/requests/{rid}")
    assert stale.status_code == 422
    assert "no longer the last" in stale.get_data(as_text=True)
    after = rr.json("show", rid, today="2026-12-01")
    assert [e["kind"] for e in after["events"]].count("undo") == 1 and after["sent"] == "2026-11-30"


@pytest.mark.usefixtures("cheap_passwords")  # who signed in, not the hash
def test_a_team_dashboard_records_the_signed_in_account_as_who_undid_it(rr: Tracker) -> None:
    from .test_web_accounts import TEAM, add, sign_in, team_app

    rid = str(rr.new("VA", "Fairfax County Sheriff's Office", "--requester-state", "VA"))
    rr("sent", rid, "--via", "email", "--on", "2026-11-30", today="2026-12-01")
    add(rr, "marta")
    client = sign_in(team_app(rr), "marta")
    page = client.get(f"/requests/{rid}", headers=TEAM).get_data(as_text=True)
    action, event = _undo_form(page)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    done = client.post(action, data={"event": event, "csrf_token": token.group(1)}, headers=TEAM)
    assert done.status_code == 303
    events = rr.json("show", rid)["events"]
    assert [e["data"].get("by") for e in events if e["kind"] == "undo"] == ["marta"]


# --- the Reports page and cloud calendars -------------------------------------------------------


def test_the_reports_page_says_cloud_calendars_cannot_reach_a_local_feed(rr: Tracker) -> None:
    from .test_web import browser

    web = browser(rr)
    page = web.get("/reports").get_data(as_text=True)
    help_text = page.split('id="cloud-calendars"', 1)[1].split("</div>", 1)[0]
    assert "127.0.0.1" in help_text and "cannot" in help_text
    assert "Import" in help_text and 'href="/reports/report.ics"' in help_text
    download: Any = web.get("/reports/report.ics")
    assert download.status_code == 200 and download.data.startswith(b"BEGIN:VCALENDAR")


# --- a campaign writes as its LetterOutput says (issue 18) ---------------------------------------


def test_a_campaign_takes_the_workspaces_letter_output(db_url: str, tmp_path: Path) -> None:
    import datetime as dt

    from records_req.tracker import campaign as campaigns
    from records_req.workspace import LetterOutput, Workspace

    from .test_campaign import SHEET

    sheet = tmp_path / "participatingAgencies11302026am.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    rr = Tracker(db_url, tmp_path)
    rr("agencies", "import", str(sheet), "--downloaded", "2026-11-30")
    rr("profile", "set", "--name", "Ana Núñez", "--email", "ana@example.org", "--address", "1 Main St, Austin, TX")
    ws = Workspace(db_url=db_url, out_dir=tmp_path / "unused", as_of=dt.date(2026, 12, 1))
    output = ws.output(formats="pdf", out_dir=tmp_path / "letters", date=dt.date(2026, 11, 30))
    assert output == LetterOutput(formats="pdf", out_dir=tmp_path / "letters", date=dt.date(2026, 11, 30))
    selection = campaigns.Selection(states=("TX",), counties=("Harris",), models=("WSO",))
    options = campaigns.Options(tag="harris", topic_keys=("wso",), output=output)
    prepared = campaigns.prepare(ws, selection, options)
    assert prepared.options.output == output and prepared.creates == 2, prepared.steps
    outcomes = campaigns.run(ws.store, prepared.steps, prepared.options, profile_id=prepared.profile_id, today=ws.today)
    created = [o for o in outcomes if o.action == "created"]
    assert len(created) == 2
    files = sorted(Path(f) for o in created for f in o.files.values())
    assert files and all(f.suffix == ".pdf" and (tmp_path / "letters") in f.parents for f in files)
    assert len(files) == 2 and all("2026-11-30" in f.name for f in files)
    assert not (tmp_path / "unused").exists()
    # A resumed campaign given no date keeps its first letters' date.
    again = campaigns.prepare(ws, selection, campaigns.Options(tag="harris", topic_keys=("wso",), output=ws.output()))
    assert again.options.output.date == dt.date(2026, 11, 30)

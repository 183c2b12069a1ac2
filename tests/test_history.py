"""A history people can trust (issue 19): date order, undone events marked, edits of any event
recorded with their old and new values, dates that cannot be refused with the dates, and the
evidence bundle keeping the dates a lawyer needs after an appeal. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from records_req.lifecycle import Recorded, dates_out_of_order, history, too_early
from records_req.timeline import line_words

from .cli_helpers import Tracker

D = dt.date


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    tracker = Tracker(db_url, tmp_path)
    tracker("profile", "set", "--name", "Ana Núñez", "--email", "ana@example.org", "--address", "1 Main St")
    return tracker


def pa_request(rr: Tracker) -> str:
    """A Pennsylvania request whose letter is dated 2026-11-27."""
    return str(rr.new("PA", "Allegheny County Sheriff's Office", "--requester-state", "PA", "--date", "2026-11-27"))


# --- the evidence bundle ----------------------------------------------------------------------


def test_the_bundle_keeps_the_deadline_the_denial_and_the_appeal_window_after_an_appeal(
    rr: Tracker, tmp_path: Path
) -> None:
    rid = pa_request(rr)
    rr("sent", rid, "--via", "email", "--on", "2026-11-30", today="2026-12-01")
    before = rr.json("show", rid, today="2026-12-01")
    assert before["due"] == "2026-12-07"  # 5 business days: 12-01..12-04, 12-07 (65 P.S. § 67.901)
    rr("log", rid, "denied", "--on", "2026-12-08", today="2026-12-08")
    denied = rr.json("show", rid, today="2026-12-09")
    assert denied["appeal_window"]["last_day"] == "2026-12-30"
    rr("log", rid, "appealed", "--on", "2026-12-10", today="2026-12-10")

    out = tmp_path / "bundle.zip"
    printed = rr("bundle", rid, "-o", str(out), today="2026-12-11")
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        deadline = json.loads(archive.read("deadline.json"))
        timeline = json.loads(archive.read("timeline.json"))
        manifest = json.loads(archive.read("manifest.json"))
        pdf = archive.read("deadline.pdf")
    for kept in (deadline, timeline):
        assert kept["response_deadline"]["due"] == "2026-12-07"
        assert kept["denied_on"] == "2026-12-08"
        assert kept["deemed_denial_on"] == "2026-12-07"
        assert kept["appeal_window"]["last_day"] == "2026-12-30"
        assert kept["appeal_window"]["opened"] == "2026-12-08"
    # The count printed is the files hashed, and says the manifest is there too.
    assert len(manifest) == len(names) - 1
    assert f"{len(manifest)} files and a manifest" in printed

    import io

    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Response due: Mon 2026-12-07" in text and "Denied: Tue 2026-12-08" in text
    assert "2026-12-30" in text  # the appeal window's last day


# --- the history, pure ------------------------------------------------------------------------


def test_history_is_in_date_order_with_undone_events_marked_and_edits_as_lines() -> None:
    events = [
        Recorded(1, "sent", D(2026, 12, 6), None, {"via": "email"}),
        Recorded(2, "reminder", D(2026, 12, 9), None, {"text": "call"}),
        Recorded(3, "extended", D(2026, 12, 1), "letter", {"days": 10}),
        Recorded(4, "acknowledged", D(2026, 12, 6), None, {}),
        Recorded(5, "undo", D(2026, 12, 7), None, {"target": 4, "by": "ana"}),
        Recorded(6, "edit", D(2026, 12, 8), None, {"target": 3, "on": "2026-12-07", "note": "their letter"}),
    ]
    lines = history(events)
    assert [(line.id, line.on) for line in lines] == [
        (1, D(2026, 12, 6)),
        (4, D(2026, 12, 6)),  # a tie: in the order entered
        (3, D(2026, 12, 7)),  # the edit moved it
        (6, D(2026, 12, 8)),
        (2, D(2026, 12, 9)),
    ]
    assert all(line.kind != "undo" for line in lines)
    undone = next(line for line in lines if line.id == 4)
    assert undone.undone and undone.undone_on == D(2026, 12, 7) and undone.undone_by == "ana"
    assert "(undone on Mon 2026-12-07 by ana)" in line_words(undone)
    edit = next(line for line in lines if line.kind == "edit")
    assert edit.target == 3
    assert edit.changes == {"on": ("2026-12-01", "2026-12-07"), "note": ("letter", "their letter")}
    assert (
        line_words(edit)
        == "Tue 2026-12-08  #6 Changed #3: Date Tue 2026-12-01 -> Mon 2026-12-07; Note letter -> their letter"
    )


def _events(*items: tuple[str, dt.date, dict[str, Any]]) -> list[Recorded]:
    return [Recorded(i + 1, kind, on, None, data) for i, (kind, on, data) in enumerate(items)]


def early(*args: Any) -> str | None:
    """too_early's reason in plain English (it is kept as facts: lifecycle.Why)."""
    found = too_early(*args)
    return None if found is None else str(found)


def test_dates_that_precede_what_they_depend_on_are_named_with_both_dates() -> None:
    letter = D(2026, 12, 6)
    assert early([], "sent", D(2026, 11, 27), letter) == "2026-11-27 is before the letter's own date (2026-12-06)"
    assert early([], "sent", D(2026, 12, 6), letter) is None
    sent = _events(("sent", D(2026, 12, 7), {"via": "email"}))
    assert early(sent, "released", D(2026, 12, 1), letter) == ("2026-12-01 is before the request was sent (2026-12-07)")
    denied = _events(("sent", D(2026, 12, 7), {}), ("denied", D(2026, 12, 10), {}))
    assert early(denied, "appealed", D(2026, 12, 9), letter) == "2026-12-09 is before the denial (2026-12-10)"
    appealed = _events(("sent", D(2026, 12, 7), {}), ("denied", D(2026, 12, 10), {}), ("appealed", D(2026, 12, 14), {}))
    assert early(appealed, "appeal-decided", D(2026, 12, 11), letter) == (
        "2026-12-11 is before the appeal it decides (2026-12-14)"
    )
    estimate = _events(("sent", D(2026, 12, 7), {}), ("fee-estimate", D(2026, 12, 10), {"amount": 20}))
    assert early(estimate, "fee-paid", D(2026, 12, 9), letter) == "2026-12-09 is before the fee estimate (2026-12-10)"
    assert early(estimate, "note", D(2026, 1, 1), letter) is None
    # An edit that moves 'sent' after the answer makes the answer too early.
    moved = [*_events(("sent", D(2026, 12, 7), {}), ("released", D(2026, 12, 9), {}))]
    moved.append(Recorded(3, "edit", D(2026, 12, 10), None, {"target": 1, "on": "2026-12-10"}))
    assert (
        str(dates_out_of_order(moved, letter)) == "'released' on 2026-12-09 is before the request was sent (2026-12-10)"
    )


# --- the timeline, through the doors ----------------------------------------------------------


def _undone_timeline(rr: Tracker) -> str:
    """A VA request sent 12-01 with an extension logged late for 11-30... then a reminder, an
    acknowledgment undone: entered out of date order."""
    rid = str(rr.new("VA", "Fairfax County Sheriff's Office", "--requester-state", "VA"))
    rr("sent", rid, "--via", "email", "--on", "2026-12-01", today="2026-12-01")
    rr("remind", rid, "--on", "2026-12-09", "call the clerk", today="2026-12-02")
    rr("log", rid, "acknowledged", "--on", "2026-12-02", "--tracking-number", "R-1", today="2026-12-02")
    rr("undo", rid, today="2026-12-03")
    rr("log", rid, "note", "--on", "2026-12-01", "--note", "called", today="2026-12-03")
    return rid


def test_show_prints_the_timeline_in_date_order_with_the_undone_event_marked(rr: Tracker) -> None:
    rid = _undone_timeline(rr)
    text = rr("show", rid, today="2026-12-04")
    timeline = text.split("Timeline:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split()[:2] for line in timeline] == [
        ["Tue", "2026-12-01"],
        ["Tue", "2026-12-01"],
        ["Wed", "2026-12-02"],
        ["Wed", "2026-12-09"],
    ]
    assert "Request sent (How: by email)" in timeline[0] and "Note - called" in timeline[1]
    assert "The agency acknowledged the request (Tracking number: R-1)" in timeline[2]
    assert "(undone on Thu 2026-12-03 by " in timeline[2]
    assert "undo" not in text.replace("undone", "") and "target" not in text


def test_the_request_page_strikes_through_an_undone_event(rr: Tracker) -> None:
    from .test_web import browser

    rid = _undone_timeline(rr)
    page = browser(rr).get(f"/requests/{rid}").get_data(as_text=True)
    timeline = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    items = timeline.split("<li ")[1:]
    assert [re.search(r'datetime="([^"]+)"', item).group(1) for item in items] == [  # type: ignore[union-attr]
        "2026-12-01",
        "2026-12-01",
        "2026-12-02",
        "2026-12-09",
    ]
    struck = items[2]
    assert 'class="undone"' in struck and "<del>" in struck and "acknowledged" in struck.split("</del>")[0]
    assert "undone on December 3, 2026" in struck
    assert "target" not in timeline and ">undo<" not in timeline


# --- dates refused, or forced with the warning kept ---------------------------------------------


def test_sent_before_the_letters_date_is_refused_with_both_dates_or_kept_with_force(rr: Tracker) -> None:
    rid = pa_request(rr)  # the letter is dated 2026-11-27
    rr("sent", rid, "--via", "email", "--on", "2026-11-20", today="2026-11-28", code=1)
    assert "2026-11-20 is before the letter's own date (2026-11-27)" in rr.stderr
    assert len(rr.stderr.strip().splitlines()) == 1 and "Traceback" not in rr.stderr
    assert rr.json("show", rid, today="2026-11-28")["status"] == "draft"  # nothing recorded

    rr("sent", rid, "--via", "email", "--on", "2026-11-20", "--force", today="2026-11-28")
    assert "before the letter's own date" in rr.stderr  # the warning, on standard error
    shown = rr("show", rid, today="2026-11-28")
    assert "[forced] (2026-11-20 is before the letter's own date (2026-11-27))" in shown


def test_an_answer_before_what_it_answers_is_refused(rr: Tracker) -> None:
    rid = pa_request(rr)
    rr("sent", rid, "--via", "email", "--on", "2026-11-30", today="2026-12-01")
    rr("log", rid, "released", "--on", "2026-11-29", today="2026-12-01", code=1)
    assert "2026-11-29 is before the request was sent (2026-11-30)" in rr.stderr
    rr("log", rid, "denied", "--on", "2026-12-08", today="2026-12-09")
    rr("log", rid, "appealed", "--on", "2026-12-07", today="2026-12-09", code=1)
    assert "2026-12-07 is before the denial (2026-12-08)" in rr.stderr
    rr("log", rid, "appealed", "--on", "2026-12-10", today="2026-12-10")
    rr("log", rid, "appeal-decided", "--on", "2026-12-09", "--outcome", "denied", today="2026-12-11", code=1)
    assert "2026-12-09 is before the appeal it decides (2026-12-10)" in rr.stderr


def test_the_dashboard_and_the_api_refuse_the_same_dates_and_force_them(rr: Tracker, tmp_path: Path) -> None:
    from records_req import api

    from .test_web import browser

    rid = pa_request(rr)
    web = browser(rr)
    refused = web.post(
        f"/requests/{rid}/event", {"kind": "sent", "on": "2026-11-20", "via": "email"}, token_page=f"/requests/{rid}"
    )
    assert refused.status_code == 422
    assert "before the letter&#39;s own date (2026-11-27)" in refused.get_data(as_text=True)
    forced = web.post(
        f"/requests/{rid}/event",
        {"kind": "sent", "on": "2026-11-20", "via": "email", "force": "1"},
        token_page=f"/requests/{rid}",
    )
    assert forced.status_code == 303
    page = web.get(f"/requests/{rid}").get_data(as_text=True)
    assert "2026-11-20 is before the letter&#39;s own date (2026-11-27)" in page.split('class="timeline"', 1)[1]

    from records_req.errors import RecordsReqError

    with api.connect(rr.url, out_dir=tmp_path / "out", as_of=D(2026, 12, 1)) as tracker:
        with pytest.raises(RecordsReqError, match="is before the request was sent"):
            tracker.log(int(rid), "released", on=D(2026, 11, 19))
        view = tracker.log(int(rid), "released", on=D(2026, 11, 19), force=True)
        assert view.status == "completed" and any("before the request was sent" in n for n in view.notes)
        edited = tracker.edit(int(rid), on=D(2026, 11, 21))  # the last event: 'released'
        assert any(e.kind == "edit" for e in edited.events)


# --- edit any event, every change recorded ------------------------------------------------------


def test_edit_changes_any_event_by_its_number_and_the_history_keeps_old_and_new(rr: Tracker) -> None:
    rid = pa_request(rr)
    rr("sent", rid, "--via", "email", "--on", "2026-11-30", today="2026-12-01")
    rr("log", rid, "extended", "--days", "5", "--note", "agency letter", "--on", "2026-12-04", today="2026-12-04")
    rr("remind", rid, "--on", "2026-12-09", "call the clerk", today="2026-12-04")
    events = rr.json("show", rid, today="2026-12-04")["events"]
    extension = next(e["id"] for e in events if e["kind"] == "extended")
    reminder = next(e["id"] for e in events if e["kind"] == "reminder")

    out = rr(
        "edit", rid, "--event", str(extension), "--note", "agency letter of 12/4", "--days", "10", today="2026-12-05"
    )
    assert f"corrected event #{extension} (The agency took more time). Now: Awaiting response" in out
    shown = rr.json("show", rid, today="2026-12-05")
    edit = shown["events"][-1]
    assert edit["kind"] == "edit" and edit["data"]["target"] == extension
    assert edit["data"]["was"] == {"on": "2026-12-04", "note": "agency letter", "data": {"days": 5}}
    text = rr("show", rid, today="2026-12-05")
    assert f"Changed #{extension}: Note agency letter -> agency letter of 12/4; Days 5 -> 10" in text
    assert "call the clerk" in text  # the reminder, the last event, was not touched
    assert not any(e["kind"] == "edit" and e["data"]["target"] == reminder for e in shown["events"])

    # A date moved before what it depends on is refused, with the dates; --force keeps it, warned.
    rr("edit", rid, "--event", str(extension), "--on", "2026-11-28", today="2026-12-05", code=1)
    assert "is before the request was sent (2026-11-30)" in rr.stderr
    rr("edit", rid, "--event", "999", "--note", "x", today="2026-12-05", code=1)
    assert "no event #999" in rr.stderr
    rr("edit", rid, "--event", str(extension), "--on", "2026-11-28", "--force", today="2026-12-05")
    assert "Warning:" in rr.stderr
    final = rr("show", rid, today="2026-12-05")
    assert "[forced] ('extended' on 2026-11-28 is before the request was sent (2026-11-30))" in final, final


def test_the_dashboard_edits_any_event_with_its_own_form(rr: Tracker) -> None:
    from .test_web import browser

    rid = pa_request(rr)
    rr("sent", rid, "--via", "email", "--on", "2026-11-30", today="2026-12-01")
    rr("log", rid, "extended", "--days", "5", "--note", "agency letter", "--on", "2026-12-04", today="2026-12-04")
    rr("log", rid, "note", "--note", "called", "--on", "2026-12-04", today="2026-12-04")
    extension = next(e["id"] for e in rr.json("show", rid, today="2026-12-04")["events"] if e["kind"] == "extended")
    web = browser(rr)
    page = web.get(f"/requests/{rid}").get_data(as_text=True)
    assert page.count('class="edit-event"') == 3  # sent, extended, note: one form each
    url = f"/requests/{rid}/events/{extension}/edit"
    assert f'action="{url}"' in page
    form = {"on": "2026-12-04", "note": "agency letter", "days": "10"}
    assert web.post(url, form, token_page=f"/requests/{rid}").status_code == 303
    early = web.post(url, {**form, "on": "2026-11-28"}, token_page=f"/requests/{rid}")
    assert early.status_code == 422
    assert "is before the request was sent (2026-11-30)" in early.get_data(as_text=True)
    events = rr.json("show", rid, today="2026-12-04")["events"]
    edits = [e["data"] for e in events if e["kind"] == "edit"]
    assert edits == [
        {
            "target": extension,
            "data": {"days": 10},
            "was": {"on": "2026-12-04", "note": "agency letter", "data": {"days": 5}},
        }
    ]


def test_undo_says_who_undid_it(rr: Tracker) -> None:
    import getpass

    rid = pa_request(rr)
    rr("sent", rid, "--via", "email", "--on", "2026-11-30", today="2026-12-01")
    rr("log", rid, "acknowledged", "--on", "2026-12-01", today="2026-12-01")
    rr("undo", rid, today="2026-12-02")
    assert f"(undone on Wed 2026-12-02 by {getpass.getuser()})" in rr("show", rid, today="2026-12-02")

"""The typed views (issue 18): a request's row in a list (RequestRow) and its details
(RequestDetails) are one answer, field by field, whichever way they were read; an unknown status
filter is said by every door, never dropped in silence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from records_req.views import RequestDetails, RequestRow

from .cli_helpers import Tracker

SENT = dt.date(2026, 11, 2)


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    tracker = Tracker(db_url, tmp_path)
    tracker("profile", "set", "--name", "Ana Núñez", "--email", "ana@example.org", "--state", "VA")
    return tracker


def test_a_row_and_the_details_are_one_answer_in_every_field(rr: Tracker) -> None:
    """The list (read from the cached schedule), the dashboard's overview and the details (the
    events replayed) give the same row: dates, overdue, days late, the next action, topics, tags."""
    from records_req.reports.data import overview
    from records_req.store.reader import reader
    from records_req.tracker.views import request_details

    draft = rr.new("VA", "Draft County Sheriff's Office", "--tag", "b", "--tag", "a")
    late = rr.new("PA", "Late County Sheriff's Office", "--requester-state", "PA", "--tag", "a")
    rr("sent", str(late), "--via", "email", "--on", SENT.isoformat(), today=SENT.isoformat())
    denied = rr.new("CT", "Denied Police Department", "--requester-state", "CT")
    rr("sent", str(denied), "--via", "email", "--on", SENT.isoformat(), today=SENT.isoformat())
    rr("log", str(denied), "denied", "--on", "2026-11-12", today="2026-11-12")
    done = rr.new("FL", "Done County Sheriff's Office", "--requester-state", "FL")
    rr("sent", str(done), "--via", "email", "--on", SENT.isoformat(), today=SENT.isoformat())
    rr("log", str(done), "released", "--on", "2026-11-20", today="2026-11-20")
    ids = [draft, late, denied, done]
    seen_late = 0
    for on in (SENT, dt.date(2026, 11, 13), dt.date(2026, 12, 1), dt.date(2027, 3, 1)):
        with reader(rr.url) as fast:
            assert fast is not None
            listed = {r.id: r for r in fast.requests(status=None, state=None, tags=(), agency_text=None, today=on)}
            board = {r.id: r for r in overview(fast, on).requests}
            details = {rid: request_details(fast, rid, on) for rid in ids}
        for rid in ids:
            shown = details[rid]
            assert isinstance(shown, RequestDetails) and isinstance(listed[rid], RequestRow)
            assert listed[rid] == shown.row == board[rid], (rid, on)
            seen_late += shown.days_late > 0
    assert details[draft].row.tags == ("a", "b") and details[draft].sent_on is None
    assert details[late].sent_on == SENT
    assert details[done].closed and details[done].completed_on == dt.date(2026, 11, 20)
    assert seen_late, "some request was late on some day: days_late was compared, not only zeros"


def test_the_json_of_show_keeps_its_keys(rr: Tracker) -> None:
    rid = rr.new("VA", "Fairfax County Sheriff's Office")
    rr("sent", str(rid), "--via", "email", "--on", "2026-11-16", today="2026-11-16")
    shown = rr.json("show", str(rid))
    assert set(shown) >= {
        "id",
        "jurisdiction",
        "agency",
        "topics",
        "tags",
        "status",
        "overdue",
        "due",
        "due_label",
        "statutory",
        "next_step",
        "next_action",
        "sent",
        "tracking_numbers",
        "law",
        "events",
        "documents",
        "deadline",
        "explanation",
        "appeal_window",
        "as_of",
        "command",
    }
    assert shown["sent"] == "2026-11-16" and shown["statutory"] is True and shown["due"]
    assert {"id", "role", "path", "name", "sha256", "size"} == set(shown["documents"][0])
    logged = rr.json("log", str(rid), "note", "--note", "called")
    assert {k: logged[k] for k in ("status", "due", "statutory", "overdue", "sent")} == {
        k: shown[k] for k in ("status", "due", "statutory", "overdue", "sent")
    }


def test_an_unknown_status_is_said_by_the_command_line_and_the_dashboard(rr: Tracker) -> None:
    from records_req.web import Settings, create_app

    rid = rr.new("VA", "Fairfax County Sheriff's Office")
    assert "Unknown status 'late'" in rr("list", "--status", "late", code=2) + rr.stderr
    app = create_app(Settings(db_url=rr.url, out_dir=rr.tmp / "out", secret_key=b"k" * 32))
    page = app.test_client().get("/requests?status=late", headers={"Host": "127.0.0.1:8765"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Unknown status &#39;late&#39;" in text, text[:2000]
    assert f'href="/requests/{rid}"' in text, "the list is shown, unfiltered, under the message"

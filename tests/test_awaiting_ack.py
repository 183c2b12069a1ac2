"""'Awaiting acknowledgement' (issue 19): a sent request has MuckRock's first status until the
agency's first answer of any kind, then 'Awaiting response'; undoing that answer brings it back.
The rule does not depend on the law (the law's duty to acknowledge is the deadline and the next
step, not the status), and every door says the same: `show --json`, `list --json` and its filters,
the dashboard's page and list, and the Python API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from records_req import api, labels, schedule_cache
from records_req.calendars import calendar_for
from records_req.laws import load_laws
from records_req.lifecycle import AGENCY_ANSWERS, EVENTS, Recorded, replay, track, why_not
from records_req.store.db import Store, close_all

from .cli_helpers import Tracker
from .test_web import ANA, browser

LAWS = load_laws()
SENT = dt.date(2026, 11, 2)


def _status(code: str, after: list[tuple[str, int, dict[str, Any]]]) -> str:
    """The status of a request sent on SENT in ``code``, after ``after`` (kind, days after, data);
    an 'undo' row's data names the row it undoes by its position (1: the first row after 'sent')."""
    events = [Recorded(1, "sent", SENT, None, {"via": "email"})]
    for i, (kind, days, data) in enumerate(after, start=2):
        events.append(Recorded(i, kind, SENT + dt.timedelta(days=days), None, data))
    j = LAWS[code]
    tracked = track(events, j, calendar_for(j), SENT + dt.timedelta(days=40))
    assert tracked.state.status == replay(events).status  # one answer, with or without the law
    return tracked.state.status


@pytest.mark.parametrize(
    ("code", "after", "status"),
    [
        pytest.param("NY", [], "awaiting-ack", id="NY Pub. Off. Law § 89(3)(a): acknowledge within 5 business days"),
        pytest.param("NY", [("acknowledged", 3, {})], "awaiting-response", id="NY: acknowledged"),
        pytest.param("AL", [], "awaiting-ack", id="Ala. Code § 36-12-44: acknowledge within 10 days"),
        pytest.param("FL", [], "awaiting-ack", id="Fla. Stat. § 119.07(1)(c): acknowledge promptly"),
        pytest.param("VA", [], "awaiting-ack", id="Va. Code § 2.2-3704: no duty to acknowledge, MuckRock's rule"),
        pytest.param("VA", [("extended", 4, {"days": 7})], "awaiting-response", id="VA: more time is an answer"),
        pytest.param(
            "VA", [("estimate", 4, {"until": "2026-12-18"})], "awaiting-response", id="VA: a promised date is an answer"
        ),
        pytest.param(
            "US",
            [("fee-estimate", 3, {"amount": 40}), ("fee-paid", 5, {})],
            "awaiting-response",
            id="5 U.S.C. § 552: a fee asked, then paid",
        ),
        pytest.param(
            "US",
            [("clarification-requested", 3, {}), ("clarified", 5, {})],
            "awaiting-response",
            id="5 U.S.C. § 552: a clarification asked, then given",
        ),
        pytest.param(
            "VA",
            [("note", 1, {}), ("reminder", 2, {"text": "call"}), ("followed-up", 12, {})],
            "awaiting-ack",
            id="VA: a note, a reminder and a follow-up are not the agency's answer",
        ),
        pytest.param("VA", [("partial-release", 6, {})], "partially-released", id="VA: some records"),
        pytest.param(
            "VA",
            [("denied", 5, {}), ("undo", 6, {"target": 2})],
            "awaiting-ack",
            id="VA: the only answer undone",
        ),
        pytest.param(
            "VA",
            [("acknowledged", 1, {}), ("denied", 5, {}), ("undo", 6, {"target": 3})],
            "awaiting-response",
            id="VA: a denial undone leaves the acknowledgment",
        ),
        pytest.param(
            "VA",
            [("appealed", 30, {}), ("appeal-decided", 35, {"outcome": "granted"})],
            "awaiting-response",
            id="VA: silence appealed, the appeal granted",
        ),
    ],
)
def test_the_status_until_and_after_the_agency_answers(
    code: str, after: list[tuple[str, int, dict[str, Any]]], status: str
) -> None:
    assert _status(code, after) == status


def test_a_request_awaiting_acknowledgement_can_be_appealed_or_withdrawn() -> None:
    state = replay([Recorded(1, "sent", SENT, None, {"via": "email"})])
    assert state.status == "awaiting-ack" and not state.closed
    assert why_not(state, "appealed") is None and why_not(state, "withdrawn") is None


def test_every_answer_is_an_event_the_agency_makes() -> None:
    assert set(EVENTS) >= AGENCY_ANSWERS
    mine = {"sent", "clarified", "fee-paid", "appealed", "withdrawn", "sued", "note", "reminder", "followed-up"}
    assert not AGENCY_ANSWERS & mine


def test_the_labels_in_both_languages() -> None:
    assert labels.status_label("awaiting-ack") == "Awaiting acknowledgement"
    assert labels.status_label("awaiting-ack", "es") == "Esperando acuse de recibo"


# --- every door --------------------------------------------------------------------------------

DAY = "2026-12-01"  # the dashboard's day in tests/test_web.py


def everywhere(rr: Tracker, rid: int, web: Any) -> dict[str, str]:
    """The request's status as each door gives it on DAY (the dashboard's as its badge's class)."""
    page = web.get(f"/requests/{rid}").get_data(as_text=True)
    badge = page.split('<span class="badge status-', 1)[1].split('"', 1)[0]
    listed = {r["id"]: r["status"] for r in rr.json("list", today=DAY)}
    with api.open(rr.url, out_dir=rr.tmp / "out") as tracker:
        day = dt.date.fromisoformat(DAY)
        viewed = tracker.view(rid, today=day).status
        rows = {row.id: row.status for row in tracker.list(today=day)}
    return {
        "show": rr.json("show", str(rid), today=DAY)["status"],
        "list": listed[rid],
        "dashboard": badge,
        "api view": viewed,
        "api list": rows[rid],
    }


def filtered(rr: Tracker, web: Any, status: str) -> dict[str, list[int]]:
    """The requests each door lists for a status filter."""
    page = web.get(f"/requests?status={status}").get_data(as_text=True)
    body = page.split("<tbody", 1)[1].split(">", 1)[1].split("</tbody>", 1)[0] if "<tbody" in page else ""
    with api.open(rr.url, out_dir=rr.tmp / "out") as tracker:
        rows = [row.id for row in tracker.list(status=status, today=dt.date.fromisoformat(DAY))]
    return {
        "list": [r["id"] for r in rr.json("list", "--status", status, today=DAY)],
        "api": rows,
        "dashboard": sorted({int(n) for n in _ids(body)}),
    }


def _ids(body: str) -> list[str]:
    import re

    return re.findall(r'href="/requests/(\d+)"', body)


def test_every_door_says_awaiting_acknowledgement_until_the_agency_acknowledges(rr_ny: Tracker) -> None:
    rr = rr_ny
    rid = rr.new("NY", "Suffolk County Sheriff's Office", *ANA)
    other = rr.new("NY", "Nassau County Police Department", *ANA)
    for request in (rid, other):
        rr("sent", str(request), "--via", "email", "--on", SENT.isoformat(), today=SENT.isoformat())
    rr("log", str(other), "acknowledged", "--on", "2026-11-04", "--tracking-number", "FOIL-9", today="2026-11-04")
    web = browser(rr)

    assert set(everywhere(rr, rid, web).values()) == {"awaiting-ack"}
    assert set(everywhere(rr, other, web).values()) == {"awaiting-response"}
    page = web.get(f"/requests/{rid}").get_data(as_text=True)
    assert '<span class="badge status-awaiting-ack">Awaiting acknowledgement</span>' in page
    # the filters: the new token, the open group and the overdue group include it; each door agrees
    for status, expected in (
        ("awaiting-ack", [rid]),
        ("awaiting-response", [other]),
        ("open", [rid, other]),
        ("overdue", [rid]),  # NY's 5 business days to acknowledge ran out on 2026-11-09
    ):
        assert filtered(rr, web, status) == {"list": expected, "api": expected, "dashboard": expected}, status
    assert 'option value="awaiting-ack"' in web.get("/requests").get_data(as_text=True)

    rr("log", str(rid), "acknowledged", "--on", "2026-11-05", today="2026-11-05")
    assert set(everywhere(rr, rid, web).values()) == {"awaiting-response"}
    assert filtered(rr, web, "awaiting-ack") == {"list": [], "api": [], "dashboard": []}

    rr("undo", str(rid), today=DAY)  # the acknowledgment was a mistake: the status comes back
    assert set(everywhere(rr, rid, web).values()) == {"awaiting-ack"}
    web.get("/lang/es")
    spanish = web.get(f"/requests/{rid}").get_data(as_text=True)
    assert '<span class="badge status-awaiting-ack">Esperando acuse de recibo</span>' in spanish


@pytest.fixture
def rr_ny(db_url: str, tmp_path: Path) -> Tracker:
    return Tracker(db_url, tmp_path)


def test_a_database_from_before_the_status_lists_its_unanswered_requests_under_it(rr_ny: Tracker) -> None:
    """A request stored as the engine before ENGINE_VERSION 5 left it ('awaiting-response', never
    answered) is computed again on the next read: the new filter finds it, the old one does not."""
    rr = rr_ny
    rid = rr.new("VA", "Henrico County Sheriff's Office", *ANA)
    rr("sent", str(rid), "--via", "email", "--on", SENT.isoformat(), today=SENT.isoformat())
    before = schedule_cache._stamp(LAWS["VA"].for_agency("Henrico County Sheriff's Office"), 4)  # the stamp v4 wrote
    store = Store(rr.url)
    with store.write() as session:
        session.execute(
            text("UPDATE requests SET schedule_stamp = :old, status = 'awaiting-response' WHERE id = :id"),
            {"id": rid, "old": before},
        )
    store.dispose()
    close_all()
    assert [r["id"] for r in rr.json("list", "--status", "awaiting-response", today=DAY)] == []
    assert [r["id"] for r in rr.json("list", "--status", "awaiting-ack", today=DAY)] == [rid]
    assert rr.json("show", str(rid), today=DAY)["status"] == "awaiting-ack"

"""One answer per question: `list`, `due`, `show` and the JSON report agree on status, overdue
and due date, for a matrix of histories, days and jurisdictions, on SQLite and PostgreSQL.

The reproduction from issue 10: a Connecticut request sent 2026-11-02 and followed up on
2026-11-20 was "overdue" in `list` and `due` but not in `show` and the report on 2027-01-20.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from .cli_helpers import Tracker

SENT = dt.date(2026, 11, 2)
AS_OF = [SENT + dt.timedelta(days=n) for n in (1, 9, 20, 45, 80, 200)]
HISTORIES = {
    "sent": [],
    "followed-up": [("followup", 18)],
    "acknowledged": [("acknowledged", 2)],
    "extended": [("extended", 3)],
    "denied": [("denied", 12)],
}


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    tracker = Tracker(db_url, tmp_path)
    tracker("profile", "set", "--name", "Ana Núñez", "--email", "ana@example.org", "--state", "VA")
    return tracker


def views(rr: Tracker, rid: int, on: dt.date) -> dict[str, tuple[str, bool, str | None]]:
    today = on.isoformat()
    listed = {r["id"]: r for r in rr.json("list", today=today)}[rid]
    shown = rr.json("show", str(rid), today=today)
    report_path = rr.tmp / f"report-{rid}-{today}.json"
    rr("report", "--format", "json", "-o", str(report_path), "--force", today=today)
    reported = {r["id"]: r for r in json.loads(report_path.read_text(encoding="utf-8"))["requests"]}[rid]
    upcoming = rr.json("due", "--within", "3650", today=today)
    due_rows = [r for r in upcoming if r["id"] == rid and r["what"] == "deadline"]
    out = {
        "list": (listed["status"], listed["overdue"], listed["due"]),
        "show": (shown["status"], shown["overdue"], shown["due"]),
        "report": (reported["status"], reported["overdue"], reported["due"]),
    }
    from records_req.reports.data import overview
    from records_req.store.reader import reader

    with reader(rr.url) as fast:  # the dashboard's numbers
        assert fast is not None
        row = next(r for r in overview(fast, on).requests if r.id == rid)
    out["dashboard"] = (row.status, row.overdue, row.due_on.isoformat() if row.due_on else None)
    if due_rows:
        out["due"] = (due_rows[0]["status"], due_rows[0]["overdue"], due_rows[0]["date"])
    elif shown["due"] is not None and shown["status"] not in ("completed", "no-records", "withdrawn"):
        out["due"] = ("missing", False, None)  # `due` must list every open request with a date
    return out


@pytest.mark.parametrize("code", ["CT", "PA", "VA", "FL", "AL", "WY"])
def test_every_view_gives_the_same_answer(rr: Tracker, code: str) -> None:
    for name, steps in HISTORIES.items():
        rid = rr.new(code, f"{name.title()} County Sheriff's Office", "--requester-state", code)
        rr("sent", str(rid), "--via", "email", "--on", SENT.isoformat(), today=SENT.isoformat())
        for kind, offset in steps:
            day = (SENT + dt.timedelta(days=offset)).isoformat()
            if kind == "followup":
                rr("followup", str(rid), "--out", str(rr.tmp / "out"), "--format", "docx", "--force", today=day)
            elif kind == "extended":
                rr("log", str(rid), "extended", "--on", day, "--days", "5", "--force", today=day)
            elif kind == "denied":
                rr("log", str(rid), "denied", "--on", day, today=day)
            else:
                rr("log", str(rid), kind, "--on", day, today=day)
        for on in AS_OF:
            answers = views(rr, rid, on)
            assert len(set(answers.values())) == 1, (code, name, on.isoformat(), answers)


def test_the_connecticut_case_from_the_issue(rr: Tracker) -> None:
    rid = rr.new("CT", "Hartford Police Department")
    rr("sent", str(rid), "--via", "email", "--on", "2026-11-02", today="2026-11-02")
    rr("followup", str(rid), "--out", str(rr.tmp / "out"), "--format", "docx", today="2026-11-20")
    answers = views(rr, rid, dt.date(2027, 1, 20))
    assert len(set(answers.values())) == 1, answers
    assert answers["show"][1] is False  # after the deemed denial, what runs is the requester's window


def test_the_fast_reader_and_the_orm_give_the_same_rows(rr: Tracker, db_url: str) -> None:
    from records_req.store.db import open_store
    from records_req.store.reader import reader
    from records_req.tracker import service
    from records_req.tracker.lifecycle import CAN_BE_OVERDUE

    for code, steps in (("PA", ["denied"]), ("CT", ["followup"]), ("TX", []), ("MD", ["acknowledged"])):
        rid = rr.new(code, f"{code} Sheriff's Office", "--requester-state", code)
        rr("sent", str(rid), "--via", "email", "--on", SENT.isoformat(), today=SENT.isoformat())
        day = (SENT + dt.timedelta(days=12)).isoformat()
        for kind in steps:
            if kind == "followup":
                rr("followup", str(rid), "--out", str(rr.tmp / "out"), "--format", "docx", "--force", today=day)
            else:
                rr("log", str(rid), kind, "--on", day, today=day)
    for on in AS_OF:
        with reader(db_url) as fast:
            assert fast is not None
            rows = {
                r.id: (r.status, r.due_on, r.due_statutory, r.overdue)
                for r in fast.requests(
                    status=None, state=None, tags=(), agency_text=None, today=on, waiting=sorted(CAN_BE_OVERDUE)
                )
            }
        with open_store(db_url).read() as session:
            for rid, seen in rows.items():
                state = service.tracked(service.get_request(session, rid), on)
                assert seen == (state.state.status, state.due_on, state.statutory, state.overdue), (rid, on)


@pytest.mark.parametrize(
    ("code", "extension", "days"),
    [
        ("MD", ("--until", "2027-02-01"), ["2027-01-04", "2027-01-05", "2027-01-20", "2027-02-02"]),
        ("NM", ("--days", "30"), ["2026-12-17", "2026-12-18", "2026-12-19", "2026-12-23"]),
    ],
)
def test_a_second_clock_that_runs_anyway_reaches_every_view(
    rr: Tracker, code: str, extension: tuple[str, str], days: list[str]
) -> None:
    """Maryland and New Mexico: after an extension, the law's second clock takes over on its own
    date; `list` and `due` (read from the cached schedule) must switch on that day, like `show`."""
    rid = rr.new(code, "Extended County Sheriff's Office", "--requester-state", code)
    rr("sent", str(rid), "--via", "email", "--on", SENT.isoformat(), today=SENT.isoformat())
    rr("log", str(rid), "extended", "--on", "2026-11-05", *extension, "--force", today="2026-11-05")
    for day in days:
        answers = views(rr, rid, dt.date.fromisoformat(day))
        assert len(set(answers.values())) == 1, (code, day, answers)

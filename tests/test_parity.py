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
    return views_of(rr, [rid], on)[rid]


def views_of(rr: Tracker, rids: list[int], on: dt.date) -> dict[int, dict[str, tuple[str, bool, str | None]]]:
    """What every view says of each request on one day (list, due and the report are asked once)."""
    today = on.isoformat()
    listed = {r["id"]: r for r in rr.json("list", today=today)}
    report_path = rr.tmp / f"report-{today}.json"
    rr("report", "--format", "json", "-o", str(report_path), "--force", today=today)
    reported = {r["id"]: r for r in json.loads(report_path.read_text(encoding="utf-8"))["requests"]}
    upcoming = rr.json("due", "--within", "3650", today=today)
    from records_req.reports.data import overview
    from records_req.store.reader import reader

    with reader(rr.url) as fast:  # the dashboard's numbers
        assert fast is not None
        board = {r.id: r for r in overview(fast, on).requests}
    answers = {}
    for rid in rids:
        shown = rr.json("show", str(rid), today=today)
        due_rows = [r for r in upcoming if r["id"] == rid and r["what"] == "deadline"]
        out = {
            "list": (listed[rid]["status"], listed[rid]["overdue"], listed[rid]["due"]),
            "show": (shown["status"], shown["overdue"], shown["due"]),
            "report": (reported[rid]["status"], reported[rid]["overdue"], reported[rid]["due"]),
        }
        row = board[rid]
        out["dashboard"] = (row.status, row.overdue, row.due_on.isoformat() if row.due_on else None)
        if due_rows:
            out["due"] = (due_rows[0]["status"], due_rows[0]["overdue"], due_rows[0]["date"])
        elif shown["due"] is not None and shown["status"] not in ("completed", "no-records", "withdrawn"):
            out["due"] = ("missing", False, None)  # `due` must list every open request with a date
        answers[rid] = out
    return answers


CODES = ["CT", "PA", "VA", "FL", "AL", "WY"]


def test_every_view_gives_the_same_answer(rr: Tracker) -> None:
    """Every history in every jurisdiction of CODES, in one database: each view is asked once a day
    for all of them (a failure names the jurisdiction, the history, the request and the day)."""
    rids: dict[int, tuple[str, str]] = {}  # request -> (jurisdiction, history)
    for code in CODES:
        for name, steps in HISTORIES.items():
            rid = rr.new(code, f"{name.title()} County Sheriff's Office", "--requester-state", code)
            rids[rid] = (code, name)
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
        for rid, answers in views_of(rr, list(rids), on).items():
            assert len(set(answers.values())) == 1, (*rids[rid], rid, on.isoformat(), answers)


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
                for r in fast.requests(status=None, state=None, tags=(), agency_text=None, today=on)
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


# --- a changed law file (issue 18; the architecture review's section 2.4) ----------------------


def law_copy(folder: Path, code: str, old: str, new: str) -> Path:
    """A copy of the shipped law file with one line of one jurisdiction's entry changed (a law
    fix, or a user's own edit through RECORDS_REQ_LAWS)."""
    from records_req.resources import data_dir

    text = (data_dir() / "state_pra.yaml").read_text(encoding="utf-8")
    start = text.index(f"\n- code: {code}\n")
    end = text.index("\n- code: ", start + 1)
    entry = text[start:end]
    assert entry.count(old) >= 1, (code, old)
    path = folder / f"laws-{code}.yaml"
    path.write_text(text[:start] + entry.replace(old, new, 1) + text[end:], encoding="utf-8")
    return path


def every_view(rr: Tracker, rid: int, on: dt.date) -> dict[str, tuple[bool, str | None]]:
    """(overdue, due) of one request in every view: the CLI's list, due, show and JSON report, the
    dashboard's numbers, its overview page, its list and its request page, and the Python API."""
    import re

    from records_req import api
    from records_req.web import Settings, create_app

    out = {name: (answer[1], answer[2]) for name, answer in views(rr, rid, on).items()}
    app = create_app(Settings(db_url=rr.url, out_dir=rr.tmp / "out", today=on, secret_key=b"k" * 32))
    client = app.test_client()
    host = {"Host": "127.0.0.1:8765"}

    def page(url: str) -> str:
        response = client.get(url, headers=host)
        assert response.status_code == 200, url
        return str(response.get_data(as_text=True))

    # each page writes its dates for people and keeps the day itself in <time datetime="...">
    pattern = (
        rf'<tr role="row"( class="late")?><td data-label="#" role="cell"><a href="/requests/{rid}">{rid}</a>'
        r'.*?<td class="date" data-label="Due" role="cell">'
        r'(?:<time datetime="([^"]+)")?'
    )
    listed = re.search(pattern, page("/requests"))
    assert listed, "the request is not on the dashboard's list"
    out["web list"] = (listed.group(1) is not None, listed.group(2) or None)
    details = page(f"/requests/{rid}")
    due = re.search(r'<p class="due"><strong>([^<]+)</strong>', details)  # "November 23, 2026"
    day = dt.datetime.strptime(due.group(1), "%B %d, %Y").date().isoformat() if due else None
    out["web request page"] = ('<span class="badge late">' in details, day)
    board = page("/")
    late_part, soon_part = board.split('id="overdue"')[1].split('id="soon"')
    row = re.search(
        rf'>{rid}</a></td><td data-label="Agency" role="cell"><a [^>]*>[^<]*</a></td>'
        r'<td data-label="State" role="cell">[^<]*</td>'
        r'<td class="date" data-label="Due" role="cell">(?:<time datetime="([^"]+)")?',
        late_part + soon_part,
    )
    if row:
        out["web dashboard"] = (f">{rid}</a>" in late_part, row.group(1))
    with api.open(rr.url) as tracker:
        seen = tracker.view(rid, today=on)
    out["api"] = (seen.overdue, seen.due_on.isoformat() if seen.due_on else None)
    return out


def test_every_view_follows_a_changed_law_file(rr: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    """Virginia's five working days made ten in a copy of the law file: every view gives the new
    due date and drops "overdue" at once, without `db recompute` (review 2026-12-b, section 2.4)."""
    on = dt.date(2026, 11, 27)
    rid = rr.new("VA", "Fairfax County Sheriff's Office", "--requester-state", "VA")
    rr("sent", str(rid), "--via", "email", "--on", "2026-11-16", today=on.isoformat())
    before = every_view(rr, rid, on)
    assert set(before.values()) == {(True, "2026-11-23")}, before
    monkeypatch.setenv("RECORDS_REQ_LAWS", str(law_copy(rr.tmp, "VA", "    days: 5\n", "    days: 10\n")))
    for _ in range(2):  # the first read finds the cache stale; the second reads what it stored
        after = every_view(rr, rid, on)
        assert set(after.values()) == {(False, "2026-12-02")}, after
    monkeypatch.delenv("RECORDS_REQ_LAWS")  # and back to the shipped law
    again = every_view(rr, rid, on)
    assert set(again.values()) == {(True, "2026-11-23")}, again

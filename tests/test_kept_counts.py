"""The counts kept with every write (store/kept.py, migration 0020) equal a recount: after new
requests, events, an undo, an edit, `db recompute`, a law changed through RECORDS_REQ_LAWS and an
import, on SQLite and PostgreSQL, the dashboard's numbers read from them are the numbers counted
from every request, on every day asked, and the kept tables are what a rebuild from the requests
gives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from records_req.reports.data import kept_summary, overview
from records_req.store.reader import ROW_QUERY, Reader, reader
from records_req.tracker.agenda import due_items

from .cli_helpers import Tracker
from .test_parity import law_copy

DAYS = [dt.date(2026, 11, 27) + dt.timedelta(days=n) for n in (-60, 0, 3, 10, 30, 90, 400)]


REMINDERS = 'SELECT event_id, request_id, "on" FROM open_reminders ORDER BY event_id'
KEPT = "SELECT request_id, status_name, month_name FROM request_kept ORDER BY request_id"


def kept_tables(fast: Reader) -> tuple[dict[str, int], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    counts = {r["name"]: int(r["n"]) for r in fast.rows("SELECT name, n FROM request_counts WHERE n <> 0")}
    stages = [
        (r["request_id"], str(r["start"])[:10], str(r["until"])[:10], str(r["due_on"])[:10], bool(r["overdue"]))
        for r in fast.rows("SELECT * FROM request_stages ORDER BY request_id, start")
    ]
    reminders = [(r["event_id"], r["request_id"], str(r["on"])[:10]) for r in fast.rows(REMINDERS)]
    return counts, stages, reminders + [tuple(r.values()) for r in fast.rows(KEPT)]


def rebuilt(url: str) -> tuple[dict[str, int], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The kept tables as a rebuild from the stored requests makes them (rolled back after)."""
    from records_req.store.db import open_store
    from records_req.store.kept import rebuild

    store = open_store(url)
    with store.engine.connect() as connection:
        transaction = connection.begin()
        rebuild(connection)
        counts = {
            str(name): int(n) for name, n in connection.exec_driver_sql("SELECT name, n FROM request_counts") if n
        }
        stages = [
            (r[0], str(r[1])[:10], str(r[2])[:10], str(r[3])[:10], bool(r[4]))
            for r in connection.exec_driver_sql(
                "SELECT request_id, start, until, due_on, overdue FROM request_stages ORDER BY request_id, start"
            )
        ]
        reminders = [(r[0], r[1], str(r[2])[:10]) for r in connection.exec_driver_sql(REMINDERS)]
        reminders += [tuple(r) for r in connection.exec_driver_sql(KEPT)]
        transaction.rollback()
    return counts, stages, reminders


def assert_kept_equal_a_recount(url: str) -> None:
    with reader(url) as fast:
        assert fast is not None
        assert fast.all_fresh()
        kept = kept_tables(fast)
        horizon = dt.date(2027, 12, 31)
        assert fast.reminders(horizon) == reminders_recounted(fast, horizon)
        for day in DAYS:
            assert kept_summary(fast, day, 1000) == overview(fast, day).summary(1000), day
            for within in (0, 7, 60):  # `due`'s deadlines from the kept stages, and from every open request
                horizon = day + dt.timedelta(days=within)
                kept_due = [(i.id, i.date, i.overdue) for i in due_items(fast, day, within=within, what=("deadline",))]
                every = fast.requests(
                    status="open", state=None, tags=(), agency_text=None, today=day, due_before=horizon
                )
                recounted = sorted(((r.id, r.due_on, r.overdue) for r in every), key=lambda x: (not x[2], x[1], x[0]))
                assert kept_due == recounted, (day, within)
    assert kept == rebuilt(url)


def reminders_recounted(fast: Reader, horizon: dt.date) -> list[dict[str, Any]]:
    """The reminders of open requests by ``horizon``, from every event (lifecycle.effective)."""
    from records_req.lifecycle import Recorded, effective

    open_ids = {r["id"]: r for r in fast.rows(ROW_QUERY + " WHERE r.closed = ?", [fast._param(False)])}
    history: dict[int, list[Recorded]] = {}
    for e in fast.rows('SELECT id, request_id, kind, "on", note, data FROM events ORDER BY id'):
        if e["request_id"] in open_ids:
            on = fast.date(e["on"]) or dt.date.min
            history.setdefault(e["request_id"], []).append(
                Recorded(e["id"], e["kind"], on, e["note"], fast.json(e["data"]) or {})
            )
    tags = fast._tags(sorted(open_ids))
    found = [
        {
            "id": e.id,
            "request_id": rid,
            "on": e.on,
            "data": dict(e.data),
            "jurisdiction": open_ids[rid]["jurisdiction"],
            "status": open_ids[rid]["status"],
            "agency": open_ids[rid]["agency"],
            "tags": tags.get(rid, []),
        }
        for rid, events in history.items()
        for e in effective(events)
        if e.kind == "reminder" and e.on <= horizon
    ]
    return sorted(found, key=lambda r: (r["on"], r["id"]))


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    tracker = Tracker(db_url, tmp_path)
    tracker("profile", "set", "--name", "Ana Núñez", "--email", "ana@example.org", "--state", "VA")
    return tracker


def many(rr: Tracker) -> dict[str, int]:
    """Requests in several states and stages: a draft, waiting, overdue, answered, denied,
    extended, clarification asked, with a note, an undone event and an edited one."""
    ids = {}
    for name, code in (
        ("draft", "VA"),
        ("waiting", "VA"),
        ("late", "TX"),
        ("done", "FL"),
        ("denied", "CT"),
        ("extended", "PA"),
        ("clarify", "NY"),
    ):
        ids[name] = rr.new(code, f"{name.title()} County Sheriff's Office", "--requester-state", code)
    for name in ("waiting", "done", "denied", "extended", "clarify"):
        rr("sent", str(ids[name]), "--via", "email", "--on", "2026-11-16", today="2026-11-16")
    rr("sent", str(ids["late"]), "--via", "email", "--on", "2026-10-01", today="2026-10-01")
    rr("log", str(ids["done"]), "released", "--on", "2026-11-20", today="2026-11-20")
    rr("log", str(ids["denied"]), "denied", "--on", "2026-11-20", today="2026-11-20")
    rr("log", str(ids["extended"]), "extended", "--days", "10", "--on", "2026-11-20", today="2026-11-20")
    rr("log", str(ids["clarify"]), "clarification-requested", "--on", "2026-11-20", today="2026-11-20")
    rr("log", str(ids["waiting"]), "note", "--note", "called them", "--on", "2026-11-21", today="2026-11-21")
    for name in ("waiting", "late", "draft", "done"):
        rr("remind", str(ids[name]), "--on", "2026-11-30", f"call {name}", today="2026-11-22")
    return ids


def test_the_kept_counts_follow_every_write(rr: Tracker) -> None:
    ids = many(rr)
    assert_kept_equal_a_recount(rr.url)
    rr("log", str(ids["waiting"]), "released", "--on", "2026-11-25", today="2026-11-25")
    assert_kept_equal_a_recount(rr.url)  # closed: its reminder is no longer listed
    rr("undo", str(ids["waiting"]), today="2026-11-26")  # open again, counted open, its reminder back
    assert_kept_equal_a_recount(rr.url)
    rr("remind", str(ids["late"]), "--on", "2026-12-03", "write again", today="2026-11-26")
    rr("edit", str(ids["late"]), "--on", "2027-01-15", today="2026-11-26")  # the reminder moved
    assert_kept_equal_a_recount(rr.url)
    rr("undo", str(ids["draft"]), today="2026-11-26")  # the draft's reminder undone
    assert_kept_equal_a_recount(rr.url)
    with reader(rr.url) as fast:
        assert fast is not None
        assert {r["data"]["text"] for r in fast.reminders(dt.date(2027, 2, 1))} == {
            "call waiting",
            "call late",
            "write again",
        }
    extension = rr.json("show", str(ids["extended"]))["events"][-1]["id"]
    rr("edit", str(ids["extended"]), "--event", str(extension), "--days", "40", today="2026-11-26")
    assert_kept_equal_a_recount(rr.url)
    with reader(rr.url) as fast:
        assert fast is not None
        numbers = kept_summary(fast, dt.date(2026, 11, 27), 50)
    assert numbers.counts.open == 6 and numbers.counts.closed == 1  # the draft is open; 'done' closed
    assert numbers.overdue[0].id == ids["late"]  # the most late first: sent 2026-10-01 to Texas, no answer
    assert numbers.overdue_total == len(numbers.overdue) == numbers.counts.overdue >= 2
    assert numbers.total == 7
    rr("db", "recompute", today="2026-12-20")
    assert_kept_equal_a_recount(rr.url)


def test_the_kept_counts_after_a_law_change(rr: Tracker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under a changed law file the stored schedules are stale: the dashboard counts every request
    (the same numbers as a recount); the read stores the fresh schedules, and the kept counts
    follow them, so the next read answers from them again."""
    from records_req.reports.data import summary

    many(rr)
    monkeypatch.setenv("RECORDS_REQ_LAWS", str(law_copy(tmp_path, "VA", "    days: 5\n", "    days: 10\n")))
    with reader(rr.url) as fast:
        assert fast is not None and not fast.all_fresh()
        day = dt.date(2026, 11, 27)
        assert summary(fast, day, 50) == overview(fast, day).summary(50)
    rr("list")  # a read that can write stores the fresh schedules
    assert_kept_equal_a_recount(rr.url)


def test_a_writer_without_the_orm_recounts_what_it_wrote(rr: Tracker) -> None:
    """A bulk writer (Core statements, no ORM objects: the hooks see nothing) calls
    store.kept.recount with the ids it wrote; calling it again changes nothing."""
    from sqlalchemy import update

    from records_req.store.db import open_store
    from records_req.store.kept import recount
    from records_req.store.models import Request

    ids = many(rr)
    store = open_store(rr.url)
    with store.engine.begin() as connection:  # as a bulk writer would: the request is withdrawn
        connection.execute(
            update(Request).where(Request.id == ids["late"]).values(status="withdrawn", closed=True, schedule="[]")
        )
        recount(connection, [ids["late"], ids["waiting"]])
        recount(connection, [ids["late"]])
    with reader(rr.url) as fast:
        assert fast is not None
        assert all(r["request_id"] != ids["late"] for r in fast.reminders(dt.date(2027, 1, 1)))
    assert_kept_equal_a_recount(rr.url)


def test_an_import_is_counted(rr: Tracker, tmp_path: Path) -> None:
    """A database filled without the ORM's hooks (an export imported) is counted by the import."""
    many(rr)
    dump = tmp_path / "dump.json"
    rr("db", "export", str(dump))
    other = Tracker(f"sqlite:///{tmp_path / 'other.db'}", tmp_path)
    other("db", "import", str(dump))
    assert_kept_equal_a_recount(other.url)


@pytest.mark.empty_db
def test_the_migration_counts_an_existing_database(db_url: str) -> None:
    """Requests stored before migration 0020 (at 0019, as bench/scale.py stores them: no ORM) are
    counted by the migration."""
    from alembic import command
    from sqlalchemy import create_engine, insert

    from records_req.laws import load_laws
    from records_req.lifecycle import Recorded
    from records_req.schedule_cache import compute
    from records_req.store.db import Store, alembic_config, close_all, normalize_url
    from records_req.store.models import Agency, Event, Request

    engine = create_engine(normalize_url(db_url))
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), "0019")
        connection.commit()
    laws = load_laws()
    today = dt.date(2026, 11, 27)
    histories = {
        "TX": [("sent", dt.date(2026, 10, 1))],
        "VA": [("sent", dt.date(2026, 11, 20))],
        "FL": [("sent", dt.date(2026, 11, 2)), ("released", dt.date(2026, 11, 10))],
        "CT": [],
    }
    with engine.begin() as connection:
        for rid, (code, steps) in enumerate(histories.items(), 1):
            name = f"{code} County Sheriff's Office"
            connection.execute(insert(Agency), {"id": rid, "state": code, "name": name, "name_key": name})
            events = [Recorded(rid * 10 + n, kind, on, None, {}, False) for n, (kind, on) in enumerate(steps)]
            _, cached = compute(events, laws[code].for_agency(name), today, rid)
            connection.execute(
                insert(Request),
                {
                    "id": rid,
                    "agency_id": rid,
                    "jurisdiction": code,
                    "since": dt.date(2025, 1, 1),
                    "until": dt.date(2026, 10, 1),
                    "letter_date": dt.date(2026, 10, 1),
                    "status": cached.status,
                    "closed": cached.closed,
                    "due_on": cached.due_on,
                    "due_statutory": cached.due_statutory,
                    "schedule": cached.schedule,
                    "schedule_stamp": cached.stamp,
                },
            )
            for e in events:
                connection.execute(
                    insert(Event), {"id": e.id, "request_id": rid, "kind": e.kind, "on": e.on, "data": {}}
                )
    engine.dispose()
    Store(db_url).dispose()  # migrates to 0020, which counts them
    close_all()
    assert_kept_equal_a_recount(db_url)
    with reader(db_url) as fast:
        assert fast is not None
        numbers = kept_summary(fast, today, 50)
    assert (numbers.total, numbers.counts.open, numbers.counts.closed) == (4, 3, 1)
    assert numbers.overdue[0].jurisdiction == "TX"


def test_the_list_pages_give_the_whole_list(rr: Tracker) -> None:
    """Walking the pages of the requests list forward and back (keyset by id, two a page) gives
    exactly `list`'s rows, and each page's total is `list`'s count, for every kind of filter."""
    from records_req.tracker.agenda import listed, listed_page

    many(rr)
    for extra in ("Fairfax County Sheriff's Office", "Loudoun County Sheriff's Office"):
        rid = rr.new("VA", extra, "--requester-state", "VA", "--tag", "national")
        rr("sent", str(rid), "--via", "email", "--on", "2026-10-20", today="2026-10-20")
    day = dt.date(2026, 11, 27)
    with reader(rr.url) as fast:
        assert fast is not None
        for status in (None, "open", "closed", "overdue", "awaiting-response", "draft"):
            for state, agency, tags in (
                (None, None, ()),
                ("VA", None, ()),
                (None, "county", ()),
                ("TX", None, ()),
                (None, None, ("national",)),
                ("VA", "fairfax", ("national",)),
            ):
                where = (status, state, agency, tags)
                whole = [r.id for r in listed(fast, day, status=status, state=state, agency_text=agency, tags=tags)]
                seen: list[int] = []
                after = None
                while True:
                    page = listed_page(
                        fast, day, status=status, state=state, agency_text=agency, tags=tags, after=after, limit=2
                    )
                    assert page.total == len(whole), (where, page.total, whole)
                    seen.extend(r.id for r in page.rows)
                    if page.next_after is None:
                        break
                    after = page.next_after
                assert seen == whole, where
                back: list[int] = []
                before = (max(whole) + 1) if whole else None
                while before is not None:
                    page = listed_page(
                        fast, day, status=status, state=state, agency_text=agency, tags=tags, before=before, limit=2
                    )
                    back[:0] = [r.id for r in page.rows]
                    before = page.previous_before
                assert back == whole, where
    first = rr.json("list", "--status", "open", "--limit", "2")
    rest = rr.json("list", "--status", "open", "--after", str(first[-1]["id"]))
    assert [r["id"] for r in first + rest] == [r["id"] for r in rr.json("list", "--status", "open")]
    assert f"add --after {first[-1]['id']}" in rr("list", "--status", "open", "--limit", "2")
    assert "--after" not in rr("list", "--status", "open", "--after", str(first[-1]["id"]))


def test_a_campaigns_chunked_writes_are_counted(rr: Tracker, tmp_path: Path) -> None:
    """A campaign records its letters many to a transaction (tracker/campaign.py's chunks, the
    requests flushed together): the counts follow them, and the later sending of some."""
    rows = ["STATE,LAW ENFORCEMENT AGENCY,TYPE,COUNTY,SUPPORT TYPE,SIGNED,MOA,ADDENDUM"]
    rows += [
        f"TEXAS,Town {i} Police Department,Municipality,Harris County,Warrant Service Officer,06/18/2025,,"
        for i in range(7)
    ]
    sheet = tmp_path / "participatingAgencies11302026am.csv"
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    rr("agencies", "import", str(sheet))
    many(rr)
    made = rr.json("campaign", "--state", "TX", "--topic", "wso", "--tag", "C", "--out", str(tmp_path / "out"))
    assert made["summary"]["created"] == 7
    assert_kept_equal_a_recount(rr.url)
    rr("sent", "--tag", "C", "--via", "email", "--on", "2026-11-28", today="2026-11-28")
    assert_kept_equal_a_recount(rr.url)

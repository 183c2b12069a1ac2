"""The fast read path's work depends on what it shows (issue 21): when every stored schedule is
current, `list --status open` and `due` read the open requests through an index, not the whole
table; a stale row anywhere brings back the filter that keeps it for Python to compute again, and
both paths give the same answer. (The figures at 100,000 requests: bench/tracker.py.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import text

from records_req.schedule_cache import current
from records_req.store.db import Store, close_all
from records_req.store.reader import Reader, reader
from records_req.tracker.agenda import due_items, listed

from .cli_helpers import Tracker

TODAY = dt.date(2026, 11, 27)


def three_requests(db_url: str, tmp_path: Path) -> tuple[Tracker, list[int]]:
    """An overdue request, one answered (closed) and a draft."""
    rr = Tracker(db_url, tmp_path)
    rr("profile", "set", "--name", "Ana", "--email", "a@x.org", "--state", "VA")
    ids = [
        rr.new("VA", "Fairfax County Sheriff's Office"),
        rr.new("TX", "Travis County Sheriff's Office", "--requester-state", "TX"),
        rr.new("VA", "Arlington County Police Department"),
    ]
    for rid in ids[:2]:
        rr("sent", str(rid), "--via", "email", "--on", "2026-11-02")
    rr("log", str(ids[1]), "released", "--on", "2026-11-20")
    return rr, ids


def answers(url: str) -> tuple[list[tuple[int, str, bool, bool]], list[tuple[int, str, bool]], bool]:
    with reader(url) as fast:
        assert fast is not None
        rows = [(r.id, r.status, r.closed, r.overdue) for r in listed(fast, TODAY, status="open")]
        due = [(d.id, d.date.isoformat(), d.overdue) for d in due_items(fast, TODAY, within=30)]
        return rows, due, fast.all_fresh()


def test_the_stored_stamps_are_read_from_the_index(db_url: str, tmp_path: Path) -> None:
    _, ids = three_requests(db_url, tmp_path)
    fast = Reader(db_url)
    stamps = current()
    expected = {
        stamps.expected("VA", "Fairfax County Sheriff's Office"),
        stamps.expected("TX", "Travis County Sheriff's Office"),
        stamps.expected("VA", "Arlington County Police Department"),
    }
    assert fast.stored_stamps() == expected
    assert fast.all_fresh()
    fast.close()
    store = Store(db_url)
    with store.write() as session:
        session.execute(text("UPDATE requests SET schedule_stamp = NULL WHERE id = :id"), {"id": ids[2]})
    store.dispose()
    close_all()
    fast = Reader(db_url)
    assert fast.stored_stamps() == expected | {None}
    assert not fast.all_fresh()
    fast.close()


def test_a_stale_row_gives_the_same_answer_as_a_fresh_one(db_url: str, tmp_path: Path) -> None:
    _, ids = three_requests(db_url, tmp_path)
    fresh = answers(db_url)
    assert fresh[2]
    assert [r[0] for r in fresh[0]] == [ids[0], ids[2]]  # the closed one is not listed
    assert fresh[1] == [(ids[0], "2026-11-10", True)]  # five business days after the 2nd
    # The closed request's row made stale and wrong (open, by its cached columns): read again, it
    # is computed from its events, closed, and left out as before.
    store = Store(db_url)
    with store.write() as session:
        session.execute(
            text(
                "UPDATE requests SET schedule_stamp = 'old', closed = :no, status = 'awaiting-response' WHERE id = :id"
            ),
            {"id": ids[1], "no": False},
        )
    store.dispose()
    close_all()
    stale = answers(db_url)
    assert not stale[2]
    assert stale[:2] == fresh[:2]


def test_the_open_list_and_due_search_the_index_instead_of_scanning_every_request(tmp_path: Path) -> None:
    """SQLite's plan for each query the read path runs on requests: the open ones by the
    (closed, id) index, the stamps by theirs; no full scan of the table (it fails on the old
    query, which kept every row whose stamp was not current by an OR no index can answer)."""
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    three_requests(url, tmp_path)
    with reader(url) as fast:
        assert fast is not None
        statements: list[str] = []
        fast.connect().driver.set_trace_callback(statements.append)
        listed(fast, TODAY, status="open")
        due_items(fast, TODAY, within=7, what=("deadline",))
        fast.connect().driver.set_trace_callback(None)
        on_requests = [s for s in statements if "FROM requests" in s and not s.startswith("PRAGMA")]
        assert on_requests
        for sql in on_requests:
            plan = [str(row["detail"]) for row in fast.rows(f"EXPLAIN QUERY PLAN {sql}")]
            assert not any(line.startswith("SCAN r") or line == "SCAN requests" for line in plan), (sql, plan)
            if "r.closed = " in sql:
                assert any("ix_requests_closed_id" in line for line in plan), plan

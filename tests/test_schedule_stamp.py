"""The cached schedule is stamped with what it was computed from (schedule_cache): a
changed law entry, calendar or engine makes it stale, and the first read computes it again and
stores it. The views themselves are held equal under a changed law file in test_parity.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from records_req import schedule_cache
from records_req.laws import load_laws
from records_req.schedule_cache import current, stamp_of

from .cli_helpers import Tracker
from .test_parity import law_copy


def stored(url: str) -> dict[int, tuple[str | None, str | None]]:
    """Each request's (stamp, cached due date) as stored."""
    from records_req.store.reader import reader

    with reader(url) as fast:
        assert fast is not None
        return {
            r["id"]: (r["schedule_stamp"], str(r["due_on"])[:10] if r["due_on"] else None)
            for r in fast.rows("SELECT id, schedule_stamp, due_on FROM requests ORDER BY id")
        }


def test_editing_one_state_makes_only_its_requests_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = current()
    monkeypatch.setenv("RECORDS_REQ_LAWS", str(law_copy(tmp_path, "VA", "    days: 5\n", "    days: 10\n")))
    edited = current()
    changed = {code for code in shipped.by_code if shipped.by_code[code] != edited.by_code[code]}
    assert changed == {"VA"}
    assert shipped.key != edited.key  # the dashboard's cached answer is not reused either


def test_the_stamps_are_the_ones_a_writer_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    laws = load_laws()
    stamps = current()
    for code in ("VA", "OR", "TX", "US"):
        for agency in ("Multnomah County Sheriff's Office", "Portland Police Bureau"):
            assert stamps.expected(code, agency) == stamp_of(laws[code].for_agency(agency)), (code, agency)
    # Oregon sends an elected official's records to court: a sheriff's schedule has its own stamp.
    assert stamps.expected("OR", "Multnomah County Sheriff's Office") != stamps.expected("OR", "Portland PD")
    assert stamps.expected("ZZ", "Nowhere") is None  # a code the law file lacks: nothing to compute with
    before = stamp_of(laws["TX"])
    monkeypatch.setattr(schedule_cache, "ENGINE_VERSION", schedule_cache.ENGINE_VERSION + 1)
    assert stamp_of(laws["TX"]) != before  # the engine's rules changed: every schedule is stale


def test_a_read_under_a_changed_law_stores_the_fresh_schedule(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The review's reproduction (section 2.4), then: the first `list` stores what it computed,
    the requests of other states keep their stamps, and `db recompute` has nothing left to fix."""
    rr = Tracker(db_url, tmp_path)
    rr("profile", "set", "--name", "Ana", "--email", "a@x.org", "--state", "VA")
    va = rr.new("VA", "Fairfax County Sheriff's Office")
    tx = rr.new("TX", "Travis County Sheriff's Office", "--requester-state", "TX")
    for rid in (va, tx):
        rr("sent", str(rid), "--via", "email", "--on", "2026-11-16")
    before = stored(db_url)
    assert before[va][1] == "2026-11-23"
    monkeypatch.setenv("RECORDS_REQ_LAWS", str(law_copy(tmp_path, "VA", "    days: 5\n", "    days: 10\n")))
    listed = {r["id"]: r for r in rr.json("list")}
    assert (listed[va]["due"], listed[va]["overdue"]) == ("2026-12-02", False)
    due = {r["id"]: r for r in rr.json("due", "--within", "30") if r["what"] == "deadline"}
    assert (due[va]["date"], due[va]["overdue"]) == ("2026-12-02", False)
    after = stored(db_url)
    assert after[va] == (current().expected("VA", "Fairfax County Sheriff's Office"), "2026-12-02")
    assert after[tx] == before[tx]  # Texas's entry did not change: its row was not touched
    assert rr("db", "recompute") == "Recomputed 2 requests.\n"
    assert stored(db_url) == after


def test_a_row_without_a_stamp_is_computed_again(db_url: str, tmp_path: Path) -> None:
    """Rows stored before migration 0013 (or by an older engine) carry no stamp: a read computes
    them again instead of trusting them; a wrong cached schedule shows that it did."""
    from records_req.store.db import open_store

    rr = Tracker(db_url, tmp_path)
    rid = rr.new(
        "VA",
        "Fairfax County Sheriff's Office",
        "--requester-name",
        "Ana",
        "--requester-email",
        "a@x.org",
        "--requester-state",
        "VA",
    )
    rr("sent", str(rid), "--via", "email", "--on", "2026-11-16")
    with open_store(db_url).write() as session:
        from sqlalchemy import text

        session.execute(
            text("UPDATE requests SET schedule = :s, schedule_stamp = NULL, due_on = :d"),
            {"s": '[["2026-11-16", "2030-01-01", true, false, "wrong"]]', "d": dt.date(2030, 1, 1)},
        )
    assert [(r["due"], r["overdue"]) for r in rr.json("list", "--status", "overdue")] == [("2026-11-23", True)]
    assert stored(db_url)[rid][1] == "2026-11-23"

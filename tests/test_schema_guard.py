"""A database and a records-req that disagree about the schema (issue 17): a running dashboard or
process whose database a newer records-req has migrated writes nothing, and a database marked
with a revision this version does not know is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from .cli_helpers import Tracker
from .test_web import ANA, browser


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    return Tracker(db_url, tmp_path)


def mark_schema(url: str, revision: str) -> None:
    """What a newer records-req's migration leaves: another revision in alembic_version."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    finally:
        engine.dispose()


def test_a_process_writes_nothing_into_a_database_migrated_after_it_opened(rr: Tracker) -> None:
    from records_req.store.db import SchemaChanged, open_store
    from records_req.store.models import Event

    request_id = rr.new("VA", "Fairfax County Sheriff's Office", *ANA)
    store = open_store(rr.url)  # opened (and checked) before the migration, as a dashboard is
    with store.read() as session:
        before = len(session.query(Event).all())
    mark_schema(rr.url, "0099")
    with pytest.raises(SchemaChanged, match="0099") as refused, store.write() as session:
        session.add(Event(request_id=request_id, kind="sent", on=__import__("datetime").date(2026, 11, 27)))
    assert "newer records-req" in str(refused.value) and "\n" not in str(refused.value)
    with store.read() as session:
        assert len(session.query(Event).all()) == before


def test_the_dashboard_refuses_forms_with_a_page_once_a_newer_records_req_migrated(rr: Tracker) -> None:
    request_id = rr.new("VA", "Fairfax County Sheriff's Office", *ANA)
    web = browser(rr)
    assert web.get(f"/requests/{request_id}").status_code == 200
    token = web.token(f"/requests/{request_id}")
    mark_schema(rr.url, "0099")
    got = web.client.post(
        f"/requests/{request_id}/event",
        data={"kind": "sent", "on": "2026-11-27", "csrf_token": token},
        headers={"Host": "127.0.0.1:8765"},
    )
    page = got.get_data(as_text=True)
    assert got.status_code == 503 and "0099" in page and "Nothing was written" in page
    mark_schema(rr.url, __import__("records_req.store.db", fromlist=["HEAD"]).HEAD)
    assert rr.json("show", str(request_id))["status"] != "sent"  # the event was never recorded


@pytest.mark.parametrize("revision", ["zz-not-a-revision", "0009a", "'; DROP TABLE x; --"])
def test_a_database_marked_with_an_unknown_revision_is_one_line(rr: Tracker, revision: str) -> None:
    from records_req.store.db import close_all

    rr.new("VA", "Fairfax County Sheriff's Office", *ANA)
    close_all()  # a new process opens the database afresh
    mark_schema(rr.url, revision)
    out = rr("list", code=1)
    assert out == ""
    assert "does not know" in rr.stderr and len(rr.stderr.strip().splitlines()) == 1
    assert "Traceback" not in rr.stderr

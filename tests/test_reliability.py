"""Nothing is lost: killed writers, concurrent writers, migrations, export and import."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from records_req.cli import cli
from records_req.store.db import HEAD, MIGRATIONS, Store, close_all
from records_req.store.models import Base, Event, Request

from .conftest import subprocess_env

SEED = [
    ["profile", "set", "--name", "Ana", "--email", "ana@example.org", "--state", "GA"],
]


def seed(url: str, tmp_path: Path, n: int = 2) -> None:
    runner = CliRunner()
    for args in SEED:
        assert runner.invoke(cli, ["--db", url, *args]).exit_code == 0
    for i in range(n):
        result = runner.invoke(
            cli,
            [
                "--db",
                url,
                "--as-of",
                "2026-11-27",
                "new",
                "--state",
                "GA",
                "--agency",
                f"Agency {i}",
                "--topic",
                "wso",
                "--tag",
                "T",
                "--out",
                str(tmp_path / "out"),
                "--date",
                "2026-11-18",  # the letter is dated before the day it is sent
                "--format",
                "pdf",
            ],
        )
        assert result.exit_code == 0, result.stderr
        assert (
            runner.invoke(
                cli, ["--db", url, "--as-of", "2026-11-27", "sent", str(i + 1), "--on", "2026-11-20"]
            ).exit_code
            == 0
        )
    close_all()


def test_head_matches_the_migration_scripts() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD


def test_models_match_the_migrated_schema(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    store = Store(db_url)
    with store.engine.connect() as conn:
        from records_req.search import modelled  # the full-text search's tables and indexes (0018)

        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": modelled})
        assert compare_metadata(context, Base.metadata) == []
    store.dispose()


def test_a_database_from_the_first_migration_upgrades_without_losing_a_row(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    from sqlalchemy import create_engine

    engine = create_engine(url)
    from records_req.store.db import _sqlite_setup

    _sqlite_setup(engine)
    with engine.connect() as conn:
        from alembic import command

        from records_req.store.db import alembic_config

        command.upgrade(alembic_config(conn), "0001")
        conn.commit()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO agencies (id, state, name, name_key, created_at) "
                "VALUES (1, 'GA', 'Old Agency', 'old agency', '2025-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO requests (id, agency_id, jurisdiction, topics, items, since, until, "
                "letter_date, fee_limit, created_at, status, closed) VALUES (1, 1, 'GA', "
                "'[\"wso\"]', '[]', '2025-01-01', '2025-06-01', '2025-06-01', 50, "
                "'2025-06-01 00:00:00', 'awaiting-response', 0)"
            )
        )
        conn.execute(
            text(
                'INSERT INTO events (id, request_id, kind, "on", data, forced, created_at) VALUES '
                "(1, 1, 'sent', '2025-06-01', '{\"via\": \"email\"}', 0, '2025-06-01 00:00:00')"
            )
        )
    engine.dispose()
    store = Store(url)  # upgrades to head on open
    assert store.current_revision() == HEAD
    with store.read() as session:
        request = session.get(Request, 1)
        assert request is not None and request.agency.name == "Old Agency"
        assert [e.kind for e in request.events] == ["sent"]
        assert request.due_statutory is False
    store.dispose()


def test_export_import_into_an_empty_database_gives_identical_json(db_url: str, tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    seed(source, tmp_path)
    runner = CliRunner()
    first, second = tmp_path / "one.json", tmp_path / "two.json"
    assert runner.invoke(cli, ["--db", source, "db", "export", str(first)]).exit_code == 0
    result = runner.invoke(cli, ["--db", db_url, "db", "import", str(first)])
    assert result.exit_code == 0, result.stderr
    assert runner.invoke(cli, ["--db", db_url, "db", "export", str(second)]).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    data = json.loads(first.read_text())
    assert data["format"] == "records-req-export" and data["version"] == 1
    assert len(data["requests"]) == 2 and len(data["events"]) == 2
    again = runner.invoke(cli, ["--db", db_url, "db", "import", str(first)])
    assert again.exit_code == 1 and "not empty" in again.stderr
    # the imported database keeps working: new ids continue after the imported ones
    result = runner.invoke(
        cli,
        [
            "--db",
            db_url,
            "--as-of",
            "2026-11-27",
            "new",
            "--state",
            "GA",
            "--agency",
            "Another",
            "--topic",
            "wso",
            "--out",
            str(tmp_path / "o2"),
            "--json",
            "--format",
            "pdf",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["id"] == 3


WRITER = textwrap.dedent("""
    import datetime as dt, sys
    from records_req.store.db import Store
    from records_req.tracker import service
    store = Store(sys.argv[1])
    request_id, count, label = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    with store.read() as session:
        service.get_request(session, request_id)  # everything imported and connected before the start
    print("ready", flush=True)
    sys.stdin.readline()  # the start, given to both writers at once
    for i in range(count):
        with store.write() as session:
            request = service.get_request(session, request_id)
            service.log_event(session, request, "note", dt.date(2026, 11, 27), note=f"{label} {i}",
                              today=dt.date(2026, 11, 27))
""")


def concurrent_writers(url: str, tmp_path: Path, per_process: int) -> list[str]:
    """Two writer processes, started together once both are ready: the notes they logged, in the
    order they were stored."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, "1", str(per_process), label],
            env=subprocess_env(RECORDS_REQ_HOME=str(tmp_path / "home")),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for label in ("A", "B")
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n", proc.communicate(timeout=60)
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    store = Store(url)
    with store.read() as session:
        notes = session.scalars(select(Event.note).where(Event.kind == "note").order_by(Event.id)).all()
    store.dispose()
    return [str(note) for note in notes]


@pytest.mark.slow
def test_two_processes_appending_events_at_once_lose_nothing(db_url: str, tmp_path: Path) -> None:
    """Two processes, let go together once both are connected, 40 transactions each into one
    request: every transaction of each waits for the other's (SQLite: one writer at a time, the
    other waiting on its lock) or interleaves with them (PostgreSQL), and none is lost. (It was 500
    each, then 200, then 100 with no common start.)"""
    seed(db_url, tmp_path, n=1)
    notes = concurrent_writers(db_url, tmp_path, 40)
    assert sorted(notes) == sorted(f"{label} {i}" for label in "AB" for i in range(40))


KILLED = textwrap.dedent("""
    import datetime as dt, sys
    from records_req.store.db import Store
    from records_req.store.models import Event
    store = Store(sys.argv[1])
    with store.write() as session:
        for i in range(10**7):
            session.add(Event(request_id=1, kind="note", on=dt.date(2026, 11, 27), note=str(i), data={}))
            if i % 500 == 0:
                session.flush()
            if i == 5000:
                print("writing", flush=True)
""")


@pytest.mark.serial
def test_a_writer_killed_mid_transaction_leaves_the_database_consistent(db_url: str, tmp_path: Path) -> None:
    seed(db_url, tmp_path, n=2)
    store = Store(db_url)
    with store.read() as session:
        before = session.scalar(select(func.count()).select_from(Event))
    store.dispose()
    with subprocess.Popen(
        [sys.executable, "-c", KILLED, db_url],
        stdout=subprocess.PIPE,
        env=subprocess_env(RECORDS_REQ_HOME=str(tmp_path / "home")),
        text=True,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "writing"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    close_all()
    store = Store(db_url)
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == before
        assert session.scalar(select(func.count()).select_from(Request)) == 2
        if store.is_sqlite:
            assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    store.dispose()
    result = CliRunner().invoke(cli, ["--db", db_url, "--as-of", "2026-11-27", "log", "1", "note"])
    assert result.exit_code == 0, result.stderr

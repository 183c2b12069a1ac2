"""The test suite's own set-up (tests/conftest.py and pyproject.toml's addopts), run on small
throw-away suites in a subprocess: skips counted by reason, the serial tests on one worker, and
ICE's one shipped sheet."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from .conftest import (
    FIXTURES,
    PG_ENV,
    PG_URL,
    REPO,
    SERIAL_LOCK_ENV,
    PostgresDatabases,
    ice_sheet,
    remove_old_temporary_trees_later,
)

pytest_plugins = ["pytester"]


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """A scratch suite with this project's conftest and pytest settings (addopts included)."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    section = text[text.index("[tool.pytest.ini_options]") :]
    section = section[: section.index("\n[", 1)]
    pytester.makepyprojecttoml("\n".join(x for x in section.splitlines() if not x.startswith("testpaths")))
    pytester.makeconftest((REPO / "tests" / "conftest.py").read_text(encoding="utf-8"))
    return pytester


def test_skips_are_counted_by_reason_and_the_serial_tests_never_run_at_the_same_time(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One scratch run on two workers, as the README's command runs: the skips are counted by
    reason under one line each and the summary line comes last; and each serial test stays a moment
    and looks for another one running: none ever is, and all of them ran on one worker. (The
    scratch suite has its own serial lock, or it would wait for this run's serial tests and other
    runs'.)"""
    monkeypatch.setenv(SERIAL_LOCK_ENV, str(suite.path / "serial.lock"))
    suite.makepyfile(
        test_skips="""
        import pytest

        @pytest.mark.parametrize("i", range(7))
        def test_needs_a_service(i):
            pytest.skip("the service is not running")

        @pytest.mark.skipif(True, reason="not on this system")
        def test_elsewhere():
            pass

        def test_runs():
            pass
        """,
        test_serial="""
        import os
        import time
        from pathlib import Path

        import pytest

        @pytest.mark.serial
        @pytest.mark.parametrize("i", range(6))
        def test_one_at_a_time(i, tmp_path_factory):
            running = tmp_path_factory.getbasetemp().parent / "running"
            running.mkdir(exist_ok=True)
            me = running / str(i)
            me.touch()
            seen = Path(os.environ["SERIAL_SEEN"])
            seen.mkdir(exist_ok=True)
            (seen / str(i)).write_text(os.environ["PYTEST_XDIST_WORKER"])
            try:
                end = time.monotonic() + 0.3
                while time.monotonic() < end:
                    assert [p.name for p in running.iterdir()] == [me.name]
                    time.sleep(0.02)
            finally:
                me.unlink()

        @pytest.mark.parametrize("i", range(6))
        def test_anywhere(i):
            pass
        """,
    )
    monkeypatch.setenv("SERIAL_SEEN", str(suite.path / "seen"))
    result = suite.runpytest_subprocess("-n", "2")
    result.assert_outcomes(passed=13, skipped=8)
    workers = {p.read_text() for p in (suite.path / "seen").iterdir()}
    assert len(workers) == 1, f"the serial tests ran on {sorted(workers)}, not one worker"
    lines = result.stdout.lines
    assert not [line for line in lines if line.startswith("SKIPPED")], "one line per skipped test"
    counted = [line.strip() for line in lines[lines.index(next(x for x in lines if "skipped, by reason" in x)) + 1 :]]
    assert counted[:2] == ["7 the service is not running", "1 not on this system"]
    assert re.fullmatch(r"=+ 13 passed, 8 skipped in .* =+", lines[-1]), lines[-1]


def test_one_real_ice_sheet_ships_with_the_tests_as_its_source_says() -> None:
    shipped = FIXTURES / "ice-287g" / "pendingAgencies02272026am.xlsx"
    source = (FIXTURES / "ice-287g" / "SOURCE.md").read_text(encoding="utf-8")
    assert f"sha256 {hashlib.sha256(shipped.read_bytes()).hexdigest()}" in source
    assert ice_sheet(shipped.name).read_bytes() == shipped.read_bytes()  # ../shared's copy is the same file
    assert not ice_sheet("participatingAgencies01012099am.xlsx").exists()


@pytest.mark.xdist_group("suite-setup")
def test_a_test_of_an_xdist_group_carries_its_group_as_loadgroup_reads_it(request: pytest.FixtureRequest) -> None:
    """Under ``--dist loadgroup`` (the README's command), a test marked ``xdist_group`` has the
    ``@group`` suffix that pytest-xdist schedules by, which pytest 9.2 no longer lets xdist add
    itself: conftest adds it, for the serial tests, the browser tests and every other group."""
    if not (hasattr(request.config, "workerinput") and request.config.getvalue("loadgroup")):
        pytest.skip("not run by pytest-xdist with --dist loadgroup")
    assert request.node.nodeid.endswith("@suite-setup")


SEEN_DATABASE_IDS: set[str] = set()


@pytest.mark.parametrize("turn", range(4))
def test_each_test_gets_an_empty_database_at_the_current_schema_whatever_the_one_before_did(
    db_url: str, turn: int
) -> None:
    """db_url's databases are copies of one migrated template, and on PostgreSQL they are reused:
    whatever a test wrote, or changed in the schema or the revision, the next test never sees it."""
    from sqlalchemy import text

    from records_req.store.db import HEAD, Store

    store = Store(db_url)
    try:
        with store.engine.begin() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
            assert conn.execute(text("SELECT count(*) FROM agencies")).scalar() == 0
            assert "left_behind" not in list(conn.execute(text("SELECT * FROM agencies")).keys())
            database_id = conn.execute(text("SELECT value FROM settings WHERE key = 'database_id'")).scalar()
            assert database_id and database_id not in SEEN_DATABASE_IDS  # each database its own id
            SEEN_DATABASE_IDS.add(database_id)
            conn.execute(
                text(
                    "INSERT INTO agencies (state, name, name_key, created_at) "
                    "VALUES ('VA', 'Left behind', 'left behind', '2026-11-27 00:00:00')"
                )
            )
            assert conn.execute(text("SELECT max(id) FROM agencies")).scalar() == 1  # numbering starts over
        with store.engine.begin() as conn:  # what a test may do to the schema and the revision
            conn.execute(text("UPDATE alembic_version SET version_num = 'zz-other'"))
            if turn % 2:
                conn.execute(text("ALTER TABLE agencies ADD COLUMN left_behind TEXT"))
    finally:
        store.dispose()


@pytest.mark.skipif(not PG_URL, reason=f"PostgreSQL tests need {PG_ENV}=postgresql://... (see README)")
@pytest.mark.parametrize(
    "change",
    [
        "ALTER TABLE agencies ADD COLUMN left_behind TEXT",
        "CREATE INDEX left_behind ON agencies (state)",
        "ALTER TABLE agencies ALTER COLUMN state SET DEFAULT 'VA'",
        "ALTER TABLE agencies ALTER COLUMN state DROP NOT NULL",
        "ALTER TABLE agencies RENAME COLUMN state TO left_behind",
        "ALTER TABLE agencies ADD CONSTRAINT left_behind CHECK (state <> '')",
        "CREATE SEQUENCE left_behind",
    ],
)
def test_a_postgresql_database_whose_schema_a_test_changed_is_replaced_not_reused(
    postgres_databases: PostgresDatabases, change: str
) -> None:
    """The reset's check of the schema (PostgresDatabases.SCHEMA) sees each kind of change a test
    can make, and the database it gives back has the template's schema and rows again; rows alone
    are emptied in place."""
    from sqlalchemy import create_engine, text

    databases = postgres_databases
    url = databases.take()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO agencies (state, name, name_key, created_at) VALUES ('VA', 'x', 'x', now())"))
        unchanged = conn.execute(text(databases.SCHEMA)).scalar()
        conn.execute(text(change))
        changed = conn.execute(text(databases.SCHEMA)).scalar()
    engine.dispose()
    assert unchanged == databases.schema and changed != databases.schema, change
    name = url.rsplit("/", 1)[1]
    again = databases._reset(name)
    assert again != name  # dropped, and a new copy made in its place
    with databases._on(again) as conn:
        assert conn.execute(text(databases.SCHEMA)).scalar() == databases.schema
        assert conn.execute(text("SELECT count(*) FROM agencies")).scalar() == 0
    databases.give_back(databases.url_of(again))  # the new copy, to the pool as any test's


def test_old_temporary_folders_are_moved_aside_by_pytests_rule_and_a_locked_one_is_kept(tmp_path: Path) -> None:
    """What pytest would delete as a run ends (numbered folders older than the last three) is
    moved out of pytest-of-USER for a process of its own to delete; the newest three, and a folder
    another running session holds locked, stay where they are."""
    root = tmp_path / "pytest-of-someone"
    for number in range(1, 7):
        (root / f"pytest-{number}" / "test_x0").mkdir(parents=True)
        (root / f"pytest-{number}" / "test_x0" / "records.db").write_bytes(b"x")
    (root / "pytest-2" / ".lock").write_text("")  # another session, still running
    config = SimpleNamespace(
        _tmp_path_factory=SimpleNamespace(_basetemp=root / "pytest-6", _given_basetemp=None, _retention_count=3)
    )
    remove_old_temporary_trees_later(config)  # type: ignore[arg-type]
    assert sorted(p.name for p in root.iterdir()) == ["pytest-2", "pytest-4", "pytest-5", "pytest-6"]

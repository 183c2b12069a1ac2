"""The read commands on PostgreSQL read through libpq itself (store/pq.py), not psycopg: the same
values psycopg gives for every column of the schema, the same parameters sent, no psycopg imported
by `list`, `due` or `show`; a connection kept for the next reader (the dashboard's next page)
instead of one per page, and replaced when the server has closed it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from records_req.store import pq
from records_req.store import reader as reader_module
from records_req.store.db import close_all
from records_req.store.reader import Reader, ReaderError, reader
from records_req.tracker.agenda import due_items, listed

from .cli_helpers import Tracker
from .conftest import BACKENDS
from .test_startup import modules_loaded

TODAY = dt.date(2026, 11, 27)
on_postgres_only = pytest.mark.parametrize("db_url", [BACKENDS[1]], indirect=True)
ANA = ("--requester-name", "Ana Núñez", "--requester-email", "ana@example.org", "--requester-state", "VA")


def conninfo(db_url: str) -> str:
    found = reader_module._pg_conninfo(db_url)
    assert found
    return found


def filled(db_url: str, tmp_path: Path) -> list[int]:
    """Requests with a history, tags, a reminder, a note with odd text and a tracking number."""
    rr = Tracker(db_url, tmp_path)
    ids = [
        rr.new("VA", "Fairfax County Sheriff's Office", *ANA, "--tag", "b tag", "--tag", "A tag"),
        rr.new("TX", "Travis County Sheriff's Office", *ANA),
        rr.new("VA", "Arlington County Police Department", *ANA, "--tag", "b tag"),
    ]
    for rid in ids[:2]:
        rr("sent", str(rid), "--via", "email", "--on", "2026-11-02")
    rr("log", str(ids[1]), "released", "--on", "2026-11-20")
    rr("log", str(ids[0]), "note", "--on", "2026-11-21", "--note", 'Ñandú — "quoted"\ttab\\ 100%_x')
    rr("log", str(ids[0]), "acknowledged", "--on", "2026-11-05", "--tracking-number", "FOIA-2026-17")
    rr("remind", str(ids[0]), "--on", "2026-11-30", "call the clerk")
    return ids


@pytest.fixture
def psycopg_connection(db_url: str) -> Iterator[Any]:
    import psycopg

    with psycopg.connect(conninfo(db_url), autocommit=True) as connection:
        yield connection


def by_psycopg(connection: Any, sql: str, params: tuple[Any, ...] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [d.name for d in cursor.description], cursor.fetchall()


def typed(rows: list[tuple[Any, ...]]) -> list[list[str]]:
    """Each value's repr with its type's name: equal values of other types (1 and True) differ,
    and NaN is NaN."""
    return [[f"{type(v).__name__} {v!r}" for v in row] for row in rows]


@on_postgres_only
def test_every_table_reads_as_psycopg_reads_it(db_url: str, tmp_path: Path, psycopg_connection: Any) -> None:
    filled(db_url, tmp_path)
    tables = [
        t for (t,) in by_psycopg(psycopg_connection, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")[1]
    ]
    assert {"requests", "events", "agencies", "request_stages", "request_tags", "open_reminders"} <= set(tables)
    libpq = pq.Connection(conninfo(db_url))
    try:
        for table in tables:
            sql = f'SELECT * FROM "{table}" ORDER BY 1'
            names, rows = libpq.execute(sql)
            expected_names, expected = by_psycopg(psycopg_connection, sql)
            assert names == expected_names, table
            assert typed(rows) == typed(expected), table
    finally:
        libpq.close()


VALUES = """SELECT 1::int2 AS a, 70000::int4, (2^40)::int8, 1.5::float8, 'NaN'::float8, 12.50::numeric,
    true, false, 'x'::varchar(2), '', 'Ñandú — "q" \\ %%'::text, E'two\\nlines\\ttab',
    '2026-11-27'::date, '2026-11-27 10:11:12.345678'::timestamp, '2026-11-27 10:11:12'::timestamp,
    '{"a": [1, "ü"], "b": null}'::json, '[]'::jsonb, 'null'::json, '\\x00ff'::bytea,
    NULL::int, NULL::text, NULL::date, NULL::json, NULL::bool"""


@on_postgres_only
def test_values_and_parameters_are_the_ones_psycopg_gives_and_sends(db_url: str, psycopg_connection: Any) -> None:
    import psycopg

    libpq = pq.Connection(conninfo(db_url))
    try:
        assert typed(libpq.execute(VALUES)[1]) == typed(by_psycopg(psycopg_connection, VALUES)[1])
        typed_values = (
            True,
            False,
            7,
            70_000,
            2**40,
            2**70,
            1.25,
            dt.date(2026, 2, 28),
            dt.datetime(2026, 2, 28, 9, 8, 7, 6),
        )
        sql = "SELECT " + ", ".join("pg_typeof(%s)::text, CAST(%s AS text)" for _ in typed_values)
        params = tuple(v for value in typed_values for v in (value, value))
        assert libpq.execute(sql, params) == by_psycopg(psycopg_connection, sql, params)
        untyped = (None, "", "Ñandú 100%", "2026-02-28")  # sent as "unknown", for the server to infer
        sql = "SELECT " + ", ".join("CAST(%s AS text)" for _ in untyped) + ", CAST(%s AS date) + 1"
        assert libpq.execute(sql, (*untyped, "2026-02-28")) == by_psycopg(
            psycopg_connection, sql, (*untyped, "2026-02-28")
        )
        for statement in ("SELECT pg_typeof(%s)", "SELECT nothing_here(%s)"):
            with pytest.raises(pq.PQError, match=r"parameter|does not exist") as refused:
                libpq.execute(statement, ("x",))
            with pytest.raises(psycopg.Error) as also:
                by_psycopg(psycopg_connection, statement, ("x",))
            assert str(refused.value) == str(also.value).splitlines()[0]
        like = "SELECT name FROM agencies WHERE name LIKE %s ESCAPE '\\' AND 'a%%' <> %s"
        assert libpq.execute(like, ("%Sheriff%", "b")) == by_psycopg(psycopg_connection, like, ("%Sheriff%", "b"))
    finally:
        libpq.close()


def test_placeholders_are_numbered_as_libpq_wants_them() -> None:
    assert pq._numbered("SELECT 1", 0) == "SELECT 1"
    assert pq._numbered("SELECT %s, %s WHERE a LIKE 'x%%'", 2) == "SELECT $1, $2 WHERE a LIKE 'x%'"
    with pytest.raises(pq.PQError):
        pq._numbered("SELECT %s", 2)
    with pytest.raises(pq.PQError):
        pq._numbered("SELECT 1", 1)
    with pytest.raises(TypeError):
        pq._param(object())


@on_postgres_only
def test_list_due_and_show_on_postgresql_import_neither_psycopg_nor_sqlalchemy(db_url: str, tmp_path: Path) -> None:
    ids = filled(db_url, tmp_path)
    close_all()
    for args in (["list", "--json"], ["due", "--within", "30"], ["show", str(ids[0])]):
        loaded = modules_loaded(["--db", db_url, "--as-of", TODAY.isoformat(), *args])
        assert not loaded & {"psycopg", "psycopg_binary", "sqlalchemy", "asyncio", "ssl"}, args


@on_postgres_only
def test_the_answers_are_the_same_through_psycopg(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where libpq cannot be loaded by ctypes, the reader reads through psycopg, to the same answer."""
    ids = filled(db_url, tmp_path)

    def answers() -> tuple[Any, ...]:
        from records_req.tracker.views import request_details

        close_all()
        with reader(db_url) as fast:
            assert fast is not None
            return (
                listed(fast, TODAY),
                due_items(fast, TODAY, within=30),
                json.dumps(request_details(fast, ids[0], TODAY).to_json(), default=str),
                type(fast.connect()).__name__,
            )

    through_libpq = answers()
    monkeypatch.setattr(pq, "load", lambda: None)
    through_psycopg = answers()
    assert (through_libpq[-1], through_psycopg[-1]) == ("_LibpqConnection", "_PsycopgConnection")
    assert through_libpq[:-1] == through_psycopg[:-1]
    assert [r.tags for r in through_libpq[0]] == [("A tag", "b tag"), (), ("b tag",)]


def backend_pid(url: str) -> int:
    with reader(url) as fast:
        assert fast is not None
        return int(fast.rows("SELECT pg_backend_pid() AS pid")[0]["pid"])


@on_postgres_only
def test_a_reader_gets_the_connection_the_last_one_gave_back(db_url: str) -> None:
    first = backend_pid(db_url)
    assert backend_pid(db_url) == first
    close_all()  # closes the kept connections too
    assert backend_pid(db_url) != first


@on_postgres_only
def test_a_kept_connection_the_server_closed_is_replaced(db_url: str, psycopg_connection: Any) -> None:
    first = backend_pid(db_url)
    by_psycopg(psycopg_connection, "SELECT pg_terminate_backend(%s)", (first,))
    with reader(db_url) as fast:  # the revision's query fails on the dead one: a new connection
        assert fast is not None
        pid = int(fast.rows("SELECT pg_backend_pid() AS pid")[0]["pid"])
    assert pid != first
    assert backend_pid(db_url) == pid


def test_a_failed_query_is_a_clear_error_and_its_connection_is_not_kept(db_url: str) -> None:
    fast = Reader(db_url)
    assert fast.revision()
    with pytest.raises(ReaderError, match=r"^Database error on .*: .*no_such_table"):
        fast.rows("SELECT * FROM no_such_table")
    fast.close()
    assert not any(reader_module._idle.values())
    assert fast.rows("SELECT 1 AS one") == [{"one": 1}]  # a new connection
    fast.close()


@on_postgres_only
def test_the_dashboard_opens_no_connection_per_page(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from records_req.web import Settings, create_app

    filled(db_url, tmp_path)
    close_all()
    opened: list[str] = []
    connect = reader_module._pg_connect

    def counted(info: str) -> Any:
        opened.append(info)
        return connect(info)

    monkeypatch.setattr(reader_module, "_pg_connect", counted)
    app = create_app(Settings(db_url=db_url, out_dir=tmp_path / "out", today=TODAY, secret_key=b"k" * 32))
    client = app.test_client()
    for page in ("/", "/requests", "/requests?status=open", "/", "/requests?status=overdue", "/agencies"):
        assert client.get(page, headers={"Host": "127.0.0.1:8765"}).status_code == 200, page
    assert len(opened) == 1


def test_the_read_commands_print_everything_before_ending_the_process(db_url: str, tmp_path: Path) -> None:
    """list, due and show end their process without the interpreter's teardown once printed
    (cli.exit_when_done): their whole output, piped, is what the command gives in process."""
    import subprocess
    import sys

    from .conftest import subprocess_env

    ids = filled(db_url, tmp_path)
    rr = Tracker(db_url, tmp_path)
    close_all()
    for args in (["list", "--json"], ["list"], ["due", "--within", "30", "--json"], ["show", str(ids[0])]):
        expected = rr(*args)
        done = subprocess.run(
            [sys.executable, "-m", "records_req", "--db", db_url, "--as-of", "2026-11-27", *args],
            capture_output=True,
            text=True,
            env=subprocess_env(),
            check=False,
        )
        assert (done.returncode, done.stderr) == (0, ""), args
        assert done.stdout == expected, args

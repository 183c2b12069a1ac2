"""Read-only queries for `list`, `due` and `show`, straight through the database driver.

Importing SQLAlchemy and mapping the models costs about 0.4 s on a small machine, more than
these commands may take in all. So they read through the driver (``sqlite3``; for PostgreSQL
libpq itself through store/pq.py, since importing psycopg costs 100-200 ms, or psycopg where libpq
cannot be loaded) with plain SQL on the same tables, and the schema check is one query. Anything
that writes, migrates or is not current goes through :class:`records_req.store.db.Store`. A
PostgreSQL connection is kept for the next reader in the process (the dashboard's next page).
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from records_req.errors import RecordsReqError
from records_req.store.urls import HEAD, masked
from records_req.views import RequestRow, days_late

if TYPE_CHECKING:
    from records_req.lifecycle import Stage
    from records_req.schedule_cache import Cached, Fresh, Stamps

HEAD_QUERY = "SELECT version_num FROM alembic_version"
# A request as lists read it (Reader._answers turns it into a RequestRow on a day): its topics as
# the JSON's text (a handful of distinct texts, each parsed once). Its tags are read apart
# (Reader._tags), or for every request at once in the same query (Reader.overview_rows, TAGS_OF:
# joined by U+001F).
ROW_COLUMNS = (
    "r.id, r.jurisdiction, a.name AS agency, r.status, r.closed, r.letter_date, r.schedule, "
    "r.due_on, r.due_statutory, r.schedule_stamp, CAST(r.topics AS TEXT) AS topics"
)
ROW_FROM = "FROM requests r JOIN agencies a ON a.id = r.agency_id"
ROW_QUERY = f"SELECT {ROW_COLUMNS} {ROW_FROM}"
TAGS_OF = {
    True: "(SELECT group_concat(t.tag, char(31)) FROM request_tags t WHERE t.request_id = r.id) AS tags",
    False: "(SELECT string_agg(t.tag, chr(31) ORDER BY t.tag) FROM request_tags t WHERE t.request_id = r.id) AS tags",
}
# The spans of days (request_stages, migration 0020) on which a request is overdue (or due, not
# overdue) on the day given three times: an index range on (overdue, due_on).
ON_DAY = "overdue = ? AND start <= ? AND until > ?"


class ReaderError(RecordsReqError):
    pass


def like_contains(text: str) -> str:
    """A LIKE pattern for "contains ``text``", its wildcards taken literally (``ESCAPE '\\'``)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@lru_cache(maxsize=8192)
def _iso_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@lru_cache(maxsize=200_000)
def _parsed_schedule(text: str) -> tuple[Stage, ...]:
    """A cached schedule (schedule_cache.compute's JSON) as the lifecycle's stages; () for none."""
    from records_req.lifecycle import parse_schedule

    return parse_schedule(text)


def _topics(value: Any) -> tuple[str, ...]:
    """A request's topics as stored (JSON text on SQLite; a list from PostgreSQL's json)."""
    return _topics_text(value) if isinstance(value, str) else tuple(value or ())


@lru_cache(maxsize=8192)
def _topics_text(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text) or ())


@lru_cache(maxsize=200_000)
def _answer(schedule: str, day: dt.date) -> Stage | None:
    """The stage of a cached schedule in force on ``day`` (lifecycle.stage_on). Kept per schedule
    and day, so a warm dashboard answers 10,000 requests from memory; a changed request has a
    new schedule."""
    from records_req.lifecycle import stage_on

    return stage_on(_parsed_schedule(schedule), day)


@lru_cache(maxsize=8192)
def _tag_tuple(joined: str) -> tuple[str, ...]:
    """A request's tags as read joined by U+001F (Reader.overview_rows), sorted."""
    return tuple(sorted(joined.split("\x1f")))


def _wanted(row: RequestRow, status: str | None, due_before: dt.date | None) -> bool:
    """Whether a row, as answered on the day, passes :meth:`Reader.requests`'s status and date
    filters (the database filtered on the cached columns; a stale row was computed again)."""
    if (status == "open" and row.closed) or (status == "closed" and not row.closed):
        return False
    if status == "overdue" and not row.overdue:
        return False
    if status not in (None, "open", "closed", "overdue") and row.status != status:
        return False
    return due_before is None or (row.due_on is not None and row.due_on <= due_before)


def _sqlite_path(url: str) -> str | None:
    if not url.startswith("sqlite"):
        return None
    match = re.match(r"^sqlite(\+pysqlite)?://(/.*)?$", url)
    if not match:
        return None
    rest = match.group(2) or ""
    return rest[1:] if rest.startswith("/") else rest  # sqlite:///relative, sqlite:////absolute


def _pg_conninfo(url: str) -> str | None:
    scheme = urlsplit(url).scheme
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return "postgresql" + url[len(scheme) :]
    return None


class _DriverError(Exception):
    """A query the driver refused or could not run (its message)."""

    @property
    def first_line(self) -> str:
        text = str(self).strip()
        return text.splitlines()[0] if text else "no message"


class _SqliteConnection:
    """SQLite, read-only (``driver``: sqlite3's connection)."""

    def __init__(self, path: str) -> None:
        import sqlite3

        if path in ("", ":memory:"):
            raise ReaderError("in-memory database")
        try:
            self.driver = sqlite3.connect(f"file:{unquote(path)}?mode=ro", uri=True, timeout=30)
        except sqlite3.OperationalError as exc:
            raise ReaderError(str(exc)) from None
        self.driver.execute("PRAGMA busy_timeout = 30000")

    def execute(self, sql: str, params: tuple[Any, ...]) -> tuple[list[str], list[tuple[Any, ...]]]:
        import sqlite3

        try:
            cursor = self.driver.execute(sql, params)
        except sqlite3.Error as exc:
            raise _DriverError(str(exc)) from None
        try:
            return [d[0] for d in cursor.description or ()], cursor.fetchall()
        finally:
            cursor.close()

    def close(self) -> None:
        self.driver.close()


class _PsycopgConnection:
    """PostgreSQL through psycopg, where libpq cannot be loaded by ctypes (store/pq.py)."""

    def __init__(self, conninfo: str) -> None:
        import psycopg

        try:
            self.driver = psycopg.connect(conninfo, autocommit=True)
        except psycopg.Error as exc:
            raise ReaderError(str(exc)) from None

    def execute(self, sql: str, params: tuple[Any, ...]) -> tuple[list[str], list[tuple[Any, ...]]]:
        import psycopg

        try:
            with self.driver.cursor() as cursor:
                cursor.execute(sql, params)
                if cursor.description is None:
                    return [], []
                return [d.name for d in cursor.description], cursor.fetchall()
        except psycopg.Error as exc:
            raise _DriverError(str(exc)) from None

    @property
    def idle(self) -> bool:
        from psycopg.pq import TransactionStatus

        return not self.driver.closed and self.driver.info.transaction_status == TransactionStatus.IDLE

    def close(self) -> None:
        self.driver.close()


class _LibpqConnection:
    """PostgreSQL through libpq itself (store/pq.py): no psycopg to import."""

    def __init__(self, conninfo: str) -> None:
        from records_req.store import pq

        try:
            self.driver = pq.Connection(conninfo)
        except pq.PQError as exc:
            raise ReaderError(str(exc)) from None

    def execute(self, sql: str, params: tuple[Any, ...]) -> tuple[list[str], list[tuple[Any, ...]]]:
        from records_req.store import pq

        try:
            return self.driver.execute(sql, params)
        except pq.PQError as exc:
            raise _DriverError(str(exc)) from None

    @property
    def idle(self) -> bool:
        return self.driver.idle

    def close(self) -> None:
        self.driver.close()


def _pg_connect(conninfo: str) -> _LibpqConnection | _PsycopgConnection:
    from records_req.store import pq

    return _LibpqConnection(conninfo) if pq.load() is not None else _PsycopgConnection(conninfo)


# PostgreSQL connections readers gave back, per conninfo, for the next reader in this process (the
# dashboard's next page): connecting costs 10-25 ms a page. At most _KEPT per database; closed
# at exit; a child process forked with some forgets them (its parent's sessions stay the parent's).
_KEPT = 8
_idle: dict[str, list[Any]] = {}
_idle_lock = threading.Lock()
atexit.register(lambda: close_idle())
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_idle.clear)


def _lock() -> threading.Lock:
    return _idle_lock


def _idle_connection(conninfo: str) -> Any:
    if not _idle.get(conninfo):
        return None
    with _lock():
        kept = _idle.get(conninfo)
        return kept.pop() if kept else None


def _keep(conninfo: str, connection: Any) -> bool:
    """Keep ``connection`` for the next reader, if it is usable and there is room."""
    if not connection.idle:
        return False
    with _lock():
        kept = _idle.setdefault(conninfo, [])
        if len(kept) >= _KEPT:
            return False
        kept.append(connection)
    return True


def close_idle() -> None:
    """Close the connections kept for later readers (store.db.close_all; at exit)."""
    with _lock():
        kept = [c for connections in _idle.values() for c in connections]
        _idle.clear()
    for connection in kept:
        connection.close()


class Reader:
    """A read-only connection and the handful of queries the read commands need."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite_path = _sqlite_path(url)
        self.pg = _pg_conninfo(url) if self.sqlite_path is None else None
        if self.sqlite_path is None and self.pg is None:
            raise ReaderError(f"no fast reader for {url.split(':', 1)[0]}")
        self.mark = "?" if self.sqlite_path is not None else "%s"
        self._connection: Any = None
        self._reused = False  # the connection was kept open by an earlier reader
        self._stamps: Stamps | None = None
        self._all_fresh: bool | None = None  # all_fresh, asked once per reader
        # Requests whose cached schedule was stale (the law data or the engine changed since it
        # was stored), as computed again by this reader: tracker.service.keep_fresh stores them.
        self.fresh: dict[int, Fresh] = {}

    @property
    def is_sqlite(self) -> bool:
        return self.sqlite_path is not None

    def connect(self) -> Any:
        """The connection: SQLite's, read-only; on PostgreSQL libpq's through store/pq.py (psycopg
        where libpq cannot be loaded), taken from the connections kept open in this process."""
        if self._connection is None:
            if self.sqlite_path is not None:
                self._connection = _SqliteConnection(self.sqlite_path)
            else:
                self._connection = _idle_connection(self.pg or "")
                self._reused = self._connection is not None
                if self._connection is None:
                    self._connection = _pg_connect(self.pg or "")
        return self._connection

    def close(self) -> None:
        """Give the connection back: a PostgreSQL one is kept open for the next reader of this
        database in this process (the dashboard's next page), a SQLite one is closed."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            if self.pg is None or not _keep(self.pg, connection):
                connection.close()

    def _execute(self, sql: str, params: Sequence[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
        connection: _SqliteConnection | _LibpqConnection | _PsycopgConnection = self.connect()
        try:
            return connection.execute(sql.replace("?", self.mark), tuple(params))
        except _DriverError as exc:
            self.discard()  # whatever state it is in, no other reader gets it
            raise ReaderError(f"Database error on {masked(self.url)}: {exc.first_line}") from None

    def discard(self) -> None:
        """Close the connection instead of keeping it (it failed)."""
        self._reused = False
        if self._connection is not None:
            connection, self._connection = self._connection, None
            connection.close()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        names, found = self._execute(sql, params)
        return [dict(zip(names, row, strict=True)) for row in found]

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of a query as the driver gives them (tuples in the columns' order): for the
        lists of thousands, where a dict per row would cost more than the rest of the row."""
        return self._execute(sql, params)[1]

    def revision(self) -> str | None:
        """The schema's revision (the first query of a reader); None where it cannot be read."""
        while True:
            reused = False
            try:
                self.connect()
                reused = self._reused
                found = self.rows(HEAD_QUERY)
            except Exception:  # no table yet, or any driver error: let the full store handle it
                if reused:  # a kept connection the server has closed since: try a new one
                    self.discard()
                    continue
                return None
            return found[0]["version_num"] if found else None

    # --- conversions (SQLite stores dates and JSON as text) ---

    @staticmethod
    def date(value: Any) -> dt.date | None:
        if value is None or isinstance(value, dt.date):
            return value
        return _iso_date(str(value)[:10])

    @staticmethod
    def json(value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    @staticmethod
    def datetime(value: Any) -> dt.datetime | None:
        if value is None or isinstance(value, dt.datetime):
            return value
        return dt.datetime.fromisoformat(str(value))

    def database_id(self) -> str:
        """The database's own random id (migration 0014): the calendar's UIDs carry it."""
        found = self.rows("SELECT value FROM settings WHERE key = ?", ["database_id"])
        return str(found[0]["value"]) if found else ""

    # --- the cached schedule's stamp (schedule_cache) ---

    @property
    def stamps(self) -> Stamps:
        """The stamps a fresh schedule carries under the law data in use."""
        if self._stamps is None:
            from records_req.schedule_cache import current

            self._stamps = current()
        return self._stamps

    def stored_stamps(self) -> set[str | None]:
        """The distinct stamps the requests carry (None: a row never computed), by a walk over
        the stamp's index (migration 0019): one seek per distinct stamp, however many requests."""
        found = self.rows(
            "WITH RECURSIVE s(stamp) AS (SELECT min(schedule_stamp) FROM requests UNION ALL "
            "SELECT (SELECT min(schedule_stamp) FROM requests WHERE schedule_stamp > s.stamp) FROM s "
            "WHERE s.stamp IS NOT NULL) SELECT stamp FROM s WHERE stamp IS NOT NULL"
        )
        stamps: set[str | None] = {row["stamp"] for row in found}
        if self.rows("SELECT 1 AS one FROM requests WHERE schedule_stamp IS NULL LIMIT 1"):
            stamps.add(None)
        return stamps

    def all_fresh(self) -> bool:
        """True when no request can be stale: every stored stamp is a current one. Then the
        queries filter on the cached columns alone, through their indexes (no stale rows to keep
        for Python to compute again)."""
        if self._all_fresh is None:
            current = {s for pair in self.stamps.by_code.values() for s in pair}
            self._all_fresh = self.stored_stamps() <= current
        return self._all_fresh

    def _stale_sql(self) -> tuple[str, list[Any]]:
        """A condition true of every row whose stamp is not among the current ones (a superset of
        the stale rows: Python decides each one), so that a filter on the cached status keeps
        the rows whose status is about to be computed again; "1 = 0" when :meth:`all_fresh`."""
        current = sorted({s for pair in self.stamps.by_code.values() for s in pair})
        if not current or self.all_fresh():
            return "1 = 0", []
        return f"(r.schedule_stamp IS NULL OR r.schedule_stamp NOT IN ({', '.join('?' for _ in current)}))", current

    def _recompute(self, stale: dict[int, tuple[str, str, str | None]], today: dt.date) -> dict[int, Cached]:
        """Compute again, from their events, the cached answers of stale requests (id: code,
        agency, stamp as stored), as every writer computes them; kept in :attr:`fresh`."""
        from records_req.laws import load_laws
        from records_req.lifecycle import Recorded
        from records_req.schedule_cache import Fresh, compute

        laws = load_laws()
        ids = sorted(stale)
        history: dict[int, list[Recorded]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            for e in self.rows(
                f'SELECT id, request_id, kind, "on", note, data, forced FROM events '
                f"WHERE request_id IN ({marks}) ORDER BY request_id, id",
                chunk,
            ):
                history.setdefault(e["request_id"], []).append(
                    Recorded(
                        e["id"],
                        e["kind"],
                        self.date(e["on"]) or dt.date.min,
                        e["note"],
                        self.json(e["data"]) or {},
                        bool(e["forced"]),
                    )
                )
        out: dict[int, Cached] = {}
        for request_id in ids:
            code, agency, old = stale[request_id]
            if code not in laws:
                continue
            events = history.get(request_id, [])
            _, cached = compute(events, laws[code].for_agency(agency), today, request_id)
            self.fresh[request_id] = Fresh(cached, old, events[-1].id if events else 0)
            out[request_id] = cached
        return out

    def _freshen(self, rows: list[dict[str, Any]], today: dt.date) -> None:
        """Replace, in rows read with their stamp, the cache of any stale one by its fresh answer."""
        expected = self.stamps.expected
        stale = {}
        for row in rows:
            stamp = expected(row["jurisdiction"], row["agency"])
            if stamp is not None and row["schedule_stamp"] != stamp:
                stale[row["id"]] = (row["jurisdiction"], row["agency"], row["schedule_stamp"])
        if not stale:
            return
        fresh = self._recompute(stale, today)
        for row in rows:
            cached = fresh.get(row["id"])
            if cached is not None:
                row.update(status=cached.status, closed=cached.closed, schedule=cached.schedule)

    # --- queries ---

    def ice_imports(self, kind: str) -> list[Any]:
        """ICE list imports of this kind, in import order (records_req.ice.changes.ImportInfo; ice.changes.newest
        picks the newest list)."""
        from records_req.ice.changes import ImportInfo

        columns = "id, file_name, downloaded_on, listed_on, dated_by"
        found = self.rows(f"SELECT {columns} FROM ice_imports WHERE kind = ? ORDER BY id", [kind])
        return [
            ImportInfo(
                r["id"],
                r["file_name"],
                self.date(r["downloaded_on"]),
                dt.date.fromisoformat(str(r["listed_on"])[:10]),
                r["dated_by"],
            )
            for r in found
        ]

    def ice_agreements(self, import_id: int) -> list[Any]:
        """The agreements of one import (records_req.ice.changes.AgreementRow)."""
        from records_req.ice.changes import COLUMNS, AgreementRow

        found = self.rows(f"SELECT {', '.join(COLUMNS)} FROM ice_agreements WHERE import_id = ?", [import_id])
        return [
            AgreementRow(
                **(
                    r
                    | {"signed": self.date(r["signed"]), "pending": bool(r["pending"]), "notes": self.json(r["notes"])}
                )
            )
            for r in found
        ]

    def requests(
        self,
        *,
        status: str | None,
        state: str | None,
        tags: Sequence[str],
        agency_text: str | None,
        today: dt.date,
        due_before: dt.date | None = None,
    ) -> list[RequestRow]:
        """The requests with the lifecycle's cached answer on ``today`` (a stale one computed
        again), by ``status`` (a status, or open, closed or overdue: views.status_filter), state,
        tags (all of them), a piece of the agency's name and a due date by ``due_before``."""
        where, params = self._where(status, state, tags, agency_text, today)
        found = self.tuples(f"{ROW_QUERY} WHERE {' AND '.join(where)} ORDER BY r.id", params)
        tags_by_id = self._tags([row[0] for row in found])
        return [row for row in self._answers(found, today, tags=tags_by_id) if _wanted(row, status, due_before)]

    def requests_page(
        self,
        *,
        status: str | None,
        state: str | None,
        tags: Sequence[str],
        agency_text: str | None,
        today: dt.date,
        after: int | None = None,
        before: int | None = None,
        limit: int = 200,
    ) -> tuple[list[RequestRow], bool]:
        """One page of :meth:`requests`, by id: the first ``limit`` after id ``after`` (or the last
        ``limit`` before id ``before``), read through the filters' indexes ``limit`` at a time,
        and whether more lie beyond the page in the direction read."""
        backward = before is not None
        bound = before if backward else after
        if status == "overdue" and not tags and not agency_text and self.all_fresh():
            return self._overdue_page(today, state, bound, backward, limit)
        where, params = self._where(status, state, tags, agency_text, today)
        out: list[RequestRow] = []
        batch = limit + 1
        while len(out) <= limit:
            extra = [] if bound is None else [f"r.id {'<' if backward else '>'} ?"]
            found = self.tuples(
                f"{ROW_QUERY} WHERE {' AND '.join([*where, *extra])} "
                f"ORDER BY r.id {'DESC' if backward else 'ASC'} LIMIT ?",
                [*params, *([] if bound is None else [bound]), batch],
            )
            rows = self._answers(found, today)
            out.extend(row for row in rows if _wanted(row, status, None))
            if len(found) < batch:
                break
            bound = found[-1][0]
            batch = min(batch * 2, 5000)  # a filter Python decides (overdue, a stale row) reads on
        more = len(out) > limit
        out = out[:limit]
        if backward:
            out.reverse()
        tags_by_id = self._tags([r.id for r in out])
        return [row._replace(tags=tuple(tags_by_id.get(row.id, ()))) for row in out], more

    def _overdue_page(
        self, today: dt.date, state: str | None, bound: int | None, backward: bool, limit: int
    ) -> tuple[list[RequestRow], bool]:
        """A page of the requests overdue on ``today`` (of one state), by id, from the kept
        stages alone: the work of the page, not of every overdue request."""
        day = self._param(today)
        where = [ON_DAY, "due_on < ?"]
        params: list[Any] = [self._param(True), day, day, day]
        if state:
            where.append("jurisdiction = ?")
            params.append(state.upper())
        if bound is not None:
            where.append(f"request_id {'<' if backward else '>'} ?")
            params.append(bound)
        ids = [
            r["request_id"]
            for r in self.rows(
                f"SELECT request_id FROM request_stages WHERE {' AND '.join(where)} "
                f"ORDER BY request_id {'DESC' if backward else 'ASC'} LIMIT ?",
                [*params, limit + 1],
            )
        ]
        more = len(ids) > limit
        ids = sorted(ids[:limit])
        return [row for row in self.rows_by_id(ids, today) if row.overdue], more

    def count_requests(
        self, *, status: str | None, state: str | None, tags: Sequence[str], agency_text: str | None, today: dt.date
    ) -> int:
        """How many requests :meth:`requests` lists, counted by the database through the
        filters' indexes (the kept stages for overdue): only exact when :meth:`all_fresh`."""
        where, params = self._where(status, state, tags, agency_text, today)
        joined = " AND ".join(where)
        agencies = " JOIN agencies a ON a.id = r.agency_id" if agency_text else ""  # only to match its name
        query = f"SELECT count(*) AS n FROM requests r{agencies} WHERE {joined}"
        return int(self.rows(query, params)[0]["n"])

    def _where(
        self, status: str | None, state: str | None, tags: Sequence[str], agency_text: str | None, today: dt.date
    ) -> tuple[list[str], list[Any]]:
        """The SQL conditions of :meth:`requests`'s filters, and their parameters."""
        from records_req.lifecycle import CAN_BE_OVERDUE

        where: list[str] = ["1 = 1"]
        params: list[Any] = []
        # Filters on the cached status also keep the rows whose cache is stale: their status is
        # computed again, and filtered again, with the rest, in Python.
        stale_sql, stale_params = self._stale_sql()
        stale_or = "" if stale_sql == "1 = 0" else f" OR {stale_sql}"  # none: an index answers
        if status in ("open", "closed"):
            where.append(f"(r.closed = ?{stale_or})")
            params.extend([status == "closed", *stale_params])
        elif status == "overdue" and not stale_or:  # the kept stages say which are overdue today
            where.append(f"r.id IN (SELECT request_id FROM request_stages WHERE {ON_DAY} AND due_on < ?)")
            params.extend([True, today, today, today])
        elif status == "overdue":  # only a status the agency owes an answer in can be overdue
            waiting = sorted(CAN_BE_OVERDUE)
            where.append(f"(r.status IN ({', '.join('?' for _ in waiting)}){stale_or})")
            params.extend([*waiting, *stale_params])
        elif status:
            where.append(f"(r.status = ?{stale_or})")
            params.extend([status, *stale_params])
        if state:
            where.append("r.jurisdiction = ?")
            params.append(state.upper())
        for tag in tags:
            where.append("r.id IN (SELECT request_id FROM request_tags WHERE tag = ?)")
            params.append(tag)
        if agency_text:
            from records_req.names import agency_key  # the one agency key, as every match uses

            key = agency_key(agency_text)
            if key:
                where.append("a.name_key LIKE ? ESCAPE '\\'")
                params.append(like_contains(key))
            else:  # no letter or digit to look for: nothing matches
                where.append("1 = 0")
        return where, [self._param(p) for p in params]

    # --- the kept counts (store/kept.py, migration 0020) ---

    def kept_counts(self) -> tuple[list[tuple[str, str, bool, int]], dict[str, int]]:
        """The counts kept with every write (store.kept): (state, status, closed, requests) for
        every state and status with any, and the requests sent (or dated) in each month."""
        statuses: list[tuple[str, str, bool, int]] = []
        months: dict[str, int] = {}
        for r in self.rows("SELECT name, n FROM request_counts WHERE n <> 0 ORDER BY name"):
            kind, *key = str(r["name"]).split("\t")
            if kind == "month":
                months[key[0]] = int(r["n"])
            elif kind == "status":
                statuses.append((key[0], key[1], key[2] == "1", int(r["n"])))
        return statuses, months

    def overdue_on(self, today: dt.date, limit: int) -> tuple[list[int], dict[str, int]]:
        """The ``limit`` requests most late on ``today`` (the earliest due date first, then by id),
        and how many are overdue in each state: both from the index of request_stages."""
        day = self._param(today)
        params = [self._param(True), day, day, day]
        where = f"{ON_DAY} AND due_on < ?"
        by_state = {
            r["jurisdiction"]: int(r["n"])
            for r in self.rows(
                f"SELECT jurisdiction, count(*) AS n FROM request_stages WHERE {where} GROUP BY jurisdiction", params
            )
        }
        ids = [
            r["request_id"]
            for r in self.rows(
                f"SELECT request_id FROM request_stages WHERE {where} ORDER BY due_on, request_id LIMIT ?",
                [*params, limit],
            )
        ]
        return ids, by_state

    def due_on_days(self, today: dt.date, days: int, limit: int) -> tuple[list[int], int]:
        """The first ``limit`` requests (by due date, then id) due, not overdue, from ``today`` to
        ``days`` days later, and how many there are: an index range of request_stages."""
        day = self._param(today)
        params = [self._param(False), day, day, day, self._param(today + dt.timedelta(days=days))]
        where = f"{ON_DAY} AND due_on >= ? AND due_on <= ?"
        total = self.rows(f"SELECT count(*) AS n FROM request_stages WHERE {where}", params)[0]["n"]
        ids = [
            r["request_id"]
            for r in self.rows(
                f"SELECT request_id FROM request_stages WHERE {where} ORDER BY due_on, request_id LIMIT ?",
                [*params, limit],
            )
        ]
        return ids, int(total)

    def due_by(self, today: dt.date, horizon: dt.date) -> list[RequestRow]:
        """The requests whose answer on ``today`` has a due date by ``horizon`` (overdue or not),
        by id, with the lifecycle's cached answer then: two index ranges of request_stages,
        joined to their requests in the same query."""
        day = self._param(today)
        found = self.tuples(
            f"{ROW_QUERY} JOIN request_stages s ON s.request_id = r.id "
            "WHERE s.overdue IN (?, ?) AND s.due_on <= ? AND s.start <= ? AND s.until > ? ORDER BY r.id",
            [self._param(False), self._param(True), self._param(horizon), day, day],
        )
        return self._answers(found, today, tags=self._tags(sorted({row[0] for row in found})))

    def rows_by_id(self, ids: Sequence[int], today: dt.date) -> list[RequestRow]:
        """These requests, in this order, with the lifecycle's cached answer on ``today``."""
        if not ids:
            return []
        found = self.tuples(f"{ROW_QUERY} WHERE r.id IN ({', '.join('?' for _ in ids)})", list(ids))
        rows = {r.id: r for r in self._answers(found, today, tags=self._tags(list(ids)))}
        return [rows[i] for i in ids if i in rows]

    def overview_rows(self) -> tuple[tuple[Any, ...], ...]:
        """Every request in one query, as it is stored (id, jurisdiction, agency, status,
        closed, letter_date, schedule, due_on, due_statutory, schedule_stamp, topics, tags):
        what :meth:`overview` answers from (the dashboard while a stored schedule is stale, and
        the recount the kept counts are tested against)."""
        return tuple(self.tuples(f"SELECT {ROW_COLUMNS}, {TAGS_OF[self.is_sqlite]} {ROW_FROM} ORDER BY r.id"))

    def overview(self, today: dt.date, found: Sequence[tuple[Any, ...]] | None = None) -> list[RequestRow]:
        """Every request with the lifecycle's cached answer on ``today`` (as ``list`` and ``due``
        read it; a stale one computed again): what the dashboard counts (reports.data.Overview).
        ``found``: :meth:`overview_rows`, if already read."""
        return self._answers(self.overview_rows() if found is None else found, today, with_tags=True)

    def _answers(
        self,
        found: Sequence[tuple[Any, ...]],
        today: dt.date,
        *,
        with_tags: bool = False,
        tags: Mapping[int, Sequence[str]] | None = None,
    ) -> list[RequestRow]:
        """Rows as read (id, jurisdiction, agency, status, closed, letter_date, schedule, due_on,
        due_statutory, schedule_stamp, topics[, tags]) as RequestRows on ``today``: the stage of
        each cached schedule in force then, a stale one computed again first. Their tags from
        the last column (``with_tags``: overview_rows), or from ``tags`` (Reader._tags), or none."""
        expected = self.stamps.expected
        stale = {}
        for row in found:
            wanted = expected(row[1], row[2])
            if wanted is not None and row[9] != wanted:
                stale[row[0]] = (row[1], row[2], row[9])
        fresh = self._recompute(stale, today) if stale else {}
        # Thousands of rows: each one's values in a tuple, positionally (RequestRow's order).
        out: list[RequestRow] = []
        append, make = out.append, RequestRow._make
        for row in found:
            rid, code, agency, status, closed, letter_date, schedule = row[:7]
            if fresh and rid in fresh:
                cached = fresh[rid]
                status, closed, schedule = cached.status, cached.closed, cached.schedule
            stage = _answer(schedule, today) if isinstance(schedule, str) else None
            if stage is not None:
                _start, due, statutory, overdue, label, kind = stage
                sent_on = _parsed_schedule(schedule)[0].start if status != "draft" else None
            else:  # a row whose schedule a law file that lacks its state cannot compute
                due, statutory, overdue, label, kind, sent_on = self._unscheduled(status, row[7], row[8], today)
            joined = row[11] if with_tags and len(row) > 11 else None
            append(
                make(
                    (
                        rid,
                        code,
                        agency,
                        status,
                        bool(closed),
                        due,
                        statutory,
                        overdue,
                        days_late(due, overdue, today),
                        label,
                        kind,
                        letter_date if type(letter_date) is dt.date else (self.date(letter_date) or dt.date.min),
                        sent_on,
                        _topics(row[10]),
                        _tag_tuple(joined) if joined else tuple(tags.get(rid, ())) if tags else (),
                    )
                )
            )
        return out

    def _unscheduled(
        self, status: str, due_on: Any, statutory: Any, today: dt.date
    ) -> tuple[dt.date | None, bool, bool, str, str, dt.date | None]:
        """The answer of a row without a cached schedule, from its cached columns: overdue only in
        a status the agency owes an answer in (lifecycle.CAN_BE_OVERDUE)."""
        from records_req.lifecycle import CAN_BE_OVERDUE

        due = self.date(due_on)
        statutory = bool(statutory)
        overdue = statutory and due is not None and due < today and status in CAN_BE_OVERDUE
        return due, statutory, overdue, "", "", None

    def _param(self, value: Any) -> Any:
        if self.is_sqlite and isinstance(value, dt.date):
            return value.isoformat()
        if self.is_sqlite and isinstance(value, bool):
            return int(value)
        return value

    def _tags(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """The tags of these requests, each request's in the database's order of text. On
        PostgreSQL in one query, the ids as one array (5,218 of them: 1.6 ms of the server's time,
        against 26 ms for a subquery per request); on SQLite 500 at a time."""
        out: dict[int, list[str]] = {}
        if not ids:
            return out
        if not self.is_sqlite:
            for request_id, tag in self.tuples(
                "SELECT request_id, tag FROM request_tags WHERE request_id = ANY(CAST(? AS integer[])) "
                "ORDER BY request_id, tag",
                ["{" + ",".join(str(int(i)) for i in ids) + "}"],
            ):
                out.setdefault(request_id, []).append(tag)
            return out
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            for request_id, tag in self.tuples(
                f"SELECT request_id, tag FROM request_tags WHERE request_id IN ({marks}) ORDER BY request_id, tag",
                chunk,
            ):
                out.setdefault(request_id, []).append(tag)
        return out

    def reminders(self, horizon: dt.date) -> list[dict[str, Any]]:
        """Reminders of open requests falling by ``horizon``, after undo and edit: the kept ones
        (store.kept, migration 0020), read by date through their index."""
        found = self.rows(
            'SELECT o.event_id, o.request_id, o."on", o.data, r.jurisdiction, r.status, a.name AS agency '
            "FROM open_reminders o JOIN requests r ON r.id = o.request_id JOIN agencies a ON a.id = r.agency_id "
            'WHERE o."on" <= ? ORDER BY o."on", o.event_id',
            [self._param(horizon)],
        )
        tags = self._tags(sorted({row["request_id"] for row in found}))
        return [
            {
                "id": row["event_id"],
                "request_id": row["request_id"],
                "on": self.date(row["on"]),
                "data": dict(self.json(row["data"]) or {}),
                "jurisdiction": row["jurisdiction"],
                "status": row["status"],
                "agency": row["agency"],
                "tags": tags.get(row["request_id"], []),
            }
            for row in found
        ]


def report_rows(
    view: Reader, *, state: str | None = None, tags: Sequence[str] = (), ids: Sequence[int] | None = None
) -> dict[str, Any]:
    """Everything a report (or one request's details: ``ids``) needs, in five queries: requests,
    events, documents, tracking numbers and tags (tracker.views.details_of reads them)."""
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
    if ids is not None:
        where.append(f"r.id IN ({', '.join('?' for _ in ids)})" if ids else "1 = 0")
        params.extend(ids)
    if state:
        where.append("r.jurisdiction = ?")
        params.append(state.upper())
    for tag in tags:
        where.append("r.id IN (SELECT request_id FROM request_tags WHERE tag = ?)")
        params.append(tag)
    requests = view.rows(
        "SELECT r.id, r.jurisdiction, r.topics, r.letter_date, r.created_at, r.status, r.due_on, "
        "r.due_statutory, r.closed, a.name AS agency, a.models AS agency_models, "
        "p.name AS requester_name, p.email AS requester_email, p.address AS requester_address, "
        "p.phone AS requester_phone, p.organization AS requester_org "
        "FROM requests r JOIN agencies a ON a.id = r.agency_id "
        "LEFT JOIN profiles p ON p.id = r.profile_id "
        f"WHERE {' AND '.join(where)} ORDER BY r.id",
        params,
    )
    for row in requests:
        row["topics"] = view.json(row["topics"]) or []
        row["letter_date"] = view.date(row["letter_date"])
        row["due_on"] = view.date(row["due_on"])
        row["due_statutory"] = bool(row["due_statutory"])
        row["closed"] = bool(row["closed"])
    ids = [r["id"] for r in requests]
    events: dict[int, list[dict[str, Any]]] = {}
    documents: dict[int, list[dict[str, Any]]] = {}
    numbers: dict[int, list[str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for e in view.rows(
            f'SELECT id, request_id, kind, "on", note, data, forced, created_at FROM events '
            f"WHERE request_id IN ({marks}) ORDER BY request_id, id",
            chunk,
        ):
            e["on"] = view.date(e["on"])
            e["created_at"] = view.datetime(e["created_at"])
            e["data"] = view.json(e["data"]) or {}
            e["forced"] = bool(e["forced"])
            events.setdefault(e["request_id"], []).append(e)
        for d in view.rows(
            "SELECT request_id, id, role, path, original_name AS name, sha256, size FROM documents "
            f"WHERE request_id IN ({marks}) ORDER BY request_id, id",
            chunk,
        ):
            documents.setdefault(d.pop("request_id"), []).append(d)
        for t in view.rows(
            f"SELECT request_id, number FROM tracking_numbers WHERE request_id IN ({marks}) "
            "ORDER BY request_id, number",
            chunk,
        ):
            numbers.setdefault(t["request_id"], []).append(t["number"])
    tags_by_id = view._tags(ids)
    return {
        "requests": requests,
        "events": events,
        "documents": documents,
        "numbers": numbers,
        "tags": tags_by_id,
        "database_id": view.database_id(),
    }


@contextmanager
def reader(url: str) -> Iterator[Reader | None]:
    """A fast reader for ``url`` if the schema is current; None to use the full store."""
    try:
        fast = Reader(url)
    except ReaderError:
        yield None
        return
    try:
        if fast.revision() != HEAD:
            yield None
        else:
            yield fast
    finally:
        fast.close()

"""A large tracker database, built fast: N requests with realistic histories (about ten events
each: 1,000,000 events at 100,000 requests) for the tracker and dashboard benchmarks.

Each request follows one of a dozen real paths (answered, extended, charged, clarified, denied and
appealed, sued, withdrawn, still waiting, overdue, a draft...), with notes, reminders, an undone
event and an edit among them, to agencies in every jurisdiction of the law data. Its cached
schedule, status and stamp are computed by the engine itself (schedule_cache.compute, as every
writer stores them), so a read finds nothing stale. Rows go in with one transaction: executemany
on SQLite, COPY on PostgreSQL. The schema comes from the migrations (Store), so every index and
trigger the application has is there while the rows go in; then the kept counts are made from
them (store.kept.rebuild, as migration 0020 does for an existing database).

    python bench/scale.py sqlite:///big.db 100000
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any

TODAY = dt.date(2026, 11, 27)
STAMP = dt.datetime(2026, 1, 1, 9, 0)

# (weight, path): each step is (kind, days after the previous step, data). Paths that end open
# keep the request waiting; a few are overdue on TODAY whatever their start.
PATHS: tuple[tuple[int, tuple[tuple[str, int, dict[str, Any]], ...]], ...] = (
    (30, (("sent", 0, {"via": "email"}), ("acknowledged", 2, {"tracking_number": "R-{id}"}), ("released", 15, {}))),
    (
        12,
        (
            ("sent", 0, {"via": "portal"}),
            ("acknowledged", 1, {}),
            ("extended", 8, {"days": 10}),
            ("partial-release", 12, {}),
            ("released", 20, {}),
        ),
    ),
    (
        8,
        (
            ("sent", 0, {"via": "email"}),
            ("fee-estimate", 6, {"amount": 25.0}),
            ("fee-paid", 3, {"amount": 25.0}),
            ("released", 12, {}),
        ),
    ),
    (
        6,
        (
            ("sent", 0, {"via": "mail"}),
            ("clarification-requested", 5, {}),
            ("clarified", 4, {}),
            ("no-records", 9, {}),
        ),
    ),
    (
        6,
        (
            ("sent", 0, {"via": "email"}),
            ("denied", 9, {"exemptions": "law enforcement"}),
            ("appealed", 10, {}),
            ("appeal-decided", 30, {"outcome": "granted"}),
            ("released", 14, {}),
        ),
    ),
    (1, (("sent", 0, {"via": "email"}), ("denied", 9, {}), ("sued", 40, {"court": "District Court"}))),
    (5, (("sent", 0, {"via": "fax"}), ("withdrawn", 20, {}))),
    (5, (("sent", 0, {"via": "email"}), ("acknowledged", 3, {}))),  # waiting: overdue if sent long ago
    (2, (("sent", 0, {"via": "email"}), ("fee-estimate", 4, {"amount": 80.0}))),  # the agency waits for payment
    (1, (("sent", 0, {"via": "email"}), ("clarification-requested", 4, {}))),  # the agency waits for an answer
    (1, (("sent", 0, {"via": "email"}), ("extended", 5, {"days": 20}))),
    (1, ()),  # a draft
)
OPEN_RECENT = 0.03  # share of requests sent in the last 30 days (the rest over three years)
# Letters go out in batches, as campaigns send them: every day of the last month, then one day a
# fortnight over three years. (It also lets the build compute each distinct history once.)
SEND_DAYS = tuple(TODAY - dt.timedelta(days=d) for d in range(1, 31)) + tuple(
    TODAY - dt.timedelta(days=d) for d in range(44, 1100, 14)
)
STILL_OPEN = frozenset({"acknowledged", "fee-estimate", "clarification-requested", "extended", "sued"})
IGNORED = frozenset({"note", "reminder", "undo", "edit"})  # kinds that move no date


def histories(n: int, seed: int = 2026) -> Iterator[tuple[int, dt.date, list[tuple[str, dt.date, dict[str, Any]]]]]:
    """(request id, letter date, events as (kind, on, data)) for n requests, about ten events each."""
    rng = random.Random(seed)
    weights = [w for w, _ in PATHS]
    paths = [p for _, p in PATHS]
    for rid in range(1, n + 1):
        path = rng.choices(paths, weights)[0]
        recent = rng.random() < OPEN_RECENT
        start = rng.choice(SEND_DAYS[:30] if recent else SEND_DAYS[30:])
        day = start
        events: list[tuple[str, dt.date, dict[str, Any]]] = []
        for kind, after, data in path:
            day = day + dt.timedelta(days=after)
            if day > TODAY:
                break
            events.append((kind, day, {k: (v.format(id=rid) if isinstance(v, str) else v) for k, v in data.items()}))
            # notes and the odd reminder between the steps, as people keep them
            for _ in range(rng.randint(0, 2)):
                events.append(("note", day, {}))
        if events and start < TODAY - dt.timedelta(days=180) and path[-1][0] in STILL_OPEN:
            # Old requests do not wait for ever: the agency answers late, or they are withdrawn.
            day = day + dt.timedelta(days=rng.randint(40, 150))
            events.append((rng.choice(("released", "released", "withdrawn")), day, {}))
        if events:
            while len(events) < 8 + rng.randint(0, 4):
                events.append(("note", events[-1][1], {}))
            if rng.random() < 0.05:
                events.append(("reminder", min(TODAY, events[-1][1] + dt.timedelta(days=7)), {"text": "call them"}))
        yield rid, start, events


def rows(n: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(agencies, requests, events, tags) as column tuples, with each request's cached answer."""
    from records_req.laws import load_laws
    from records_req.lifecycle import Recorded
    from records_req.names import agency_key
    from records_req.schedule_cache import Cached, compute, stamp_of

    laws = load_laws()
    codes = sorted(laws)
    names = ("Sheriff's Office", "Police Department", "County Jail", "Department of Corrections")
    agencies = []
    for i in range(max(len(codes), n // 20)):
        name = f"{['Adams', 'Baker', 'Clark', 'Dale', 'Eaton', 'Floyd'][i % 6]} {i} {names[i % 4]}"
        agencies.append((i + 1, codes[i % len(codes)], name, agency_key(name), STAMP))
    jurisdictions = {}
    known: dict[tuple[Any, ...], Cached] = {}  # each distinct history (dates and all) computed once
    requests, events, tags = [], [], []
    event_id = 0
    for rid, letter_date, history in histories(n):
        agency = agencies[rid % len(agencies)]
        key = (agency[1], agency[2])
        if key not in jurisdictions:
            jurisdictions[key] = laws[agency[1]].for_agency(agency[2])
        recorded = []
        for kind, on, data in history:
            event_id += 1
            recorded.append(Recorded(event_id, kind, on, None, data, False))
        if recorded and rid % 50 == 0:  # a note undone, and one edited
            on = recorded[-1].on
            recorded.append(Recorded(event_id + 1, "note", on, "wrong request", {}, False))
            recorded.append(Recorded(event_id + 2, "undo", on, None, {"target": event_id + 1, "by": "ana"}, False))
            recorded.append(Recorded(event_id + 3, "note", on, "called", {}, False))
            recorded.append(
                Recorded(event_id + 4, "edit", on, None, {"target": event_id + 3, "note": "called twice"}, False)
            )
            event_id += 4
        j = jurisdictions[key]
        shape = (stamp_of(j), tuple((e.kind, e.on, json.dumps(e.data)) for e in recorded if e.kind not in IGNORED))
        cached = known.get(shape)
        if cached is None:
            cached = known[shape] = compute(recorded, j, TODAY, rid)[1]
        requests.append(
            (
                rid,
                agency[0],
                agency[1],
                json.dumps(["wso"]),
                "[]",
                dt.date(2024, 1, 1),
                letter_date,
                letter_date,
                50,
                STAMP,
                cached.status,
                cached.due_on,
                cached.due_statutory,
                cached.schedule,
                cached.stamp,
                cached.closed,
            )
        )
        for e in recorded:
            events.append((e.id, rid, e.kind, e.on, e.note, json.dumps(e.data), False, STAMP))
        if rid % 10 == 0:
            tags.append((rid, f"campaign {rid % 7}"))
        if rid % 13 == 0:
            tags.append((rid, "national"))
    return agencies, requests, events, tags


AGENCY_COLUMNS = ("id", "state", "name", "name_key", "created_at")
REQUEST_COLUMNS = (
    "id",
    "agency_id",
    "jurisdiction",
    "topics",
    "items",
    "since",
    "until",
    "letter_date",
    "fee_limit",
    "created_at",
    "status",
    "due_on",
    "due_statutory",
    "schedule",
    "schedule_stamp",
    "closed",
)
EVENT_COLUMNS = ("id", "request_id", "kind", "on", "note", "data", "forced", "created_at")
TAG_COLUMNS = ("request_id", "tag")


def explained(reader: Any, queries: Sequence[tuple[str, str, Sequence[object]]]) -> list[str]:
    """Each query's plan, labelled: SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN ANALYZE (for
    bench/web.py's and bench/tracker.py's reads)."""
    out = []
    for label, sql, params in queries:
        if reader.is_sqlite:
            found = reader.rows(f"EXPLAIN QUERY PLAN {sql}", [int(p) if isinstance(p, bool) else p for p in params])
            lines = [str(row["detail"]) for row in found]
        else:
            found = reader.rows(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", list(params))
            lines = [str(next(iter(row.values()))) for row in found]
        out.append(f"  {label}:")
        out.extend(f"    {line}" for line in lines)
    return out


def _quoted(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def build(url: str, n: int) -> dict[str, float]:
    """Fill an empty database at ``url`` (migrated here) with n requests; seconds per phase."""
    from records_req.store.db import Store, close_all

    times: dict[str, float] = {}
    start = time.perf_counter()
    Store(url).dispose()  # the schema, by the migrations
    close_all()
    times["migrate"] = time.perf_counter() - start
    start = time.perf_counter()
    agencies, requests, events, tags = rows(n)
    times["compute"] = time.perf_counter() - start
    start = time.perf_counter()
    tables = (
        ("agencies", AGENCY_COLUMNS, agencies),
        ("requests", REQUEST_COLUMNS, requests),
        ("events", EVENT_COLUMNS, events),
        ("request_tags", TAG_COLUMNS, tags),
    )
    if url.startswith("sqlite"):
        import sqlite3

        path = url.split(":///", 1)[1]
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("BEGIN")
        for table, columns, values in tables:
            marks = ", ".join("?" for _ in columns)
            connection.executemany(
                f"INSERT INTO {table} ({_quoted(columns)}) VALUES ({marks})",
                ([v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v for v in row] for row in values),
            )
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
        connection.close()
    else:
        import psycopg

        from records_req.store.reader import _pg_conninfo

        with psycopg.connect(_pg_conninfo(url) or "") as pg:
            with pg.cursor() as cursor:
                for table, columns, values in tables:
                    with cursor.copy(f"COPY {table} ({_quoted(columns)}) FROM STDIN") as copy:
                        for row in values:
                            copy.write_row(row)
                for table in ("agencies", "requests", "events"):
                    sequence = f"pg_get_serial_sequence('{table}', 'id')"
                    cursor.execute(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))")
            pg.commit()
            pg.autocommit = True
            pg.execute("VACUUM ANALYZE")
    times["insert"] = time.perf_counter() - start
    start = time.perf_counter()
    from sqlalchemy import create_engine

    from records_req.store.db import normalize_url
    from records_req.store.kept import rebuild

    engine = create_engine(normalize_url(url))
    with engine.begin() as kept:  # the kept counts (migration 0020): the rows went in without the ORM
        rebuild(kept)
    engine.dispose()
    times["count"] = time.perf_counter() - start
    times["events"] = len(events)
    return times


if __name__ == "__main__":
    found = build(sys.argv[1], int(sys.argv[2]))
    print(
        f"{int(found['events']):,} events: migrate {found['migrate']:.1f} s, "
        f"compute {found['compute']:.1f} s, insert {found['insert']:.1f} s, kept counts {found['count']:.1f} s"
    )

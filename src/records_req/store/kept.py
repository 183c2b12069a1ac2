"""The kept counts (migration 0020), current in the same transaction as every write of a request:

- ``request_counts``: requests per (state, status, closed) and per month sent;
- ``request_stages``: the spans of days on which a request has a due date, overdue or not;
- ``open_reminders``: the reminders in force of the open requests;
- ``request_kept``: what each request adds to ``request_counts`` now, so that it can be taken
  away again whoever changed the request.

:func:`recount` makes them right for any set of requests, from the requests and events as stored
(lifecycle.kept_of: the read path's own answer for every day; lifecycle.effective for reminders);
it may be called again for the same requests at no harm. Every writer of the ORM is covered by the
session hooks below: the requests each flush inserted or updated, and those that gained an event
that makes, hides or moves a reminder, are counted again just before the transaction commits (one
recount per transaction, however many flushes). **A writer that inserts or
updates requests or events without the ORM** (the dump's import, bench/scale.py, a bulk insert)
calls :func:`recount` with the ids it wrote, or :func:`rebuild` (as the migration does).

The dashboard reads them (store.reader.Reader.kept_counts, overdue_on, due_on_days, reminders) for
its counts only while every stored schedule is current (Reader.all_fresh); otherwise it counts every
request, as before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, cast

from sqlalchemy import BindParameter, Connection, Table, bindparam, delete, event, insert, select
from sqlalchemy.orm import Session

from records_req.lifecycle import Kept, Recorded, effective, kept_of
from records_req.store.models import Event, OpenReminder, Request, RequestCount, RequestKept, RequestStage

COLUMNS = ("jurisdiction", "status", "closed", "letter_date", "schedule", "due_on", "due_statutory")
REMINDING = ("reminder", "undo", "edit")  # the kinds that make, hide or move a reminder
CHUNK = 500
WRITERS_LOCK = 7_201_021  # the advisory lock every PostgreSQL writer takes to count (:func:`writing`)
_IDS = "records_req.kept.ids"  # session.info: the requests to count again at commit
_REMINDING = "records_req.kept.reminding"  # session.info: those whose reminders may have changed
_GONE = "records_req.kept.gone"  # session.info: what deleted requests added, to take away


def status_key(jurisdiction: str, status: str, closed: bool) -> str:
    return f"status\t{jurisdiction}\t{status}\t{int(bool(closed))}"


def month_key(month: str) -> str:
    return f"month\t{month}"


def _kept_row(values: Mapping[str, Any]) -> Kept:
    """A request's part of the kept counts, from its stored columns."""
    return kept_of(
        values["jurisdiction"],
        values["status"],
        bool(values["closed"]),
        values["letter_date"],
        values["schedule"],
        values["due_on"],
        bool(values["due_statutory"]),
    )


_REQUESTS = cast(Table, Request.__table__).c
_KEPT = cast(Table, RequestKept.__table__).c
_STAGES = cast(Table, RequestStage.__table__).c
_EVENTS = cast(Table, Event.__table__).c
_IDS_PARAM: BindParameter[list[int]] = bindparam("ids", expanding=True)
# Built once: each write of a request runs them (compiled once, then from SQLAlchemy's cache).
OLD_NAMES = select(_KEPT.request_id, _KEPT.status_name, _KEPT.month_name).where(_KEPT.request_id.in_(_IDS_PARAM))
OLD_STAGES = (
    select(_STAGES.request_id, _STAGES.start, _STAGES.until, _STAGES.due_on, _STAGES.overdue)
    .where(_STAGES.request_id.in_(_IDS_PARAM))
    .order_by(_STAGES.request_id, _STAGES.start)
)
STORED = select(_REQUESTS.id, *(_REQUESTS[c] for c in COLUMNS)).where(_REQUESTS.id.in_(_IDS_PARAM))
REMINDING_EVENTS = (
    select(_EVENTS.id, _EVENTS.request_id, _EVENTS.kind, _EVENTS.on, _EVENTS.note, _EVENTS.data)
    .where(_EVENTS.request_id.in_(_IDS_PARAM), _EVENTS.kind.in_(REMINDING))
    .order_by(_EVENTS.id)
)
FORGET = tuple(delete(model).where(model.request_id.in_(_IDS_PARAM)) for model in (RequestKept, RequestStage))
FORGET_REMINDERS = delete(OpenReminder).where(OpenReminder.request_id.in_(_IDS_PARAM))
_UPSERTS: dict[str, Any] = {}


def _upsert(dialect: str) -> Any:
    """Add to a count, or make it: INSERT ... ON CONFLICT (name) DO UPDATE (SQLite and PostgreSQL)."""
    if dialect not in _UPSERTS:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
        statement = upsert(RequestCount)
        added = {"n": RequestCount.n + statement.excluded.n}
        _UPSERTS[dialect] = statement.on_conflict_do_update(index_elements=["name"], set_=added)
    return _UPSERTS[dialect]


def _add_counts(connection: Connection, deltas: Mapping[str, int]) -> None:
    """Add each delta to its count, in the names' order (two writers never wait on each other in
    opposite orders)."""
    changes = [{"name": name, "n": n} for name, n in sorted(deltas.items()) if n]
    if changes:
        connection.execute(_upsert(connection.dialect.name), changes)


def recount(connection: Connection, ids: Iterable[int], reminders: Iterable[int] | None = None) -> None:
    """Make the kept counts right for these requests as they are stored now (inserted, changed
    or gone), whoever wrote them; a request whose part is unchanged is left as it is. Their
    reminders are read again for ``reminders`` (None: all of them: a writer without the ORM passes
    nothing) and for each one that closed or opened again."""
    wanted = sorted(set(ids))
    again = None if reminders is None else set(reminders)
    writing(connection)
    deltas: Counter[str] = Counter()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        bound = {"ids": chunk}
        old_names = {r.request_id: (r.status_name, r.month_name) for r in connection.execute(OLD_NAMES, bound)}
        old_stages: dict[int, list[tuple[Any, ...]]] = {}
        for r in connection.execute(OLD_STAGES, bound):
            old_stages.setdefault(r.request_id, []).append((r.start, r.until, r.due_on, bool(r.overdue)))
        changed: list[int] = []
        kept_rows: list[dict[str, Any]] = []
        stages: list[dict[str, Any]] = []
        reread: list[int] = []
        closed_now: dict[int, bool] = {}
        for row in connection.execute(STORED, bound).mappings():
            rid = row["id"]
            kept = _kept_row(dict(row))
            closed_now[rid] = kept.closed
            names = (status_key(kept.jurisdiction, kept.status, kept.closed), month_key(kept.month))
            spans = [(sp.start, sp.until, sp.due_on, sp.overdue) for sp in kept.spans]
            before = old_names.get(rid)
            if again is None or rid in again or (before is not None and before[0][-1] != names[0][-1]):
                reread.append(rid)  # asked, or closed / opened again: its reminders are read again
            if before == names and old_stages.get(rid, []) == spans:
                continue
            changed.append(rid)
            if before is not None:
                deltas.subtract(before)
            deltas.update(names)
            kept_rows.append({"request_id": rid, "status_name": names[0], "month_name": names[1]})
            code = kept.jurisdiction
            stages.extend(
                {"request_id": rid, "start": a, "until": b, "due_on": due, "overdue": late, "jurisdiction": code}
                for a, b, due, late in spans
            )
        gone = [rid for rid in chunk if rid not in closed_now]
        for rid in gone:
            if rid in old_names:
                deltas.subtract(old_names[rid])
        stale = [rid for rid in changed if rid in old_names or rid in old_stages] + gone
        if stale:
            for statement in FORGET:
                connection.execute(statement, {"ids": stale})
        if kept_rows:
            connection.execute(insert(RequestKept), kept_rows)
        if stages:
            connection.execute(insert(RequestStage), stages)
        if reread or gone:
            connection.execute(FORGET_REMINDERS, {"ids": reread + gone})
            still_open = [rid for rid in reread if not closed_now[rid]]
            if still_open:
                _add_reminders(connection, still_open)
    _add_counts(connection, deltas)


def _add_reminders(connection: Connection, ids: list[int]) -> None:
    """Insert the reminders in force (lifecycle.effective: after undo and edit) of open requests."""
    history: dict[int, list[Recorded]] = {}
    for e in connection.execute(REMINDING_EVENTS, {"ids": ids}):
        history.setdefault(e.request_id, []).append(Recorded(e.id, e.kind, e.on, e.note, e.data or {}))
    rows = [
        {"event_id": e.id, "request_id": request_id, "on": e.on, "data": dict(e.data)}
        for request_id, events in history.items()
        for e in effective(events)
        if e.kind == "reminder"
    ]
    if rows:
        connection.execute(insert(OpenReminder), rows)


def rebuild(connection: Connection) -> int:
    """Count every request again from scratch (the migration, an import, a bulk load), 2,000
    at a time; returns how many requests were counted."""
    for model in (RequestKept, RequestStage, OpenReminder, RequestCount):
        connection.execute(delete(model))
    table = cast(Table, Request.__table__)
    n, last = 0, 0
    while True:
        chunk = list(
            connection.execute(select(table.c.id).where(table.c.id > last).order_by(table.c.id).limit(2000)).scalars()
        )
        if not chunk:
            return n
        recount(connection, chunk)
        n += len(chunk)
        last = chunk[-1]


def writing(connection: Connection) -> None:
    """On PostgreSQL, wait for the writers before this one to commit (a transaction-level
    advisory lock, held to the end of the transaction): two transactions counting the same request
    again never interleave, and every writer updates the shared count rows in one order, once."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITERS_LOCK})")


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """A request about to be deleted: what it added is taken away at commit (its kept rows go
    with it, by the foreign key)."""
    gone = sorted(r.id for r in session.deleted if isinstance(r, Request) and r.id is not None)
    if gone:
        kept = cast(Table, RequestKept.__table__).c
        pending: Counter[str] = session.info.setdefault(_GONE, Counter())
        for start in range(0, len(gone), CHUNK):
            chunk = gone[start : start + CHUNK]
            query = select(kept.status_name, kept.month_name).where(kept.request_id.in_(chunk))
            for status_name, month_name in session.connection().execute(query):
                pending.subtract((status_name, month_name))
        session.info.setdefault(_IDS, set()).update(gone)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    """Note the requests this flush inserted or updated, and those that gained an event that
    makes, hides or moves a reminder: they are counted again at commit, all at once."""
    ids = {r.id for r in (*session.new, *session.dirty) if isinstance(r, Request) and r not in session.deleted}
    reminding = {e.request_id for e in session.new if isinstance(e, Event) and e.kind in REMINDING}
    if ids or reminding:
        session.info.setdefault(_IDS, set()).update(ids | reminding)
        session.info.setdefault(_REMINDING, set()).update(reminding)


def written(session: Session, ids: Iterable[int]) -> None:
    """Requests this session's transaction inserted or updated without the ORM (a bulk insert):
    counted again at its commit with those its flushes touched, as if the ORM had written them."""
    session.info.setdefault(_IDS, set()).update(ids)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    """Count again, in the transaction being committed, every request its flushes touched."""
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction counts at its commit
    session.flush()
    ids: set[int] = session.info.pop(_IDS, set())
    reminding: set[int] = session.info.pop(_REMINDING, set())
    gone: Counter[str] = session.info.pop(_GONE, Counter())
    if ids or gone:
        connection = session.connection()
        recount(connection, ids, reminding)
        _add_counts(connection, gone)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # committed (counted) or rolled back (nothing to count)
        for key in (_IDS, _REMINDING, _GONE):
            session.info.pop(key, None)

"""The kept counts (migration 0020): ``request_counts`` and ``request_stages``, kept current in the
same transaction as every write of a request.

Every writer of a request's cached answer (tracker.service: a new request, an event, an undo, an
edit, ``db recompute``, a stale schedule stored again) goes through the ORM, so one pair of
session hooks keeps them: before a flush, the stored columns of the requests about to change are
read; after it, what each one added to the counts as stored is taken away and what it adds now is
added (lifecycle.kept_of, the read path's own answer for every day), and its stages are
written again. Writers that bypass the ORM (the dump's import, bench/scale.py) call
:func:`rebuild`, as the migration does for an existing database.

The dashboard reads them (store.reader.Reader.kept_counts, overdue_rows, due_rows) only when every
stored schedule is current (Reader.all_fresh); otherwise it counts every request, as before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, event, insert, select
from sqlalchemy.orm import Session

from records_req.lifecycle import Kept, Recorded, effective, kept_of
from records_req.store.models import Event, OpenReminder, Request, RequestCount, RequestStage

COLUMNS = ("jurisdiction", "status", "closed", "letter_date", "schedule", "due_on", "due_statutory")
_OLD = "records_req.kept.old"  # session.info: the stored columns of the requests about to change
REMINDING = ("reminder", "undo", "edit")  # the kinds that make, hide or move a reminder


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


def _counted(kept: Kept) -> tuple[str, str]:
    return status_key(kept.jurisdiction, kept.status, kept.closed), month_key(kept.month)


def _stage_rows(request_id: int, kept: Kept) -> list[dict[str, Any]]:
    return [
        {
            "request_id": request_id,
            "start": s.start,
            "until": s.until,
            "due_on": s.due_on,
            "overdue": s.overdue,
            "jurisdiction": kept.jurisdiction,
        }
        for s in kept.spans
    ]


def _add_counts(connection: Connection, deltas: Mapping[str, int]) -> None:
    """Add each delta to its count, in the names' order (two writers never wait on each other in
    opposite orders)."""
    changes = [{"name": name, "n": n} for name, n in sorted(deltas.items()) if n]
    if not changes:
        return
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
    statement = upsert(RequestCount)
    statement = statement.on_conflict_do_update(
        index_elements=["name"], set_={"n": RequestCount.n + statement.excluded.n}
    )
    connection.execute(statement, changes)


def _stored(connection: Connection, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    table = cast(Table, Request.__table__)
    wanted = sorted(ids)
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = select(table.c.id, *(table.c[c] for c in COLUMNS)).where(table.c.id.in_(chunk))
        for row in connection.execute(query).mappings():
            out[row["id"]] = dict(row)
    return out


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Read, before they change, the stored columns of the requests this flush updates or deletes."""
    ids = {
        r.id
        for r in (*session.dirty, *session.deleted)
        if isinstance(r, Request) and r.id is not None and r.id not in session.info.get(_OLD, {})
    }
    if ids:
        session.info.setdefault(_OLD, {}).update(_stored(session.connection(), ids))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    """Take away what each changed request added to the counts as it was, and add what it adds now."""
    old: dict[int, dict[str, Any]] = session.info.pop(_OLD, {})
    deltas: Counter[str] = Counter()
    changed: dict[int, Kept | None] = {}
    for r in session.new:
        if isinstance(r, Request):
            changed[r.id] = _kept_row({c: getattr(r, c) for c in COLUMNS})
    for r in session.deleted:
        if isinstance(r, Request):
            changed[r.id] = None
    for r in session.dirty:
        if isinstance(r, Request) and r.id in old and r not in session.deleted:
            changed[r.id] = _kept_row({c: getattr(r, c) for c in COLUMNS})
    reminding = {e.request_id for e in session.new if isinstance(e, Event) and e.kind in REMINDING}
    for request_id, now in changed.items():
        before = old.get(request_id)
        if now is not None and before is not None and bool(before["closed"]) != now.closed:
            reminding.add(request_id)  # closed (its reminders go) or open again (they come back)
    if reminding:
        _keep_reminders(session.connection(), reminding)
    if not changed:
        return
    stages: list[dict[str, Any]] = []
    replaced: list[int] = []
    for request_id, now in changed.items():
        before = old.get(request_id)
        was = _kept_row(before) if before is not None else None
        if was == now:
            continue
        if was is not None:
            deltas.subtract(_counted(was))
            replaced.append(request_id)
        if now is not None:
            deltas.update(_counted(now))
            stages.extend(_stage_rows(request_id, now))
    connection = session.connection()
    for start in range(0, len(replaced), 500):
        chunk = replaced[start : start + 500]
        connection.execute(delete(RequestStage).where(RequestStage.request_id.in_(chunk)))
    if stages:
        connection.execute(insert(RequestStage), stages)
    _add_counts(connection, deltas)


def _keep_reminders(connection: Connection, ids: Iterable[int]) -> None:
    """Write again the reminders in force of these requests: none for a closed one."""
    wanted = sorted(ids)
    requests = cast(Table, Request.__table__).c
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        connection.execute(delete(OpenReminder).where(OpenReminder.request_id.in_(chunk)))
        still_open = set(
            connection.execute(select(requests.id).where(requests.id.in_(chunk), requests.closed.is_(False))).scalars()
        )
        if still_open:
            _add_reminders(connection, sorted(still_open))


def _add_reminders(connection: Connection, ids: list[int]) -> None:
    """Insert the reminders in force (lifecycle.effective: after undo and edit) of open requests."""
    table = cast(Table, Event.__table__)
    history: dict[int, list[Recorded]] = {}
    found = connection.execute(
        select(table.c.id, table.c.request_id, table.c.kind, table.c.on, table.c.note, table.c.data)
        .where(table.c.request_id.in_(ids), table.c.kind.in_(REMINDING))
        .order_by(table.c.id)
    )
    for e in found:
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
    """Count every request again from its stored columns (the migration, an import, a bulk
    load), 2,000 at a time; returns how many requests were counted."""
    connection.execute(delete(RequestStage))
    connection.execute(delete(RequestCount))
    connection.execute(delete(OpenReminder))
    events = cast(Table, Event.__table__).c
    requests = cast(Table, Request.__table__).c
    reminded = sorted(
        connection.execute(
            select(events.request_id)
            .distinct()
            .join_from(Event.__table__, Request.__table__, requests.id == events.request_id)
            .where(events.kind == "reminder", requests.closed.is_(False))
        ).scalars()
    )
    for start in range(0, len(reminded), 500):
        _add_reminders(connection, reminded[start : start + 500])
    table = cast(Table, Request.__table__)
    counts: Counter[str] = Counter()
    n, last = 0, 0
    while True:
        found = list(
            connection.execute(
                select(table.c.id, *(table.c[c] for c in COLUMNS))
                .where(table.c.id > last)
                .order_by(table.c.id)
                .limit(2000)
            ).mappings()
        )
        if not found:
            break
        stages: list[dict[str, Any]] = []
        for row in found:
            kept = _kept_row(dict(row))
            counts.update(_counted(kept))
            stages.extend(_stage_rows(row["id"], kept))
        if stages:
            connection.execute(insert(RequestStage), stages)
        n += len(found)
        last = found[-1]["id"]
    _add_counts(connection, counts)
    return n

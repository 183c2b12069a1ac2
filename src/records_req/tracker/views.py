"""What a request looks like to people and programs, from the lifecycle's one answer: the
:class:`records_req.views.RequestDetails` that ``show``, the bundle, the report, the dashboard's
request page and the Python API print. Read-only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from records_req.errors import NotFoundError
from records_req.lifecycle import Recorded, effective, history, track
from records_req.views import Document, Event, RequestDetails, Requester, days_late, event_shown

if TYPE_CHECKING:
    from records_req.calendars import ClosureCalendar
    from records_req.laws import Laws
    from records_req.store.reader import Reader

__all__ = ["RequestDetails", "details_of", "event_shown", "request_details"]

# The agency's first answer after sending, and the answers that complete a request.
FIRST_RESPONSE = frozenset(
    {
        "acknowledged",
        "clarification-requested",
        "fee-estimate",
        "partial-release",
        "released",
        "no-records",
        "denied",
        "extended",
    }
)
COMPLETION = frozenset({"released", "no-records"})
# Events that never move a date: the others count as a revision (the calendar's SEQUENCE).
CANNOT_MOVE_A_DATE = frozenset({"note", "reminder"})


def request_details(view: Reader, request_id: int, today: dt.date) -> RequestDetails:
    """Everything about one request on ``today`` (what ``records-req show --json`` prints)."""
    from records_req.laws import load_laws
    from records_req.store.reader import report_rows

    rows = report_rows(view, ids=(request_id,))
    if not rows["requests"]:
        raise NotFoundError(f"No request #{request_id}. 'records-req list' shows them.")
    return details_of(rows["requests"][0], rows, load_laws(), today)


def details_of(
    row: Mapping[str, Any],
    rows: Mapping[str, Any],
    laws: Laws,
    as_of: dt.date,
    *,
    redact: bool = False,
    calendars: dict[str, ClosureCalendar] | None = None,
) -> RequestDetails:
    """One request's details on ``as_of`` from the rows store.reader.report_rows read (``row``
    one of its requests): the one computation behind ``show``, the report and the request page."""
    from records_req.calendars import calendar_for

    rid = row["id"]
    stored = rows["events"].get(rid, [])
    j = laws[row["jurisdiction"]].for_agency(row.get("agency"))
    calendar = calendar_for(j) if calendars is None else calendars.setdefault(j.code, calendar_for(j))
    recorded = [Recorded(e["id"], e["kind"], e["on"], e["note"], e["data"], e["forced"]) for e in stored]
    state = track(recorded, j, calendar, as_of)
    at = {e["id"]: e.get("created_at") for e in stored}
    events = tuple(_event(e, at.get(e.id)) for e in recorded)
    in_force = tuple(_event(e, at.get(e.id)) for e in effective(recorded))
    sent = state.state.sent_on
    moves = [e for e in stored if e["kind"] not in CANNOT_MOVE_A_DATE]
    requester = None
    if not redact:
        requester = Requester(
            row.get("requester_name"),
            row.get("requester_email"),
            row.get("requester_address"),
            row.get("requester_phone"),
            row.get("requester_org"),
        )
    closed = state.state.closed
    return RequestDetails(
        id=rid,
        jurisdiction=j.code,
        agency=row["agency"],
        status=state.state.status,
        closed=closed,
        due_on=state.due_on,
        due_statutory=state.statutory,
        overdue=state.overdue,
        days_late=days_late(state.due_on, state.overdue, as_of),
        due_label=state.due_label,
        next_action=state.next_action,
        topics=tuple(row["topics"]),
        tags=tuple(rows["tags"].get(rid, ())),
        letter_date=row["letter_date"],
        sent_on=sent,
        jurisdiction_name=j.name,
        law=j.law.name,
        law_citation=j.law.citation,
        agency_models=tuple(m.strip() for m in (row.get("agency_models") or "").split(";") if m.strip()),
        tracking_numbers=tuple(rows["numbers"].get(rid, ())),
        first_response_on=_first(in_force, FIRST_RESPONSE, sent),
        completed_on=_first(in_force, COMPLETION, sent),
        events=events,
        in_force=in_force,
        history=tuple(history(recorded)),
        documents=tuple(Document(**d) for d in rows["documents"].get(rid, ())),
        deadline=state.deadline,
        explanation=tuple(state.deadline.lines) if state.deadline and not closed else (),
        appeal_window=state.appeal,
        requester=requester,
        revision=len(moves),
        revised_at=moves[-1].get("created_at") if moves else None,
        as_of=as_of,
    )


def _event(e: Any, recorded_at: dt.datetime | None) -> Event:
    label, facts = event_shown(e.kind, e.data)
    return Event(e.id, e.kind, e.on, e.note, dict(e.data), e.forced, label, facts, recorded_at)


def _first(events: Sequence[Event], kinds: frozenset[str], after: dt.date | None) -> dt.date | None:
    if after is None:
        return None
    dates = [e.on for e in events if e.kind in kinds and e.on >= after]
    return min(dates) if dates else None

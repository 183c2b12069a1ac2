"""What a request looks like to people and programs: the data `show`, the bundle, the reports'
detail pages and the dashboard print, from the lifecycle's one answer. Read-only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from records_req.errors import UsageError

if TYPE_CHECKING:
    from records_req.lifecycle import Tracked
    from records_req.store.reader import Reader


def orm_row(request: Any) -> dict[str, Any]:
    """The fields summary needs, from an ORM request (the writing commands have one)."""
    return {
        "id": request.id,
        "jurisdiction": request.jurisdiction,
        "agency_name": request.agency.name,
        "topics": request.topics,
        "tags": [t.tag for t in request.tags],
        "tracking_numbers": [t.number for t in request.tracking_numbers],
    }


def summary(row: dict[str, Any], state: Tracked) -> dict[str, Any]:
    return {
        "id": row["id"],
        "jurisdiction": row["jurisdiction"],
        "agency": row["agency_name"],
        "topics": list(row["topics"]),
        "tags": list(row["tags"]),
        "status": state.state.status,
        "overdue": state.overdue,
        "due": state.due_on.isoformat() if state.due_on else None,
        "due_label": state.due_label,
        "statutory": state.statutory,
        "next_step": state.next_step,  # plain English, naming no command (records_req.wording)
        "next_action": state.next_action.to_dict(),  # the same as data: kind, on, case, facts
        "sent": state.state.sent_on.isoformat() if state.state.sent_on else None,
        "tracking_numbers": list(row["tracking_numbers"]),
    }


def event_shown(kind: str, data: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """An event as every view names it, and the facts it shows: an 'appealed' letter in a state
    whose only route is a court was a request for reconsideration to the agency (no court has it)."""
    facts = dict(data)
    if kind == "appealed" and facts.pop("reconsideration", False):
        return "reconsideration requested", ({"court": facts.pop("body")} if "body" in facts else facts)
    return kind, facts


def request_details(view: Reader, request_id: int, today: dt.date) -> dict[str, Any]:
    """Everything about one request on ``today`` (what ``records-req show --json`` prints)."""
    from records_req.calendars import calendar_for
    from records_req.laws import load_laws
    from records_req.lifecycle import Recorded, track

    now = today
    row = view.request(request_id)
    if row is None:
        raise UsageError(f"No request #{request_id}. 'records-req list' shows them.")
    j = load_laws()[row["jurisdiction"]].for_agency(row.get("agency_name"))
    events = [Recorded(e["id"], e["kind"], e["on"], e["note"], e["data"], e["forced"]) for e in row["events"]]
    state = track(events, j, calendar_for(j), now)
    return summary(row, state) | {
        "law": {"name": j.law.name, "citation": j.law.citation},
        "events": [
            {
                "id": e["id"],
                "kind": e["kind"],
                "on": e["on"].isoformat(),
                "note": e["note"],
                "data": dict(e["data"]),
                "forced": e["forced"],
                **dict(zip(("label", "facts"), event_shown(e["kind"], e["data"]), strict=True)),
            }
            for e in row["events"]
        ],
        "documents": [dict(d) for d in row["documents"]],
        "deadline": state.deadline.to_dict() if state.deadline else None,
        "explanation": state.deadline.lines if state.deadline else [],
        "appeal_window": state.appeal.to_dict() if state.appeal else None,
        "as_of": now.isoformat(),
    }

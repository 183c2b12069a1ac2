"""A request as seen (issue 18): the two typed views every door shows, with one naming.

- :class:`RequestRow`: one request in a list: ``list``, ``due``, the dashboard's lists and counts,
  the Python API's ``Tracker.list``. Read from the cached schedule (store/reader.py), so that a list
  of ten thousand stays fast.
- :class:`RequestDetails`: everything about one request: ``show``, the dashboard's request page,
  the evidence bundle, the report (each request of it) and the Python API's ``Tracker.view``.
  Computed from the events (tracker/views.py); ``test_parity`` holds both to the same answer.

Both are the lifecycle's answer on one day (``as_of``). Names, for every door and program: a
date is ``..._on`` (``due_on``, ``sent_on``, ``letter_date`` is the letter's own), ``agency`` is
the agency's name, ``due_statutory`` says whether ``due_on`` is set by law. The JSON the
command line prints keeps its older keys (``due``, ``statutory``, ``sent``): :meth:`RequestDetails.to_json`.

Pure and part of the core floor: the store builds rows with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from records_req.errors import UsageError

if TYPE_CHECKING:
    from records_req.deadlines import AppealWindow, Deadline, Step
    from records_req.lifecycle import Line, NextAction

# What a status filter may name: a status (lifecycle.STATUSES), or one of these groups.
STATUS_GROUPS = ("open", "closed", "overdue")


def status_filter(status: str | None) -> str | None:
    """``status`` as a filter of the lists (None: every request), or a UsageError naming the
    choices: the command line reports it, the dashboard shows it; neither drops it silently."""
    from records_req.lifecycle import STATUSES

    if not status:
        return None
    if status == "awaiting-requester":  # split in 2026-12 into what the agency waits for
        raise UsageError.of("status-split", status=status, into="fix-required, payment-required")
    if status not in (*STATUS_GROUPS, *STATUSES):
        raise UsageError(f"Unknown status {status!r}. Use {', '.join(STATUS_GROUPS)} or one of {', '.join(STATUSES)}.")
    return status


def days_late(due_on: dt.date | None, overdue: bool, as_of: dt.date) -> int:
    """Days past ``due_on`` on ``as_of`` while the request is overdue; 0 otherwise."""
    return (as_of - due_on).days if overdue and due_on is not None else 0


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


class RequestRow(NamedTuple):
    """One request in a list, as on ``as_of``."""

    id: int
    jurisdiction: str  # the USPS code of the law that applies ("US": the federal FOIA)
    agency: str  # the agency's name
    status: str  # one of lifecycle.STATUSES (awaiting-response, completed...)
    closed: bool  # no answer is owed any more (completed, no records, withdrawn)
    due_on: dt.date | None  # the date that matters now: statutory, the appeal's last day, or suggested
    due_statutory: bool  # due_on is set by law (False: a suggested date to follow up)
    overdue: bool  # due_on has passed while the agency owes a response
    days_late: int  # days past due_on while overdue; 0 otherwise
    due_label: str  # what due_on is, in words ("response due", "appeal deadline"...)
    next_kind: str  # the next action's kind (lifecycle.ACTIONS: send, follow-up, appeal...; "" unknown)
    letter_date: dt.date  # the date of the request letter
    sent_on: dt.date | None  # when it was sent (None: a draft)
    topics: tuple[str, ...]  # the topics asked for (topic keys: wso, jem, costs...)
    tags: tuple[str, ...]  # the user's tags, sorted


class Event(NamedTuple):
    """A recorded event, as every view names it (``label``, ``facts``: views.event_shown)."""

    id: int
    kind: str  # lifecycle.EVENTS (sent, acknowledged, extended...; undo, edit)
    on: dt.date
    note: str | None
    data: Mapping[str, Any]  # the fields recorded with it (via, days, amount...)
    forced: bool  # recorded with force, against the lifecycle's order
    label: str  # the kind as shown ("reconsideration requested" for a reconsideration appeal)
    facts: Mapping[str, Any]  # the data as shown
    recorded_at: dt.datetime | None = None  # when it was entered

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "on": self.on.isoformat(),
            "note": self.note,
            "data": dict(self.data),
            "forced": self.forced,
            "label": self.label,
            "facts": dict(self.facts),
        }


class Document(NamedTuple):
    """A file kept with a request: a letter written, or a file received (stored under its hash)."""

    id: int
    role: str  # "letter" or "received"
    path: str  # where it is stored
    name: str  # its original name
    sha256: str
    size: int


class Requester(NamedTuple):
    """Who asked (from the request's profile); None in a redacted report."""

    name: str | None
    email: str | None
    address: str | None
    phone: str | None
    organization: str | None


class RequestDetails(NamedTuple):
    """Everything about one request, as on ``as_of``. The first fields are a :class:`RequestRow`'s."""

    id: int
    jurisdiction: str
    agency: str
    status: str
    closed: bool
    due_on: dt.date | None
    due_statutory: bool
    overdue: bool
    days_late: int
    due_label: str
    next_action: NextAction  # the one next thing to do, as data (kind, on, case, facts)
    letter_date: dt.date
    sent_on: dt.date | None
    topics: tuple[str, ...]
    tags: tuple[str, ...]
    jurisdiction_name: str  # "Virginia"
    law: str  # the law's name
    law_citation: str
    agency_models: tuple[str, ...]  # the agency's 287(g) models in ICE's list (WSO, JEM, TFM)
    tracking_numbers: tuple[str, ...]  # the agency's references
    first_response_on: dt.date | None  # the agency's first answer after sending
    completed_on: dt.date | None  # records released or none found
    events: tuple[Event, ...]  # every recorded event, in the order entered (undo and edit too)
    in_force: tuple[Event, ...]  # the events in force: undone ones left out, edits applied
    history: tuple[Line, ...]  # the timeline every door shows (lifecycle.history): date order, undone marked
    documents: tuple[Document, ...]
    deadline: Deadline | None  # the statutory clock running now, with its explanation
    explanation: tuple[str, ...]  # how the deadline was computed, step by step (none once closed)
    appeal_window: AppealWindow | None  # the requester's appeal window, once it runs
    requester: Requester | None
    revision: int  # recorded events that could move a date (the calendar's SEQUENCE)
    revised_at: dt.datetime | None  # when the last of them was recorded
    as_of: dt.date
    notes: tuple[str, ...] = ()  # what the call that returned it noted (the Python API's writes)

    @property
    def next_step(self) -> str:
        """The next action in plain English, naming no command (records_req.wording)."""
        from records_req.wording import action_words

        return action_words(self.next_action)

    @property
    def steps(self) -> tuple[Step, ...]:
        """How the deadline was computed, as facts (the ``explanation`` is their English words;
        records_req.explain words them in any language); none once closed."""
        return self.deadline.explanation if self.deadline is not None and self.explanation else ()

    @property
    def row(self) -> RequestRow:
        """The first fields, as a list shows them."""
        return RequestRow(*self[:10], self.next_action.kind, *self[11:15])

    @property
    def letters(self) -> tuple[Path, ...]:
        """The letters written for the request (DOCX, PDF, .eml), where they are stored."""
        return tuple(Path(d.path) for d in self.documents if d.role == "letter")

    @property
    def days_to_first_response(self) -> int | None:
        if self.sent_on and self.first_response_on:
            return (self.first_response_on - self.sent_on).days
        return None

    @property
    def days_to_completion(self) -> int | None:
        if self.sent_on and self.completed_on:
            return (self.completed_on - self.sent_on).days
        return None

    def summary_json(self) -> dict[str, Any]:
        """The request's state as JSON (what ``log --json`` prints; the head of :meth:`to_json`)."""
        return {
            "id": self.id,
            "jurisdiction": self.jurisdiction,
            "agency": self.agency,
            "topics": list(self.topics),
            "tags": list(self.tags),
            "status": self.status,
            "overdue": self.overdue,
            "due": _iso(self.due_on),
            "due_label": self.due_label,
            "statutory": self.due_statutory,
            "next_step": self.next_step,  # plain English, naming no command (records_req.wording)
            "next_action": self.next_action.to_dict(),  # the same as data: kind, on, case, facts
            "sent": _iso(self.sent_on),
            "tracking_numbers": list(self.tracking_numbers),
        }

    def to_json(self) -> dict[str, Any]:
        """Everything as JSON: what ``show --json`` prints and the bundle keeps."""
        return self.summary_json() | {
            "law": {"name": self.law, "citation": self.law_citation},
            "events": [e.to_json() for e in self.events],
            "documents": [d._asdict() for d in self.documents],
            "deadline": self.deadline.to_dict() if self.deadline else None,
            "explanation": list(self.explanation),
            "appeal_window": self.appeal_window.to_dict() if self.appeal_window else None,
            "as_of": self.as_of.isoformat(),
        }


def event_shown(kind: str, data: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """An event as every view names it, and the facts it shows: an 'appealed' letter in a state
    whose only route is a court was a request for reconsideration to the agency (no court has it)."""
    facts = dict(data)
    if kind == "appealed" and facts.pop("reconsideration", False):
        return "reconsideration requested", ({"court": facts.pop("body")} if "body" in facts else facts)
    return kind, facts

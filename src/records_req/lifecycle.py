"""A request's life, derived from its events. Pure: no database, no clock (``today`` is passed).

Events are appended, never changed. ``undo`` hides an earlier event and ``edit`` replaces its
fields; both are events themselves, so the history keeps everything that was ever recorded.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from records_req.deadlines import (
    AppealWindow,
    Calendar,
    Deadline,
    Extended,
    Paused,
    Via,
    add_business_days,
    appeal_window,
    assume_received,
    court_route,
    deemed_denial_date,
    running_clock,
    second_clock,
    walk_days,
)
from records_req.deadlines import (
    Event as ClockEvent,
)
from records_req.laws import Appeal, Jurisdiction
from records_req.wording import why_words

# status names, as shown to users
DRAFT = "draft"
# Sent, and nothing heard from the agency yet (MuckRock's "Awaiting acknowledgement"): the status
# of every sent request until the agency's first answer of any kind (AGENCY_ANSWERS), whatever the
# law says about acknowledging. Before 2026-12 such a request was "awaiting-response"
# (schedule_cache.ENGINE_VERSION 5 computes stored rows again).
AWAITING_ACK = "awaiting-ack"
AWAITING_RESPONSE = "awaiting-response"  # the agency answered (acknowledged, extended...) and owes the rest
# The agency waits for the requester: a clarification (a fix) or a fee (a payment). Both were one
# status, "awaiting-requester", before 2026-12 (schedule_cache.ENGINE_VERSION 4 computes stored
# rows again; a filter on the old name matches both: views.status_filter).
FIX_REQUIRED = "fix-required"
PAYMENT_REQUIRED = "payment-required"
AWAITING_REQUESTER = frozenset({FIX_REQUIRED, PAYMENT_REQUIRED})
PARTIALLY_RELEASED = "partially-released"
COMPLETED = "completed"
NO_RECORDS = "no-records"
DENIED = "denied"
APPEALED = "appealed"
IN_LITIGATION = "in-litigation"  # a court action was filed (the 'sued' event)
WITHDRAWN = "withdrawn"
STATUSES = (
    DRAFT,
    AWAITING_ACK,
    AWAITING_RESPONSE,
    FIX_REQUIRED,
    PAYMENT_REQUIRED,
    PARTIALLY_RELEASED,
    COMPLETED,
    NO_RECORDS,
    DENIED,
    APPEALED,
    IN_LITIGATION,
    WITHDRAWN,
)
CLOSED = frozenset({COMPLETED, NO_RECORDS, WITHDRAWN})
# Statuses in which a statutory date can be overdue: the agency owes a response (while the
# clock is stopped for the requester, the due date is None, so it cannot be overdue).
CAN_BE_OVERDUE = frozenset({AWAITING_ACK, AWAITING_RESPONSE, PARTIALLY_RELEASED, *AWAITING_REQUESTER})
# The events that are the agency's answer: the first of them ends "awaiting acknowledgement" (an
# acknowledgment, more time, a question, a fee, a promised date, records, a refusal).
AGENCY_ANSWERS = frozenset(
    {
        "acknowledged",
        "extended",
        "clarification-requested",
        "fee-estimate",
        "fee-waived",
        "estimate",
        "partial-release",
        "released",
        "no-records",
        "denied",
    }
)


class EventSpec(NamedTuple):
    fields: tuple[str, ...]  # allowed data fields
    help: str


EVENTS: dict[str, EventSpec] = {
    "sent": EventSpec(("via",), "the request went out (via mail, email, portal, fax or hand)"),
    "acknowledged": EventSpec(("tracking_number",), "the agency confirmed receipt"),
    "extended": EventSpec(("days", "until"), "the agency took more time (a number of days, or until a date)"),
    "clarification-requested": EventSpec((), "the agency asked you to clarify (clock may stop)"),
    "clarified": EventSpec((), "you answered the clarification"),
    "fee-estimate": EventSpec(("amount",), "the agency sent a fee estimate (its amount)"),
    "fee-paid": EventSpec(("amount",), "you paid the fee"),
    "fee-waived": EventSpec((), "the agency waived the fee"),
    "partial-release": EventSpec((), "some records arrived"),
    "released": EventSpec((), "the records arrived: the request is complete"),
    "no-records": EventSpec((), "the agency says it has no responsive records"),
    "denied": EventSpec(("exemptions",), "the agency denied the request (the exemptions it cited)"),
    "appealed": EventSpec(
        ("body", "reconsideration"), "you appealed (where only a court can review: asked to reconsider)"
    ),
    "appeal-decided": EventSpec(("outcome",), "the appeal was decided (granted, denied or partial)"),
    "withdrawn": EventSpec((), "you withdrew the request"),
    "sued": EventSpec(("court",), "you filed a court action for the records (the court's name)"),
    "estimate": EventSpec(("until",), "the agency's own promised completion date (until a date)"),
    "note": EventSpec((), "a note for the record"),
    "reminder": EventSpec(("text",), "a personal reminder, shown with what falls due"),
    "followed-up": EventSpec(("document",), "a follow-up letter was sent"),
    "undo": EventSpec(("target", "by"), "hides an earlier event (and says who undid it)"),
    "edit": EventSpec(("target", "on", "note", "data", "was"), "replaces an earlier event's fields (keeps the old)"),
}
USER_EVENTS = tuple(k for k in EVENTS if k not in ("undo", "edit", "reminder", "followed-up"))


class Recorded(NamedTuple):
    """An event as stored."""

    id: int
    kind: str
    on: dt.date
    note: str | None = None
    data: Mapping[str, Any] = {}
    forced: bool = False


class State(NamedTuple):
    status: str
    sent_on: dt.date | None
    via: Via
    acknowledged_on: dt.date | None
    denied_on: dt.date | None
    appealed_on: dt.date | None
    followed_up_on: dt.date | None
    estimate: dt.date | None
    clock_events: tuple[ClockEvent, ...]
    reminders: tuple[tuple[dt.date, str], ...]
    tracking_numbers: tuple[str, ...]
    court: str | None = None  # where a court action was filed ('sued'), if the requester named it

    @property
    def closed(self) -> bool:
        return self.status in CLOSED


def effective(events: Iterable[Recorded]) -> list[Recorded]:
    """The events that count: undone ones hidden, edited ones with every edit applied in order."""
    ordered = sorted(events, key=lambda e: e.id)
    undone: set[int] = set()
    edits: dict[int, list[Recorded]] = {}
    for event in ordered:
        target = event.data.get("target") if event.kind in ("undo", "edit") else None
        if event.kind == "undo" and isinstance(target, int):
            undone.add(target)
        elif event.kind == "edit" and isinstance(target, int):
            edits.setdefault(target, []).append(event)
    out = []
    for event in ordered:
        if event.kind in ("undo", "edit") or event.id in undone:
            continue
        for edit in edits.get(event.id, []):
            if edit.id not in undone:
                event = _edited(event, edit)
        out.append(event)
    return out


def _edited(event: Recorded, edit: Recorded) -> Recorded:
    """``event`` with one edit's fields applied."""
    changes = dict(edit.data.get("data") or {})
    data = dict(event.data)
    if "days" in changes:  # an extension is either by days or to a date
        data.pop("until", None)
    if "until" in changes:
        data.pop("days", None)
    return event._replace(
        on=dt.date.fromisoformat(edit.data["on"]) if edit.data.get("on") else event.on,
        note=edit.data.get("note", event.note),
        data={**data, **changes},
    )


class Line(NamedTuple):
    """One line of a request's history, as every door shows it (:func:`history`).

    An ordinary event is shown with its edits applied, and ``undone_on``/``undone_by`` set when it
    was undone (the doors strike it through: it is no longer in force). An edit is a line of its own,
    dated when it was recorded, naming its ``target`` and each changed field's old and new value
    (``changes``). The 'undo' events themselves are not lines: they are the ``undone_*`` of their target.
    """

    id: int
    kind: str
    on: dt.date
    note: str | None
    data: Mapping[str, Any]
    forced: bool
    undone_on: dt.date | None = None
    undone_by: str | None = None  # who undid it, where the door knew (a signed-in account)
    target: int | None = None  # an edit: the event it changed
    changes: Mapping[str, tuple[Any, Any]] = {}  # an edit: field -> (old, new)

    @property
    def undone(self) -> bool:
        return self.undone_on is not None

    def to_dict(self) -> dict[str, Any]:
        """The line as JSON (dates in ISO form; an edit's changes as {field: [old, new]})."""
        return {
            "id": self.id,
            "kind": self.kind,
            "on": self.on.isoformat(),
            "note": self.note,
            "data": as_json(self.data),
            "forced": self.forced,
            "undone": self.undone,
            "undone_on": as_json(self.undone_on),
            "undone_by": self.undone_by,
            "target": self.target,
            "changes": {k: list(v) for k, v in self.changes.items()},
        }


def history(events: Iterable[Recorded]) -> list[Line]:
    """The request's history in date order (ties in the order entered): every event with its edits
    applied, undone ones marked with when and by whom, each edit with its old and new values."""
    ordered = sorted(events, key=lambda e: e.id)
    undo = {e.data["target"]: e for e in ordered if e.kind == "undo" and isinstance(e.data.get("target"), int)}
    current = {e.id: e for e in ordered if e.kind not in ("undo", "edit")}
    lines: list[Line] = []
    for event in ordered:
        if event.kind == "undo":
            continue
        if event.kind == "edit":
            target = event.data.get("target")
            before = current.get(target) if isinstance(target, int) else None
            if before is None:
                continue
            after = before if event.id in undo else _edited(before, event)
            current[before.id] = after
            changes = _changes_of(before, after)
            lines.append(_line(event, undo.get(event.id))._replace(target=before.id, changes=changes))
    for event in current.values():
        lines.append(_line(event, undo.get(event.id)))
    return sorted(lines, key=lambda line: (line.on, line.id))


def recorded_of(events: Iterable[Mapping[str, Any]]) -> list[Recorded]:
    """Events as the views give them (``show --json``'s "events": id, kind, on as a date or in
    ISO form, note, data, forced), as the lifecycle takes them."""
    return [
        Recorded(
            int(e["id"]),
            str(e["kind"]),
            e["on"] if isinstance(e["on"], dt.date) else dt.date.fromisoformat(e["on"]),
            e.get("note"),
            e.get("data") or {},
            bool(e.get("forced")),
        )
        for e in events
    ]


def history_of(events: Iterable[Mapping[str, Any]]) -> list[Line]:
    """:func:`history` of events as the views give them (:func:`recorded_of`)."""
    return history(recorded_of(events))


def _line(event: Recorded, undo: Recorded | None) -> Line:
    by = undo.data.get("by") if undo is not None else None
    return Line(
        event.id,
        event.kind,
        event.on,
        event.note,
        event.data,
        event.forced,
        undo.on if undo is not None else None,
        str(by) if by else None,
    )


def _changes_of(before: Recorded, after: Recorded) -> dict[str, tuple[Any, Any]]:
    changes: dict[str, tuple[Any, Any]] = {}
    if before.on != after.on:
        changes["on"] = (before.on.isoformat(), after.on.isoformat())
    if before.note != after.note:
        changes["note"] = (before.note, after.note)
    for key in sorted(set(before.data) | set(after.data)):
        if before.data.get(key) != after.data.get(key):
            changes[key] = (before.data.get(key), after.data.get(key))
    return changes


class Why(NamedTuple):
    """Why an event makes no sense now, or cannot have its date (:func:`why_not`, :func:`too_early`),
    as facts: a code, its dates (ISO) and tokens, and ``event``, the event it is about where the
    sentence names it. ``str()`` is its plain English (records_req.wording.why_words); a forced
    event keeps it as facts (:meth:`to_json`, its ``data["warning"]``), worded in each door's language."""

    code: str
    facts: Mapping[str, Any] = {}
    event: str | None = None

    def __str__(self) -> str:
        return why_words(self)

    def to_json(self) -> dict[str, Any]:
        return {"why": self.code, **self.facts, **({"event": self.event} if self.event else {})}


def _why(code: str, /, **facts: Any) -> Why:
    return Why(code, {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in facts.items()})


# What each event's date may not precede: the request's going out, or the event it answers (the
# code of the sentence that says so).
_ANSWERS = {
    "clarified": ("clarification-requested", "before-clarification-request"),
    "fee-paid": ("fee-estimate", "before-fee-estimate"),
    "fee-waived": ("fee-estimate", "before-fee-estimate"),
    "appeal-decided": ("appealed", "before-appeal"),
}
UNDATED_KINDS = frozenset({"note", "reminder", "estimate", "undo", "edit"})  # may fall on any day


def too_early(events: Iterable[Recorded], kind: str, on: dt.date, letter_date: dt.date | None) -> Why | None:
    """Why ``kind`` cannot be dated ``on`` after ``events`` (the events so far), with the dates:
    'sent' before the letter's own date, an agency's answer before the request went out, an answer
    before what it answers (a payment before the estimate, an appeal's decision before the appeal,
    an appeal before the denial). None if the date is possible. A forced event is recorded anyway."""
    if kind in UNDATED_KINDS:
        return None
    if kind == "sent":
        if letter_date is not None and on < letter_date:
            return _why("before-letter", on=on, since=letter_date)
        return None
    live = effective(events)
    state = replay(live)
    if kind in _ANSWERS:
        earlier, code = _ANSWERS[kind]
        since = max((e.on for e in live if e.kind == earlier), default=None)
        if since is not None and on < since:
            return _why(code, on=on, since=since)
    if kind == "appealed" and state.denied_on is not None and on < state.denied_on:
        return _why("before-denial", on=on, since=state.denied_on)
    if state.sent_on is not None and on < state.sent_on:
        return _why("before-sent", on=on, since=state.sent_on)
    return None


def dates_out_of_order(events: Sequence[Recorded], letter_date: dt.date | None) -> Why | None:
    """The first event in force whose date :func:`too_early` refuses against the events entered
    before it (edits applied), worded with its kind; None if every date is possible. An edit that
    moves a date is checked with this on the history it would make."""
    live = effective(events)
    for i, event in enumerate(live):
        if event.forced:
            continue
        why = too_early(live[:i], event.kind, event.on, letter_date)
        if why:
            return why._replace(event=event.kind)
    return None


def why_not(state: State, kind: str) -> Why | None:
    """Why an event makes no sense now (None if it does). A forced event is recorded anyway."""
    status = state.status
    if kind in ("note", "reminder", "estimate", "undo", "edit"):
        return None
    if kind == "sent":
        return None if status == DRAFT else _why("already-sent", on=state.sent_on)
    if status == DRAFT:
        return _why("not-sent", first="sent", kind=kind)
    if kind == "withdrawn":
        return None if status not in CLOSED else _why("already-closed", status=status)
    if status in CLOSED:
        return _why("closed", status=status)
    if kind == "clarified" and not _pending(state, "clarification"):
        return _why("no-clarification-asked")
    if kind in ("fee-paid", "fee-waived") and not _pending(state, "fee_estimate"):
        return _why("no-fee-estimate")
    if kind == "followed-up" and status in AWAITING_REQUESTER:
        return _why("awaiting-you")
    if kind == "appealed" and status not in (DENIED, AWAITING_ACK, AWAITING_RESPONSE, PARTIALLY_RELEASED):
        return _why("cannot-appeal", status=status)
    if kind == "sued" and status == IN_LITIGATION:
        return _why("already-sued")
    if kind == "appeal-decided" and status != APPEALED:
        return _why("no-appeal")
    if kind == "acknowledged" and state.acknowledged_on is not None:
        return _why("already-acknowledged", on=state.acknowledged_on)
    return None


def _pending(state: State, pause: str) -> bool:
    return any(isinstance(e, Paused) and e.event == pause and e.end is None for e in state.clock_events)


def _waiting_for(clock: Sequence[ClockEvent]) -> str:
    """What the agency waits for, by the latest pause still open: a fix (clarification) or a
    payment (fee estimate); "" when none is open."""
    open_ = [e for e in clock if isinstance(e, Paused) and e.end is None]
    if not open_:
        return ""
    return FIX_REQUIRED if open_[-1].event == "clarification" else PAYMENT_REQUIRED


def replay(events: Iterable[Recorded]) -> State:
    """Fold the effective events into the request's current state.

    The status is the one answer every door shows. A sent request is *awaiting acknowledgement*
    (:data:`AWAITING_ACK`) until the agency's first answer of any kind (:data:`AGENCY_ANSWERS`: an
    acknowledgment, more time, a clarification asked, a fee, a promised date, records, a refusal),
    then *awaiting response* while the agency owes the rest. The rule is MuckRock's and does not
    depend on the law: where the law sets a duty to acknowledge (NY, AL, FL...), that duty's date is
    the deadline and the next step; the status says only whether the agency has answered yet.
    Undoing the answer brings the status back."""
    status = DRAFT
    sent_on = acknowledged_on = denied_on = appealed_on = followed_up = estimate = None
    via: Via = "email"
    clock: list[ClockEvent] = []
    reminders: list[tuple[dt.date, str]] = []
    numbers: list[str] = []
    outcome = court = None
    answered = False  # the agency has answered (an event of AGENCY_ANSWERS is in force)
    for event in effective(events):
        kind, on, data = event.kind, event.on, event.data
        number = data.get("tracking_number")
        if number and str(number) not in numbers:
            numbers.append(str(number))
        if kind in AGENCY_ANSWERS:
            answered = True
            if status == AWAITING_ACK:
                status = AWAITING_RESPONSE
        if kind == "sent":
            status, sent_on, via = (AWAITING_RESPONSE if answered else AWAITING_ACK), on, data.get("via") or "email"
        elif kind == "acknowledged":
            acknowledged_on = on
        elif kind == "extended":
            until = data.get("until")
            clock.append(
                Extended(on=on, until=dt.date.fromisoformat(until))
                if until
                else Extended(on=on, days=int(data["days"]))
            )
        elif kind in ("clarification-requested", "fee-estimate"):
            pause = "clarification" if kind == "clarification-requested" else "fee_estimate"
            clock.append(Paused(pause, on))  # type: ignore[arg-type]
            status = _waiting_for(clock)
        elif kind in ("clarified", "fee-paid", "fee-waived"):
            pause = "clarification" if kind == "clarified" else "fee_estimate"
            for i in range(len(clock) - 1, -1, -1):
                item = clock[i]
                if isinstance(item, Paused) and item.event == pause and item.end is None:
                    clock[i] = Paused(item.event, item.start, max(on, item.start))
                    break
            if status in AWAITING_REQUESTER:
                status = _waiting_for(clock) or AWAITING_RESPONSE
        elif kind == "partial-release":
            status = PARTIALLY_RELEASED
        elif kind == "released":
            status = COMPLETED
        elif kind == "no-records":
            status = NO_RECORDS
        elif kind == "denied":
            status, denied_on = DENIED, on
        elif kind == "appealed":
            status, appealed_on = APPEALED, on
        elif kind == "appeal-decided":
            outcome = data.get("outcome") or "denied"
            status = {"granted": AWAITING_RESPONSE, "partial": PARTIALLY_RELEASED}.get(outcome, DENIED)
            if status == DENIED:
                denied_on = on
        elif kind == "withdrawn":
            status = WITHDRAWN
        elif kind == "sued":
            status, court = IN_LITIGATION, data.get("court") or None
        elif kind == "estimate" and data.get("until"):
            estimate = dt.date.fromisoformat(data["until"])
        elif kind == "reminder":
            reminders.append((on, str(data.get("text") or event.note or "")))
        elif kind == "followed-up":
            followed_up = on
    return State(
        status,
        sent_on,
        via,
        acknowledged_on,
        denied_on,
        appealed_on,
        followed_up,
        estimate,
        tuple(clock),
        tuple(reminders),
        tuple(numbers),
        court,
    )


# What the requester does next, as data: a kind from this closed set, a date and the facts. The
# doors word it (records_req.wording has the plain English and Spanish; the command line adds the
# command to run, the dashboard a button). Nothing here names a command, a flag or a button.
SEND = "send"  # send the letter, then record that it went
WAIT = "wait"  # the agency's move: wait (for a date, or follow up if nothing comes by one)
ANSWER_AGENCY = "answer-agency"  # the agency asked for a clarification or a fee
FOLLOW_UP = "follow-up"  # write the follow-up letter
APPEAL = "appeal"  # write the appeal (where only a court reviews: the letter asking to reconsider)
AWAIT_DECISION = "await-decision"  # the appeal body decides
AWAIT_RECONSIDERATION = "await-reconsideration"  # the agency was asked to reconsider; the court remains
SUE = "sue"  # the appeal window closed; a court action remains
AWAIT_COURT = "await-court"  # a court action was filed: the court decides
NEW_REQUEST = "new-request"  # nothing remains for this request but a new one
NOTHING = "nothing"  # the request is closed
ACTIONS = (
    SEND,
    WAIT,
    ANSWER_AGENCY,
    FOLLOW_UP,
    APPEAL,
    AWAIT_DECISION,
    AWAIT_RECONSIDERATION,
    SUE,
    AWAIT_COURT,
    NEW_REQUEST,
    NOTHING,
)


@dataclass(frozen=True)
class NextAction:
    """The one next thing to do: ``kind`` (one of :data:`ACTIONS`), ``on`` (the date to act by or
    to wait for; None where no date runs), ``case`` (which situation of the kind, for the words:
    records_req.wording) and ``facts`` (the dates, the body, the citation, the deadline...;
    a nested action or appeal window as a dict)."""

    kind: str
    on: dt.date | None = None
    case: str = ""
    facts: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The action as JSON: dates in ISO form."""
        return {"kind": self.kind, "on": as_json(self.on), "case": self.case, "facts": as_json(self.facts)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NextAction:
        """The action back from :meth:`to_dict` (dates parsed, a nested action made one again)."""
        return cls(
            str(data["kind"]),
            _from_json(data.get("on")),
            str(data.get("case") or ""),
            _from_json(data.get("facts") or {}),
        )


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _from_json(value: Any) -> Any:
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return dt.date.fromisoformat(value)
    if isinstance(value, Mapping):
        if set(value) == {"kind", "on", "case", "facts"}:
            return NextAction.from_dict(value)
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def as_json(value: Any) -> Any:
    """Facts as JSON: dates in ISO form, actions and mappings as dicts."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, NextAction):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    return value


class Tracked(NamedTuple):
    """What a request owes and when: the deadline that matters now, and the next action."""

    state: State
    deadline: Deadline | None  # the statutory clock running now, if any
    due_on: dt.date | None  # the date that matters now (statutory, appeal, or suggested)
    due_label: str
    statutory: bool
    overdue: bool
    next_action: NextAction
    appeal: AppealWindow | None = None  # the requester's appeal window, once it runs
    deemed_denial_on: dt.date | None = None  # when silence becomes (or became) a denial

    @property
    def next_step(self) -> str:
        """The next action in plain English, naming no command (records_req.wording)."""
        from records_req.wording import action_words

        return action_words(self.next_action)


def followup_due(tracked: Tracked) -> bool:
    """Whether a follow-up is owed now: the statutory date has passed, and no follow-up was sent
    after it (the same test that makes the next action a follow-up)."""
    followed = tracked.state.followed_up_on
    return (
        tracked.statutory
        and tracked.overdue
        and not tracked.state.closed
        and tracked.due_on is not None
        and (followed is None or followed <= tracked.due_on)
    )


class Stage(NamedTuple):
    """From ``start`` on (until the next stage), what the views show: one answer, for every view."""

    start: dt.date
    due_on: dt.date | None
    statutory: bool
    overdue: bool
    label: str
    action: str = ""  # the next action's kind (NextAction.kind); "" in a schedule cached before it


def _changes(tracked: Tracked) -> set[dt.date]:
    """Days whose passing may change the answer."""
    days = {tracked.due_on}
    if tracked.deadline is not None:
        days |= {tracked.deadline.date, tracked.deadline.followup}
    if tracked.appeal is not None:
        days |= {tracked.appeal.opened, tracked.appeal.last_day}
    if tracked.deemed_denial_on is not None:
        days.add(tracked.deemed_denial_on)
    if tracked.next_action.on is not None:
        days.add(tracked.next_action.on)
    return {d for d in days if d is not None}


def _second_clock_day(state: State, j: Jurisdiction, calendar: Calendar, followup_days: int) -> set[dt.date]:
    """The day a second clock that runs anyway (MD, LA, NM, OR) takes over from the first: the
    answer changes the day after it even when no other date falls then."""
    if state.sent_on is None or j.second_response is None or state.acknowledged_on is not None:
        return set()
    received, _ = assume_received(j, calendar, state.sent_on, state.via)
    second = second_clock(
        j, calendar, received, acknowledged=None, events=state.clock_events, followup_days=followup_days
    )
    return {second.date} if second is not None and second.date is not None else set()


def schedule(
    events: Sequence[Recorded],
    j: Jurisdiction,
    calendar: Calendar,
    start: dt.date,
    followup_days: int = 10,
) -> tuple[Stage, ...]:
    """The lifecycle's answer from ``start`` on, as stages: the day after each date that matters,
    the answer is computed again. The fast read path reads this instead of replaying events."""
    stages: list[Stage] = []
    day = start
    for _ in range(16):  # a request passes a handful of dates; the cap only guards a bad loop
        tracked = track(events, j, calendar, day, followup_days=followup_days)
        stage = Stage(
            day, tracked.due_on, tracked.statutory, tracked.overdue, tracked.due_label, tracked.next_action.kind
        )
        if not stages or stage[1:] != stages[-1][1:]:
            stages.append(stage)
        dates = _changes(tracked) | _second_clock_day(tracked.state, j, calendar, followup_days)
        later = sorted(d + dt.timedelta(days=1) for d in dates if d + dt.timedelta(days=1) > day)
        if not later:
            break
        day = later[0]
    return tuple(stages)


def stage_on(stages: Sequence[Stage], today: dt.date) -> Stage | None:
    """The stage in force on ``today`` (the first, for a day before it)."""
    current = stages[0] if stages else None
    for stage in stages:
        if stage.start <= today:
            current = stage
    return current


def _no_clock(state: State, action: NextAction) -> Tracked:
    """Where no date runs: only the next action to show."""
    return Tracked(state, None, None, "", False, False, action)


def track(
    events: Sequence[Recorded],
    j: Jurisdiction,
    calendar: Calendar,
    today: dt.date,
    request_id: object = None,
    followup_days: int = 10,
) -> Tracked:
    """What the request owes on ``today``, and the next action as data. ``request_id`` is not
    used (the lifecycle names no request; the doors do): it stays for callers that pass it."""
    del request_id
    state = replay(events)
    if state.status == DRAFT:
        return _no_clock(state, NextAction(SEND))
    if state.closed:
        return _no_clock(state, NextAction(NOTHING, facts={"status": state.status}))

    deadline = _agency_deadline(state, j, calendar, followup_days, today)
    clock_stopped = deadline is None or deadline.paused
    if state.status == IN_LITIGATION:
        return _no_clock(state, NextAction(AWAIT_COURT, None, "", {"court": state.court}))
    if state.status in AWAITING_REQUESTER and clock_stopped:
        return Tracked(
            state,
            deadline,
            None,
            "",
            deadline.statutory if deadline else False,
            False,
            NextAction(ANSWER_AGENCY, case="clock-stopped", facts={"status": state.status}),
        )

    if state.status == APPEALED:
        suggested = add_business_days(calendar, state.appealed_on or today, followup_days)
        if j.appeal.route == "court":
            return _reconsideration(state, j, calendar, today, suggested)
        if j.appeal.decision_days is not None and j.appeal.decision_unit is not None and state.appealed_on:
            return _awaiting_decision(state, j, calendar, today)
        return Tracked(
            state,
            None,
            suggested,
            "appeal decision (suggested follow-up, not statutory)",
            False,
            False,
            NextAction(AWAIT_DECISION, suggested, "suggested", {"body": j.appeal.name, **_after_decision(j)}),
        )

    if state.status == DENIED:
        return _after_denial(state, j, calendar, today, state.denied_on or today, "denied")

    assert deadline is not None
    due_on = deadline.date or deadline.followup
    statutory = deadline.date is not None
    overdue = statutory and due_on is not None and today > due_on
    label = (
        ("response" if deadline.clock is j.response else "second clock")
        if statutory
        else (
            "suggested follow-up (no date runs until the agency acknowledges)"
            if deadline.awaiting_acknowledgment
            else "suggested follow-up (the law sets no number of days)"
            if deadline.promised is None
            else "suggested follow-up: the agency's promised date (the law sets no number of days)"
        )
    )
    promised = deadline.promised  # a no-number law: the agency's own date moved the follow-up
    if not overdue:
        if not statutory and due_on is not None and today > due_on and state.followed_up_on is None:
            action = (
                NextAction(FOLLOW_UP, due_on, "promise-passed", {"promised": promised})
                if promised
                else NextAction(FOLLOW_UP, due_on, "no-answer")
            )
            return Tracked(state, deadline, due_on, label, False, False, action)
        if statutory and due_on:
            action = NextAction(WAIT, due_on, "response-due", {"due": due_on})
        elif promised and due_on and today <= due_on:
            action = NextAction(WAIT, due_on, "promised", {"promised": promised})
        elif due_on and today > due_on and state.followed_up_on is not None:
            action = NextAction(WAIT, due_on, "followed-up", {"followed_up": state.followed_up_on, **_route(j.appeal)})
        elif due_on:
            action = NextAction(WAIT, due_on, "follow-up-by", {"by": due_on})
        else:
            action = NextAction(WAIT, None, "response")
        if state.status in AWAITING_REQUESTER:  # this law does not stop the clock for it
            action = NextAction(ANSWER_AGENCY, action.on, "clock-runs", {"then": action, "status": state.status})
        return Tracked(state, deadline, due_on, label, statutory, False, action)
    assert due_on is not None  # overdue implies a date
    assert state.sent_on is not None
    denied_on = _deemed_denied_on(state, j, calendar, today)
    window = None
    if denied_on is not None and today > denied_on and j.appeal.window_from_silence:
        window = appeal_window(j, calendar, denied_on, "deemed denied")
    if state.followed_up_on is None or state.followed_up_on <= due_on:
        facts: dict[str, Any] = {"overdue_since": due_on}
        if window is not None and window.last_day is not None and today <= window.last_day:
            facts["window"] = window_facts(window)  # a follow-up does not stop that clock
        elif window is not None and window.last_day is not None:
            facts["after_window"] = _after_window(j, calendar, window, today)
        action = NextAction(FOLLOW_UP, today, "overdue", facts)
        return Tracked(state, deadline, due_on, label, True, True, action, window, denied_on)
    followed = state.followed_up_on
    if window is not None:
        # The agency's silence is now a denial: what runs is the requester's appeal window.
        tracked = _after_denial(state, j, calendar, today, window.opened, "deemed denied")
        return tracked._replace(deadline=deadline)
    late = {"overdue_since": due_on, "followed_up": followed}
    if denied_on is not None:
        action = NextAction(
            WAIT,
            today,
            "deemed-denial-ahead",
            late | {"citation": j.deemed_denial.citation, "denial_on": denied_on},
        )
        return Tracked(state, deadline, due_on, label, True, True, action, None, denied_on)
    action = NextAction(WAIT, today, "silence-not-denial", late | _route(j.appeal))
    return Tracked(state, deadline, due_on, label, True, True, action)


class KeyDates(NamedTuple):
    """The dates a lawyer or a complaint needs, kept once the request moves on (an appeal, a
    decision): the agency's response deadline, when its silence became (or becomes) a denial, the
    denial, and the requester's appeal window it opened. As the history stood before the first
    appeal; each None where it does not apply."""

    response: Deadline | None
    deemed_denial_on: dt.date | None
    denied_on: dt.date | None
    appeal: AppealWindow | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "response_deadline": self.response.to_dict() if self.response else None,
            "deemed_denial_on": as_json(self.deemed_denial_on),
            "denied_on": as_json(self.denied_on),
            "appeal_window": self.appeal.to_dict() if self.appeal else None,
        }


def key_dates(
    events: Sequence[Recorded], j: Jurisdiction, calendar: Calendar, today: dt.date, followup_days: int = 10
) -> KeyDates:
    """The request's :class:`KeyDates` on ``today``, from the events before the first appeal."""
    live = effective(events)
    appealed = next((e.on for e in sorted(live, key=lambda e: (e.on, e.id)) if e.kind == "appealed"), None)
    day = min(today, appealed) if appealed is not None else today
    state = replay([e for e in live if e.kind != "appealed" and (appealed is None or e.on <= appealed)])
    if state.sent_on is None:
        return KeyDates(None, None, None, None)
    deadline = _agency_deadline(state, j, calendar, followup_days, day)
    deemed = _deemed_denied_on(state, j, calendar, day)
    window = None
    if state.denied_on is not None:
        window = appeal_window(j, calendar, state.denied_on, "denied")
    elif deemed is not None and day > deemed and j.appeal.window_from_silence:
        window = appeal_window(j, calendar, deemed, "deemed denied")
    return KeyDates(deadline, deemed, state.denied_on, window)


def _route(appeal: Appeal) -> dict[str, Any]:
    """The review body's name and citation, as facts."""
    return {"body": appeal.name, "citation": appeal.citation}


def window_facts(window: AppealWindow) -> dict[str, Any]:
    """An appeal window as facts (deadlines.AppealWindow.facts)."""
    return window.facts


def _awaiting_decision(state: State, j: Jurisdiction, calendar: Calendar, today: dt.date) -> Tracked:
    """The appeal body's own deadline to decide, where the law sets one."""
    appeal = j.appeal
    assert appeal.decision_days is not None and appeal.decision_unit is not None and state.appealed_on
    by = walk_days(calendar, state.appealed_on, appeal.decision_days, appeal.decision_unit)
    facts = {"body": appeal.name, "by": by, "citation": appeal.decision_citation, **_after_decision(j)}
    if today > by:  # unless the body extended that time as the law allows: ask for the decision
        return Tracked(
            state, None, by, "appeal decision", True, True, NextAction(AWAIT_DECISION, today, "overdue", facts)
        )
    return Tracked(state, None, by, "appeal decision", True, False, NextAction(AWAIT_DECISION, by, "due", facts))


def _after_decision(j: Jurisdiction) -> dict[str, Any]:
    """The court's period that the appeal body's decision starts (NY, PA, KY, UT), as facts."""
    lim = j.limitation
    if lim is None or lim.after != "appeal_decision":
        return {}
    return {"limitation": {"days": lim.days, "unit": lim.unit, "trigger": lim.trigger, "citation": lim.citation}}


def _deemed_denied_on(state: State, j: Jurisdiction, calendar: Calendar, today: dt.date) -> dt.date | None:
    """When the agency's silence on a sent request is (or becomes) a denial under the law."""
    assert state.sent_on is not None
    received, _ = assume_received(j, calendar, state.sent_on, state.via)
    return deemed_denial_date(
        j, calendar, received, acknowledged=state.acknowledged_on, events=state.clock_events, on=today
    )


def _reconsideration(state: State, j: Jurisdiction, calendar: Calendar, today: dt.date, suggested: dt.date) -> Tracked:
    """Where the law's only route is a court, the letter after a denial asked the agency to
    reconsider: nothing is before a court, and the time to sue runs on (SC, MO: one year)."""
    opened, how = state.denied_on, "denied"
    if opened is None and state.sent_on is not None:
        opened, how = _deemed_denied_on(state, j, calendar, today), "deemed denied"
    suit = court_route(j)
    facts: dict[str, Any] = {"asked_on": state.appealed_on, "follow_up_on": suggested, **_route(j.appeal)}
    window = appeal_window(j, calendar, opened, how, suit) if suit is not None and opened is not None else None
    action = NextAction(AWAIT_RECONSIDERATION, suggested, "", facts)
    if window is not None and window.last_day is not None:
        facts["file_by"] = window.last_day
        facts["file_citation"] = window.appeal.citation
        if today > window.last_day:
            action = _after_window(j, calendar, window, today)
    return Tracked(
        state,
        None,
        suggested,
        "answer to the request for reconsideration (suggested follow-up, not statutory)",
        False,
        False,
        action,
        window,
    )


def _after_denial(
    state: State,
    j: Jurisdiction,
    calendar: Calendar,
    today: dt.date,
    since: dt.date,
    how: str,
) -> Tracked:
    window = appeal_window(j, calendar, since, how)
    last = window.last_day
    facts: dict[str, Any] = {"how": how, "since": since, "route": window.appeal.route, **_route(j.appeal)}
    if last is None:  # the law sets no deadline for that appeal
        suit = court_route(j)
        if suit is not None and suit is not j.appeal:
            court = appeal_window(j, calendar, since, how, suit)
            if court.last_day is not None:
                facts["court"] = {"citation": court.appeal.citation, "last_day": court.last_day}
                return Tracked(
                    state,
                    None,
                    court.last_day,
                    "court action deadline",
                    True,
                    False,
                    NextAction(APPEAL, court.last_day, "no-deadline", facts),
                    court,
                )
        return _no_clock(state, NextAction(APPEAL, None, "no-deadline", facts))._replace(appeal=window)
    action = NextAction(APPEAL, last, "window", facts | {"last_day": last})
    if today > last:
        action = _after_window(j, calendar, window, today)
    return Tracked(state, None, last, f"{window.verb} deadline", True, False, action, window)


def _after_window(
    j: Jurisdiction, calendar: Calendar, window: AppealWindow, today: dt.date | None = None
) -> NextAction:
    """What is true once the appeal window has closed, and what is left to do: the court, within
    its own limit where the law has one, or a new request (which starts every clock again)."""
    assert window.last_day is not None
    closed = {"route": window.appeal.route, **_route(window.appeal), "on": window.last_day}
    if window.appeal.route == "court":
        return NextAction(NEW_REQUEST, None, "window-closed", {"closed": closed})
    court = next((a for a in window.appeal.also if a.route == "court"), None)
    if court is None and j.appeal.route != "court":
        # Our data names no court route here; in many of these states (PA, CT, NY...) a court hears
        # only the appeal body's decision, so a suit is not promised.
        return NextAction(NEW_REQUEST, None, "court-unknown", {"closed": closed})
    court = court or j.appeal
    court_window = appeal_window(j, calendar, window.opened, window.how, court)
    if court_window.last_day is None:
        return NextAction(SUE, None, "court-no-deadline", {"closed": closed, "court": _route(court)})
    if today is not None and today > court_window.last_day:
        facts = {"closed": closed, "court": {**_route(court), "last_day": court_window.last_day}}
        return NextAction(NEW_REQUEST, None, "court-closed", facts)
    last = court_window.last_day
    return NextAction(SUE, last, "court", {"closed": closed, "court": {**_route(court), "last_day": last}})


def _agency_deadline(
    state: State, j: Jurisdiction, calendar: Calendar, followup_days: int, today: dt.date
) -> Deadline | None:
    if state.sent_on is None:
        return None
    received, note = assume_received(j, calendar, state.sent_on, state.via)
    return running_clock(
        j,
        calendar,
        received,
        acknowledged=state.acknowledged_on,
        events=state.clock_events,
        received_note=note,
        followup_days=followup_days,
        on=today,
    )


# --- what a request adds to the kept counts (store/kept.py, migration 0020) ---

FIRST_DAY = dt.date(1, 1, 1)  # a stage's start before its schedule begins (lifecycle.stage_on)
LAST_DAY = dt.date(9999, 12, 31)  # the end of the last stage: none


def parse_schedule(text: str | None) -> tuple[Stage, ...]:
    """A cached schedule (schedule_cache.compute's JSON) as the lifecycle's stages; () for none."""
    stages = json.loads(text) if text else None
    return tuple(
        Stage(
            dt.date.fromisoformat(stage[0]),
            dt.date.fromisoformat(stage[1]) if stage[1] else None,
            bool(stage[2]),
            bool(stage[3]),
            str(stage[4]),
            str(stage[5]) if len(stage) > 5 else "",  # "" in a schedule cached before it
        )
        for stage in stages or ()
    )


class Span(NamedTuple):
    """Days ``start`` (included) to ``until`` (excluded) on which a request's answer has this due
    date and is (or is not) overdue: a row of ``request_stages``."""

    start: dt.date
    until: dt.date
    due_on: dt.date
    overdue: bool


class Kept(NamedTuple):
    """What one request, as stored, adds to the kept counts: one to its (state, status, closed)
    and one to its month (sent, else the letter's date), and the spans of days on which it has a
    due date (those that can be overdue or due soon: a draft only while overdue)."""

    jurisdiction: str
    status: str
    closed: bool
    month: str  # "2026-11"
    spans: tuple[Span, ...]


def kept_of(
    jurisdiction: str,
    status: str,
    closed: bool,
    letter_date: dt.date | None,
    schedule: str | None,
    due_on: dt.date | None,
    due_statutory: bool,
    stages: tuple[Stage, ...] | None = None,
) -> Kept:
    """A stored request's part of the kept counts: the same answer, for every day, that the read
    path (store.reader.Reader._answers) gives from the same columns. ``stages``: the schedule
    already parsed."""
    parsed = (parse_schedule(schedule) if isinstance(schedule, str) else ()) if stages is None else stages
    spans: list[Span] = []
    if parsed:
        sent_on = parsed[0].start if status != DRAFT else None
        for i, stage in enumerate(parsed):
            if stage.due_on is None or (status == DRAFT and not stage.overdue):
                continue
            start = FIRST_DAY if i == 0 else stage.start
            until = parsed[i + 1].start if i + 1 < len(parsed) else LAST_DAY
            if start < until:
                spans.append(Span(start, until, stage.due_on, stage.overdue))
    else:  # no schedule: the cached columns (store.reader.Reader._unscheduled)
        sent_on = None
        if due_on is not None:
            late = bool(due_statutory) and status in CAN_BE_OVERDUE
            after = due_on + dt.timedelta(days=1) if due_on < LAST_DAY else LAST_DAY
            if status != DRAFT:
                spans.append(Span(FIRST_DAY, after if late else LAST_DAY, due_on, False))
            if late and after < LAST_DAY:
                spans.append(Span(after, LAST_DAY, due_on, True))
    month = (sent_on or letter_date or dt.date.min).isoformat()[:7]
    return Kept(jurisdiction, status, bool(closed), month, tuple(spans))

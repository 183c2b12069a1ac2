"""A request's life, derived from its events. Pure: no database, no clock (``today`` is passed).

Events are appended, never changed. ``undo`` hides an earlier event and ``edit`` replaces its
fields; both are events themselves, so the history keeps everything that was ever recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
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
    fmt,
    running_clock,
    second_clock,
    walk_days,
)
from records_req.deadlines import (
    Event as ClockEvent,
)
from records_req.laws import Jurisdiction

# status names, as shown to users
DRAFT = "draft"
AWAITING_RESPONSE = "awaiting-response"
AWAITING_REQUESTER = "awaiting-requester"
PARTIALLY_RELEASED = "partially-released"
COMPLETED = "completed"
NO_RECORDS = "no-records"
DENIED = "denied"
APPEALED = "appealed"
WITHDRAWN = "withdrawn"
STATUSES = (
    DRAFT,
    AWAITING_RESPONSE,
    AWAITING_REQUESTER,
    PARTIALLY_RELEASED,
    COMPLETED,
    NO_RECORDS,
    DENIED,
    APPEALED,
    WITHDRAWN,
)
CLOSED = frozenset({COMPLETED, NO_RECORDS, WITHDRAWN})
# Statuses in which a statutory date can be overdue: the agency owes a response (while the
# clock is stopped for the requester, the due date is None, so it cannot be overdue).
CAN_BE_OVERDUE = frozenset({AWAITING_RESPONSE, PARTIALLY_RELEASED, AWAITING_REQUESTER})


class EventSpec(NamedTuple):
    fields: tuple[str, ...]  # allowed data fields
    help: str


EVENTS: dict[str, EventSpec] = {
    "sent": EventSpec(("via",), "the request went out (--via mail|email|portal|fax|hand)"),
    "acknowledged": EventSpec(("tracking_number",), "the agency confirmed receipt"),
    "extended": EventSpec(("days", "until"), "the agency took more time (--days N or --until DATE)"),
    "clarification-requested": EventSpec((), "the agency asked you to clarify (clock may stop)"),
    "clarified": EventSpec((), "you answered the clarification"),
    "fee-estimate": EventSpec(("amount",), "the agency sent a fee estimate (--amount)"),
    "fee-paid": EventSpec(("amount",), "you paid the fee"),
    "fee-waived": EventSpec((), "the agency waived the fee"),
    "partial-release": EventSpec((), "some records arrived"),
    "released": EventSpec((), "the records arrived: the request is complete"),
    "no-records": EventSpec((), "the agency says it has no responsive records"),
    "denied": EventSpec(("exemptions",), "the agency denied the request (--exemptions)"),
    "appealed": EventSpec(
        ("body", "reconsideration"), "you appealed (where only a court can review: asked to reconsider)"
    ),
    "appeal-decided": EventSpec(("outcome",), "the appeal was decided (--outcome granted|denied|partial)"),
    "withdrawn": EventSpec((), "you withdrew the request"),
    "estimate": EventSpec(("until",), "the agency's own promised completion date (--until)"),
    "note": EventSpec((), "a note for the record"),
    "reminder": EventSpec(("text",), "a personal reminder, shown by 'due'"),
    "followed-up": EventSpec(("document",), "a follow-up letter was sent"),
    "undo": EventSpec(("target",), "hides an earlier event"),
    "edit": EventSpec(("target", "on", "note", "data"), "replaces an earlier event's fields"),
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
    appeal_outcome: str | None

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
            changes = dict(edit.data.get("data") or {})
            data = dict(event.data)
            if "days" in changes:  # an extension is either by days or to a date
                data.pop("until", None)
            if "until" in changes:
                data.pop("days", None)
            event = event._replace(
                on=dt.date.fromisoformat(edit.data["on"]) if edit.data.get("on") else event.on,
                note=edit.data.get("note", event.note),
                data={**data, **changes},
            )
        out.append(event)
    return out


def why_not(state: State, kind: str) -> str | None:
    """Why an event makes no sense now (None if it does). `--force` records it anyway."""
    status = state.status
    if kind in ("note", "reminder", "estimate", "undo", "edit"):
        return None
    if kind == "sent":
        return None if status == DRAFT else f"the request was already sent on {state.sent_on}"
    if status == DRAFT:
        return f"the request has not been sent yet (record 'sent' before '{kind}')"
    if kind == "withdrawn":
        return None if status not in CLOSED else f"the request is already {status}"
    if status in CLOSED:
        return f"the request is {status}; nothing more is expected"
    if kind == "clarified" and not _pending(state, "clarification"):
        return "the agency has not asked for a clarification"
    if kind in ("fee-paid", "fee-waived") and not _pending(state, "fee_estimate"):
        return "there is no open fee estimate"
    if kind == "followed-up" and status == AWAITING_REQUESTER:
        return "the agency is waiting for your answer (a clarification or a fee); answer it and log it first"
    if kind == "appealed" and status not in (DENIED, AWAITING_RESPONSE, PARTIALLY_RELEASED):
        return f"a request that is {status} cannot be appealed"
    if kind == "appeal-decided" and status != APPEALED:
        return "there is no appeal to decide"
    if kind == "acknowledged" and state.acknowledged_on is not None:
        return f"the request was already acknowledged on {state.acknowledged_on}"
    return None


def _pending(state: State, pause: str) -> bool:
    return any(isinstance(e, Paused) and e.event == pause and e.end is None for e in state.clock_events)


def replay(events: Iterable[Recorded]) -> State:
    """Fold the effective events into the request's current state."""
    status = DRAFT
    sent_on = acknowledged_on = denied_on = appealed_on = followed_up = estimate = None
    via: Via = "email"
    clock: list[ClockEvent] = []
    reminders: list[tuple[dt.date, str]] = []
    numbers: list[str] = []
    outcome = None
    for event in effective(events):
        kind, on, data = event.kind, event.on, event.data
        number = data.get("tracking_number")
        if number and str(number) not in numbers:
            numbers.append(str(number))
        if kind == "sent":
            status, sent_on, via = AWAITING_RESPONSE, on, data.get("via") or "email"
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
            status = AWAITING_REQUESTER
        elif kind in ("clarified", "fee-paid", "fee-waived"):
            pause = "clarification" if kind == "clarified" else "fee_estimate"
            for i in range(len(clock) - 1, -1, -1):
                item = clock[i]
                if isinstance(item, Paused) and item.event == pause and item.end is None:
                    clock[i] = Paused(item.event, item.start, max(on, item.start))
                    break
            if status == AWAITING_REQUESTER and not any(isinstance(e, Paused) and e.end is None for e in clock):
                status = AWAITING_RESPONSE
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
        outcome,
    )


class Tracked(NamedTuple):
    """What a request owes and when: the deadline that matters now, and the next step."""

    state: State
    deadline: Deadline | None  # the statutory clock running now, if any
    due_on: dt.date | None  # the date that matters now (statutory, appeal, or suggested)
    due_label: str
    statutory: bool
    overdue: bool
    next_step: str
    next_date: dt.date | None
    appeal: AppealWindow | None = None  # the requester's appeal window, once it runs
    deemed_denial_on: dt.date | None = None  # when silence becomes (or became) a denial


def followup_due(tracked: Tracked) -> bool:
    """Whether a follow-up is owed now: the statutory date has passed, and no follow-up was sent
    after it (the same test that makes ``next_step`` say "send a follow-up")."""
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


def _changes(tracked: Tracked) -> set[dt.date]:
    """Days whose passing may change the answer."""
    days = {tracked.due_on}
    if tracked.deadline is not None:
        days |= {tracked.deadline.date, tracked.deadline.followup}
    if tracked.appeal is not None:
        days |= {tracked.appeal.opened, tracked.appeal.last_day}
    if tracked.deemed_denial_on is not None:
        days.add(tracked.deemed_denial_on)
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
        stage = Stage(day, tracked.due_on, tracked.statutory, tracked.overdue, tracked.due_label)
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


def _no_clock(state: State, step: str) -> Tracked:
    """Where no date runs: only the next step to show."""
    return Tracked(state, None, None, "", False, False, step, None)


def track(
    events: Sequence[Recorded],
    j: Jurisdiction,
    calendar: Calendar,
    today: dt.date,
    request_id: int | str = "ID",
    followup_days: int = 10,
) -> Tracked:
    state = replay(events)
    rid = request_id
    if state.status == DRAFT:
        return _no_clock(state, f"Send the letter, then record it: records-req sent {rid} --via email")
    if state.closed:
        return _no_clock(state, f"Nothing more: the request is {state.status}.")

    deadline = _agency_deadline(state, j, calendar, followup_days, today)
    clock_stopped = deadline is None or deadline.paused
    if state.status == AWAITING_REQUESTER and clock_stopped:
        return Tracked(
            state,
            deadline,
            None,
            "",
            deadline.statutory if deadline else False,
            False,
            "The agency is waiting for you (clarification or fee); answer it, then record "
            f"'clarified', 'fee-paid' or 'fee-waived' with records-req log {rid}.",
            None,
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
            f"Await the decision of {j.appeal.name}; follow up around {fmt(suggested)}." + _after_decision(j),
            suggested,
        )

    if state.status == DENIED:
        return _after_denial(state, j, calendar, today, rid, state.denied_on or today, "denied")

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
        )
    )
    if not overdue:
        if not statutory and due_on is not None and today > due_on and state.followed_up_on is None:
            return Tracked(
                state,
                deadline,
                due_on,
                label,
                False,
                False,
                f"No answer yet: send a follow-up: records-req followup {rid}",
                due_on,
            )
        if statutory and due_on:
            step = f"Wait for the agency's response, due {fmt(due_on)}."
        elif due_on and today > due_on and state.followed_up_on is not None:
            step = (
                f"Followed up on {fmt(state.followed_up_on)}. The law sets no deadline; if nothing "
                f"comes, consider {j.appeal.name} ({j.appeal.citation})."
            )
        elif due_on:
            step = f"The law sets no deadline; follow up if nothing arrives by {fmt(due_on)}."
        else:
            step = "Wait for the agency's response."
        if state.status == AWAITING_REQUESTER:
            step = (
                "The agency asked you something (clarification or fee); this law does not stop the "
                f"clock for it. Answer it, and record it with records-req log {rid}. " + step
            )
        return Tracked(state, deadline, due_on, label, statutory, False, step, due_on)
    assert due_on is not None  # overdue implies a date
    assert state.sent_on is not None
    received, _ = assume_received(j, calendar, state.sent_on, state.via)
    denied_on = deemed_denial_date(
        j, calendar, received, acknowledged=state.acknowledged_on, events=state.clock_events, on=today
    )
    window = None
    if denied_on is not None and today > denied_on and j.appeal.window_from_silence:
        window = appeal_window(j, calendar, denied_on, "deemed denied")
    if state.followed_up_on is None or state.followed_up_on <= due_on:
        step = f"Overdue since {fmt(due_on)}: send a follow-up: records-req followup {rid}"
        if window is not None and window.last_day is not None and today <= window.last_day:
            step += f". {window.describe()} A follow-up does not stop that clock."
        elif window is not None and window.last_day is not None:
            step += ". " + _after_window(j, calendar, window, today)
        return Tracked(state, deadline, due_on, label, True, True, step, today, window, denied_on)
    followed = state.followed_up_on
    if window is not None:
        # The agency's silence is now a denial: what runs is the requester's appeal window.
        tracked = _after_denial(state, j, calendar, today, rid, window.opened, "deemed denied")
        return tracked._replace(deadline=deadline)
    if denied_on is not None:
        return Tracked(
            state,
            deadline,
            due_on,
            label,
            True,
            True,
            f"Overdue since {fmt(due_on)} and followed up on {fmt(followed)}. Under "
            f"{j.deemed_denial.citation}, continued silence becomes a denial on {fmt(denied_on)}.",
            today,
            None,
            denied_on,
        )
    return Tracked(
        state,
        deadline,
        due_on,
        label,
        True,
        True,
        f"Overdue since {fmt(due_on)} and followed up on {fmt(followed)}. "
        f"Silence is not a denial under this law; consider {j.appeal.name} "
        f"({j.appeal.citation}).",
        today,
    )


def _awaiting_decision(state: State, j: Jurisdiction, calendar: Calendar, today: dt.date) -> Tracked:
    """The appeal body's own deadline to decide, where the law sets one."""
    appeal = j.appeal
    assert appeal.decision_days is not None and appeal.decision_unit is not None and state.appealed_on
    by = walk_days(calendar, state.appealed_on, appeal.decision_days, appeal.decision_unit)
    cite = appeal.decision_citation
    if today > by:
        step = (
            f"{appeal.name} had until {fmt(by)} to decide ({cite}) and the decision is overdue, unless the body "
            "extended that time as the law allows: ask it for the decision in writing." + _after_decision(j)
        )
        return Tracked(state, None, by, "appeal decision", True, True, step, today)
    step = f"Await the decision of {appeal.name}, due by {fmt(by)} ({cite})." + _after_decision(j)
    return Tracked(state, None, by, "appeal decision", True, False, step, by)


def _after_decision(j: Jurisdiction) -> str:
    """The court's period that the appeal body's decision starts (NY, PA, KY, UT), in words."""
    lim = j.limitation
    if lim is None or lim.after != "appeal_decision":
        return ""
    return (
        f" If it goes against you, a court action must be filed within {lim.days} {lim.unit} days of "
        f"{lim.trigger} ({lim.citation})."
    )


def _reconsideration(state: State, j: Jurisdiction, calendar: Calendar, today: dt.date, suggested: dt.date) -> Tracked:
    """Where the law's only route is a court, the letter after a denial asked the agency to
    reconsider: nothing is before a court, and the time to sue runs on (SC, MO: one year)."""
    opened, how = state.denied_on, "denied"
    if opened is None and state.sent_on is not None:
        received, _ = assume_received(j, calendar, state.sent_on, state.via)
        opened = deemed_denial_date(
            j, calendar, received, acknowledged=state.acknowledged_on, events=state.clock_events, on=today
        )
        how = "deemed denied"
    suit = court_route(j)
    asked = fmt(state.appealed_on) if state.appealed_on else "the date logged"
    step = (
        f"You asked the agency on {asked} to reconsider; nothing has been filed in any court. If the "
        f"records do not come by {fmt(suggested)}, the remedy is {j.appeal.name} ({j.appeal.citation})"
    )
    window = appeal_window(j, calendar, opened, how, suit) if suit is not None and opened is not None else None
    if window is not None and window.last_day is not None:
        step += f", which must be filed by {fmt(window.last_day)} ({window.appeal.citation})."
        if today > window.last_day:
            step = _after_window(j, calendar, window, today)
    else:
        step += "."
    return Tracked(
        state,
        None,
        suggested,
        "answer to the request for reconsideration (suggested follow-up, not statutory)",
        False,
        False,
        step,
        suggested,
        window,
    )


def _after_denial(
    state: State,
    j: Jurisdiction,
    calendar: Calendar,
    today: dt.date,
    rid: int | str,
    since: dt.date,
    how: str,
) -> Tracked:
    window = appeal_window(j, calendar, since, how)
    appeal = j.appeal
    where = f"{appeal.name} ({appeal.citation})"
    last = window.last_day
    if last is None:
        step = f"The request was {how}: appeal to {where}; the law sets no deadline for that appeal."
        suit = court_route(j)
        if suit is not None and suit is not appeal:
            court = appeal_window(j, calendar, since, how, suit)
            if court.last_day is not None:
                step += f" A court action ({court.appeal.citation}) must be filed by {fmt(court.last_day)}."
                return Tracked(
                    state,
                    None,
                    court.last_day,
                    "court action deadline",
                    True,
                    False,
                    f"{step} records-req appeal {rid}",
                    court.last_day,
                    court,
                )
        return _no_clock(state, f"{step} records-req appeal {rid}")._replace(appeal=window)
    verb = window.verb
    step = f"The request was {how} on {fmt(since)}: {verb} to {where} by {fmt(last)}. records-req appeal {rid}"
    if today > last:
        step = _after_window(j, calendar, window, today)
    return Tracked(state, None, last, f"{verb} deadline", True, False, step, last, window)


def _after_window(j: Jurisdiction, calendar: Calendar, window: AppealWindow, today: dt.date | None = None) -> str:
    """What is true once the appeal window has closed, and what is left to do: the court, within
    its own limit where the law has one, or a new request (which starts every clock again)."""
    assert window.last_day is not None
    said = (
        f"The {window.verb} window ({window.appeal.name}, {window.appeal.citation}) closed on {fmt(window.last_day)}."
    )
    if window.appeal.route == "court":
        return f"{said} A new request starts the clock again."
    court = next((a for a in window.appeal.also if a.route == "court"), None)
    if court is None and j.appeal.route != "court":
        # Our data names no court route here; in many of these states (PA, CT, NY...) a court hears
        # only the appeal body's decision, so a suit is not promised.
        return (
            f"{said} A new request starts the clock again; whether a court can still hear this one "
            "depends on the state's law (ask a lawyer)."
        )
    court = court or j.appeal
    court_window = appeal_window(j, calendar, window.opened, window.how, court)
    if court_window.last_day is None:
        return f"{said} What remains is {court.name} ({court.citation}), with no deadline in the law, or a new request."
    if today is not None and today > court_window.last_day:
        closed = fmt(court_window.last_day)
        return f"{said} The time to go to {court.name} closed on {closed} too; a new request starts the clock again."
    return f"{said} What remains is {court.name} ({court.citation}) by {fmt(court_window.last_day)}, or a new request."


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

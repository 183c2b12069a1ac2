"""The deadline engine: pure functions from a rule, dates and events to an explained deadline.

No I/O and no globals: the closure calendar is passed in. Every decision the engine makes is
recorded as a :class:`Step`, so a user can check the arithmetic against the statute.

Conventions (each one appears in the explanation when it applies):

- The day of receipt is not counted unless the law says so (``counts_receipt_day``).
- Where the law says a request received while offices are closed counts as received the next
  business day (``received_when_closed``), receipt moves to that day first.
- Business days skip weekends and the jurisdiction's closure days.
- Calendar days count every day; a period ending on a closed day moves to the next business day
  where the law's time-computation rule says so (``roll_forward``).
- Pauses: the day the clock stops is counted; the days from the next day to the day it restarts
  (inclusive) are not.
- Extensions count from the deadline they extend, in the law's unit, and are capped at the
  statutory maximum; an extension never makes a deadline earlier.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from records_req.explain import Said, said, step_words
from records_req.laws import NOTICE_TRIGGERS, Appeal, Clock, Extension, Jurisdiction, PauseEvent, Unit
from records_req.vocabulary import VIAS as VIAS  # the ways a request goes out, defined once there
from records_req.vocabulary import Via as Via
from records_req.wording import window_words

DEFAULT_MAIL_DAYS = 3
DEFAULT_FOLLOWUP_DAYS = 10
ClockName = Literal["response", "second_response"]

_ONE_DAY = dt.timedelta(days=1)


class Calendar(Protocol):
    def closure(self, day: dt.date) -> str | None: ...


@dataclass(frozen=True)
class Step:
    """One line of a deadline's explanation, as facts: what it says, with its numbers, dates and
    citations (records_req.explain words them: ``text`` in English, ``step_words`` in any language)."""

    kind: str  # receipt, start, skip, count, note, pause, roll, extension, warning, due, no-deadline
    said: tuple[Said, ...]  # its sentences (most steps have one)
    date: dt.date | None = None

    @property
    def text(self) -> str:
        """The step in English, as the command line prints it."""
        return step_words(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "date": self.date.isoformat() if self.date else None,
            "text": self.text,
            "said": [part.to_dict() for part in self.said],
        }


def _step(kind: str, code: str, date: dt.date | None = None, **facts: Any) -> Step:
    return Step(kind, (said(code, **facts),), date)


ReceiptNote = Said | tuple[Said, ...]  # how the day of receipt was arrived at (assume_received's)


def _notes(note: ReceiptNote | None) -> tuple[Said, ...]:
    if note is None:
        return ()
    return (note,) if isinstance(note, Said) else note


@dataclass(frozen=True)
class ResponseRule:
    """Everything about one statutory clock that the engine needs."""

    jurisdiction: str
    clock: Clock
    extension: Extension | None = None
    pauses: frozenset[PauseEvent] = frozenset()
    roll_forward: bool = False
    received_when_closed: bool = False
    citations: dict[str, str | None] = field(default_factory=dict, compare=False)

    @classmethod
    def for_jurisdiction(cls, j: Jurisdiction, which: ClockName = "response") -> ResponseRule:
        clock = j.response if which == "response" else j.second_response
        if clock is None:
            raise ValueError(f"{j.code} has no {which} clock")
        return cls(
            jurisdiction=j.code,
            clock=clock,
            extension=j.extension if j.extension is not None and j.extension.clock == which else None,
            pauses=frozenset(p.event for p in j.pauses),
            roll_forward=j.roll_forward,
            received_when_closed=j.received_when_closed,
            citations={
                "roll_forward": j.roll_forward_citation,
                "received_when_closed": j.received_when_closed_citation,
                **{f"pause:{p.event}": p.citation for p in j.pauses},
            },
        )


@dataclass(frozen=True)
class Extended:
    """The agency extended its time: by a number of days, to a date, or by all the law allows."""

    on: dt.date
    days: int | None = None
    unit: Unit | None = None
    until: dt.date | None = None
    maximum: bool = False  # the full extension the law allows

    def __post_init__(self) -> None:
        if [self.days is not None, self.until is not None, self.maximum].count(True) != 1:
            raise ValueError("an extension has exactly one of: days, an until date, maximum")
        if self.days is not None and self.days < 1:
            raise ValueError("an extension is at least one day")


@dataclass(frozen=True)
class Paused:
    """The clock stopped on ``start`` (e.g. clarification asked) and restarted on ``end``."""

    event: PauseEvent
    start: dt.date
    end: dt.date | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError("a pause cannot end before it starts")


Event = Extended | Paused


@dataclass(frozen=True)
class Deadline:
    jurisdiction: str
    clock: Clock
    received: dt.date  # as the law counts it
    date: dt.date | None  # the statutory due date; None where the law sets no number or paused
    statutory: bool
    followup: dt.date | None  # a suggested, non-statutory follow-up date
    paused: bool
    explanation: tuple[Step, ...]
    # Where the law sets no number of days, the date the agency itself promised by an extension
    # (the suggested follow-up moves to it); None otherwise.
    promised: dt.date | None = None

    @property
    def lines(self) -> list[str]:
        return [step.text for step in self.explanation]

    @property
    def awaiting_acknowledgment(self) -> bool:
        """The law has a number of days, but they count from an acknowledgment not yet given."""
        return self.date is None and not self.paused and self.clock.days is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "jurisdiction": self.jurisdiction,
            "received": self.received.isoformat(),
            "due": self.date.isoformat() if self.date else None,
            "unit": self.clock.unit,
            "days": self.clock.days,
            "duty": self.clock.duty,
            "standard": self.clock.standard,
            "citation": self.clock.citation,
            "applies_to": self.clock.applies_to,
            "statutory": self.statutory,
            "paused": self.paused,
            "followup": self.followup.isoformat() if self.followup else None,
            "promised": self.promised.isoformat() if self.promised else None,
            "awaiting_acknowledgment": self.awaiting_acknowledgment,
            "note": self.clock.note,
            "explanation": self.lines,
            "steps": [step.to_dict() for step in self.explanation],
        }


def fmt(day: dt.date) -> str:
    """'Wed 2026-11-25': weekday and ISO date, the form every explanation uses."""
    return f"{day:%a} {day.isoformat()}"


ELECTRONIC: frozenset[str] = frozenset({"email", "portal", "fax"})


def assume_received(
    j: Jurisdiction, calendar: Calendar, sent: dt.date, via: Via, mail_days: int = DEFAULT_MAIL_DAYS
) -> tuple[dt.date, Said]:
    """When the agency is taken to have received a request sent on ``sent``, and why: mail after
    ``mail_days``; an electronic request the same day, unless the law receives it later (MI: one
    business day after it is sent, MCL 15.235(1))."""
    if via == "mail":
        received = sent + dt.timedelta(days=mail_days)
        return received, said("sent-by-mail", sent=sent, days=mail_days, received=received)
    rule = j.receipt
    if via in ELECTRONIC and rule is not None and rule.electronic_days and rule.electronic_unit:
        days, unit = rule.electronic_days, rule.electronic_unit
        received = walk_days(calendar, sent, days, unit)
        return received, said(
            "sent-received-later", via=via, sent=sent, citation=rule.citation, days=days, unit=unit, received=received
        )
    return sent, said("sent-same-day", via=via, sent=sent)


@dataclass
class _Walk:
    """Counts days forward, skipping closures and paused days, and remembers why."""

    calendar: Calendar
    paused_days: dict[dt.date, Paused]
    steps: list[Step]

    def advance(self, after: dt.date, count: int, unit: Unit) -> dt.date:
        """The day on which ``count`` counted days after ``after`` are complete."""
        day, counted = after, 0
        skipped_weekend: list[dt.date] = []
        counted_days: list[dt.date] = []
        while counted < count:
            day += _ONE_DAY
            pause = self.paused_days.get(day)
            if pause is not None:
                continue
            reason = self.calendar.closure(day) if unit == "business" else None
            if reason in ("Saturday", "Sunday"):
                skipped_weekend.append(day)
                continue
            self._flush_weekend(skipped_weekend)
            if reason:
                self.steps.append(_step("skip", "skipped-closed", day, day=day, reason=reason))
                continue
            counted += 1
            counted_days.append(day)
            if unit == "business":
                self._note(day)
        self._flush_weekend(skipped_weekend)
        if counted_days:
            self.steps.append(_step("count", "counted", day, days=tuple(counted_days), unit=unit))
        return day

    def _note(self, day: dt.date) -> None:
        """Name a counted day on which offices may have closed all the same (``one_off: count``)."""
        noted = getattr(self.calendar, "noted", None)
        name = noted(day) if noted is not None else None
        if name:
            citation = getattr(self.calendar, "noted_citation", None)
            self.steps.append(_step("note", "executive-order", day, day=day, name=name, citation=citation))

    def _flush_weekend(self, days: list[dt.date]) -> None:
        if days:
            self.steps.append(_step("skip", "skipped-weekend", days[0], days=tuple(days)))
            days.clear()


def due(
    rule: ResponseRule,
    received: dt.date,
    calendar: Calendar,
    events: Sequence[Event] = (),
    *,
    received_note: ReceiptNote | None = None,
    followup_days: int = DEFAULT_FOLLOWUP_DAYS,
    after_hours: bool = False,
) -> Deadline:
    """When the agency's duty under ``rule`` falls due for a request received on ``received``.

    ``received_note`` explains how ``received`` was arrived at (see :func:`assume_received`).
    ``followup_days`` (business days) sets the suggested follow-up where the law has no number.
    ``after_hours``: the request arrived after the office closed that day.
    """
    clock = rule.clock
    steps: list[Step] = []
    if received_note:
        steps.append(Step("receipt", _notes(received_note), received))
    effective, receipt_step = _receipt(rule, calendar, received, after_hours)
    steps.append(receipt_step)

    pauses, pause_steps = _applicable_pauses(rule, events)
    steps.extend(pause_steps)
    walk = _Walk(calendar, _paused_days(pauses), steps)

    if clock.days is None or clock.unit is None:
        followup = walk.advance(effective, followup_days, "business")
        steps.append(
            _step(
                "no-deadline",
                "no-number",
                followup,
                citation=clock.citation,
                standard=clock.standard,
                followup_days=followup_days,
                followup=followup,
            )
        )
        followup, promised = _promised(calendar, walk, followup, events, steps)
        return Deadline(
            rule.jurisdiction, clock, effective, None, False, followup, False, tuple(steps), promised=promised
        )

    if clock.counts_receipt_day:
        start_after = effective - _ONE_DAY
        steps.append(_step("start", "counts-receipt-day", effective, days=clock.days, unit=clock.unit))
    else:
        start_after = effective
        day = effective + _ONE_DAY
        steps.append(
            _step(
                "start",
                "receipt-day-not-counted",
                day,
                days=clock.days,
                unit=clock.unit,
                day=day,
                citation=clock.citation,
            )
        )
    if clock.unit == "calendar":
        steps.append(_step("start", "calendar-days"))
    date = walk.advance(start_after, clock.days, clock.unit)
    date = _roll(rule, calendar, date, clock.unit, steps)

    original = date  # the statutory maximum extension counts from here, however many are logged
    for event in sorted((e for e in events if isinstance(e, Extended)), key=lambda e: e.on):
        date = _extend(rule, calendar, walk, date, original, start_after, event, steps)

    open_pause = next((p for p in pauses if p.end is None and p.start <= date), None)
    if open_pause is not None:
        steps.append(_step("pause", "stopped", open_pause.start, since=open_pause.start, pause=open_pause.event))
        return Deadline(rule.jurisdiction, clock, effective, None, True, None, True, tuple(steps))

    steps.append(
        _step("due", "due", date, due=date, duty=clock.duty, duty_text=clock.duty_text, citation=clock.citation)
    )
    return Deadline(rule.jurisdiction, clock, effective, date, True, None, False, tuple(steps))


def _promised(
    calendar: Calendar, walk: _Walk, followup: dt.date, events: Sequence[Event], steps: list[Step]
) -> tuple[dt.date, dt.date | None]:
    """Where the law sets no number of days, an extension is the agency's own promise: it moves the
    suggested follow-up to the promised date (the latest, if several). Days count from the day the agency
    extended (business days unless the extension says otherwise). Returns (follow-up, promised)."""
    promised = None
    for event in sorted((e for e in events if isinstance(e, Extended)), key=lambda e: e.on):
        if event.until is not None:
            day = event.until
            step = _step("extension", "promised-to", day, on=event.on, until=event.until, promised=day)
        elif event.days is not None:
            unit: Unit = event.unit or "business"
            day = walk.advance(event.on, event.days, unit)
            step = _step("extension", "promised-by", day, on=event.on, days=event.days, unit=unit, promised=day)
        else:  # "all the law allows": the law allows no set length
            steps.append(_step("warning", "no-fixed-extension", event.on))
            continue
        promised = day if promised is None else max(promised, day)
        steps.append(step)
    return (followup if promised is None else promised), promised


def awaiting_acknowledgment(
    rule: ResponseRule,
    received: dt.date,
    calendar: Calendar,
    *,
    received_note: ReceiptNote | None = None,
    followup_days: int = DEFAULT_FOLLOWUP_DAYS,
) -> Deadline:
    """A clock the law counts from the agency's acknowledgment, before that date is known: no
    statutory date, only a suggested follow-up (Wyo. Stat. § 16-4-202(c)(iii))."""
    clock = rule.clock
    steps: list[Step] = []
    if received_note:
        steps.append(Step("receipt", _notes(received_note), received))
    steps.append(_step("receipt", "received", received, day=received))
    walk = _Walk(calendar, {}, steps)
    followup = walk.advance(received, followup_days, "business")
    steps.append(
        _step(
            "no-deadline",
            "awaiting-acknowledgment",
            followup,
            days=clock.days,
            unit_word=clock.unit_word if clock.unit else None,
            citation=clock.citation,
            standard=clock.standard,
            followup_days=followup_days,
            followup=followup,
        )
    )
    return Deadline(rule.jurisdiction, clock, received, None, False, followup, False, tuple(steps))


def first_clock(
    j: Jurisdiction,
    calendar: Calendar,
    received: dt.date,
    *,
    acknowledged: dt.date | None = None,
    events: Sequence[Event] = (),
    received_note: ReceiptNote | None = None,
    followup_days: int = DEFAULT_FOLLOWUP_DAYS,
    after_hours: bool = False,
) -> Deadline:
    """The first clock, from receipt, or from the acknowledgment where the law counts from it."""
    rule = ResponseRule.for_jurisdiction(j)
    if rule.clock.trigger in NOTICE_TRIGGERS:
        if acknowledged is None:
            return awaiting_acknowledgment(
                rule, received, calendar, received_note=received_note, followup_days=followup_days
            )
        note = (*_notes(received_note), said("from-acknowledgment", day=acknowledged))
        return due(rule, acknowledged, calendar, events, received_note=note, followup_days=followup_days)
    return due(
        rule,
        received,
        calendar,
        events,
        received_note=received_note,
        followup_days=followup_days,
        after_hours=after_hours,
    )


def _receipt(rule: ResponseRule, calendar: Calendar, received: dt.date, after_hours: bool) -> tuple[dt.date, Step]:
    """The day the law counts as receipt, and the step that explains it."""
    citation = rule.citations.get("received_when_closed")
    closed = calendar.closure(received)
    if closed and rule.received_when_closed:
        effective = _next_open(calendar, received)
        return effective, _step(
            "receipt",
            "received-closed",
            effective,
            day=received,
            closed=closed,
            effective=effective,
            citation=citation,
        )
    if after_hours and rule.received_when_closed:
        effective = _next_open(calendar, received + _ONE_DAY)
        return effective, _step(
            "receipt", "after-hours-moved", effective, day=received, effective=effective, citation=citation
        )
    if after_hours:
        return received, _step("receipt", "after-hours-kept", received, day=received)
    return received, _step("receipt", "received", received, day=received)


def _next_open(calendar: Calendar, day: dt.date) -> dt.date:
    while calendar.closure(day):
        day += _ONE_DAY
    return day


def _roll(rule: ResponseRule, calendar: Calendar, date: dt.date, unit: Unit, steps: list[Step]) -> dt.date:
    """Move a calendar-day deadline off a closed day where the law says so."""
    if unit != "calendar":
        return date
    closed = calendar.closure(date)
    if not closed:
        return date
    if not rule.roll_forward:
        steps.append(_step("roll", "closed-day-stays", date, day=date, closed=closed))
        return date
    rolled = _next_open(calendar, date)
    skipped = []
    day = date
    while day < rolled:
        skipped.append((day, calendar.closure(day) or ""))
        day += _ONE_DAY
    citation = rule.citations.get("roll_forward")
    steps.append(_step("roll", "rolled", rolled, day=rolled, citation=citation, closed=tuple(skipped)))
    return rolled


def _extend(
    rule: ResponseRule,
    calendar: Calendar,
    walk: _Walk,
    date: dt.date,
    original: dt.date,
    start_after: dt.date,
    event: Extended,
    steps: list[Step],
) -> dt.date:
    """Apply one extension to ``date``; never earlier, and never past the statutory maximum,
    which counts from the ``original`` deadline (or from receipt) however many extensions there
    are."""
    law = rule.extension
    if law is None:
        steps.append(_step("warning", "no-extension", event.on))
    limit = None
    law_words: dict[str, Any] = {}
    if law is not None and law.days is not None and law.unit is not None:
        law_days, law_unit = law.days, law.unit
        base = start_after if law.counted_from == "receipt" else original
        quiet = _Walk(calendar, walk.paused_days, [])
        limit = _roll(rule, calendar, quiet.advance(base, law_days, law_unit), law_unit, [])
        counted = "receipt" if law.counted_from == "receipt" else "first_deadline"
        law_words = {"law_days": law_days, "law_unit": law_unit, "counted_from": counted, "law_citation": law.citation}
        if event.maximum:
            steps.append(_step("extension", "full-extension", event.on, **law_words))
            extended = walk.advance(base, law_days, law_unit)
            return max(_roll(rule, calendar, extended, law_unit, steps), date)
    if event.maximum:
        steps.append(_step("warning", "no-fixed-extension", event.on))
        return date
    if event.until is not None:
        if event.until <= date:
            steps.append(_step("warning", "extension-ignored", event.on, until=event.until, due=date))
            return date
        steps.append(_step("extension", "extended-to", event.until, on=event.on, until=event.until))
        extended = event.until
    else:
        assert event.days is not None
        unit: Unit = event.unit or (law.unit if law and law.unit else None) or rule.clock.unit or "business"
        citation = law.citation if law is not None else None
        facts = {"on": event.on, "days": event.days, "unit": unit, "due": date, "citation": citation}
        steps.append(_step("extension", "extended-by", event.on, **facts))
        extended = _roll(rule, calendar, walk.advance(date, event.days, unit), unit, steps)
    if limit is not None and extended > limit:
        steps.append(_step("warning", "beyond-the-law", event.on, limit=limit, **law_words))
        extended = max(limit, date)
    return extended


def _applicable_pauses(rule: ResponseRule, events: Iterable[Event]) -> tuple[list[Paused], list[Step]]:
    kept: list[Paused] = []
    steps: list[Step] = []
    for event in events:
        if not isinstance(event, Paused):
            continue
        if event.event not in rule.pauses:
            steps.append(_step("pause", "pause-ignored", event.start, day=event.start, pause=event.event))
            continue
        kept.append(event)
        citation = rule.citations.get(f"pause:{event.event}")
        if event.end is None:
            continue  # reported at the end if it still holds the clock
        not_counted = (event.end - event.start).days
        steps.append(
            _step(
                "pause",
                "paused",
                event.start,
                start=event.start,
                pause=event.event,
                end=event.end,
                not_counted=not_counted,
                citation=citation,
            )
        )
    return kept, steps


def _paused_days(pauses: Iterable[Paused]) -> dict[dt.date, Paused]:
    days: dict[dt.date, Paused] = {}
    for pause in pauses:
        if pause.end is None:
            continue
        day = pause.start + _ONE_DAY
        while day <= pause.end:
            days[day] = pause
            day += _ONE_DAY
    return days


@dataclass(frozen=True)
class DeadlineReport:
    """Every clock a requester can hold the agency to, for one request."""

    jurisdiction: Jurisdiction
    first: Deadline
    with_extension: Deadline | None  # the first clock if the agency takes the full extension
    second: Deadline | None  # the law's second clock, where it can be computed
    second_hint: str | None  # why the second clock could not be computed yet

    def explained(self) -> list[tuple[str, Deadline]]:
        parts = [(f"{self.jurisdiction.law.short_name}: first clock", self.first)]
        if self.with_extension is not None:
            parts.append(("With the full statutory extension", self.with_extension))
        if self.second is not None:
            parts.append(("Second clock", self.second))
        return parts

    def summary(self) -> str:
        j, first = self.jurisdiction, self.first
        lines = [f"{j.name} ({j.code}), {j.law.name}, {j.law.citation}"]
        lines.append(f"Received: {fmt(first.received)}")
        if first.date is not None:
            lines.append(
                f"Due: {fmt(first.date)}: {first.clock.describe()} the agency must "
                f"{first.clock.duty_words} ({first.clock.citation})."
            )
            if first.clock.applies_to == "state_agencies":
                lines.append(f"This clock binds state agencies only: {first.clock.binds or 'see the law data'}.")
        elif first.paused:
            lines.append("Due: no date while the clock is stopped.")
        elif first.awaiting_acknowledgment:
            assert first.followup is not None
            lines.append(
                f"Due: no statutory date yet: the law counts {first.clock.days} {first.clock.unit} days "
                f"from the agency's acknowledgment of receipt ({first.clock.citation}), and none is known."
            )
            lines.append(f"Suggested follow-up (not statutory): {fmt(first.followup)}")
        else:
            assert first.followup is not None
            lines.append(f"Due: no statutory number of days ({first.clock.standard!r}, {first.clock.citation}).")
            lines.append(f"Suggested follow-up (not statutory): {fmt(first.followup)}")
        for clock in (first.clock, self.second.clock if self.second else None):
            if clock is not None and clock.note:
                lines.append(f"Note: {clock.note}")
        if self.with_extension is not None and self.with_extension.date is not None:
            ext = j.extension
            assert ext is not None
            lines.append(
                f"If extended: {fmt(self.with_extension.date)} at the latest "
                f"({ext.days} {ext.unit} days from "
                f"{'receipt' if ext.counted_from == 'receipt' else 'the first deadline'}, "
                f"{ext.citation})."
            )
        if self.second is not None and self.second.date is not None:
            lines.append(
                f"Then: {fmt(self.second.date)}: {self.second.clock.describe()} the agency must "
                f"{self.second.clock.duty_words} ({self.second.clock.citation})."
            )
        if self.second_hint:
            lines.append(self.second_hint)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        data = self.first.to_dict()
        data["law"] = {
            "name": self.jurisdiction.law.name,
            "citation": self.jurisdiction.law.citation,
        }
        data["with_extension"] = self.with_extension.to_dict() if self.with_extension is not None else None
        data["second"] = self.second.to_dict() if self.second is not None else None
        data["second_hint"] = self.second_hint
        return data


def compute_for(
    j: Jurisdiction,
    calendar: Calendar,
    *,
    received: dt.date | None = None,
    sent: dt.date | None = None,
    via: Via = "email",
    mail_days: int = DEFAULT_MAIL_DAYS,
    acknowledged: dt.date | None = None,
    followup_days: int = DEFAULT_FOLLOWUP_DAYS,
    events: Sequence[Event] = (),
    after_hours: bool = False,
) -> DeadlineReport:
    """All of a jurisdiction's clocks for one request, from its receipt or its sending."""
    note = None
    if received is None:
        if sent is None:
            raise ValueError("give received or sent")
        received, note = assume_received(j, calendar, sent, via, mail_days)
    first = first_clock(
        j,
        calendar,
        received,
        acknowledged=acknowledged,
        events=events,
        received_note=note,
        followup_days=followup_days,
        after_hours=after_hours,
    )
    with_extension = None
    ext = j.extension
    if ext is not None and ext.days is not None and first.date is not None and ext.clock == "response":
        with_extension = first_clock(
            j,
            calendar,
            received,
            acknowledged=acknowledged,
            events=[*events, Extended(on=first.date, maximum=True)],
            received_note=note,
            followup_days=followup_days,
            after_hours=after_hours,
        )
    second = None
    hint = None
    clock2 = j.second_response
    if clock2 is not None:
        rule2 = ResponseRule.for_jurisdiction(j, "second_response")
        if clock2.trigger == "first_deadline":
            if first.date is not None:
                second = due(
                    rule2,
                    first.date,
                    calendar,
                    received_note=said("second-from-first-deadline", day=first.date),
                    followup_days=followup_days,
                )
        elif clock2.trigger in NOTICE_TRIGGERS:
            if acknowledged is not None:
                second = due(
                    rule2,
                    acknowledged,
                    calendar,
                    received_note=said("second-acknowledged", day=acknowledged),
                    followup_days=followup_days,
                )
            else:
                hint = (
                    f"Then: {clock2.describe()} from the acknowledgment, the agency must "
                    f"{clock2.duty_words} ({clock2.citation}); computed once the acknowledgment "
                    "date is known."
                )
        else:
            second = due(rule2, received, calendar, received_note=note, followup_days=followup_days)
    return DeadlineReport(j, first, with_extension, second, hint)


# --- after the agency's time: deemed denial and the requester's appeal window ---------------------


def missed_clock_name(j: Jurisdiction, missed: Deadline) -> ClockName:
    """Which of the jurisdiction's clocks a deadline was computed on."""
    return "second_response" if j.second_response is not None and missed.clock == j.second_response else "response"


def deemed_denial_date(
    j: Jurisdiction,
    calendar: Calendar,
    received: dt.date,
    *,
    acknowledged: dt.date | None = None,
    events: Sequence[Event] = (),
    on: dt.date | None = None,
) -> dt.date | None:
    """The day the law turns the agency's silence into a denial (None: it does not, or not yet
    knowably). The statute decides which clock counts (AL and MD: the second; NY: whichever binds),
    and some count it on a period of their own (AL: 30 business days after the acknowledgment)."""
    rule = j.deemed_denial
    if not rule.applies:
        return None
    if rule.clock == "second_response":
        clock = second_clock(j, calendar, received, acknowledged=acknowledged, events=events)
    elif rule.clock == "response":
        clock = first_clock(j, calendar, received, acknowledged=acknowledged, events=events)
    else:
        clock = running_clock(j, calendar, received, acknowledged=acknowledged, events=events, on=on)
    if clock is None or clock.date is None:
        return None
    if rule.days is None or rule.unit is None:
        return clock.date
    start = acknowledged if clock.clock.trigger in NOTICE_TRIGGERS else clock.received
    if start is None:
        return None
    day = _Walk(calendar, {}, []).advance(start, rule.days, rule.unit)
    return _roll(ResponseRule.for_jurisdiction(j), calendar, day, rule.unit, [])


@dataclass(frozen=True)
class AppealWindow:
    """How long the requester has to appeal (or sue) after a denial or a deemed denial."""

    jurisdiction: str
    appeal: Appeal
    opened: dt.date  # the denial, or the day silence became a denial
    how: str  # "denied" or "deemed denied"
    last_day: dt.date | None  # None: the law sets no deadline for this route
    explanation: tuple[Step, ...]

    @property
    def verb(self) -> str:
        return "court action" if self.appeal.route == "court" else "appeal"

    def in_time(self, day: dt.date) -> bool | None:
        """Whether an appeal made on ``day`` is within the law's period (None: no period)."""
        if self.last_day is None:
            return None
        return self.opened <= day <= self.last_day

    @property
    def facts(self) -> dict[str, Any]:
        """The window as facts: its route (``court`` reads as a court action), the body, the
        citation, the period, how it opened (``denied`` or ``deemed denied``), when, and its last day."""
        return {
            "route": self.appeal.route,
            "body": self.appeal.name,
            "citation": self.appeal.citation,
            "days": self.appeal.deadline_days,
            "unit": self.appeal.deadline_unit,
            "how": self.how,
            "opened": self.opened,
            "last_day": self.last_day,
        }

    def describe(self, lang: str = "en", *, written_out: bool = False) -> str:
        """'Appeal to X (§ 1): within 30 business days of the denial on Wed 2026-11-25, that is by
        ...' (records_req.wording), in English or Spanish."""
        return window_words(self, lang, written_out=written_out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "route": self.appeal.route,
            "body": self.appeal.name,
            "citation": self.appeal.citation,
            "opened": self.opened.isoformat(),
            "how": self.how,
            "days": self.appeal.deadline_days,
            "unit": self.appeal.deadline_unit,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "text": self.describe(),
            "explanation": [step.text for step in self.explanation],
        }


def appeal_window(
    j: Jurisdiction,
    calendar: Calendar,
    opened: dt.date,
    how: str = "denied",
    route: Appeal | None = None,
) -> AppealWindow:
    """The last day to appeal by ``route`` (the law's main route by default), counted from
    ``opened`` the way the law counts: business days skip closures, and a calendar-day period
    ending on a closed day moves forward where the law's time-computation rule says so."""
    appeal = with_limitation(j, route or j.appeal)
    steps: list[Step] = [_step("start", "opened", opened, how=how, day=opened)]
    if appeal.deadline_days is None or appeal.deadline_unit is None:
        steps.append(_step("no-deadline", "appeal-no-deadline", body=appeal.name, citation=appeal.citation))
        return AppealWindow(j.code, appeal, opened, how, None, tuple(steps))
    days, unit = appeal.deadline_days, appeal.deadline_unit
    start = opened + _ONE_DAY
    steps.append(
        _step(
            "start",
            "appeal-period",
            start,
            route=appeal.route,
            days=days,
            unit=unit,
            day=start,
            citation=appeal.citation,
        )
    )
    walk = _Walk(calendar, {}, steps)
    last = walk.advance(opened, days, unit)
    last = _roll(ResponseRule.for_jurisdiction(j), calendar, last, unit, steps)
    steps.append(_step("due", "last-day", last, day=last))
    return AppealWindow(j.code, appeal, opened, how, last, tuple(steps))


def appeal_windows(j: Jurisdiction, calendar: Calendar, opened: dt.date, how: str = "denied") -> list[AppealWindow]:
    """Every route's window: the main one first, then the alternatives with their own periods,
    then the court action the law's limitation period governs, where no route above is a court."""
    routes = [j.appeal, *j.appeal.also]
    suit = court_route(j)
    lim = j.limitation
    counted_from_denial = lim is not None and lim.applies == "court" and lim.after == "denial"
    if suit is not None and counted_from_denial and all(r.route != "court" for r in routes):
        routes.append(suit)
    return [appeal_window(j, calendar, opened, how, route) for route in routes]


def with_limitation(j: Jurisdiction, route: Appeal) -> Appeal:
    """A court route with no period of its own takes the law's limitation period for the suit
    (SC: one year, S.C. Code Ann. § 30-4-100(A))."""
    lim = j.limitation
    if route.deadline_days is not None or lim is None or lim.after != "denial":
        return route
    if (lim.applies == "court") != (route.route == "court"):
        return route
    if lim.applies == "appeal" and route.body != j.appeal.body:  # the main route's own period only
        return route
    return route._replace(
        deadline_days=lim.days, deadline_unit=lim.unit, deadline_trigger=lim.trigger, citation=lim.citation
    )


def court_route(j: Jurisdiction) -> Appeal | None:
    """The court action, with its limitation period: the main or another route where it is a
    court; else, where the law sets a limitation period, a route made from it (MI: a civil action
    within 180 days, MCL 15.240(1)(b), beside the appeal to the head)."""
    for route in (j.appeal, *j.appeal.also):
        if route.route == "court":
            return with_limitation(j, route)
    lim = j.limitation
    if lim is None or lim.applies != "court":
        return None
    return Appeal(
        route="court",
        body=j.appeal.court_name or "a court action",
        deadline_days=lim.days,
        deadline_unit=lim.unit,
        deadline_trigger=lim.trigger,
        citation=lim.citation,
        note=lim.note,
        court_name=j.appeal.court_name or "court",
        window_from_silence=j.appeal.window_from_silence,  # FOIA: silence is exhaustion, not a denial
    )


def second_clock(
    j: Jurisdiction,
    calendar: Calendar,
    received: dt.date,
    *,
    acknowledged: dt.date | None = None,
    events: Sequence[Event] = (),
    followup_days: int = DEFAULT_FOLLOWUP_DAYS,
) -> Deadline | None:
    """The law's second clock, where it can be computed: from the acknowledgment (once known),
    from the first deadline, or from receipt."""
    second = j.second_response
    if second is None:
        return None
    rule = ResponseRule.for_jurisdiction(j)
    rule2 = ResponseRule.for_jurisdiction(j, "second_response")
    if second.trigger in NOTICE_TRIGGERS:
        if acknowledged is None:
            return None
        start = acknowledged
    elif second.trigger == "first_deadline":
        # counted from the first deadline as the law set it; extensions apply once, below
        pauses = [e for e in events if isinstance(e, Paused)]
        start = due(rule, received, calendar, pauses, followup_days=followup_days).date or received
    else:
        start = received
    return due(
        rule2,
        start,
        calendar,
        events,
        received_note=said("second-counted-from", day=start),
        followup_days=followup_days,
    )


def running_clock(
    j: Jurisdiction,
    calendar: Calendar,
    received: dt.date,
    *,
    acknowledged: dt.date | None = None,
    events: Sequence[Event] = (),
    received_note: ReceiptNote | None = None,
    followup_days: int = DEFAULT_FOLLOWUP_DAYS,
    on: dt.date | None = None,
) -> Deadline:
    """The clock that matters on ``on``: the first, or the law's second clock once the agency has
    acknowledged the request or, for a second clock that runs anyway (MD, LA, NM from receipt; OR
    from the first deadline), once its own date has passed too. Between the two dates the missed
    first clock is the one to cite. The tracker, follow-ups and appeals all ask this."""
    first = first_clock(
        j,
        calendar,
        received,
        acknowledged=acknowledged,
        events=events,
        received_note=received_note,
        followup_days=followup_days,
    )
    second = second_clock(j, calendar, received, acknowledged=acknowledged, events=events, followup_days=followup_days)
    if second is None:
        return first
    if acknowledged is not None:
        return second
    runs_anyway = j.second_response is not None and j.second_response.trigger in ("receipt", "first_deadline")
    if runs_anyway and on is not None and second.date is not None and on > second.date:
        return second
    return first


def walk_days(calendar: Calendar, start: dt.date, days: int, unit: Unit) -> dt.date:
    """The day ``days`` business or calendar days after ``start`` (a calendar count ending on a
    closed day is not moved: only the law's own roll-forward rule does that, where it applies)."""
    return _Walk(calendar, {}, []).advance(start, days, unit)


def add_business_days(calendar: Calendar, start: dt.date, days: int) -> dt.date:
    """The day ``days`` business days after ``start``: the engine's own count, for any use."""
    return walk_days(calendar, start, days, "business")

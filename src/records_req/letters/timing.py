"""What a follow-up or an appeal may truthfully say about dates. Pure.

A letter must never say something about a date that the deadline engine would contradict: a
follow-up does not say a date "has passed" before it has, and an appeal says it is "made within
the N days the law allows" only when it is. Both the ``letter`` command and the tracker's
``followup``/``appeal`` ask :func:`plan` with what they know of the request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

from records_req.deadlines import (
    AppealWindow,
    Calendar,
    Deadline,
    Event,
    ReceiptNote,
    appeal_windows,
    deemed_denial_date,
    fmt,
    missed_clock_name,
    running_clock,
)
from records_req.errors import Noted, RecordsReqError
from records_req.laws import Jurisdiction

LetterKind = Literal["follow-up", "appeal"]


class LetterTimingError(RecordsReqError):
    """The letter would state something about a date that is not true on the letter's date."""


class LetterTiming(NamedTuple):
    missed: Deadline  # the clock the letter is about (the one binding the agency now)
    clock: str  # "response" or "second_response"
    deemed_denied_on: dt.date | None  # when the statute turns silence on this clock into a denial
    denied_on: dt.date | None  # an explicit denial
    windows: tuple[AppealWindow, ...]  # the requester's running appeal windows, main route first
    status_inquiry: bool  # a follow-up written before the date: a courteous status inquiry
    appeal_in_time: bool | None  # appeals: within the main route's period (None: no period)
    warnings: tuple[str, ...]
    letter_date: dt.date
    kind: LetterKind = "follow-up"
    extended_on: dt.date | None = None  # the agency's extension notice, where one moved the date missed
    extension_cap: dt.date | None = None  # the latest date the law lets an extension reach

    @property
    def deemed_denial(self) -> bool:
        """Whether the letter may say the silence is (or may be treated as) a denial."""
        return self.deemed_denied_on is not None

    def context(self) -> dict[str, Any]:
        """What the wording templates see as ``timing``."""
        main = self.windows[0] if self.windows else None
        return {
            "clock": self.clock,
            "duty": self.missed.clock.duty,
            "status_inquiry": self.status_inquiry,
            "deemed_denial": self.deemed_denial,
            "deemed_denied_on": _long(self.deemed_denied_on),
            "deemed_denial_pending": self.deemed_denied_on is not None and self.deemed_denied_on >= self.letter_date,
            "appeal_in_time": self.appeal_in_time,
            "appeal_last_day": _long(main.last_day) if main else None,
            "appeal_windows": [w.describe() for w in self.windows],
            "appeal_window_closed": bool(main and main.last_day and main.last_day < self.letter_date),
            "extended_on": _long(self.extended_on),
            "extension_cap": _long(self.extension_cap),
        }

    def notes(self) -> list[str]:
        """What the command prints beside the letter: the windows running, and any warning."""
        out = list(self.warnings)
        for window in self.windows:
            if window.last_day is None:
                continue
            if window.last_day < self.letter_date:
                closed = f"The {window.verb} period has closed: {window.describe()}"
                if not any(note.startswith(closed) for note in out):  # a late appeal's warning says it already
                    out.append(closed)
            else:
                tail = " Writing to the agency does not stop that clock." if self.kind == "follow-up" else ""
                out.append(window.describe() + tail)
        return out


def plan(
    kind: LetterKind,
    j: Jurisdiction,
    calendar: Calendar,
    *,
    received: dt.date,
    letter_date: dt.date,
    acknowledged: dt.date | None = None,
    events: Sequence[Event] = (),
    denied_on: dt.date | None = None,
    force: bool = False,
    received_note: ReceiptNote | None = None,
    sent: dt.date | None = None,
) -> LetterTiming:
    """Check the letter's date against the law's dates, and decide what the letter may say.

    Refuses (``LetterTimingError``) a follow-up or a no-response appeal before the agency's time
    has run out, and an appeal after its period has closed, unless ``force``: then a follow-up
    becomes a status inquiry, and a late appeal drops its timeliness sentence with a warning.
    """
    if kind == "follow-up":
        denied_on = None  # a follow-up is about a request not yet answered
    _check_order(sent or received, letter_date, acknowledged, denied_on, events)
    missed = running_clock(
        j,
        calendar,
        received,
        acknowledged=acknowledged,
        events=events,
        received_note=received_note,
        on=letter_date,
    )
    clock = missed_clock_name(j, missed)
    warnings: list[str] = []
    due_on = missed.date
    early = denied_on is None and due_on is not None and letter_date <= due_on
    if early and not force:
        assert due_on is not None
        raise LetterTimingError.of(
            "followup-too-early" if kind == "follow-up" else "appeal-too-early",
            due=due_on,
            duty=missed.clock.duty_words,
            citation=missed.clock.citation,
            date=letter_date,
        )
    deemed = None
    if denied_on is None:
        deemed = deemed_denial_date(j, calendar, received, acknowledged=acknowledged, events=events, on=letter_date)
    windows: tuple[AppealWindow, ...] = ()
    if denied_on is not None:
        windows = tuple(appeal_windows(j, calendar, denied_on, "denied"))
    elif deemed is not None and letter_date > deemed:
        # FOIA: silence is exhaustion, and the appeal period runs from a response only
        windows = tuple(w for w in appeal_windows(j, calendar, deemed, "deemed denied") if w.appeal.window_from_silence)
    in_time: bool | None = None
    if kind == "appeal" and windows:
        in_time = windows[0].in_time(letter_date)
        if in_time is False:
            window = windows[0]
            assert window.last_day is not None
            message = (
                f"The {window.verb} period has closed: {window.describe()} The letter is dated {fmt(letter_date)}."
            )
            if not force:
                raise LetterTimingError.of("appeal-late", closed=message)
            warnings.append(message + " The letter does not claim to be timely.")
    if kind == "appeal" and early and due_on is not None:
        warnings.append(Noted("written-early", due=due_on))
    soon = due_on is None and missed.followup is not None and letter_date < missed.followup
    if kind == "follow-up" and soon:
        assert missed.followup is not None
        early = True  # no statutory date: before the suggested follow-up, ask politely how it goes
        warnings.append(f"The law sets no date here; before {fmt(missed.followup)} the letter is a status inquiry.")
    extended_on, cap = _extension(j, calendar, received, acknowledged, events, letter_date)
    return LetterTiming(
        extended_on=extended_on,
        extension_cap=cap,
        missed=missed,
        clock=clock,
        deemed_denied_on=None if early else deemed,
        denied_on=denied_on,
        windows=windows,
        status_inquiry=kind == "follow-up" and early,
        appeal_in_time=in_time,
        warnings=tuple(warnings),
        letter_date=letter_date,
        kind=kind,
    )


def _extension(
    j: Jurisdiction,
    calendar: Calendar,
    received: dt.date,
    acknowledged: dt.date | None,
    events: Sequence[Event],
    letter_date: dt.date,
) -> tuple[dt.date | None, dt.date | None]:
    """The agency's last extension notice and the latest date the law lets it reach (None where
    the law sets no number of days)."""
    from records_req.deadlines import Extended

    notices = [e for e in events if isinstance(e, Extended)]
    if not notices:
        return None, None
    cap = None
    if j.extension is not None and j.extension.days is not None:
        others = [e for e in events if not isinstance(e, Extended)]
        longest = running_clock(
            j,
            calendar,
            received,
            acknowledged=acknowledged,
            events=[*others, Extended(on=notices[-1].on, maximum=True)],
            on=letter_date,
        )
        cap = longest.date
    return notices[-1].on, cap


def _check_order(
    sent: dt.date,
    letter_date: dt.date,
    acknowledged: dt.date | None,
    denied_on: dt.date | None,
    events: Sequence[Event],
) -> None:
    """Dates the user gives must be in the order the events happened."""
    from records_req.deadlines import Extended
    from records_req.errors import UsageError

    def check(earlier: dt.date, later: dt.date, what: str) -> None:
        if later < earlier:
            raise UsageError(f"{what} ({later.isoformat()}) is before {earlier.isoformat()}: check the dates.")

    if acknowledged is not None:
        check(sent, acknowledged, "The acknowledgment")
        check(acknowledged, letter_date, "The letter's date")
    if denied_on is not None:
        check(sent, denied_on, "The denial")
        check(denied_on, letter_date, "The letter's date")
    for event in events:
        if isinstance(event, Extended) and event.until is not None:
            check(sent, event.until, "The extended date")


def _long(day: dt.date | None) -> str | None:
    from records_req.letters.model import long_date

    return long_date(day) if day else None

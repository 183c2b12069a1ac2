"""The words of a deadline's explanation (records_req.deadlines.Step), in English or in Spanish.

The engine records each step as facts: what it says (a code) and its numbers, dates and citations
(:class:`Said`). This module words them, for every door: the command line and ``--json``'s
"explanation" in English (the sentences the engine always printed), the dashboard and the reports
in the page's language through the catalog (``locale/es/LC_MESSAGES/records_req.po``), with dates
written that language's way (records_req.wording.Words).

What the law or the calendar words itself stays as written: the statute's quoted standard, a duty
in the statute's own terms, a holiday's name. On a Spanish page (``html=True``) those words are
marked ``lang="en"``, so that a screen reader reads them as English and a reader knows they are quoted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import cache
from html import escape
from typing import TYPE_CHECKING, Any, NamedTuple

from records_req.labels import VALUES
from records_req.wording import Words, _

if TYPE_CHECKING:
    from records_req.deadlines import Step


class Said(NamedTuple):
    """One sentence of a step, as facts: its code (a key of :func:`_sentence`) and its facts."""

    code: str
    facts: Mapping[str, Any]

    @property
    def text(self) -> str:
        """The sentence in English, as the command line prints it."""
        return said_words(self)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "facts": _plain(self.facts)}


def said(code: str, **facts: Any) -> Said:
    return Said(code, facts)


def _plain(value: Any) -> Any:
    """Facts as JSON: dates in ISO form, tuples as lists."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def step_words(step: Step, lang: str = "en", *, html: bool = False) -> str:
    """A step as one line: its sentences joined. ``html``: escaped, with the law's own words
    marked ``lang="en"`` where the page is not in English (the dashboard)."""
    say = _say(lang, html)
    return " ".join(_sentence(part, say) for part in step.said)


def said_words(part: Said, lang: str = "en") -> str:
    """One sentence of a step (what :func:`deadlines.assume_received` noted, for instance)."""
    return _sentence(part, _say(lang, False))


class _Say:
    """One language's words for a step, as plain text or as escaped HTML."""

    def __init__(self, lang: str, html: bool) -> None:
        self.w = Words(lang)
        self.html = html

    def __call__(self, msgid: str, **facts: Any) -> str:
        """The sentence ``msgid`` in the language, its facts worded (dates the language's way)."""
        template = self.w.gettext(msgid)
        if self.html:
            template = escape(template)
        return template.format(**{k: self.text(v, k) for k, v in facts.items()})

    def text(self, value: Any, key: str = "") -> str | _Done:
        if isinstance(value, _Done):
            return value
        said = self.w.fact(key, value)
        return _Done(escape(said) if self.html else said)

    def law(self, words: str) -> _Done:
        """The law's or the calendar's own English words: kept, and marked as English on a page in
        another language."""
        if self.html and self.w.lang != "en":
            return _Done(f'<span lang="en">{escape(words)}</span>')
        return _Done(escape(words) if self.html else words)

    def done(self, text: str) -> _Done:
        """A phrase this module already worded (and escaped)."""
        return _Done(text)

    @property
    def lang(self) -> str:
        return self.w.lang


@cache
def _say(lang: str, html: bool) -> _Say:
    return _Say(lang, html)


class _Done(str):
    """Text already worded (and escaped, for HTML): not worded again."""


# --- the phrases inside the sentences --------------------------------------------------------------

_COUNTS = {
    ("business", False): _("{count} business day"),
    ("business", True): _("{count} business days"),
    ("calendar", False): _("{count} calendar day"),
    ("calendar", True): _("{count} calendar days"),
    ("working", False): _("{count} working day"),
    ("working", True): _("{count} working days"),
    ("", False): _("{count} day"),
    ("", True): _("{count} days"),
}


def _count(say: _Say, count: int, unit: str | None = None) -> _Done:
    """'5 business days', '1 day' ('5 días hábiles', '1 día')."""
    return say.done(say(_COUNTS[(unit or "", count != 1)], count=count))


_PAUSES = {
    "clarification": _("the agency asked the requester to clarify"),
    "fee_estimate": _("the agency sent a fee estimate awaiting payment"),
}

# The generic duties (laws.DUTY_WORDS); a duty in the statute's own terms stays as the statute says it.
_DUTIES = {
    "full_response": _("provide the records"),
    "determination": _("decide whether to grant the request"),
    "acknowledgment": _("acknowledge the request"),
    "response": _("respond (provide the records, deny them, or explain why more time is needed)"),
}


def _duty(say: _Say, f: Mapping[str, Any]) -> _Done:
    if f.get("duty_text"):
        return say.law(f["duty_text"])
    return say.done(say(_DUTIES[f["duty"]]))


def _citation(say: _Say, citation: str | None, otherwise: str) -> Any:
    return citation if citation else say.done(say(otherwise))


def _dates(say: _Say, days: Sequence[dt.date], joined: str) -> _Done:
    """Dates joined: 'Sat 2026-11-07 and Sun 2026-11-08' ('sábado 7 ... y domingo 8 ...')."""
    return say.done(say.text(say(joined)).join(say.text(d) for d in days))


def _listed(say: _Say, days: Sequence[dt.date]) -> _Done:
    """The counted days: '11-04 (1), 11-05 (2)' ('4/11 (1), 5/11 (2)' in Spanish); from the
    first to the last where there are more than 31."""
    if len(days) > 31:
        return say.done(say(_("{first} (1) to {last} ({count})"), first=days[0], last=days[-1], count=len(days)))
    form = "{d.day}/{d.month}" if say.lang == "es" else "{d:%m-%d}"
    return say.done(", ".join(f"{form.format(d=d)} ({i})" for i, d in enumerate(days, 1)))


# A weekend day as the calendar names a closure (calendars.ClosureCalendar.closure): a word, not a name.
_WEEKEND = {"Saturday": _("Saturday"), "Sunday": _("Sunday")}


def _closure(say: _Say, reason: str) -> _Done:
    """Why offices were closed: a weekend day in the language, a holiday by its own name."""
    if reason in _WEEKEND:
        return say.done(say(_WEEKEND[reason]))
    return say.law(reason)


def _closed(say: _Say, closed: Sequence[tuple[dt.date, str]]) -> _Done:
    return say.done(", ".join(f"{say.text(day)} ({_closure(say, reason)})" for day, reason in closed))


def _within(say: _Say, f: Mapping[str, Any]) -> _Done:
    """The clock's period as laws.Clock.describe says it: 'within 5 business days'."""
    return say.done(say(_("within {count}"), count=_count(say, f["days"], f.get("unit_word"))))


def _extension_law(say: _Say, f: Mapping[str, Any]) -> _Done:
    msgid = (
        _("{days} {unit} days counted from receipt ({citation})")
        if f["counted_from"] == "receipt"
        else _("{days} {unit} days counted from the first deadline ({citation})")
    )
    unit = f["law_unit"] if say.lang == "en" else say.w.unit(f["law_unit"])
    return say.done(say(msgid, days=f["law_days"], unit=unit, citation=f["law_citation"]))


def _via(say: _Say, via: str) -> Any:
    """'email' as the English sentence says it ('Sent by email'); in Spanish 'por correo electrónico'."""
    if say.lang == "en":
        return via
    found = VALUES.get(via)
    return found.said(say.lang) if found is not None else via


# --- the sentences ---------------------------------------------------------------------------------


def _sentence(part: Said, say: _Say) -> str:
    code, f = part.code, part.facts
    if code == "sent-by-mail":
        return say(
            _("Sent by mail on {sent}; assumed received {days} calendar days later, on {received}."),
            sent=f["sent"],
            days=f["days"],
            received=f["received"],
        )
    if code == "sent-received-later":
        return say(
            _(
                "Sent by {via} on {sent}; under {citation} a request sent by {via} is received {count} after it "
                "is sent: received {received}."
            ),
            via=_via(say, f["via"]),
            sent=f["sent"],
            citation=f["citation"],
            count=_count(say, f["days"], f["unit"]),
            received=f["received"],
        )
    if code == "sent-same-day":
        return say(
            _("Sent by {via} on {sent}; counted as received the same day."), via=_via(say, f["via"]), sent=f["sent"]
        )
    if code == "received":
        return say(_("Received {day}."), day=f["day"])
    if code == "received-closed":
        return say(
            _(
                "Received on {day}, when offices were closed ({closed}); the law counts it as received on "
                "{effective} ({citation})."
            ),
            day=f["day"],
            closed=_closure(say, f["closed"]),
            effective=f["effective"],
            citation=_citation(say, f["citation"], _("see the law data")),
        )
    if code == "after-hours-moved":
        return say(
            _("Received after hours on {day}; the law counts it as received on {effective} ({citation})."),
            day=f["day"],
            effective=f["effective"],
            citation=_citation(say, f["citation"], _("see the law data")),
        )
    if code == "after-hours-kept":
        return say(
            _(
                "Received after hours on {day}; this law does not move receipt to the next business day, so it "
                "counts as received that day."
            ),
            day=f["day"],
        )
    if code == "from-acknowledgment":
        return say(_("The law counts from the acknowledgment of receipt, on {day}."), day=f["day"])
    if code == "skipped-closed":
        return say(_("Skipped {day}: {reason} (offices closed)."), day=f["day"], reason=_closure(say, f["reason"]))
    if code == "skipped-weekend":
        return say(_("Skipped the weekend: {days}."), days=_dates(say, f["days"], _(" and ")))
    if code == "counted":
        return say(
            _("Counted {count}: {listed}."),
            count=_count(say, len(f["days"]), f["unit"]),
            listed=_listed(say, f["days"]),
        )
    if code == "executive-order":
        return say(
            _(
                "Counted {day} as a working day: offices were closed by executive order ({name}), but that is "
                "not a legal holiday under the law that sets this period ({citation}). The agency may claim the "
                "day; if it does, its date is one working day later."
            ),
            day=f["day"],
            name=say.law(f["name"]),
            citation=_citation(say, f["citation"], _("see the law data")),
        )
    if code == "no-number":
        return say(
            _(
                'The law sets no number of days ({citation}): "{standard}". Suggested follow-up, {days} business '
                "days after receipt: {followup}. This is not a statutory deadline."
            ),
            citation=f["citation"],
            standard=say.law(f["standard"]),
            days=f["followup_days"],
            followup=f["followup"],
        )
    if code == "awaiting-acknowledgment":
        return say(
            _(
                'This law counts {within} from the agency\'s acknowledgment of receipt ({citation}): "{standard}". '
                "No statutory date runs until the agency acknowledges the request; the date of that "
                "acknowledgment starts the count. Suggested follow-up, {days} business days after receipt: "
                "{followup}. This is not a statutory deadline."
            ),
            within=_within(say, f),
            citation=f["citation"],
            standard=say.law(f["standard"]),
            days=f["followup_days"],
            followup=f["followup"],
        )
    if code == "counts-receipt-day":
        return say(
            _("The law counts the day of receipt as day 1; counting {count}."),
            count=_count(say, f["days"], f["unit"]),
        )
    if code == "receipt-day-not-counted":
        return say(
            _("The day of receipt is not counted; counting {count} from {day} ({citation})."),
            count=_count(say, f["days"], f["unit"]),
            day=f["day"],
            citation=f["citation"],
        )
    if code == "calendar-days":
        return say(_("Calendar days: weekends and holidays are counted."))
    if code == "stopped":
        return say(
            _("The clock is stopped since {since} ({pause}); no deadline runs until the requester answers."),
            since=f["since"],
            pause=say.done(say(_PAUSES[f["pause"]])),
        )
    if code == "due":
        return say(
            _("Due {due}: by then the agency must {duty} ({citation})."),
            due=f["due"],
            duty=_duty(say, f),
            citation=f["citation"],
        )
    if code in ("promised-to", "promised-by"):
        how = (
            say(_("to {until}"), until=f["until"])
            if code == "promised-to"
            else say(_("by {count}, counted from {on}"), count=_count(say, f["days"], f["unit"]), on=f["on"])
        )
        return say(
            _(
                "Extended on {on} {how}. The law sets no number of days; the agency promised {promised}; follow "
                "up after {promised}. This is not a statutory deadline."
            ),
            on=f["on"],
            how=say.done(how),
            promised=f["promised"],
        )
    if code == "no-fixed-extension":
        return say(_("The law sets no fixed length for an extension."))
    if code == "no-extension":
        return say(
            _(
                "The law provides no extension; the agency's new date is tracked, but the statutory deadline was "
                "the earlier one."
            )
        )
    if code == "full-extension":
        return say(_("Full statutory extension: {law}."), law=_extension_law(say, f))
    if code == "extension-ignored":
        return say(_("Extension to {until} ignored: it is not later than {due}."), until=f["until"], due=f["due"])
    if code == "extended-to":
        return say(_("Extended on {on} to {until}."), on=f["on"], until=f["until"])
    if code == "extended-by":
        count = _count(say, f["days"], f["unit"])
        if f.get("citation"):
            return say(
                _("Extended on {on} by {count}, counted from {due} ({citation})."),
                on=f["on"],
                count=count,
                due=f["due"],
                citation=f["citation"],
            )
        return say(_("Extended on {on} by {count}, counted from {due}."), on=f["on"], count=count, due=f["due"])
    if code == "beyond-the-law":
        return say(
            _(
                "That is later than the law allows: at most {law}, which ends {limit}. The statutory deadline is "
                "{limit}."
            ),
            law=_extension_law(say, f),
            limit=f["limit"],
        )
    if code == "closed-day-stays":
        return say(
            _(
                "{day} is a closed day ({closed}), but no rule of this jurisdiction moves the deadline; it stays "
                "on that day."
            ),
            day=f["day"],
            closed=_closure(say, f["closed"]),
        )
    if code == "rolled":
        return say(
            _(
                "The period ends on a closed day; it moves to the next business day, {day} ({citation}). Closed: "
                "{closed}."
            ),
            day=f["day"],
            citation=_citation(say, f["citation"], _("time-computation rule")),
            closed=_closed(say, f["closed"]),
        )
    if code == "pause-ignored":
        return say(
            _("On {day} {pause}; this law does not stop the clock for that, so the days keep counting."),
            day=f["day"],
            pause=say.done(say(_PAUSES[f["pause"]])),
        )
    if code == "paused":
        return say(
            _(
                "Clock stopped on {start} ({pause}) and restarted on {end}: {count} after the stop not counted "
                "({citation})."
            ),
            start=f["start"],
            pause=say.done(say(_PAUSES[f["pause"]])),
            end=f["end"],
            count=_count(say, f["not_counted"]),
            citation=_citation(say, f["citation"], _("see the law data")),
        )
    if code == "second-from-first-deadline":
        return say(_("The second clock counts from the first deadline, {day}."), day=f["day"])
    if code == "second-acknowledged":
        return say(_("Acknowledged {day}; the second clock starts."), day=f["day"])
    if code == "second-counted-from":
        return say(_("Second clock: counted from {day}."), day=f["day"])
    if code == "opened":
        return say(_("The request was {how} on {day}."), how=say.done(say(f["how"])), day=f["day"])
    if code == "appeal-no-deadline":
        return say(_("The law sets no deadline to go to {body} ({citation})."), body=f["body"], citation=f["citation"])
    if code == "appeal-period":
        msgid = (
            _("The filing period is {days} {unit} days, counted from {day} ({citation}).")
            if f["route"] == "court"
            else _("The appeal period is {days} {unit} days, counted from {day} ({citation}).")
        )
        unit = f["unit"] if say.lang == "en" else say.w.unit(f["unit"])
        return say(msgid, days=f["days"], unit=unit, day=f["day"], citation=f["citation"])
    if code == "last-day":
        return say(_("Last day: {day}."), day=f["day"])
    return str(f.get("text", code))  # a step this version does not know

"""The words of a next action (records_req.lifecycle.NextAction) and of a note
(records_req.errors.Note), in plain English or in Spanish.

The core returns facts; these are their sentences, for every door. They name no command, no flag
and no button: the command line adds the command to run (``cli/wording.py``), the dashboard a
button. The Spanish comes from the gettext catalog (``locale/es/LC_MESSAGES/records_req.po``,
compiled by ``python scripts/compile_catalogs.py``): each sentence below is its msgid, with named
``{fields}`` that the translation keeps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from records_req.labels import event_label, status_label

if TYPE_CHECKING:
    from records_req.deadlines import AppealWindow
    from records_req.errors import Note
    from records_req.lifecycle import NextAction, Why

WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
}


def _(text: str) -> str:
    """Marks a msgid for the catalog; translated where it is said (:class:`Words`)."""
    return text


# Appeal bodies the law data describes rather than names (laws.AGENCY_HEAD): said in the page's
# language. Every other body is the law's own name for it, kept as written inside the sentence.
DESCRIBED_BODIES = (_("the agency's head or appeals officer"),)


class Words:
    """One language's way of saying things: its sentences and its dates."""

    def __init__(self, lang: str = "en", *, written_out: bool = False) -> None:
        from records_req.catalog import catalog

        self.lang = lang if lang in WEEKDAYS else "en"
        self.written_out = written_out  # dates as people write them ("Wednesday, November 25, 2026")
        self.gettext: Callable[[str], str] = catalog(self.lang).gettext

    def __call__(self, msgid: str, **facts: Any) -> str:
        return self.gettext(msgid).format(**{k: self.fact(k, v) for k, v in facts.items()})

    def fact(self, key: str, value: Any) -> str:
        """A fact as said in a sentence: a date this language's way; an appeal body as the law names
        it (a name is not translated), unless the data only describes it (DESCRIBED_BODIES)."""
        if key == "body" and value in DESCRIBED_BODIES:
            return self.gettext(value)
        return self.value(value)

    def value(self, value: Any) -> str:
        if isinstance(value, dt.date):
            return self.date(value)
        return str(value)

    def date(self, day: dt.date | str | None) -> str:
        """'Tue 2026-12-01' (deadlines.fmt); in Spanish the Spanish way, 'martes 1 de diciembre de
        2026' (Babel's CLDR data)."""
        if day is None:
            return ""
        if isinstance(day, str):
            day = dt.date.fromisoformat(day)
        if self.lang == "es":
            from babel.dates import format_date

            return format_date(day, "EEEE d 'de' MMMM 'de' y", locale="es")
        if self.written_out:
            return f"{day:%A}, {day:%B} {day.day}, {day.year}"
        return f"{WEEKDAYS[self.lang][day.weekday()]} {day.isoformat()}"

    def unit(self, unit: str | None) -> str:
        return self.gettext({"business": _("business"), "calendar": _("calendar")}.get(unit or "", unit or ""))

    def word(self, text: str) -> str:
        """A status or a word of the law data's vocabulary ('denied', 'deemed denied')."""
        return self.gettext(text)


# --- next actions -------------------------------------------------------------------------------


def action_words(action: NextAction, lang: str = "en", *, written_out: bool = False) -> str:
    """The next action as one or more sentences, naming no command; ``written_out`` dates for a
    page ("Wednesday, November 25, 2026"), else the terminal's "Wed 2026-11-25"."""
    return _action(action, Words(lang, written_out=written_out))


def _action(action: NextAction, w: Words) -> str:
    kind, case, f = action.kind, action.case, action.facts
    if kind == "send":
        return w(_("Send the letter, then record that it went out."))
    if kind == "nothing":
        return w(_("Nothing more: the request is closed ({status})."), status=status_label(f["status"], w.lang))
    if kind == "await-court":
        if f.get("court"):
            return w(
                _("The court action is filed ({court}): record what the court orders or the agency releases."),
                court=f["court"],
            )
        return w(_("The court action is filed: record what the court orders or the agency releases."))
    if kind == "answer-agency":
        if case == "clock-runs":
            then = f["then"]
            return (
                w(
                    _(
                        "The agency asked you for a payment; this law does not stop the clock for it. Pay it "
                        "(or ask for a waiver), and record it."
                    )
                    if f.get("status") == "payment-required"
                    else _(
                        "The agency asked you to clarify the request; this law does not stop the clock for it. "
                        "Answer it, and record it."
                    )
                )
                + " "
                + _action(then, w)
            )
        if f.get("status") == "payment-required":
            return w(
                _(
                    "The agency is waiting for your payment, and its clock is stopped: pay the fee (or ask for a "
                    "waiver), then record the payment or the waiver."
                )
            )
        return w(
            _(
                "The agency is waiting for your clarification, and its clock is stopped: answer it, then "
                "record that you did."
            )
        )
    if kind == "wait":
        return _wait(case, f, w)
    if kind == "follow-up":
        if case == "no-answer":
            return w(_("No answer yet: send a follow-up."))
        if case == "promise-passed":
            return w(
                _("The law sets no number of days; the agency promised {promised} and nothing came: send a follow-up."),
                promised=f["promised"],
            )
        text = w(_("Overdue since {since}: send a follow-up."), since=f["overdue_since"])
        if f.get("window"):
            text += " " + _window(f["window"], w) + " " + w(_("A follow-up does not stop that clock."))
        elif f.get("after_window"):
            text += " " + _action(f["after_window"], w)
        return text
    if kind == "await-decision":
        if case == "suggested":
            text = w(_("Await the decision of {body}; follow up around {on}."), body=f["body"], on=action.on)
        elif case == "overdue":
            text = w(
                _(
                    "{body} had until {by} to decide ({citation}) and the decision is overdue, unless the body "
                    "extended that time as the law allows: ask it for the decision in writing."
                ),
                body=f["body"],
                by=f["by"],
                citation=f["citation"],
            )
        else:
            text = w(_("Await the decision of {body}, due by {by} ({citation})."), **f)
        lim = f.get("limitation")
        if lim:
            text += " " + w(
                _(
                    "If it goes against you, a court action must be filed within {days} {unit} days of "
                    "{trigger} ({citation})."
                ),
                days=lim["days"],
                unit=w.unit(lim["unit"]),
                trigger=lim["trigger"],
                citation=lim["citation"],
            )
        return text
    if kind == "await-reconsideration":
        asked = w.date(f["asked_on"]) if f.get("asked_on") else w(_("the date logged"))
        text = w(
            _(
                "You asked the agency on {asked} to reconsider; nothing has been filed in any court. If the "
                "records do not come by {on}, the remedy is {body} ({citation})"
            ),
            asked=asked,
            on=f["follow_up_on"],
            body=f["body"],
            citation=f["citation"],
        )
        if f.get("file_by"):
            return text + w(
                _(", which must be filed by {by} ({citation})."), by=f["file_by"], citation=f["file_citation"]
            )
        return text + "."
    if kind == "appeal":
        if case == "no-deadline":
            text = w(
                _("The request was {how}: appeal to {body} ({citation}); the law sets no deadline for that appeal."),
                how=w.word(f["how"]),
                body=f["body"],
                citation=f["citation"],
            )
            court = f.get("court")
            if court:
                text += " " + w(
                    _("A court action ({citation}) must be filed by {by}."),
                    citation=court["citation"],
                    by=court["last_day"],
                )
            return text
        return w(
            _("The request was {how} on {since}: {verb} to {body} ({citation}) by {by}."),
            how=w.word(f["how"]),
            since=f["since"],
            verb=_verb(f, w),
            body=f["body"],
            citation=f["citation"],
            by=f["last_day"],
        )
    if kind in ("sue", "new-request"):
        return _closed(case, f, w)
    return kind  # a kind this version does not know (a newer database): its name


def window_words(window: AppealWindow, lang: str = "en", *, written_out: bool = False) -> str:
    """An appeal window in words (what its ``describe()`` says), from its facts."""
    return _window(window.facts, Words(lang, written_out=written_out))


def _verb(facts: Mapping[str, Any], w: Words) -> str:
    return w(_("court action")) if facts.get("route") == "court" else w(_("appeal"))


def _wait(case: str, f: Mapping[str, Any], w: Words) -> str:
    if case == "response-due":
        return w(_("Wait for the agency's response, due {due}."), due=f["due"])
    if case == "promised":
        return w(
            _("The law sets no number of days; the agency promised {promised}; follow up after {promised}."),
            promised=f["promised"],
        )
    if case == "follow-up-by":
        return w(_("The law sets no deadline; follow up if nothing arrives by {by}."), by=f["by"])
    if case == "followed-up":
        return w(
            _("Followed up on {followed}. The law sets no deadline; if nothing comes, consider {body} ({citation})."),
            followed=f["followed_up"],
            body=f["body"],
            citation=f["citation"],
        )
    if case == "deemed-denial-ahead":
        return w(
            _(
                "Overdue since {since} and followed up on {followed}. Under {citation}, continued silence "
                "becomes a denial on {denial}."
            ),
            since=f["overdue_since"],
            followed=f["followed_up"],
            citation=f["citation"],
            denial=f["denial_on"],
        )
    if case == "silence-not-denial":
        return w(
            _(
                "Overdue since {since} and followed up on {followed}. Silence is not a denial under this law; "
                "consider {body} ({citation})."
            ),
            since=f["overdue_since"],
            followed=f["followed_up"],
            body=f["body"],
            citation=f["citation"],
        )
    return w(_("Wait for the agency's response."))


def _window(f: Mapping[str, Any], w: Words) -> str:
    """An appeal window (deadlines.AppealWindow.facts) in words."""
    verb = _verb(f, w)
    verb = verb[:1].upper() + verb[1:]
    if f.get("last_day") is None:
        return w(_("{verb} to {body} ({citation}): the law sets no deadline."), verb=verb, **_route(f))
    msgid = (
        _("{verb} to {body} ({citation}): within {days} {unit} days of the deemed denial on {opened}, that is by {by}.")
        if f.get("how") == "deemed denied"
        else _("{verb} to {body} ({citation}): within {days} {unit} days of the denial on {opened}, that is by {by}.")
    )
    return w(
        msgid,
        verb=verb,
        **_route(f),
        days=f["days"],
        unit=w.unit(f["unit"]),
        opened=f["opened"],
        by=f["last_day"],
    )


def _route(f: Mapping[str, Any]) -> dict[str, Any]:
    return {"body": f["body"], "citation": f["citation"]}


def _closed(case: str, f: Mapping[str, Any], w: Words) -> str:
    """Once the appeal window has closed: what remains (the court, within its own limit), or a new request."""
    closed = f["closed"]
    msgid = (
        _("The court action window ({body}, {citation}) closed on {on}.")
        if closed.get("route") == "court"
        else _("The appeal window ({body}, {citation}) closed on {on}.")
    )
    said = w(msgid, **_route(closed), on=closed["on"])
    court = f.get("court") or {}
    if case == "window-closed":
        rest = w(_("A new request starts the clock again."))
    elif case == "court-unknown":
        rest = w(
            _(
                "A new request starts the clock again; whether a court can still hear this one depends on the "
                "state's law (ask a lawyer)."
            )
        )
    elif case == "court-no-deadline":
        rest = w(_("What remains is {body} ({citation}), with no deadline in the law, or a new request."), **court)
    elif case == "court-closed":
        rest = w(
            _("The time to go to {body} closed on {on} too; a new request starts the clock again."),
            body=court["body"],
            on=court["last_day"],
        )
    else:
        rest = w(
            _("What remains is {body} ({citation}) by {by}, or a new request."),
            body=court["body"],
            citation=court["citation"],
            by=court["last_day"],
        )
    return f"{said} {rest}"


# --- notes --------------------------------------------------------------------------------------

# A note's code and its sentence: facts in {braces}. A door words a code its own way where it has
# its own words (the command line names the flag that gives the value); this is the plain wording.
NOTES: dict[str, str] = {
    # the checks of a letter (records_req.letters.request)
    "need-topic": _("Name at least one topic, or an item of your own."),
    "topics-empty": _("Topic(s) {topics} ask nothing of {where}."),
    "need-requester-name": _("Give the requester's name (the person or group signing the letter)."),
    "need-reply-address": _("Give the requester's email or postal address so the agency can reply."),
    "need-co-requester-address": _(
        "Give the co-requester's address too: where only residents may ask, the resident who joins the "
        "request signs it with an address, so the agency can see who is asking."
    ),
    "law-requires": _("{state} law requires a request to give the requester's {fields} ({citation}): add them."),
    "need-agency": _("Give the agency's name."),
    "expedite-contradicts-fee": _(
        "Expedited processing asks ICE to accept that you are primarily engaged in disseminating information "
        "(6 C.F.R. § 5.5(e)(1)(ii)), which contradicts the fee category {category}. Use news-media or "
        "educational with your organization, or do not ask for expedited processing."
    ),
    "news-media-needs-org": _(
        "News-media fee status needs the outlet you gather and publish news for: give the requester's "
        "organization (5 U.S.C. § 552(a)(4)(A)(ii); 6 C.F.R. § 5.11(b))."
    ),
    "since-after-until": _("The start of the period ({since}) is after its end ({until})."),
    "need-request-date": _("A {kind} letter needs the date the request was sent."),
    "residents-only": _(
        "The {law} lets only residents request records{who}; {citation}. If you live in {state}, give "
        "{code} as the requester's state; otherwise name a resident who joins the request as co-requester."
    ),
    "residency-disputed": _(
        "Whether non-residents may use the {law} is disputed{who}; {citation}. Consider a {state} co-requester."
    ),
    "grounds-unanswered": _(
        "WARNING: this appeal answers none of the agency's grounds, and {body} requires an appeal to address "
        "them ({citation}). Give the grounds the denial cited."
    ),
    "no-agency-address": _(
        "The letter has no address or email for the agency. Send it to the address the agency designates "
        "for records requests{where}; some laws turn on it (e.g. Tex. Gov't Code § 552.234, KRS 61.872(2)(b), "
        "65 P.S. § 67.703)."
    ),
    "focus": _(
        "This letter asks for {count} categories of records. Requests of {limit} or fewer come back faster and "
        "are less likely to be called too broad; consider one request per topic."
    ),
    "since-signed": _("Records from {since} on: its earliest agreement on ICE's list was signed on {on}."),
    "since-pending": _("Records from {since} on: ICE's pending list showed it on {on}."),
    # the dates a later letter may state (records_req.letters.timing)
    "followup-too-early": _(
        "No follow-up yet: the agency has until {due} to {duty} ({citation}), and the letter is dated {date}. "
        "Write it after that date, or write a courteous status inquiry instead."
    ),
    "appeal-too-early": _(
        "No appeal of a failure to respond yet: the agency has until {due} to {duty} ({citation}), and the "
        "letter is dated {date}. Write it after that date, or write it anyway."
    ),
    "appeal-late": _("{closed} Write it anyway if you must; it will not claim to be timely."),
    "written-early": _("Written before the agency's time ran out ({due}), as you asked."),
    # campaigns (records_req.tracker.campaign)
    "no-ice-list": _("No {kind} list of ICE's imported yet: download it from ice.gov/287g and import it."),
    "no-law": _("There is no public-records law data for {state}."),
    "state-bars-287g": _(
        "{state} law bars 287(g) agreements ({citation}){unverified}; the campaign writes to it only if asked."
    ),
    "campaign-residency": _(
        "The {law} lets only residents request records ({citation}); give {code} as the requester's state "
        "if you live there, or a resident co-requester."
    ),
    "letter-of-another": _("{path} is the letter of request #{owner}; choose another date or folder."),
    "file-exists": _("{names} already exists; replace it only if asked."),
    "in-campaign": _("Request #{request} of this campaign."),
    "in-campaign-meanwhile": _("Request #{request} to {agency} was made meanwhile by another run of this campaign."),
    "already-requested": _("{holder} Make another one only if you mean to."),
    # the tracker's refusals (records_req.tracker.service)
    "no-request": _("No request #{request}."),
    "event-refused": _(
        "Cannot record '{kind}' on request #{request}: {reason}. Record it anyway only if you are sure."
    ),
    "event-before-sent": _(
        "Cannot record '{kind}' on request #{request}: {reason}. Check the date, or record it anyway if you are sure."
    ),
    "recorded-although": _("Recorded '{kind}' although {reason}."),
    "changed-although": _("Changed '{kind}' although {reason}."),
    "extended-needs-length": _("'extended' needs the number of days or the date it extends the deadline to."),
    "amount-not-number": _("The amount must be a number of dollars, not {value}."),
    "profile-needs-name": _("A new profile needs a name."),
    "status-split": _("The status {status} is now two: {into}."),
}

# A campaign's reasons to skip an agency, counted in its summary (records_req.tracker.campaign.Reason).
REASONS: dict[str, str] = {
    "in-campaign": _("already in this campaign"),
    "already-requested": _("already requested"),
    "residency": _("only residents may ask"),
    "state-bars-287g": _("the state's law bars 287(g)"),
    "no-law": _("no public-records law data for the place"),
    "file-exists": _("a file is in the way"),
    "invalid": _("the request cannot be written"),
}


# Notes whose {kind} is an event (lifecycle.EVENTS): said by its label in Spanish.
EVENT_NOTES = frozenset({"event-refused", "event-before-sent", "recorded-although", "changed-although"})


def note_words(note: Note, lang: str = "en") -> str:
    """A note in plain words, in English or Spanish."""
    w = Words(lang)
    msgid = NOTES.get(note.code)
    if msgid is None:
        return str(note.facts.get("text", note.code))
    return w(msgid, **{k: _fact(k, v, w, note.code) for k, v in note.facts.items()})


def _fact(key: str, value: Any, w: Words, code: str) -> Any:
    if key == "how" and isinstance(value, str):
        return w.word(value)
    if key == "reason" and hasattr(value, "code") and hasattr(value, "facts"):  # a lifecycle.Why
        return _why(value.code, value.facts, value.event, w)
    if key == "kind" and code in EVENT_NOTES and w.lang != "en":
        return event_label(str(value), w.lang)
    return value


# --- why an event makes no sense now (records_req.lifecycle.Why) --------------------------------

WHY: dict[str, str] = {
    "already-sent": _("the request was already sent on {on}"),
    "not-sent": _("the request has not been sent yet (record '{first}' before '{kind}')"),
    "already-closed": _("the request is already {status}"),
    "closed": _("the request is {status}; nothing more is expected"),
    "no-clarification-asked": _("the agency has not asked for a clarification"),
    "no-fee-estimate": _("there is no open fee estimate"),
    "awaiting-you": _("the agency is waiting for your answer (a clarification or a fee); answer it and log it first"),
    "cannot-appeal": _("a request that is {status} cannot be appealed"),
    "already-sued": _("a court action was already recorded"),
    "no-appeal": _("there is no appeal to decide"),
    "already-acknowledged": _("the request was already acknowledged on {on}"),
    "before-letter": _("{on} is before the letter's own date ({since})"),
    "before-clarification-request": _("{on} is before the clarification request it answers ({since})"),
    "before-fee-estimate": _("{on} is before the fee estimate ({since})"),
    "before-appeal": _("{on} is before the appeal it decides ({since})"),
    "before-denial": _("{on} is before the denial ({since})"),
    "before-sent": _("{on} is before the request was sent ({since})"),
}


def why_words(why: Why, lang: str = "en") -> str:
    """Why an event makes no sense now, in plain words: in English with its dates as recorded
    ('2026-11-20 is before the letter's own date (2026-11-27)'), in Spanish the Spanish way."""
    return _why(why.code, why.facts, why.event, Words(lang))


def warning_words(warning: Any, lang: str = "en") -> str:
    """A forced event's warning in words: kept as facts (lifecycle.Why.to_json, a list) since 2026-12,
    said in ``lang``; an older event's warning is the English text it was stored with, shown as stored."""
    if not isinstance(warning, list):
        return str(warning)
    w = Words(lang)
    said = []
    for why in warning:
        if isinstance(why, Mapping) and "why" in why:
            facts = {k: v for k, v in why.items() if k not in ("why", "event")}
            said.append(_why(str(why["why"]), facts, why.get("event"), w))
    return "; ".join(said)


def _why(code: str, facts: Mapping[str, Any], event: str | None, w: Words) -> str:
    msgid = WHY.get(code)
    if msgid is None:
        return code  # a reason this version does not know (a newer database's)
    if w.lang == "en":  # the tokens and ISO dates the command line always said
        text = w(msgid, **facts)
        return f"'{event}' on {text}" if event else text
    worded = {k: _why_fact(k, v, w) for k, v in facts.items()}
    text = w(msgid, **worded)
    return w(_("“{event}”: {why}"), event=event_label(event, w.lang), why=text) if event else text


def _why_fact(key: str, value: Any, w: Words) -> Any:
    if key in ("on", "since") and isinstance(value, str):
        try:
            return w.date(value)
        except ValueError:
            return value
    if key == "status":
        return status_label(str(value), w.lang)
    if key in ("kind", "first"):
        return event_label(str(value), w.lang)
    return value


def plain(note: Note) -> str:
    """A note in plain English: what ``str()`` of an error with this note says."""
    return note_words(note)


def reason_words(reason: str, lang: str = "en") -> str:
    """A campaign's reason to skip an agency, in a few words."""
    return Words(lang).gettext(REASONS.get(reason, reason))

"""The command line's words for what the core returns as data: a next action gets the command to
run, a note the flag that gives the missing value. The rest of the words are the plain English
of records_req.wording; only this module (and the rest of cli/) names a command or a flag."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from records_req.errors import Note, RecordsReqError

# The command that does a next action (lifecycle.ACTIONS); the others are the agency's move, a
# court's, or a new request's, and need no command of this one.
COMMANDS: dict[str, str] = {
    "send": "records-req sent {id} --via email",
    "answer-agency": "records-req log {id} clarified",
    "follow-up": "records-req followup {id}",
    "appeal": "records-req appeal {id}",
}


def command(kind: str, request_id: int | str) -> str | None:
    """The command to run for a next action of ``kind`` (None: nothing to run)."""
    found = COMMANDS.get(kind)
    return found.format(id=request_id) if found else None


def next_step(action: Mapping[str, Any], words: str, request_id: int | str) -> str:
    """The next action (``NextAction.to_dict()``) as the command line says it: its plain words,
    then the command to run."""
    run = command(str(action.get("kind")), request_id)
    if not run:
        return words
    if action.get("kind") == "answer-agency":  # clarified, fee-paid or fee-waived
        run += " (or fee-paid, fee-waived)"
    return f"{words} Run: {run}"


# Notes whose plain words ask for a value: the command line names the flag that gives it.
NOTES: dict[str, str] = {
    "need-topic": "Name at least one --topic (see 'records-req topics') or --item.",
    "topics-empty": "Topic(s) {topics} ask nothing of {where}; see 'records-req topics'.",
    "need-requester-name": "Give --requester-name (the person or group signing the letter).",
    "need-reply-address": "Give --requester-email or --requester-address so the agency can reply.",
    "need-co-requester-address": (
        "Give --co-requester-address too: where only residents may ask, the resident who joins "
        "the request signs it with an address, so the agency can see who is asking."
    ),
    "law-requires": "{state} law requires a request to give the requester's {fields} ({citation}): add {options}.",
    "need-agency": "Give the agency's name (--agency).",
    "expedite-contradicts-fee": (
        "--expedite asks ICE to accept that you are primarily engaged in disseminating information "
        "(6 C.F.R. § 5.5(e)(1)(ii)), which contradicts --fee-category {category}. Use news-media or "
        "educational with --requester-org, or drop --expedite."
    ),
    "news-media-needs-org": (
        "News-media fee status needs the outlet you gather and publish news for: give --requester-org "
        "(5 U.S.C. § 552(a)(4)(A)(ii); 6 C.F.R. § 5.11(b))."
    ),
    "since-after-until": "--since {since} is after --until {until}.",
    "need-request-date": "A {kind} letter needs --request-date (when the request was sent).",
    "residents-only": (
        "The {law} lets only residents request records{who}; {citation}. "
        "If you live in {state}, add --requester-state {code}; otherwise name a resident "
        "who joins the request with --co-requester."
    ),
    "residency-disputed": (
        "Whether non-residents may use the {law} is disputed{who}; {citation}. "
        "Consider a {state} co-requester (--co-requester)."
    ),
    "grounds-unanswered": (
        "WARNING: this appeal answers none of the agency's grounds, and {body} requires an appeal to "
        "address them ({citation}). Give the grounds the denial cited with --exemptions."
    ),
    "no-agency-address": (
        "The letter has no address or email for the agency (--agency-address, --agency-email). "
        "Send it to the address the agency designates for records requests{where}; some laws turn on it "
        "(e.g. Tex. Gov't Code § 552.234, KRS 61.872(2)(b), 65 P.S. § 67.703)."
    ),
    "focus": (
        "This letter asks for {count} categories of records. Requests of {limit} or fewer come "
        "back faster and are less likely to be called too broad; consider --split (one request per topic)."
    ),
    "since-signed": (
        "Records from {since} on: its earliest agreement on ICE's list was signed on {on} (--since to change)."
    ),
    "since-pending": "Records from {since} on: ICE's pending list showed it on {on} (--since to change).",
    "followup-too-early": (
        "No follow-up yet: the agency has until {due} to {duty} ({citation}), and the letter is dated "
        "{date}. Write it after that date, or use --force to write a courteous status inquiry instead."
    ),
    "appeal-too-early": (
        "No appeal of a failure to respond yet: the agency has until {due} to {duty} ({citation}), and "
        "the letter is dated {date}. Write it after that date, or use --force to write it anyway."
    ),
    "appeal-late": "{closed} Use --force to write it anyway; it will not claim to be timely.",
    "written-early": "Written before the agency's time ran out ({due}), as you asked (--force).",
    "no-ice-list": (
        "No {kind} list of ICE's imported yet: download it from ice.gov/287g and run "
        "'records-req agencies import FILE'."
    ),
    "no-law": "records-req has no public-records law data for {state}.",
    "state-bars-287g": "{state} law bars 287(g) agreements ({citation}){unverified}; --include-barred writes to it.",
    "campaign-residency": (
        "The {law} lets only residents request records ({citation}); "
        "add --requester-state {code} if you live there, or a resident --co-requester."
    ),
    "letter-of-another": "{path} is the letter of request #{owner}; use --date or --out.",
    "file-exists": "{names} already exists (--force).",
    "in-campaign": "Request #{request} of this campaign.",
    "in-campaign-meanwhile": "Request #{request} to {agency} was made meanwhile by another run of this campaign.",
    "already-requested": "{holder} Use --again to make another one.",
    "no-request": "No request #{request}. 'records-req list' shows them.",
    "event-refused": "Cannot record '{kind}' on request #{request}: {reason}. Use --force to record it anyway.",
    "event-before-sent": (
        "Cannot record '{kind}' on request #{request}: {reason}. Check the date (--on), "
        "or use --force to record it anyway."
    ),
    "extended-needs-length": "'extended' needs --days N or --until DATE.",
    "amount-not-number": "--amount must be a number of dollars, not {value}.",
    "profile-needs-name": "A new profile needs --name.",
}

# A campaign's reasons to skip an agency, with the flag that writes anyway.
REASONS: dict[str, str] = {
    "already-requested": "already requested (--again to write anyway)",
    "residency": "only residents may ask (--requester-state or --co-requester)",
    "state-bars-287g": "the state's law bars 287(g) (--include-barred to write anyway)",
    "file-exists": "a file is in the way (--force to replace it)",
}


def note_text(note: Note) -> str:
    """A note as the command line says it."""
    from records_req.wording import plain

    template = NOTES.get(note.code)
    if template is None:
        return plain(note)
    facts = dict(note.facts)
    if note.code == "law-requires":
        facts["options"] = ", ".join(f"--requester-{f}" for f in facts.get("missing", ()))
    return template.format(**{k: _value(v) for k, v in facts.items()})


def _value(value: Any) -> Any:
    import datetime as dt

    from records_req.wording import Words

    return Words().date(value) if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else value


def message(error: RecordsReqError) -> str:
    """An error's message for the command line: its note in the command line's words, if it has one."""
    return note_text(error.note) if error.note is not None else str(error)


def reason_words(reason: str) -> str:
    """A campaign's reason to skip, in a few plain words (a table cell)."""
    from records_req.wording import reason_words as plain_reason

    return plain_reason(reason)


def reason_text(reason: str) -> str:
    """A campaign's reason to skip, with the flag that writes anyway where there is one."""
    from records_req.wording import reason_words

    return REASONS.get(reason) or reason_words(reason)


def text(value: object) -> str:
    """A note or message (a plain string, or one that keeps its note) as the command line says it."""
    note = getattr(value, "note", None)
    return note_text(note) if isinstance(note, Note) else str(value)


def worded(data: dict[str, Any]) -> dict[str, Any]:
    """A request's data (tracker.views.summary or request_details) as the command line gives it:
    ``next_step`` with the command to run, and that ``command`` (None where there is none)."""
    action, rid = data["next_action"], data["id"]
    return data | {"next_step": next_step(action, data["next_step"], rid), "command": command(action["kind"], rid)}

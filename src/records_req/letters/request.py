"""A request as a user describes it (:class:`RequestSpec`), checked against the law and turned
into a :class:`LetterRequest`. The CLI, the Python API and the web dashboard all come here.

Typed inputs, no I/O beyond reading the law and topic data: the caller writes the letter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from records_req.dates import today
from records_req.errors import Noted, RecordsReqError, UsageError

if TYPE_CHECKING:
    from records_req.deadlines import Event, Via
    from records_req.laws import Jurisdiction
    from records_req.letters.compose import LetterRequest, ListedAgreement
    from records_req.letters.model import Kind
    from records_req.topics import Topic, Topics

DEFAULT_SINCE = dt.date(2025, 1, 1)  # the 287(g) expansion, and the WSO model's revival, began in 2025
MONTHS_BEFORE_SIGNING = 3  # an agency applies, negotiates and trains in the months before it signs
DATED_WINDOW_MONTHS = 24  # emails, counts and costs: never more than two years unless the user asks


def months_before(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` months before ``day``'s month."""
    month = day.year * 12 + day.month - 1 - months
    return dt.date(month // 12, month % 12 + 1, 1)


def dated_window_start(since: dt.date, until: dt.date) -> dt.date:
    """Where the window for items that are not standing documents starts, when ``since`` came from
    ICE's list (an agreement signed in 2020): two years before ``until`` at the most, so that an
    email or cost search does not reach back six years."""
    return max(since, months_before(until, DATED_WINDOW_MONTHS))


def since_from_agreements(agreements: Sequence[ListedAgreement]) -> tuple[dt.date, str] | None:
    """The default start of the date range for an agency on ICE's list: the first day of the month
    three months before its earliest listed signing (or, with only a pending application, before
    the list that first shows it), so the application and negotiation are inside the range. None
    when ICE lists nothing for the agency (then :data:`DEFAULT_SINCE`)."""
    signed = sorted(a.signed for a in agreements if a.signed and not a.pending)
    pending = sorted(a.listed_on for a in agreements if a.pending)
    if signed:
        anchor, code = signed[0], "since-signed"
    elif pending:
        anchor, code = pending[0], "since-pending"
    else:
        return None
    since = months_before(anchor, MONTHS_BEFORE_SIGNING)
    return since, Noted(code, since=since.isoformat(), on=anchor.isoformat())


@dataclass(frozen=True)
class RequestSpec:
    """What a user asks for: the agency, the records, who asks, and (later letters) the dates."""

    agency: str
    topic_keys: Sequence[str] = ()
    items: Sequence[str] = ()
    requester_name: str | None = None
    requester_email: str | None = None
    requester_address: str | None = None
    requester_phone: str | None = None
    requester_org: str | None = None
    requester_state: str | None = None
    co_requester: str | None = None
    co_requester_address: str | None = None
    agency_address: str | None = None
    agency_email: str | None = None
    records_officer: str | None = None
    letter_date: dt.date | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    dated_since: dt.date | None = None  # the window for items that are not standing (None: since)
    fee_limit: int = 50
    fee_category: str = "other"
    expedite: bool = False
    topics_file: Path | None = None
    kind: Kind = "initial"
    request_date: dt.date | None = None
    request_until: dt.date | None = None
    via: Via = "email"
    acknowledged: dt.date | None = None
    extended_to: dt.date | None = None
    clock_events: Sequence[Event] = field(default=())
    tracking_numbers: Sequence[str] = ()
    denied_on: dt.date | None = None
    exemptions: str | None = None
    force: bool = False  # later letters: write a status inquiry, or a late appeal, all the same


def _topics(spec: RequestSpec) -> Topics:
    from records_req.topics import load_topics

    return load_topics(spec.topics_file)


def checked_agency(name: str) -> str:
    """The agency's name as a letter prints it (refused if it is not text a letter can print)."""
    from records_req.hygiene import letter_text

    return letter_text("--agency", name) or ""


def build_letter_request(
    j: Jurisdiction, spec: RequestSpec, topics: Topics | None = None
) -> tuple[LetterRequest, list[str]]:
    """Check a request against the law and turn it into a LetterRequest, with notes for the user.
    ``topics``: what ``load_topics(spec.topics_file)`` gives, loaded already (a campaign's plan)."""
    from records_req.hygiene import clean, email_address, letter_text

    j = j.for_agency(spec.agency)  # an elected official's records may take another route (OR)
    from records_req.letters.compose import Agency, LetterRequest, Requester, ice_foia_office

    notes: list[str] = []
    all_topics = topics if topics is not None else _topics(spec)
    chosen: list[Topic] = [all_topics.get_or_raise(k) for k in spec.topic_keys or ()]
    items = tuple(filter(None, (clean("--item", i) for i in spec.items or ())))
    if not chosen and not items:
        raise UsageError.of("need-topic")
    empty = [t.key for t in chosen if not t.applies_to(j)]
    if empty:
        where = "a federal request" if j.is_federal else f"a request to a {j.name} agency"
        raise UsageError.of("topics-empty", topics=", ".join(empty), where=where)
    if j.is_federal:
        non_federal = [t.key for t in chosen if not t.federal]
        if non_federal:
            notes.append(
                f"Topic(s) {', '.join(non_federal)} ask for local records; ICE may hold copies, "
                "but the same request to the local agency will do better."
            )
    else:
        for topic in all_topics.values():
            if j.immigration.stance in topic.when and topic not in chosen and topic.applies_to(j):
                chosen.append(topic)
                notes.append(
                    f"Added the '{topic.key}' topic ({topic.title}): "
                    f"{j.name} law ({j.immigration.letter_citation or j.immigration.law}) creates these records."
                )
        if j.immigration.stance in ("prohibits", "restricts"):
            citation = j.immigration.letter_citation or j.immigration.citation
            notes.append(
                f"{j.name} law {j.immigration.stance} 287(g) ({citation}). The letter asks for any agreement, "
                "request or communication about 287(g) without characterizing the state law."
            )
        if j.immigration.unverified:
            notes.append(f"{j.name}'s 287(g) law is not confirmed: {j.immigration.unverified}.")

    name = letter_text("--requester-name", spec.requester_name)
    if not name:
        raise UsageError.of("need-requester-name")
    requester = Requester(
        name=name,
        email=clean("--requester-email", spec.requester_email),
        address=letter_text("--requester-address", _newlines(spec.requester_address)),
        phone=clean("--requester-phone", spec.requester_phone),
        organization=letter_text("--requester-org", spec.requester_org),
        state=(clean("--requester-state", spec.requester_state) or "").upper() or None,
    )
    if not (requester.email or requester.address):
        raise UsageError.of("need-reply-address")
    co_requester = letter_text("--co-requester", spec.co_requester)
    co_address = letter_text("--co-requester-address", _newlines(spec.co_requester_address))
    if (spec.kind) == "initial":  # later letters continue a request already made
        _check_residency(j, requester, co_requester, notes)
    if co_requester and "\n" not in co_requester:
        if co_address:
            co_requester = f"{co_requester}\n{co_address}"
        elif j.residency.restricted is True and requester.state != j.code:
            raise UsageError.of("need-co-requester-address")

    if spec.kind == "initial" and j.submission is not None:
        missing = [f for f in j.submission.requires if not getattr(requester, f)]
        if missing:
            raise UsageError.of(
                "law-requires",
                state=j.name,
                fields=" and ".join(missing),
                missing=tuple(missing),
                citation=j.submission.citation,
            )
    agency_name = checked_agency(spec.agency)
    if not agency_name:
        raise UsageError.of("need-agency")
    fee_category = spec.fee_category or "other"
    if j.is_federal:
        if spec.expedite and fee_category in ("other", "commercial"):
            raise UsageError.of("expedite-contradicts-fee", category=fee_category)
        if fee_category == "news-media" and not requester.organization:
            raise UsageError.of("news-media-needs-org")
        agency = ice_foia_office()
        about: str | None = agency_name
    else:
        agency = Agency(
            name=agency_name,
            address=letter_text("--agency-address", _newlines(spec.agency_address)),
            email=email_address("--agency-email", spec.agency_email),
            records_officer=clean("--records-officer", spec.records_officer),
        )
        about = None

    letter_date: dt.date = today(spec.letter_date)
    kind: Kind = spec.kind
    request_date = spec.request_date
    since: dt.date = spec.since or DEFAULT_SINCE
    # A follow-up or appeal describes the request as it was sent: its own date range, never widened.
    until: dt.date = spec.until or spec.request_until or request_date or letter_date
    if since > until:
        raise UsageError.of("since-after-until", since=since.isoformat(), until=until.isoformat())
    dated_since = min(max(spec.dated_since, since), until) if spec.dated_since else None
    timing = None
    if kind != "initial":
        if request_date is None:
            raise UsageError.of("need-request-date", kind=kind)
        if letter_date < request_date:
            raise UsageError(f"The letter's date {letter_date} is before the request's date {request_date}.")
        timing = _timing(j, kind, request_date, letter_date, spec)
        notes.extend(timing.notes())
    req = LetterRequest(
        kind=kind,
        jurisdiction=j,
        agency=agency,
        requester=requester,
        topics=tuple(chosen),
        since=since,
        until=until,
        date=letter_date,
        items=items,
        co_requester=co_requester,
        fee_limit=spec.fee_limit,
        about=about,
        fee_category=fee_category,
        expedite=bool(spec.expedite),
        request_date=request_date,
        tracking_numbers=tuple(filter(None, (clean("--tracking-number", t) for t in spec.tracking_numbers or ()))),
        deadline=timing.missed if timing is not None else None,
        denied_on=spec.denied_on,
        exemptions=clean("--exemptions", spec.exemptions),
        timing=timing,
        dated_since=dated_since,
    )
    from records_req.letters.compose import focus_note

    if kind == "appeal":
        notes.extend(_ground_notes(j, req))
        notes.extend(_route_notes(j))
    if kind == "initial" and j.submission is not None:
        notes.append(f"How to send it: {j.submission.rule} ({j.submission.citation}).")
    focus = focus_note(req)
    if focus:
        notes.append(focus)
    if kind == "appeal" and j.appeal.addressee and not (j.appeal.address or j.appeal.email):
        notes.append(
            f"The law data has no confirmed address for {j.appeal.addressee}: find it on the body's own site "
            "and add it to the letter before sending."
        )
    to_agency = kind != "appeal" or not j.appeal.addressee
    if not j.is_federal and to_agency and not (agency.address or agency.email):
        notes.append(Noted("no-agency-address", where=f" ({j.law.request_to})" if j.law.request_to else ""))
    return req, notes


def _newlines(value: str | None) -> str | None:
    """Let a shell user write a line break as a literal backslash-n."""
    return value.replace("\\n", "\n") if value else value


def _ground_notes(j: Jurisdiction, req: LetterRequest) -> list[str]:
    """What the user must know of the grounds an appeal answers: which the letter answers, which
    it found no answer for, and (where the law requires an appeal to address each ground) that it
    answers none."""
    from records_req.letters.grounds import grounds_for, unanswered

    found = grounds_for(req.exemptions, j.is_federal, j.code)
    notes = [n for g in found for c, n in g.notes if c == j.code]
    if found:
        notes.append("The appeal answers these grounds: " + "; ".join(g.title for g in found) + ".")
    missing = unanswered(req.exemptions, j.is_federal, j.code)
    if missing:
        notes.append(
            "No answer in the library for: " + "; ".join(f"'{m}'" for m in missing) + ". The letter does not "
            "address it: add a paragraph of your own before sending, or the appeal may be read as conceding it."
        )
    appeal = j.appeal
    if req.denied_on is not None and not found and appeal.grounds_required:
        notes.append(Noted("grounds-unanswered", body=appeal.name, citation=appeal.citation))
    return notes


def _route_notes(j: Jurisdiction) -> list[str]:
    """What the law's review route asks of the requester beyond this letter."""
    appeal, notes = j.appeal, []
    if appeal.email and "://" in appeal.email:
        notes.append(
            f"{appeal.name} takes filings through {appeal.email}" + (" or by mail." if appeal.address else ".")
        )
    if appeal.filing:
        notes.append(f"Filing with {appeal.name}: {appeal.filing}")
    if appeal.route == "court":
        notes.append(
            f"This letter asks the agency to reconsider; it does not start a case. The remedy is {appeal.name} "
            f"({appeal.citation})"
            + (
                f", {j.limitation.days} {j.limitation.unit} days from {j.limitation.trigger} ({j.limitation.citation})."
                if j.limitation
                else "."
            )
        )
        if j.pre_suit_notice is not None:
            notice = j.pre_suit_notice
            notes.append(
                f"The letter is also the notice {notice.citation} requires before suit: wait at least "
                f"{notice.days} {notice.unit} days after it is received before filing."
            )
    return notes


def _timing(j: Jurisdiction, kind: str, request_date: dt.date, letter_date: dt.date, spec: RequestSpec) -> Any:
    """What the follow-up or appeal may say about dates (records_req.letters.timing.plan)."""
    from records_req.calendars import calendar_for
    from records_req.deadlines import Extended, assume_received
    from records_req.letters.timing import plan

    received, note = assume_received(j, calendar_for(j), request_date, spec.via)
    acknowledged = spec.acknowledged
    events = list(spec.clock_events or ())
    if spec.extended_to:
        events.append(Extended(on=acknowledged or request_date, until=spec.extended_to))
    return plan(
        kind,  # type: ignore[arg-type]
        j,
        calendar_for(j),
        received=received,
        letter_date=letter_date,
        acknowledged=acknowledged,
        events=events,
        denied_on=spec.denied_on,
        force=bool(spec.force),
        received_note=note,
        sent=request_date,
    )


def _check_residency(j: Jurisdiction, requester: Any, co_requester: str | None, notes: list[str]) -> None:
    restricted = j.residency.restricted
    if restricted is False or requester.state == j.code or co_requester:
        return
    who = f" ({j.residency.who})" if j.residency.who else ""
    if restricted == "disputed":
        notes.append(Noted("residency-disputed", law=j.law.name, who=who, citation=j.residency.citation, state=j.name))
        return
    raise RecordsReqError.of(
        "residents-only", law=j.law.name, who=who, citation=j.residency.citation, state=j.name, code=j.code
    )

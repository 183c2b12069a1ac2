"""The tracker's operations on the store. Each CLI command calls one of these inside one
transaction (``Store.write()``), so a command either happens completely or not at all."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from records_req.agencies.directory import agency, insert_or_get, with_directory
from records_req.errors import Noted, NotFoundError, RecordsReqError, UsageError
from records_req.laws import Jurisdiction, load_laws
from records_req.lifecycle import (
    EVENTS,
    Recorded,
    Tracked,
    dates_out_of_order,
    effective,
    replay,
    too_early,
    track,
    why_not,
)
from records_req.output import resolved
from records_req.schedule_cache import compute
from records_req.store.models import (
    Agency,
    Document,
    Event,
    Profile,
    Request,
    Tag,
    TrackingNumber,
)

if TYPE_CHECKING:
    from records_req.letters.compose import LetterRequest
    from records_req.letters.request import RequestSpec
    from records_req.schedule_cache import Cached, Fresh
    from records_req.store.db import Store
    from records_req.workspace import LetterOutput, Workspace


class TrackerError(RecordsReqError):
    pass


# --- profiles and agencies ----------------------------------------------------------------------


def set_profile(session: Session, key: str, **fields: Any) -> Profile:
    """Create or change profile ``key`` (``profile set``)."""
    return _save_profile(session, key, fields, keep_existing=False)


def remember_profile(session: Session, key: str, **fields: Any) -> Profile:
    """Profile ``key`` as it is, or, if there is none, a new one with ``fields``: who signed a first
    letter (``new``, a campaign), kept for the follow-ups. A profile that exists, even one another
    writer made a moment ago (two first campaigns at once), is never overwritten."""
    return _save_profile(session, key, fields, keep_existing=True)


def _save_profile(session: Session, key: str, fields: dict[str, Any], *, keep_existing: bool) -> Profile:
    from records_req.hygiene import letter_text

    values: dict[str, Any] = {}
    for field, value in fields.items():
        if value is not None:
            if field in ("name", "address", "organization") and isinstance(value, str):
                value = letter_text(f"--{field}", value)  # a profile's text is printed on every letter
            values[field] = value
    profile = session.scalar(select(Profile).where(Profile.key == key))
    if profile is not None and keep_existing:
        return profile
    if profile is None:
        if not values.get("name"):
            raise UsageError.of("profile-needs-name")
        new = Profile(key=key, **values)
        profile = insert_or_get(session, new, lambda: get_profile(session, key))
        if profile is new or keep_existing:
            return profile
    for field, value in values.items():
        setattr(profile, field, value)
    session.flush()
    return profile


REQUESTER_FIELDS = {  # a request's requester option -> the profile field that fills it
    "requester_name": "name",
    "requester_email": "email",
    "requester_address": "address",
    "requester_phone": "phone",
    "requester_org": "organization",
    "requester_state": "state",
}


def with_profile(spec: RequestSpec, profile: Profile | None) -> RequestSpec:
    """``spec`` with the profile's details where a requester field was left empty: the command
    line, the dashboard, the Python API and campaigns all sign letters so."""
    if profile is None:
        return spec
    from dataclasses import replace

    filled = {option: getattr(profile, field) for option, field in REQUESTER_FIELDS.items()}
    return replace(spec, **{k: v for k, v in filled.items() if not getattr(spec, k) and v})


def remember_requester(session: Session, key: str, requester: Any) -> Profile:
    """Save who signed a first letter as profile ``key``, for the follow-up and appeal letters."""
    r = requester
    return remember_profile(
        session,
        key,
        name=r.name,
        email=r.email,
        address=r.address,
        phone=r.phone,
        organization=r.organization,
        state=r.state,
    )


def get_profile(session: Session, key: str = "default") -> Profile | None:
    return session.scalar(select(Profile).where(Profile.key == key))


class Made(NamedTuple):
    """A request a use case created, with its letter's files (by extension: docx, pdf, eml)."""

    id: int
    status: str
    topics: tuple[str, ...]
    files: dict[str, Path]


class Started(NamedTuple):
    """What :func:`start_request` did: the requests made (none for a preview), the letters as
    they are (or would be) written, the notes for the user, the tags, and the profile that was
    saved as who asked (None: one existed already, or a preview)."""

    made: tuple[Made, ...]
    letters: tuple[LetterRequest, ...]
    notes: tuple[str, ...]
    tags: tuple[str, ...]
    saved_profile: str | None = None

    @property
    def drafts_missing(self) -> bool:
        """An email draft was asked for, and a letter got none (no email known)."""
        return any("eml" not in m.files for m in self.made)


def start_request(
    workspace: Workspace,
    jurisdiction: Jurisdiction,
    spec: RequestSpec,
    *,
    output: LetterOutput | None = None,
    tags: Sequence[str] = (),
    split: bool = False,
    again: bool = False,
    preview: bool = False,
    profile_key: str = "default",
) -> Started:
    """Start tracking a new request and write its letter: the one way every door makes one
    (``new``, the dashboard's form, the Python API). In one transaction: the requester's empty
    fields come from the profile, the agency's known contact details and ICE's dates from the
    directory (:func:`with_directory`), the letter is checked against the law, who asked is
    remembered as the profile when there is none, and each letter is written (one per topic
    with ``split``; ``again`` allows a second open request for the same records).

    ``preview``: nothing is written or remembered; the letters are returned as they would be."""
    from dataclasses import replace

    from records_req.agencies.directory import find_agency
    from records_req.hygiene import clean
    from records_req.letters.request import build_letter_request, checked_agency

    output = output or workspace.output()
    today = workspace.today
    spec = replace(spec, agency=checked_agency(spec.agency), letter_date=spec.letter_date or output.date or today)
    chosen = tuple(t for t in (clean("A tag", t) for t in tags) if t)
    state = jurisdiction.code if not jurisdiction.is_federal else "US"
    if preview:
        with workspace.session() as session:
            spec = with_profile(spec, get_profile(session, profile_key))
            found = find_agency(session, state, spec.agency)
            since_note = None
            if found is not None:
                spec, since_note = with_directory(session, jurisdiction, spec, found, remember=False)
            req, notes = build_letter_request(jurisdiction, spec)
            if not jurisdiction.is_federal:
                from records_req.agencies.ice_lists import listed_agreements

                req = req._replace(agreements=listed_agreements(session, jurisdiction.code, spec.agency))
        return Started((), (req,), tuple([since_note] if since_note else []) + tuple(notes), chosen)
    with workspace.write() as session:
        profile = get_profile(session, profile_key)
        spec = with_profile(spec, profile)
        agency_row = agency(session, state, spec.agency)
        spec, since_note = with_directory(session, jurisdiction, spec, agency_row)
        whole, notes = build_letter_request(jurisdiction, spec)
        if since_note:
            notes.insert(0, since_note)
        saved = None
        if profile is None:  # remember who asked, for the follow-up and appeal letters
            profile = remember_requester(session, profile_key, whole.requester)
            saved = profile.key
        parts = [whole]
        if split and len(whole.topics) + (1 if whole.items else 0) > 1:
            parts = [whole._replace(topics=(topic,), items=()) for topic in whole.topics]
            if whole.items:
                parts.append(whole._replace(topics=(), items=whole.items))
        made = open_requests(
            session,
            jurisdiction,
            parts,
            agency_row=agency_row,
            agency_name=spec.agency,
            profile=profile,
            tags=chosen,
            today=today,
            again=again,
            output=output,
        )
        return Started(
            tuple(
                Made(request.id, request.status, tuple(t.key for t in req.topics), paths)
                for (request, paths), req in zip(made, parts, strict=True)
            ),
            tuple(parts),
            tuple(notes),
            chosen,
            saved,
        )


# --- requests -----------------------------------------------------------------------------------


def open_key(topics: Sequence[str]) -> str:
    """What makes two requests to one agency the same request: their sorted topics. An open
    request holds it in ``requests.open_key``, under a unique index (migration 0010)."""
    return json.dumps(sorted(str(t) for t in topics), ensure_ascii=False, separators=(",", ":"))


def lock_agency(session: Session, agency_id: int) -> None:
    """Hold the agency for the rest of the transaction, so that deciding on a new request to it
    (is one already open? is its letter's file another request's?) and making it is one step that
    no other writer can interleave: a row lock on PostgreSQL (FOR NO KEY UPDATE), and on SQLite
    the database's one writer at a time (every writing transaction begins IMMEDIATE)."""
    lock_agencies(session, [agency_id])


def lock_agencies(session: Session, agency_ids: Iterable[int]) -> None:
    """:func:`lock_agency` for several agencies at once, taken in the order of their ids (two
    writers that take theirs in the same order never wait for each other in a circle)."""
    ids = sorted(set(agency_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = select(Agency.id).where(Agency.id.in_(chunk)).order_by(Agency.id).with_for_update(key_share=True)
        session.execute(query).all()


def open_duplicate(session: Session, agency_id: int, topics: Sequence[str]) -> Request | None:
    """An open request to the same agency for the same topics, if there is one (the one that holds
    the key first, then the oldest)."""
    return open_duplicates(session, {agency_id: topics}).get(agency_id)


def open_duplicates(session: Session, wanted: Mapping[int, Sequence[str]]) -> dict[int, Request]:
    """:func:`open_duplicate` for several agencies at once (each with its topics): the agencies
    that have one, with it."""
    ids = sorted(wanted)
    candidates: dict[int, list[Request]] = {}
    for start in range(0, len(ids), 500):
        query = select(Request).where(Request.agency_id.in_(ids[start : start + 500]), Request.closed.is_(False))
        for r in session.scalars(query.order_by(Request.id)):
            candidates.setdefault(r.agency_id, []).append(r)
    found = {}
    for agency_id, topics in wanted.items():
        same = [r for r in candidates.get(agency_id, []) if sorted(r.topics) == sorted(topics)]
        holder = next((r for r in same if r.open_key is not None), same[0] if same else None)
        if holder is not None:
            found[agency_id] = holder
    return found


def holder_message(request: Request, agency_name: str, topics: Sequence[str]) -> str:
    """'Request #12 to X for wso is still open (draft).': which request already holds the agency."""
    records = ", ".join(topics) or "these records"
    return f"Request #{request.id} to {agency_name} for {records} is still open ({request.status})."


def refuse_duplicate(session: Session, agency_row: Agency, topics: Sequence[str]) -> None:
    """A second open request to the same agency for the same topics is refused (``--again``)."""
    dup = open_duplicate(session, agency_row.id, topics)
    if dup is not None:
        raise DuplicateRequest(dup.id, Noted("already-requested", holder=holder_message(dup, agency_row.name, topics)))


class DuplicateRequest(TrackerError):
    """An open request already holds the agency for these records; ``request_id`` says which."""

    def __init__(self, request_id: int, message: str) -> None:
        super().__init__(message)
        self.request_id = request_id


@dataclass(frozen=True)
class Asked:
    """What a new request asks, and of whom: the columns both writers store
    (:func:`create_request` through the ORM, :func:`new_request_row` for a chunk's insert)."""

    jurisdiction: Jurisdiction
    agency_row: Agency
    profile: Profile | None
    topics: Sequence[str]
    items: Sequence[str]
    since: dt.date
    until: dt.date
    letter_date: dt.date
    fee_limit: int
    co_requester: str | None

    def columns(self) -> dict[str, Any]:
        return {
            "agency_id": self.agency_row.id,
            "profile_id": self.profile.id if self.profile else None,
            "jurisdiction": self.jurisdiction.code,
            "topics": list(self.topics),
            "items": list(self.items),
            "since": self.since,
            "until": self.until,
            "letter_date": self.letter_date,
            "fee_limit": self.fee_limit,
            "co_requester": self.co_requester,
        }


def create_request(
    session: Session,
    asked: Asked,
    *,
    tags: Iterable[str],
    again: bool,
    as_sent: dict[str, Any] | None = None,
    checked: bool = False,
) -> Request:
    """One new request. Unless ``again``, it takes the agency's key for these topics: a request
    already open for them is refused by name (``checked``: the caller looked, under the agency's
    lock, and found none), and if another writer made one meanwhile the database's unique index
    refuses this one (never two open requests for the same records). A campaign inserts the
    requests of a chunk together instead (:func:`new_request_row`)."""
    agency_row, topics = asked.agency_row, asked.topics
    if not again and not checked:
        refuse_duplicate(session, agency_row, topics)
    request = Request(
        **asked.columns(),
        as_sent=as_sent,
        status="draft",
        closed=False,
        open_key=None if again else open_key(topics),
        events=[],  # a new request has none: set, so that reading them costs no query
        documents=[],
        tracking_numbers=[],
    )
    request.tags = [Tag(tag=t) for t in sorted(set(tags))]
    try:
        with session.begin_nested():
            session.add(request)
            session.flush()
    except IntegrityError:
        holder = session.scalar(
            select(Request).where(Request.agency_id == agency_row.id, Request.open_key == request.open_key)
        )
        if holder is None or again:
            raise
        raise DuplicateRequest(
            holder.id, Noted("already-requested", holder=holder_message(holder, agency_row.name, topics))
        ) from None
    return request


def new_request_row(asked: Asked, *, again: bool, today: dt.date) -> dict[str, Any]:
    """The row of the new request :func:`create_request` makes (checked by the caller under the
    agency's lock) with the cached schedule :func:`refresh` then gives it, for a writer that
    inserts many rows at once (a campaign's chunk: tracker.campaign). It has no events yet, so
    its schedule needs no id. The same columns as the ORM writes, but ``created_at`` (the
    column's default) and ``as_sent`` (the letter's, which the caller adds)."""
    _, cached = compute([], asked.jurisdiction.for_agency(asked.agency_row.name), today)
    return asked.columns() | {
        "status": cached.status,
        "closed": cached.closed,
        "open_key": None if again or cached.closed else open_key(asked.topics),
        "due_on": cached.due_on,
        "due_statutory": cached.due_statutory,
        "schedule": cached.schedule,
        "schedule_stamp": cached.stamp,
    }


def document_row(request_id: int, role: str, path: Path, data: bytes, original_name: str) -> dict[str, Any]:
    """The row :func:`add_document` makes for ``data`` stored at ``path`` (no event), for a writer
    that inserts many at once."""
    return {
        "request_id": request_id,
        "event_id": None,
        "role": role,
        "path": str(path),
        "original_name": original_name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }


def get_request(session: Session, request_id: int) -> Request:
    request = session.get(
        Request,
        request_id,
        options=[selectinload(Request.events), selectinload(Request.agency)],
    )
    if request is None:
        raise NotFoundError.of("no-request", request=request_id)
    return request


def recorded(events: Iterable[Event]) -> list[Recorded]:
    return [Recorded(e.id, e.kind, e.on, e.note, e.data or {}, e.forced) for e in events]


def tracked(request: Request, today: dt.date) -> Tracked:
    from records_req.calendars import calendar_for

    j = load_laws()[request.jurisdiction].for_agency(request.agency.name)
    return track(recorded(request.events), j, calendar_for(j), today, request.id)


def refresh(request: Request, today: dt.date) -> Tracked:
    """Recompute the cached status, date and schedule from the events, stamped with the law and
    engine they came from (schedule_cache)."""
    j = load_laws()[request.jurisdiction].for_agency(request.agency.name)
    state, cached = compute(recorded(request.events), j, today, request.id)
    _keep(request, cached)
    return state


def _keep(request: Request, cached: Cached) -> None:
    request.status = cached.status
    request.closed = cached.closed
    if cached.closed:
        request.open_key = None  # the agency may be asked again for these records
    request.due_on = cached.due_on
    request.due_statutory = cached.due_statutory
    request.schedule = cached.schedule
    request.schedule_stamp = cached.stamp


def keep_fresh(store: Store, fresh: Mapping[int, Fresh]) -> int:
    """After a read that computed stale schedules again (store.reader.Reader.fresh), store them
    in one transaction, so the next read is fast again. A database this user cannot write keeps
    its stale rows (every read computes them again, with the same answers): not an error."""
    if not fresh:
        return 0
    try:
        with store.write() as session:
            return store_fresh(session, fresh)
    except RecordsReqError:
        return 0


def store_fresh(session: Session, fresh: Mapping[int, Fresh]) -> int:
    """Store what a read computed again for requests whose cached schedule was stale (see
    store.reader.Reader.fresh), unless the request changed meanwhile (a new event, or another
    process stored it first). Returns how many were stored."""
    stored = 0
    ids = sorted(fresh)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        newest = dict(
            session.execute(
                select(Event.request_id, func.max(Event.id))
                .where(Event.request_id.in_(chunk))
                .group_by(Event.request_id)
            ).all()
        )
        for request in session.scalars(select(Request).where(Request.id.in_(chunk))):
            item = fresh[request.id]
            if request.schedule_stamp != item.old_stamp or newest.get(request.id, 0) != item.last_event:
                continue
            _keep(request, item.cached)
            stored += 1
    return stored


def log_event(
    session: Session,
    request: Request,
    kind: str,
    on: dt.date,
    *,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    force: bool = False,
    today: dt.date,
) -> tuple[Event, list[str]]:
    """Append one event, refusing one that makes no sense unless forced; return warnings."""
    if kind not in EVENTS:
        raise UsageError(f"Unknown event {kind!r}. Events: {', '.join(EVENTS)}.")
    data = {k: v for k, v in (data or {}).items() if v is not None}
    # Agencies split requests: any event may bring another tracking number.
    unknown = set(data) - set(EVENTS[kind].fields) - {"tracking_number"}
    if unknown:
        raise UsageError(f"'{kind}' takes no {', '.join(sorted(unknown))}.")
    warnings: list[str] = []
    state = replay(recorded(request.events))
    reason = why_not(state, kind)
    if reason:
        if not force:
            raise TrackerError.of("event-refused", kind=kind, request=request.id, reason=reason)
        warnings.append(Noted("recorded-although", kind=kind, reason=reason))
    days = data.get("days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365):
        raise UsageError(f"days must be a whole number from 1 to 365, not {days!r}.")
    amount = data.get("amount")
    if amount is not None and (
        isinstance(amount, bool) or not isinstance(amount, int | float) or not 0 <= amount <= 10**9
    ):
        raise UsageError(f"amount must be a number from 0 to 1,000,000,000, not {amount!r}.")
    if kind == "extended" and not (data.get("days") or data.get("until")):
        raise UsageError.of("extended-needs-length")
    # A date before what it depends on ('sent' before the letter's date, an answer before 'sent',
    # a decision before the appeal...): refused with both dates, or kept with the warning.
    early = too_early(recorded(request.events), kind, on, request.letter_date)
    if early:
        if not force:
            raise TrackerError.of("event-before-sent", kind=kind, request=request.id, reason=early)
        warnings.append(Noted("recorded-although", kind=kind, reason=early))
    forced = bool(reason or early)  # shown as 'forced' wherever the event is listed
    if forced:  # the history keeps why, as facts (each door words them: wording.warning_words)
        data["warning"] = [why.to_json() for why in (reason, early) if why]
    event = Event(request_id=request.id, kind=kind, on=on, note=note, data=data, forced=forced)
    request.events.append(event)
    session.flush()
    _keep_numbers(request, refresh(request, today).state.tracking_numbers)
    return event, warnings


def _keep_numbers(request: Request, numbers: Sequence[str]) -> None:
    """The request's tracking numbers are those of its events in force (lifecycle.replay): an
    event that brings one adds it; undoing that event, or editing the number away, removes it."""
    for kept in [t for t in request.tracking_numbers if t.number not in numbers]:
        request.tracking_numbers.remove(kept)
    have = {t.number for t in request.tracking_numbers}
    request.tracking_numbers.extend(TrackingNumber(number=n) for n in numbers if n not in have)


def record_event(
    session: Session,
    request: Request,
    kind: str,
    on: dt.date,
    *,
    today: dt.date,
    note: str | None = None,
    fields: dict[str, Any] | None = None,
    force: bool = False,
) -> tuple[Event, list[str]]:
    """An event as a person gives it (``records-req log``, ``sent``, the dashboard's forms):
    text cleaned, numbers checked, a date as ``until``; then :func:`log_event`."""
    import math

    from records_req.hygiene import clean

    data: dict[str, Any] = {}
    for key, value in (fields or {}).items():
        if value is None or value == "":
            continue
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if key == "amount" and not (number and math.isfinite(value)):
            raise UsageError.of("amount-not-number", value=value)
        if isinstance(value, dt.date):
            value = value.isoformat()
        data[key] = clean(f"--{key.replace('_', '-')}", value) if isinstance(value, str) else value
    return log_event(session, request, kind, on, note=clean("The note", note), data=data, force=force, today=today)


def last_event(request: Request, number: int | None = None) -> Event:
    """The event ``number`` of the request (as its history numbers it), or its last one in force:
    never an undo or an edit, nor an undone event."""
    visible = [e for e in request.events if e.kind not in ("undo", "edit")]
    undone = {e.data.get("target") for e in request.events if e.kind == "undo"}
    live = [e for e in visible if e.id not in undone]
    if number is not None:
        found = next((e for e in visible if e.id == number), None)
        if found is None:
            raise TrackerError(f"Request #{request.id} has no event #{number} to change.")
        if found not in live:
            raise TrackerError(f"Event #{number} of request #{request.id} was undone; record it again instead.")
        return found
    if not live:
        raise TrackerError(f"Request #{request.id} has no event to change.")
    return live[-1]


def undo_last(
    session: Session, request: Request, today: dt.date, by: str | None = None, *, event: int | None = None
) -> Event:
    """Undo the last event in force; ``by``: who undid it, where the door knows (the history says so).
    ``event``: the event the person confirmed undoing (the dashboard's button); if another was
    recorded since, nothing is undone. A tracking number only the undone event brought goes with it
    (log_event keeps the numbers of the events in force)."""
    target = last_event(request)
    if event is not None and target.id != event:
        raise TrackerError(
            f"Event #{event} is no longer the last of request #{request.id} ('{target.kind}' #{target.id} "
            "was recorded or undone since); nothing was undone."
        )
    log_event(
        session,
        request,
        "undo",
        today,
        data={"target": target.id, "by": by},
        today=today,
        note=f"undo of {target.kind} #{target.id}",
    )
    return target


def edit_last(
    session: Session,
    request: Request,
    today: dt.date,
    *,
    on: dt.date | None,
    note: str | None,
    data: dict[str, Any],
    event: int | None = None,
    force: bool = False,
) -> tuple[Event, list[str]]:
    """Change event number ``event`` (by default the last in force) as an 'edit' event that keeps
    the old values ('was') beside the new; a date moved before what it depends on is refused with
    the dates, or kept with a warning when ``force``. Returns the changed event and the warnings."""
    target = last_event(request, event)
    unknown = set(data) - set(EVENTS[target.kind].fields)
    if unknown:
        raise UsageError(f"'{target.kind}' takes no {', '.join(sorted(unknown))}.")
    current = next(e for e in effective(recorded(request.events)) if e.id == target.id)
    # Only what changes is recorded (a form sends every field, changed or not).
    on = None if on == current.on else on
    note = None if note is not None and (note or None) == current.note else note
    data = {k: v for k, v in data.items() if current.data.get(k) != v}
    payload: dict[str, Any] = {"target": target.id}
    if on is not None:
        payload["on"] = on.isoformat()
    if note is not None:
        payload["note"] = note
    if data:
        payload["data"] = data
    if len(payload) == 1:
        raise UsageError("Nothing to change: give a new date, note or field.")
    payload["was"] = {"on": current.on.isoformat(), "note": current.note}
    if data:
        payload["was"]["data"] = {k: current.data.get(k) for k in data}
    warnings: list[str] = []
    if on is not None:  # the dates must still follow what they depend on
        trial = [
            *recorded(request.events),
            Recorded(max(e.id for e in request.events) + 1, "edit", today, None, payload),
        ]
        early = dates_out_of_order(trial, request.letter_date)
        if early and not force:
            raise TrackerError(f"Cannot date '{target.kind}' {on} on request #{request.id}: {early}.")
        if early:
            warnings.append(Noted("changed-although", kind=target.kind, reason=early))
    edit, _ = log_event(session, request, "edit", today, data=payload, today=today)
    if warnings:  # kept in the history, as a forced event's warning is
        edit.forced = True
        edit.data = {**payload, "warning": [early.to_json()] if early else []}
        session.flush()
    return target, warnings


def add_document(
    session: Session,
    request: Request,
    role: str,
    path: Path,
    *,
    original_name: str,
    event: Event | None = None,
    data: bytes | None = None,
    flush: bool = True,
) -> Document:
    content = data if data is not None else path.read_bytes()
    document = Document(
        request_id=request.id,
        event_id=event.id if event else None,
        role=role,
        path=str(path),
        original_name=original_name,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )
    request.documents.append(document)
    if flush:
        session.flush()
    return document


def letter_owner(session: Session, *paths: Path) -> int | None:
    """The request whose letter is stored at one of ``paths``, if any."""
    owners = letter_owners(session, paths)
    return next((owners[p] for p in paths if p in owners), None)


def letter_owners(session: Session, paths: Iterable[Path]) -> dict[Path, int]:
    """Of ``paths``, those where a request's letter is stored (as given or resolved), with that
    request."""
    names: dict[str, list[Path]] = {}
    folders: dict[Path, Path] = {}
    for p in paths:
        for name in {str(p), str(resolved(p, folders))}:
            names.setdefault(name, []).append(p)
    wanted = sorted(names)
    owners: dict[Path, int] = {}
    for start in range(0, len(wanted), 500):
        query = select(Document.path, Document.request_id).where(
            Document.role == "letter", Document.path.in_(wanted[start : start + 500])
        )
        for name, request_id in session.execute(query.order_by(Document.id)):
            for p in names[name]:
                owners.setdefault(p, request_id)
    return owners


def refuse_others_letters(session: Session, paths: Iterable[Path], request_id: int | None = None) -> None:
    """A letter of another request is never replaced, even with --force (two agencies whose names
    make the same file name, or a --date that repeats another request's)."""
    for path in paths:
        owner = letter_owner(session, path)
        if owner is not None and owner != request_id:
            raise RecordsReqError.of("letter-of-another", path=path, owner=owner)


def open_requests(
    session: Session,
    jurisdiction: Jurisdiction,
    parts: Sequence[LetterRequest],
    *,
    agency_row: Agency,
    agency_name: str,
    profile: Profile | None,
    tags: Sequence[str],
    today: dt.date,
    again: bool = False,
    output: LetterOutput,
) -> list[tuple[Request, dict[str, Path]]]:
    """Create one tracked request per letter and write each letter (:func:`start_request`).
    Every file is checked before any is written: another request's letter is never replaced, and
    an existing file only with ``output.force``. ``output.eml``: an unsent email draft beside each
    letter where the agency's email is known (its path is then among the letter's)."""
    from records_req.letters.compose import kept_with_request
    from records_req.letters.render import planned_paths, write_letter
    from records_req.output import OutputError

    planned = [
        path
        for req in parts
        for path in planned_paths(
            req,
            agency_name=agency_name,
            topic_keys=[t.key for t in req.topics],
            output=output,
        ).values()
    ]
    if not jurisdiction.is_federal:  # the letter names the agreements ICE lists for this agency
        from records_req.agencies.ice_lists import listed_agreements

        listed = listed_agreements(session, agency_row.state, agency_row.name)
        parts = [req._replace(agreements=listed) if req.kind == "initial" else req for req in parts]
    lock_agency(session, agency_row.id)  # decide and create as one step (two writers at once)
    if not again:  # --again numbers its files instead
        for req in parts:  # before any letter is written: a refused part leaves no files behind
            refuse_duplicate(session, agency_row, [t.key for t in req.topics])
        refuse_others_letters(session, planned)
        taken = [path for path in planned if path.exists()]
        if taken and not output.force:  # no request owns them: the same bytes are a letter an interrupted run left
            taken = [p for p in taken if p not in _orphans(parts, agency_name, output)]
        if taken and not output.force:
            raise OutputError.of("file-exists", names=", ".join(str(p) for p in taken))
    made: list[tuple[Request, dict[str, Path]]] = []
    for req in parts:
        request = create_request(
            session,
            Asked(
                jurisdiction=jurisdiction,
                agency_row=agency_row,
                profile=profile,
                topics=[t.key for t in req.topics],
                items=list(req.items),
                since=req.since,
                until=req.until,
                letter_date=req.date,
                fee_limit=req.fee_limit,
                co_requester=req.co_requester,
            ),
            tags=tags,
            again=again,
            as_sent=kept_with_request(req),
        )
        _, paths, rendered = write_letter(
            req,
            agency_name=agency_name,
            topic_keys=[t.key for t in req.topics],
            output=output,
            keep_existing=again,  # never overwrite the earlier request's letter
            adopt_same=not again,
        )
        for ext, path in paths.items():
            add_document(session, request, "letter", path, original_name=path.name, data=rendered[ext])
        refresh(request, today)
        made.append((request, paths))
    return made


def _orphans(parts: Sequence[LetterRequest], agency_name: str, output: LetterOutput) -> set[Path]:
    """The files of these letters that already hold exactly their bytes: what ``new`` left when it
    was killed after writing the letter and before committing its request (rendered again only
    when such files exist). The caller has checked that no request owns them."""
    from records_req.letters.render import prepare_letter, unchanged

    found: set[Path] = set()
    for req in parts:
        _, paths, rendered = prepare_letter(
            req,
            agency_name=agency_name,
            topic_keys=[t.key for t in req.topics],
            output=output,
        )
        found |= unchanged({paths[ext]: rendered[ext] for ext in paths if ext in rendered})
    return found


def _who_asked(request: Request, profile: Profile | None) -> dict[str, Any]:
    """The requester of a later letter: the one the initial letter named, as stored with the
    request (a profile may have changed since, or another request may have saved its own), else
    the profile."""
    stored = (request.as_sent or {}).get("requester")
    if stored:
        return {option: stored.get(field) for option, field in REQUESTER_FIELDS.items()}
    return {option: getattr(profile, field) if profile else None for option, field in REQUESTER_FIELDS.items()}


def later_letter(
    session: Session,
    request: Request,
    kind: str,
    *,
    today: dt.date,
    output: LetterOutput,
) -> tuple[dict[str, Path], list[str]]:
    """Write a follow-up or an appeal for a tracked request, as it was sent, with the dates its
    events give, and log it: what every door does (``output.date``: the letter's date, default
    ``today``; ``output.force``: a status inquiry or a late appeal all the same, replacing its
    files). Returns the files and the notes for the user."""
    from dataclasses import replace

    from records_req.letters.render import planned_paths, write_letter
    from records_req.letters.request import RequestSpec, build_letter_request
    from records_req.lifecycle import why_not

    state = tracked(request, today)
    if state.state.sent_on is None:
        raise UsageError(f"Request #{request.id} was never sent; record 'sent' first.")
    event_kind = "followed-up" if kind == "follow-up" else "appealed"
    reason = why_not(state.state, event_kind)
    if reason:
        raise TrackerError(f"No {kind} for request #{request.id}: {reason}.")
    agency_row = request.agency
    j = load_laws()[request.jurisdiction].for_agency(agency_row.name)
    profile = request.profile or get_profile(session)
    denied = next((e for e in reversed(request.events) if e.kind == "denied"), None)
    spec = RequestSpec(
        agency=agency_row.name,
        agency_address=agency_row.mailing_address,
        agency_email=agency_row.records_email,
        records_officer=agency_row.records_officer,
        topic_keys=tuple(request.topics),
        items=tuple(request.items),
        since=request.since,
        until=request.until,
        letter_date=output.date or today,
        fee_limit=request.fee_limit,
        co_requester=request.co_requester,
        kind=kind,  # type: ignore[arg-type]
        request_date=state.state.sent_on,
        tracking_numbers=tuple(t.number for t in request.tracking_numbers),
        denied_on=state.state.denied_on if denied else None,
        exemptions=(denied.data or {}).get("exemptions") if denied else None,
        via=state.state.via,
        acknowledged=state.state.acknowledged_on,
        clock_events=state.state.clock_events,
        force=output.force,
        **_who_asked(request, profile),
    )
    req, notes = build_letter_request(j, spec)
    if request.as_sent:  # restate the request exactly as the initial letter put it
        from records_req.letters.compose import AsSent

        req = req._replace(as_sent=AsSent.from_json(request.as_sent))
    keys = list(request.topics)
    output = replace(output, eml=False)  # a later letter's draft is not written here
    planned = planned_paths(req, agency_name=agency_row.name, topic_keys=keys, output=output)
    refuse_others_letters(session, planned.values(), request.id)
    _, paths, rendered = write_letter(req, agency_name=agency_row.name, topic_keys=keys, output=output)
    event, _ = log_event(
        session,
        request,
        event_kind,
        req.date,
        data=({"body": j.appeal.name} | ({"reconsideration": True} if j.appeal.route == "court" else {}))
        if kind == "appeal"
        else {},
        today=today,
    )
    for ext, path in paths.items():
        add_document(session, request, "letter", path, original_name=path.name, event=event, data=rendered[ext])
    return paths, notes


class Attached(NamedTuple):
    """A received file kept with its request: where the copy is, its name, hash and size, and the
    event logged with it (None: none)."""

    request_id: int
    name: str
    path: Path
    sha256: str
    size: int
    event_id: int | None
    warnings: tuple[str, ...] = ()


def attach_file(
    workspace: Workspace,
    request_id: int,
    source: Path,
    *,
    name: str | None = None,
    kind: str | None = None,
    on: dt.date | None = None,
    note: str | None = None,
    home: Path | None = None,
) -> Attached:
    """Keep a received file with its request, and log the event it brought (``kind``, on ``on``,
    default today, with ``note``): what every door's attach does, in one transaction. The event is
    recorded as any other (:func:`record_event`: the note's text is checked); the file is copied
    into the data directory (``home``, default the user's) under its hash, never moved, and the
    copy is checked against what was read (hash and size) before it is recorded. ``name``: the
    name the user knows it by (default the file's own)."""
    from records_req.hygiene import clean
    from records_req.lifecycle import USER_EVENTS
    from records_req.paths import data_home

    if not source.is_file():  # a FIFO, a device or a socket could block or never end
        raise UsageError(f"{source} is not a regular file; attach the file itself.")
    label = clean("The file's name", name if name is not None else source.name) or source.name
    if kind and kind not in USER_EVENTS:
        raise UsageError(f"Unknown event {kind!r}. Events: {', '.join(USER_EVENTS)}.")
    today = workspace.today
    with workspace.write() as session:
        request = get_request(session, request_id)
        event, warnings = None, list[str]()
        if kind:
            event, warnings = record_event(session, request, kind, on or today, today=today, note=note)
        target, sha, size = store_received_file(home or data_home(), source)
        document = add_document(session, request, "received", target, original_name=label, event=event)
        if document.sha256 != sha or document.size != size:
            raise TrackerError(f"{label} changed while it was being copied; try again.")
        from records_req.inbox.received import index_received

        index_received(session, target, sha)  # its text, page by page, for records_req.search
        return Attached(request_id, label, target, sha, size, event.id if event else None, tuple(warnings))


def store_received_file(home: Path, source: Path) -> tuple[Path, str, int]:
    """Copy a received file into the data directory under its content hash; never move it. It is
    kept under the extension of what its bytes are (records_req.filetypes: an .xlsx is not a
    .zip); a kind of file the tracker does not take is refused."""
    from records_req.filetypes import accepted_kinds, identify_file

    if not source.is_file():  # a FIFO, a device or a socket could block or never end
        raise UsageError(f"{source} is not a regular file; attach the file itself.")
    found = identify_file(source)
    if found is None:
        raise TrackerError(
            f"{source.name}: this kind of file is not taken (known by its contents, not its name). "
            f"Accepted: {accepted_kinds()}."
        )
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    sha = digest.hexdigest()
    target = home / "files" / sha[:2] / f"{sha}{found.extension}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        shutil.copyfile(source, tmp)
        tmp.replace(target)
    return target, sha, size


class StoredFile(NamedTuple):
    """A stored letter or received file: where it is, the name it is known by, and its hash."""

    path: Path
    name: str
    sha256: str


def stored_document(workspace: Workspace, document_id: int) -> StoredFile | None:
    """Where document ``document_id`` is kept (None: no such document)."""
    with workspace.session() as session:
        found = session.get(Document, document_id)
        return None if found is None else StoredFile(Path(found.path), found.original_name, found.sha256)


def recompute_all(workspace: Workspace) -> int:
    """Recompute every request's cached status, due date and schedule from its events, in one
    transaction; returns how many requests there are."""
    today = workspace.today
    with workspace.write() as session:
        n = 0
        for request in session.scalars(select(Request).options(selectinload(Request.events))):
            refresh(request, today)
            n += 1
    return n

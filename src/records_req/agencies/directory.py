"""The agency directory: who each agency is (one key, records_req.names.agency_key), its contact
details, what letters take from it, and the listings and cards every door shows. The doors (the
command line, the dashboard, the Python API) call these and get typed results; none of them
queries the database itself.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from records_req.errors import NotFoundError
from records_req.names import agency_key
from records_req.store.models import Agency, Profile
from records_req.store.reader import like_contains

if TYPE_CHECKING:
    from records_req.agencies.ice_lists import AgencyAgreement
    from records_req.laws import Jurisdiction
    from records_req.letters.compose import ListedAgreement
    from records_req.letters.request import RequestSpec

_Row = TypeVar("_Row", Profile, Agency)


def insert_or_get(session: Session, row: _Row, existing: Callable[[], _Row | None]) -> _Row:
    """Insert ``row``, or, when another writer inserted the same unique key meanwhile (two first
    campaigns at once on PostgreSQL), return theirs: never a failed command."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found
    return row


# --- one agency ---------------------------------------------------------------------------------


class UnknownAgency(NotFoundError):
    """No agency of this name in this state; ``close``: the names the directory has that look like
    it (closest first), for the door to offer."""

    def __init__(self, state: str, name: str, close: Sequence[str]) -> None:
        self.state, self.name, self.close = state, name, tuple(close)
        offer = f" Close names: {', '.join(repr(c) for c in self.close)}." if self.close else ""
        super().__init__(f"No agency {name!r} in {state}.{offer}")


def find_agency(session: Session, state: str, name: str) -> Agency | None:
    """The agency with this name in this state, by the one agency key; None if there is none."""
    return session.scalar(select(Agency).where(Agency.state == state.upper(), Agency.name_key == agency_key(name)))


def agency(session: Session, state: str, name: str) -> Agency:
    """The agency with this name in this state, created on first use."""
    found = find_agency(session, state, name)
    if found is None:
        new = Agency(state=state.upper(), name=name.strip(), name_key=agency_key(name))
        found = insert_or_get(session, new, lambda: find_agency(session, state, name))
    return found


def close_names(session: Session, state: str, name: str, *, limit: int = 3, cutoff: float = 0.6) -> list[str]:
    """The names of the state's agencies closest to ``name`` (difflib's ratio on the one key, at
    least ``cutoff``, and within 0.1 of the closest, so that a shared "County Sheriff's Office"
    alone does not make a name close), closest first: what a lookup that found nothing offers."""
    key = agency_key(name)
    names = dict(session.execute(select(Agency.name_key, Agency.name).where(Agency.state == state.upper())).all())
    matcher = difflib.SequenceMatcher(b=key)
    scores = []
    for other in names:
        matcher.set_seq1(other)
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
            scores.append((matcher.ratio(), other))
    scores = sorted((s for s in scores if s[0] >= cutoff), key=lambda s: (-s[0], s[1]))
    best = scores[0][0] if scores else 0.0
    return [names[other] for score, other in scores[:limit] if score >= best - 0.1]


_NUMBER = re.compile(r"\d+")


def probable_duplicate(session: Session, state: str, name: str) -> Agency | None:
    """A different agency of the state whose name is a near miss of ``name`` (a typo, a missing
    's' or word: 'Galveston County Sherif Office' for 'Galveston County Sheriff's Office'), or None.
    Near: the keys are at least 90% alike (difflib), start with the same word, give or take one
    letter (so 'Bay County' is not 'Clay County'), and carry the same numbers (precincts)."""
    key = agency_key(name)
    if not key:
        return None
    rows = {a.name_key: a for a in session.scalars(select(Agency).where(Agency.state == state.upper()))}
    if key in rows:
        return None
    for other in difflib.get_close_matches(key, list(rows), n=5, cutoff=0.9):
        if _one_edit(key.split()[0], other.split()[0]) and _NUMBER.findall(key) == _NUMBER.findall(other):
            return rows[other]
    return None


def _one_edit(a: str, b: str) -> bool:
    """``a`` and ``b`` are equal, or one letter apart (one changed, added or dropped)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


class AgencyFields(NamedTuple):
    """An agency's contact details as given (None: leave what the directory knows)."""

    records_email: str | None = None
    portal_url: str | None = None
    mailing_address: str | None = None
    records_officer: str | None = None
    phone: str | None = None
    models: str | None = None  # known 287(g) models, e.g. "WSO; TFM"


def set_agency(session: Session, state: str, name: str, fields: AgencyFields | None = None) -> Agency:
    """Create the agency or change its contact details (the fields given; None keeps what it has).
    The email is checked as one address, whichever door it came through."""
    from records_req.hygiene import email_address

    fields = fields or AgencyFields()
    if fields.records_email is not None:
        fields = fields._replace(records_email=email_address("The agency's email", fields.records_email))
    found = agency(session, state, name)
    for field, value in fields._asdict().items():
        if value is not None:
            setattr(found, field, value)
    session.flush()
    return found


class Contacts(NamedTuple):
    """What a letter says about whom it is addressed to."""

    address: str | None = None
    email: str | None = None
    officer: str | None = None


def merge_agency(row: Agency, given: Contacts, *, remember: bool = True) -> Contacts:
    """The contact details a letter uses: those given, and the agency's known ones where none was
    given. A detail given for an agency that had none is remembered (never replacing a known
    one), unless ``remember`` is False (a preview)."""
    from records_req.hygiene import clean, email_address

    known = Contacts(row.mailing_address, row.records_email, row.records_officer)
    if remember:
        if given.address and not known.address:
            row.mailing_address = clean("The agency's address", given.address.replace("\\n", "\n"))
        if given.email and not known.email:
            row.records_email = email_address("The agency's email", given.email)
        if given.officer and not known.officer:
            row.records_officer = clean("The records officer", given.officer)
    return Contacts(given.address or known.address, given.email or known.email, given.officer or known.officer)


class DirectorySince(NamedTuple):
    """The default date range for an agency on ICE's list: standing documents from ``since`` (a few
    months before it signed), other records from ``dated_since`` (at most two years back), and the
    note that tells the user so."""

    since: dt.date
    dated_since: dt.date
    note: str


def directory_since(
    session: Session,
    jurisdiction: Jurisdiction,
    agency_row: Agency,
    until: dt.date,
    listed: Sequence[ListedAgreement] | None = None,
) -> DirectorySince | None:
    """The default start of the records asked for, for an agency on ICE's list, and the window of
    the items that are not standing documents; None for a federal request, an agency ICE does not
    list, or a listed date after ``until`` (a typo such as 5025). ``listed``: the agency's
    agreements, if already read. Every door (new, campaigns, the dashboard, the API) takes the
    range from here."""
    if jurisdiction.is_federal:
        return None
    from records_req.agencies.ice_lists import listed_agreements
    from records_req.letters.request import dated_window_start, since_from_agreements

    if listed is None:
        listed = listed_agreements(session, agency_row.state, agency_row.name)
    found = since_from_agreements(listed)
    if found is None or found[0] > until:
        return None
    since, note = found
    dated_since = dated_window_start(since, until)
    if dated_since > since:
        note += (
            " Standing documents (agreements, policies, rosters) from then on; emails, counts and "
            f"costs from {dated_since.isoformat()} (two years)."
        )
    return DirectorySince(since, dated_since, note)


def with_directory(
    session: Session, jurisdiction: Jurisdiction, spec: RequestSpec, agency_row: Agency, *, remember: bool = True
) -> tuple[RequestSpec, str | None]:
    """``spec`` with what the directory knows of the agency: its contact details where the spec
    has none (and the spec's remembered where the directory had none, unless ``remember`` is
    False), and the default start from ICE's list, with the note that says so."""
    from dataclasses import replace

    from records_req.dates import today

    contacts = merge_agency(
        agency_row, Contacts(spec.agency_address, spec.agency_email, spec.records_officer), remember=remember
    )
    since, note, dated_since = spec.since, None, spec.dated_since
    if since is None:
        found = directory_since(session, jurisdiction, agency_row, spec.until or spec.letter_date or today())
        if found is not None:
            since, dated_since, note = found
    filled = replace(
        spec,
        since=since,
        dated_since=dated_since,
        agency_address=contacts.address,
        agency_email=contacts.email,
        records_officer=contacts.officer,
    )
    return filled, note


# --- listings and cards -------------------------------------------------------------------------


class AgencyRow(NamedTuple):
    """One agency as the listings show it."""

    id: int | None  # None: on ICE's list, not (yet) in the directory
    state: str  # USPS code ("US" for a federal agency)
    name: str  # as first written (the directory matches it by the one agency key)
    email: str | None  # where records requests go
    portal: str | None  # the agency's records portal
    address: str | None  # mailing address, lines separated by "\n"
    officer: str | None  # the records officer's name
    phone: str | None
    models: str | None  # its 287(g) models on ICE's newest participating list ("TFM; WSO"), or None

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


def _row(a: Agency, models: dict[tuple[str, str], str]) -> AgencyRow:
    return AgencyRow(
        a.id,
        a.state,
        a.name,
        a.records_email,
        a.portal_url,
        a.mailing_address,
        a.records_officer,
        a.phone,
        models.get((a.state, a.name_key)),
    )


def list_agencies(
    session: Session,
    *,
    state: str | None = None,
    model: str | None = None,
    name: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[AgencyRow]:
    """The directory's agencies by state and name: those of ``state``, with the 287(g) ``model``
    (WSO, JEM or TFM) on ICE's newest participating list, whose name contains ``name`` (compared
    by the one key: a text with no letter or digit finds nothing); ``limit`` rows from ``offset``."""
    from records_req.agencies.ice_lists import listed_models

    query = _agencies_query(state, name).order_by(Agency.state, Agency.name_key)
    models = listed_models(session)  # ICE's newest list, as cards, changes and campaigns read it
    rows = (_row(a, models) for a in session.scalars(query))
    wanted = model.upper() if model else None
    found = [r for r in rows if not wanted or wanted in (r.models or "").split("; ")]
    return found[offset : None if limit is None else offset + limit]


def _agencies_query(state: str | None, name: str | None) -> Any:
    query = select(Agency)
    if state:
        query = query.where(Agency.state == state.upper())
    if name is not None:
        key = agency_key(name)
        query = query.where(Agency.name_key.like(like_contains(key), escape="\\") if key else Agency.id < 0)
    return query


def agencies_page(
    session: Session, *, state: str | None, model: str | None, name: str | None, page: int, size: int
) -> tuple[list[AgencyRow], int, int]:
    """Page ``page`` (from 1, kept within the pages there are) of :func:`list_agencies`, ``size``
    rows each: the rows, how many agencies match, and the page shown. Without a model, the
    database counts them and reads only the page (through the (state, name key) index)."""
    if model:
        found = list_agencies(session, state=state, model=model, name=name)
        total = len(found)
        page = min(max(1, page), max(1, -(-total // size)))
        return found[(page - 1) * size : page * size], total, page
    from records_req.agencies.ice_lists import listed_models

    query = _agencies_query(state, name)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    page = min(max(1, page), max(1, -(-total // size)))
    chosen = query.order_by(Agency.state, Agency.name_key).limit(size).offset((page - 1) * size)
    models = listed_models(session)
    return [_row(a, models) for a in session.scalars(chosen)], total, page


class AgencyCard(NamedTuple):
    """One agency: its contact details, its agreements on ICE's newest lists, and which lists
    those are (by kind; None where no list of that kind was imported)."""

    agency: AgencyRow
    agreements: tuple[AgencyAgreement, ...]
    lists: dict[str, dict[str, Any] | None]  # kind -> ice_lists.list_dict of ICE's newest list

    def to_dict(self) -> dict[str, Any]:
        shown = {k: v for k, v in self.agency._asdict().items() if k not in ("id", "models")}
        return shown | {"agreements": [g.to_dict() for g in self.agreements], "lists": self.lists}


def agency_card(session: Session, state: str, name: str) -> AgencyCard:
    """The agency of this name in this state; :class:`UnknownAgency` (with the close names) if the
    directory and ICE's newest lists know none."""
    from records_req.agencies.ice_lists import agency_agreements, list_dict, listed_models, newest_import

    state = state.upper()
    found = find_agency(session, state, name)
    agreements = tuple(agency_agreements(session, state, found.name if found else name))
    if found is None and not agreements:
        raise UnknownAgency(state, name, close_names(session, state, name))
    lists = {kind: list_dict(newest_import(session, kind)) for kind in ("participating", "pending")}
    models = listed_models(session)
    if found is None:  # on ICE's list, and not (yet) in the directory
        listed = models.get((state, agency_key(name)))
        return AgencyCard(AgencyRow(None, state, name, None, None, None, None, None, listed), agreements, lists)
    return AgencyCard(_row(found, models), agreements, lists)


def agency_card_by_id(session: Session, agency_id: int) -> AgencyCard | None:
    """The directory's agency ``agency_id`` (the dashboard's agency page), or None."""
    found = session.get(Agency, agency_id)
    return agency_card(session, found.state, found.name) if found is not None else None


class AgencyMatch(NamedTuple):
    """An agency a search found, with what a new request takes from it."""

    name: str
    email: str | None
    address: str | None
    agreements: tuple[AgencyAgreement, ...]


def search(session: Session, state: str, text: str, *, limit: int = 20) -> list[AgencyMatch]:
    """The state's agencies whose name contains ``text`` (by the one key; fewer than two letters
    find nothing), with their agreements on ICE's newest lists: what the new-request form suggests
    as you type."""
    from records_req.agencies.ice_lists import agency_agreements

    key = agency_key(text)
    if not state or len(key) < 2:
        return []
    found = session.scalars(
        select(Agency)
        .where(Agency.state == state.upper(), Agency.name_key.like(like_contains(key), escape="\\"))
        .order_by(Agency.name_key)
        .limit(limit)
    )
    return [
        AgencyMatch(a.name, a.records_email, a.mailing_address, tuple(agency_agreements(session, a.state, a.name)))
        for a in found
    ]

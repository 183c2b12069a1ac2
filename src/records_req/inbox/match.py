"""Which request a message answers, and how that was found, in this order:

1. its ``In-Reply-To``, then its ``References``, name a letter we sent (``outgoing_messages``);
2. the reference token of a sent letter's subject ("Re: [rr-3f9c0a1e-12] ...") names this
   database and one of its requests;
3. a tracking number an agency gave (``tracking_numbers``) appears in its subject or text;
4. it comes from an agency's records address (or that address's domain) with one open request.

A header or a token says which request only if the message comes from the agency's side (the
address the letter went to, the agency's records address, or their domain): anyone can copy a
Message-ID or a subject, so a message that names our letter from another address is flagged and
left in the queue, never matched silently. A bounce is matched by the Message-ID it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from records_req.inbox.parse import Parsed

IN_REPLY_TO, REFERENCES, TOKEN, TRACKING, ADDRESS, DOMAIN, BOUNCED, USER = (
    "in-reply-to",
    "references",
    "token",
    "tracking-number",
    "agency-address",
    "agency-domain",
    "bounce",
    "user",
)
# Public mail services: their domain says nothing about which agency wrote.
_PUBLIC = "gmail.com googlemail.com yahoo.com outlook.com hotmail.com live.com msn.com aol.com icloud.com me.com"
PUBLIC_DOMAINS = frozenset(f"{_PUBLIC} proton.me protonmail.com gmx.com mail.com".split(" "))


@dataclass
class Match:
    request_id: int | None
    how: str | None  # one of the names above; None: not matched
    note: str | None = None  # why not, or what is doubtful (a forged In-Reply-To)
    suspect: bool = False


def _domain(address: str | None) -> str:
    return (address or "").rpartition("@")[2].lower()


def from_agency_side(sender: str | None, *addresses: str | None) -> bool:
    """Does ``sender`` write for the agency: one of its addresses, or their (non-public) domain?"""
    if not sender:
        return False
    known = [a.lower() for a in addresses if a]
    if sender.lower() in known:
        return True
    domain = _domain(sender)
    return bool(domain) and domain not in PUBLIC_DOMAINS and domain in {_domain(a) for a in known}


def find(session: Session, parsed: Parsed, database: str | None) -> Match:
    """How ``parsed`` matches a request of this database (``database``: its short name in tokens)."""
    from sqlalchemy import select

    from records_req.mail.message import find_reference
    from records_req.store.models import OutgoingMessage, Request

    if parsed.bounced_ids:
        sent = session.scalar(select(OutgoingMessage).where(OutgoingMessage.message_id.in_(parsed.bounced_ids)))
        if sent is not None:
            return Match(sent.request_id, BOUNCED)
    for how, ids in (
        (IN_REPLY_TO, [parsed.in_reply_to] if parsed.in_reply_to else []),
        (REFERENCES, parsed.references),
    ):
        if not ids:
            continue
        sent = session.scalar(select(OutgoingMessage).where(OutgoingMessage.message_id.in_(ids)).limit(1))
        if sent is None:
            continue
        request = session.get(Request, sent.request_id)
        agency_email = request.agency.records_email if request else None
        if from_agency_side(parsed.from_address, sent.to_address, agency_email):
            return Match(sent.request_id, how)
        return Match(
            None,
            None,
            f"possibly forged: its {'In-Reply-To' if how == IN_REPLY_TO else 'References'} names the letter sent to "
            f"{sent.to_address} for request #{sent.request_id}, "
            f"but it comes from {parsed.from_address or 'no address'}",
            suspect=True,
        )
    reference = find_reference(parsed.subject)
    if reference is not None and database is not None and reference.database == database:
        request = session.get(Request, reference.request_id)
        if request is not None:
            sent_to = session.scalars(
                select(OutgoingMessage.to_address).where(OutgoingMessage.request_id == request.id)
            ).all()
            if from_agency_side(parsed.from_address, request.agency.records_email, *sent_to):
                return Match(request.id, TOKEN)
            return Match(
                None,
                None,
                f"possibly forged: its subject names request #{request.id}, but it comes from "
                f"{parsed.from_address or 'no address'}, not {request.agency.name}'s address",
                suspect=True,
            )
    by_number = _by_tracking_number(session, parsed)
    if by_number is not None:
        return by_number
    return _by_address(session, parsed)


def _by_tracking_number(session: Session, parsed: Parsed) -> Match | None:
    import re

    from sqlalchemy import select

    from records_req.store.models import TrackingNumber

    words = {w.strip(".,;:()[]#") for w in re.split(r"\s+", f"{parsed.subject} {parsed.body}")}
    candidates = sorted(w for w in words if any(c.isdigit() for c in w) and 3 <= len(w) <= 200)[:500]
    if not candidates:
        return None
    found = session.execute(
        select(TrackingNumber.request_id, TrackingNumber.number).where(TrackingNumber.number.in_(candidates))
    ).all()
    ids = sorted({row[0] for row in found})
    if len(ids) == 1:
        return Match(ids[0], TRACKING, f"tracking number {found[0][1]}")
    if len(ids) > 1:
        return Match(None, None, "its tracking numbers belong to several requests: " + ", ".join(f"#{i}" for i in ids))
    return None


def _by_address(session: Session, parsed: Parsed) -> Match:
    from sqlalchemy import func, select

    from records_req.lifecycle import CLOSED, DRAFT
    from records_req.store.models import Agency, Request

    sender = (parsed.from_address or "").lower()
    if not sender:
        return Match(None, None, "it has no sender address")
    open_ = (Request.status != DRAFT) & Request.status.not_in(sorted(CLOSED))
    for how, condition in (
        (ADDRESS, func.lower(Agency.records_email) == sender),
        (DOMAIN, func.lower(Agency.records_email).like(f"%@{_domain(sender)}")),
    ):
        if how == DOMAIN and _domain(sender) in PUBLIC_DOMAINS:
            continue
        rows = session.execute(
            select(Request.id, Agency.name).join(Agency, Request.agency_id == Agency.id).where(condition, open_)
        ).all()
        if len(rows) == 1:
            return Match(rows[0][0], how, f"the only open request to {rows[0][1]}")
        if rows:
            return Match(
                None,
                None,
                f"{len(rows)} open requests to {rows[0][1]} ({', '.join(f'#{r[0]}' for r in rows)}): "
                "which one it answers is not said",
            )
    return Match(None, None, "nothing in it names one of our requests")

"""Sending a request's letter by email from the user's own mailbox, and keeping what happened.

One use case for every door (the command line's ``send``, the dashboard's button):

1. :func:`plan` reads what would go where: for each request, its newest letter (the initial one,
   or the follow-up or appeal written since: the PDF to attach, the DOCX to take the text from),
   its addressee's address (the agency's records address; an appeal's, the appeal body's from the
   law data or the directory), the subject with its reference token; or why it will not be sent
   (already sent, refused before, not a draft, no address). Nothing is sent; this is the dry run.
2. :func:`deliver` sends the planned messages over one SMTP connection (TLS, the certificate
   verified), at most ``rate`` a minute. Each letter is first *claimed* in its own transaction: a
   row of ``outgoing_messages`` with its Message-ID, unique by request and letter, so that two
   runs at once, or a run after an interruption, never send the same letter twice. When the
   server accepts it (its 250), the row is marked accepted with that instant, and the ``sent``
   event is recorded dated that day, in one transaction.

A permanent refusal (5xx: no such mailbox, a rejected recipient) is recorded as ``refused`` and
not tried again; a transient one (4xx) as ``failed``, tried again on the next run. A connection
that breaks while a message is being handed over leaves it ``unknown``: it may have gone out, so
it is sent again only when the caller asks (after checking the Sent folder).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import smtplib
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from records_req.errors import RecordsReqError
from records_req.laws import load_laws
from records_req.mail.message import Reference
from records_req.mail.settings import MailSettings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from records_req.store.db import Store
    from records_req.store.models import Document, OutgoingMessage, Request

DEFAULT_RATE = 10.0  # messages a minute: well under what mail providers allow a personal account
TIMEOUT = 30.0  # seconds to wait for the server at each step

# Why a request is not sent (Planned.reason); each door words them its own way.
ALREADY_SENT = "already-sent"
REFUSED_BEFORE = "refused-before"
UNKNOWN_BEFORE = "unknown-before"
IN_PROGRESS = "in-progress"
NOT_DRAFT = "not-draft"
NO_EMAIL = "no-email"
NO_LETTER = "no-letter"
NO_APPEAL_EMAIL = "no-appeal-email"  # the appeal goes to a body whose email is not known


class MailError(RecordsReqError):
    """The mail server cannot be reached, refuses the account, or the connection broke."""


@dataclass(frozen=True)
class Attachment:
    name: str
    size: int
    path: str
    changed: bool = False  # the file is not the one written for the request (edited since)


@dataclass
class Planned:
    """One request's message as it would be sent, or why it will not be."""

    request_id: int
    agency: str
    state: str
    to_email: str | None
    to_name: str
    from_email: str
    from_name: str | None
    subject: str | None
    reference: str
    attachments: list[Attachment] = field(default_factory=list)
    body: str | None = None
    reason: str | None = None  # None: it will be sent
    detail: str | None = None  # the reason in plain English
    previous: dict[str, Any] | None = None  # an earlier attempt: status, message_id, accepted_at, error
    letter_kind: str = "initial"
    document_id: int | None = None

    @property
    def will_send(self) -> bool:
        return self.reason is None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["action"] = "send" if self.will_send else "skip"
        data["attachments"] = [{"name": a.name, "size": a.size, "changed": a.changed} for a in self.attachments]
        return data


@dataclass
class Outcome:
    """What happened to one planned message."""

    request_id: int
    agency: str
    to_email: str | None
    status: str  # accepted | refused | failed | unknown | skipped
    message_id: str | None = None
    accepted_at: str | None = None  # ISO instant, UTC
    sent_on: str | None = None  # the sent event's date
    error: str | None = None
    reason: str | None = None  # skipped: Planned.reason
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --- planning (the dry run) ---------------------------------------------------------------------


def database_name(session: Session) -> str:
    """This database's short name in reference tokens: the start of its random database_id."""
    from sqlalchemy import select

    from records_req.mail.message import NAME_LENGTH
    from records_req.store.models import Setting

    found = session.scalar(select(Setting.value).where(Setting.key == "database_id"))
    if not found:
        raise MailError("This database has no database_id (migration 0014); it cannot name its letters.")
    return found[:NAME_LENGTH].lower()


def plan(
    store: Store,
    settings: MailSettings,
    *,
    request_ids: Sequence[int] = (),
    tag: str | None = None,
    retry_unknown: bool = False,
) -> list[Planned]:
    """What sending these requests (or the campaign ``tag``'s) would do; sends nothing."""
    from records_req.tracker import service
    from records_req.tracker.campaign import tagged

    with store.read() as session:
        name = database_name(session)
        ids = list(request_ids) if tag is None else tagged(session, tag)
        return [_plan_one(session, service.get_request(session, i), settings, name, retry_unknown) for i in ids]


def _plan_one(session: Session, request: Request, settings: MailSettings, name: str, retry_unknown: bool) -> Planned:
    from records_req.mail.message import LetterTextError, letter_text, subject_line

    agency = request.agency
    reference = Reference(name, request.id)
    requester = (request.as_sent or {}).get("requester") or {}
    from_name = settings.from_name or requester.get("name") or (request.profile.name if request.profile else None)
    kind, pdf, docx = _newest_letter(request)
    planned = Planned(
        request_id=request.id,
        agency=agency.name,
        state=request.jurisdiction,
        to_email=agency.records_email,
        to_name=agency.records_officer or agency.name,
        from_email=settings.from_email,
        from_name=from_name,
        subject=None,
        reference=reference.token,
        letter_kind=kind,
    )
    body: str | None = None
    if kind == "appeal":
        planned.to_name, planned.to_email, body = _appeal_addressee(session, request)
    if pdf is not None:
        planned.document_id = pdf.id
        previous = _previous(session, request.id, pdf.id)
        if previous is not None:
            planned.previous = {
                "status": previous.status,
                "message_id": previous.message_id,
                "accepted_at": _iso(previous.accepted_at),
                "error": previous.error,
            }
            why = _why_not_again(previous, retry_unknown)
            if why is not None:
                planned.reason, planned.detail = why
                planned.subject = previous.subject
                return planned
    if kind == "initial" and request.status != "draft":
        planned.reason = NOT_DRAFT
        planned.detail = f"request #{request.id} is already {request.status}: it was sent another way"
        return planned
    if kind == "appeal" and not planned.to_email:
        planned.reason = NO_APPEAL_EMAIL
        planned.detail = f"no email address is known for {body}, where request #{request.id}'s appeal goes"
        return planned
    if not planned.to_email:
        planned.reason = NO_EMAIL
        planned.detail = f"no records email is known for {agency.name}"
        return planned
    if pdf is None or docx is None:
        planned.reason = NO_LETTER
        planned.detail = f"request #{request.id} has no letter written as both DOCX and PDF to send"
        return planned
    pdf_path, docx_path = _file(pdf.path), _file(docx.path)
    for path in (pdf_path, docx_path):
        if not path.is_file():
            planned.reason = NO_LETTER
            planned.detail = f"the letter {path} is not there (moved or deleted since it was written)"
            return planned
    pdf_bytes = pdf_path.read_bytes()
    try:
        text = letter_text(docx_path.read_bytes())
    except LetterTextError as exc:
        planned.reason, planned.detail = NO_LETTER, str(exc)
        return planned
    planned.subject = subject_line(text.subject, reference)
    planned.body = text.body
    changed = hashlib.sha256(pdf_bytes).hexdigest() != pdf.sha256
    planned.attachments = [Attachment(pdf_path.name, len(pdf_bytes), str(pdf_path), changed)]
    return planned


def _why_not_again(previous: OutgoingMessage, retry_unknown: bool) -> tuple[str, str] | None:
    if previous.status == "accepted":
        return ALREADY_SENT, f"already sent: accepted by the server at {_iso(previous.accepted_at)} UTC"
    if previous.status == "refused":
        return REFUSED_BEFORE, f"refused by the server: {previous.error}"
    if previous.status in ("unknown", "sending") and not retry_unknown:
        return UNKNOWN_BEFORE, (
            "an earlier attempt was interrupted while the message was being handed to the server "
            f"({previous.error or 'no answer recorded'}); it may have gone out"
        )
    return None  # failed (transient): tried again


def _newest_letter(request: Request) -> tuple[str, Document | None, Document | None]:
    """The request's newest letter: its kind (initial, follow-up, appeal), PDF and DOCX. The
    initial letter's documents were written with the request; a later letter's with the event
    that logged it (followed-up, appealed), unless that event was undone."""
    undone = {e.data.get("target") for e in request.events if e.kind == "undo"}
    kinds = {e.id: e.kind for e in request.events if e.id not in undone}
    letters = [d for d in request.documents if d.role == "letter" and (d.event_id is None or d.event_id in kinds)]
    if not letters:
        return "initial", None, None
    newest = max(letters, key=lambda d: d.id).event_id
    group = [d for d in letters if d.event_id == newest]
    kind = "initial" if newest is None else {"followed-up": "follow-up", "appealed": "appeal"}.get(kinds[newest], "")
    pdf = next((d for d in group if d.path.lower().endswith(".pdf")), None)
    docx = next((d for d in group if d.path.lower().endswith(".docx")), None)
    return kind or "initial", pdf, docx


def _appeal_addressee(session: Session, request: Request) -> tuple[str, str | None, str]:
    """Where a request's appeal goes: the name, the email (None: not known) and the body in words.
    A reconsideration (the only route is a court) or an appeal to the agency's head goes to the
    agency; an appeal to a body, to the body's email in the law data, else the directory's entry
    under its name (in the request's state)."""
    from records_req.agencies.directory import find_agency

    agency = request.agency
    appeal = load_laws()[request.jurisdiction].for_agency(agency.name).appeal
    if appeal.route == "court" or not appeal.addressee:
        return agency.records_officer or agency.name, agency.records_email, agency.name
    email = appeal.email if appeal.email and "@" in appeal.email and "://" not in appeal.email else None
    if email is None:
        listed = find_agency(session, request.jurisdiction, appeal.addressee)
        email = listed.records_email if listed is not None else None
    return appeal.addressee, email, appeal.addressee


def _previous(session: Session, request_id: int, document_id: int) -> OutgoingMessage | None:
    from sqlalchemy import select

    from records_req.store.models import OutgoingMessage

    return session.scalar(
        select(OutgoingMessage).where(
            OutgoingMessage.request_id == request_id, OutgoingMessage.document_id == document_id
        )
    )


def _file(path: str) -> Path:
    return Path(path).expanduser()


def _iso(instant: dt.datetime | None) -> str | None:
    return instant.replace(tzinfo=dt.UTC).isoformat() if instant else None


# --- sending ------------------------------------------------------------------------------------


def connect(settings: MailSettings, secret: str, *, timeout: float = TIMEOUT) -> smtplib.SMTP:
    """A signed-in connection to the user's mail server; one clear error when that fails."""
    import socket
    import ssl

    where = f"{settings.host}:{settings.server_port}"
    context = ssl.create_default_context(cafile=settings.cafile)
    smtp: smtplib.SMTP | None = None
    try:
        if settings.security == "tls":
            smtp = smtplib.SMTP_SSL(settings.host, settings.server_port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.server_port, timeout=timeout)
        smtp.ehlo()
        if settings.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise MailError(f"The mail server {where} does not offer STARTTLS; nothing was sent.")
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.security != "plain" or smtp.has_extn("auth"):
            smtp.login(settings.user, secret)
        return smtp
    except MailError:
        _close(smtp)
        raise
    except ssl.SSLCertVerificationError as exc:
        _close(smtp)
        raise MailError(
            f"The certificate of the mail server {where} cannot be verified ({exc.verify_message}); "
            "nothing was sent. A self-hosted server's own certificate can be trusted with a CA file."
        ) from None
    except smtplib.SMTPAuthenticationError as exc:
        _close(smtp)
        raise MailError(
            f"The mail server {where} refused the user name or password for {settings.user} "
            f"({exc.smtp_code} {_said(exc.smtp_error)}); nothing was sent."
        ) from None
    except smtplib.SMTPNotSupportedError:
        _close(smtp)
        raise MailError(f"The mail server {where} does not offer sign-in (AUTH); nothing was sent.") from None
    except (OSError, smtplib.SMTPException) as exc:  # refused, unknown host, timeout, TLS failure
        _close(smtp)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        if isinstance(exc, socket.gaierror):
            reason = f"unknown host ({reason})"
        raise MailError(f"Cannot reach the mail server {where}: {reason}; nothing was sent.") from None


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _said(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())[:300]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def deliver(
    store: Store,
    plans: Sequence[Planned],
    settings: MailSettings,
    secret: str,
    *,
    today: dt.date,
    rate: float = DEFAULT_RATE,
    progress: Callable[[int, int, Outcome], None] | None = None,
    pause: Callable[[float], None] = time.sleep,
    clock: Callable[[], dt.datetime] = _utc_now,
    retry_unknown: bool = False,
) -> list[Outcome]:
    """Send the planned messages (those :func:`plan` found sendable) at most ``rate`` a minute;
    returns one outcome for each plan, in order. Stops at a broken connection (the rest are left
    for the next run) and raises :class:`MailError` when the server cannot be reached at all."""
    if rate <= 0:
        raise MailError("The rate must be more than zero messages a minute.")
    outcomes: list[Outcome | None] = [None] * len(plans)
    for i, p in enumerate(plans):
        if not p.will_send:
            outcomes[i] = Outcome(p.request_id, p.agency, p.to_email, "skipped", reason=p.reason, detail=p.detail)
    todo = [i for i, p in enumerate(plans) if p.will_send]
    total = len(plans)
    smtp = connect(settings, secret) if todo else None
    interval, last = 60.0 / rate, None
    try:
        for n, i in enumerate(todo):
            if last is not None:
                wait = interval - (time.monotonic() - last)
                if wait > 0:
                    pause(wait)
            last = time.monotonic()
            assert smtp is not None
            outcome = _send_one(store, smtp, plans[i], settings, today=today, clock=clock, retry_unknown=retry_unknown)
            outcomes[i] = outcome
            if progress:
                progress(n + 1, len(todo), outcome)
            if outcome.status == "unknown":  # the connection is gone: leave the rest for the next run
                break
    finally:
        _close(smtp)
    return [
        o or Outcome(p.request_id, p.agency, p.to_email, "skipped", reason="not-reached", detail="not reached")
        for o, p in zip(outcomes, plans, strict=True)
    ][:total]


def _claim(store: Store, p: Planned, settings: MailSettings, retry_unknown: bool) -> tuple[str | None, Outcome | None]:
    """Claim the letter for sending in one transaction: a new row, or an earlier failed one.
    Returns its Message-ID, or the outcome when another run has it (or sent it) meanwhile."""
    from sqlalchemy.exc import IntegrityError

    from records_req.mail.message import message_id
    from records_req.store.models import OutgoingMessage, utcnow
    from records_req.tracker import service

    assert p.document_id is not None and p.to_email and p.subject
    with store.write() as session:
        request = service.get_request(session, p.request_id)
        row = _previous(session, p.request_id, p.document_id)
        again = ("failed", "unknown", "sending") if retry_unknown else ("failed",)
        if row is not None and row.status not in again:
            return None, Outcome(
                p.request_id, p.agency, p.to_email, "skipped", message_id=row.message_id, reason=IN_PROGRESS,
                detail=f"another run has this letter ({row.status})",
            )  # fmt: skip
        if row is None and p.letter_kind == "initial" and request.status != "draft":
            return None, Outcome(
                p.request_id, p.agency, p.to_email, "skipped", reason=NOT_DRAFT, detail=f"already {request.status}"
            )
        if row is None:
            reference = Reference(database_name(session), p.request_id)
            row = OutgoingMessage(
                request_id=p.request_id,
                document_id=p.document_id,
                letter_kind=p.letter_kind,
                letter_path=p.attachments[0].path,
                to_address=p.to_email,
                from_address=settings.from_email,
                subject=p.subject,
                message_id=message_id(reference, settings.from_email),
                status="sending",
                attempts=1,
            )
            try:
                with session.begin_nested():
                    session.add(row)
            except IntegrityError:  # another run claimed it a moment ago
                return None, Outcome(
                    p.request_id, p.agency, p.to_email, "skipped", reason=IN_PROGRESS, detail="another run has it"
                )
        else:
            row.status, row.attempts, row.updated_at = "sending", row.attempts + 1, utcnow()
            row.to_address, row.subject, row.error = p.to_email, p.subject, None
        return row.message_id, None


def _send_one(
    store: Store,
    smtp: smtplib.SMTP,
    p: Planned,
    settings: MailSettings,
    *,
    today: dt.date,
    clock: Callable[[], dt.datetime],
    retry_unknown: bool,
) -> Outcome:
    from records_req.mail.message import build

    mid, taken = _claim(store, p, settings, retry_unknown)
    if taken is not None:
        return taken
    assert mid and p.to_email and p.subject and p.body is not None
    attachment = p.attachments[0]
    message = build(
        to_name=p.to_name,
        to_email=p.to_email,
        from_name=p.from_name,
        from_email=settings.from_email,
        subject=p.subject,
        body=p.body,
        pdf=Path(attachment.path).read_bytes(),
        pdf_name=attachment.name,
        message_id=mid,
        date=clock(),
    )
    outcome = Outcome(p.request_id, p.agency, p.to_email, "accepted", message_id=mid)
    try:
        smtp.send_message(message, from_addr=settings.from_email, to_addrs=[p.to_email])
    except smtplib.SMTPRecipientsRefused as exc:
        code, said = next(iter(exc.recipients.values()), (550, b""))
        outcome.status, outcome.error = _refusal(code, said, "the recipient")
    except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
        whom = "the sender" if isinstance(exc, smtplib.SMTPSenderRefused) else "the message"
        outcome.status, outcome.error = _refusal(exc.smtp_code, exc.smtp_error, whom)
    except (OSError, smtplib.SMTPException) as exc:  # the connection broke: it may or may not have gone
        outcome.status = "unknown"
        outcome.error = f"the connection broke while sending ({_said(str(exc)) or type(exc).__name__})"
    accepted = clock() if outcome.status == "accepted" else None
    _record(store, p, outcome, accepted, today)
    return outcome


def _refusal(code: int, said: bytes | str, whom: str) -> tuple[str, str]:
    """A 5xx is permanent (refused, never tried again); a 4xx transient (failed, tried next run)."""
    status = "refused" if 500 <= code < 600 else "failed"
    return status, f"{code} {_said(said)} ({whom} {'refused' if status == 'refused' else 'deferred'})"


def _record(store: Store, p: Planned, outcome: Outcome, accepted: dt.datetime | None, today: dt.date) -> None:
    """The server's answer, in one transaction: the row's status, and for an accepted message the
    ``sent`` event dated the day the server accepted it (the user's local day)."""
    from records_req.store.models import utcnow
    from records_req.tracker import service

    with store.write() as session:
        assert p.document_id is not None
        row = _previous(session, p.request_id, p.document_id)
        assert row is not None
        row.status, row.error, row.updated_at = outcome.status, outcome.error, utcnow()
        if accepted is None:
            return
        row.accepted_at = accepted.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
        on = accepted.astimezone().date()
        outcome.accepted_at = _iso(row.accepted_at)
        outcome.sent_on = on.isoformat()
        request = service.get_request(session, p.request_id)
        if p.letter_kind == "initial" and request.status == "draft":
            event, _ = service.log_event(
                session,
                request,
                "sent",
                on,
                note=f"Sent by email to {p.to_email}; Message-ID {outcome.message_id}",
                data={"via": "email"},
                today=max(today, on),
            )
            row.event_id = event.id

"""Taking messages in, the queue, and the user's decisions: one use case per function, for every door.

- :func:`take_in` keeps one message (its raw bytes under their hash, once: a message already
  taken in, by hash or Message-ID, is recognised), its attachments (stored once by hash with their
  text per page, or refused with one line: over the size cap), matches it to a request and reads
  the events it announces as *proposals*. Nothing is recorded on a request here.
- :func:`import_files` takes .eml files, mbox files, Maildir folders and Outlook .msg files.
- :func:`confirm` records a proposal as a normal event (undoable like any other), with the user's
  changes; :func:`reject` sets it aside; :func:`match_to` answers the queue.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from records_req.errors import RecordsReqError, UsageError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from records_req.store.models import InboundMessage, InboxProposal
    from records_req.workspace import Workspace

MAX_ATTACHMENT = 25 * 1024 * 1024  # bytes: a larger attachment is refused (it stays in the raw message)
MAX_MESSAGE = 200 * 1024 * 1024  # bytes: a larger message is refused whole


class InboxError(RecordsReqError):
    """A message, proposal or file the inbox cannot take or find."""


@dataclass
class AttachmentLine:
    name: str
    size: int
    status: str  # stored | refused
    sha256: str | None = None
    kind: str | None = None
    pages: int = 0
    note: str | None = None


@dataclass
class ProposalLine:
    id: int
    kind: str
    on: str
    data: dict[str, Any]
    sentence: str
    status: str = "pending"


@dataclass
class Taken:
    """One message taken in (or recognised as taken in before)."""

    id: int
    status: str  # new | duplicate
    source: str
    from_address: str | None
    subject: str
    date: str  # the day it is dated
    kind: str  # reply | out-of-office | bounce
    request_id: int | None
    matched_by: str | None
    match_note: str | None
    notes: list[str] = field(default_factory=list)
    attachments: list[AttachmentLine] = field(default_factory=list)
    proposals: list[ProposalLine] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Failed:
    """A file or mailbox entry that could not be taken in, and why (one line)."""

    source: str
    error: str

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "status": "refused", "error": self.error}


# --- taking one message in ------------------------------------------------------------------------


def take_in(
    session: Session,
    raw: bytes,
    *,
    source: str,
    home: Path,
    today: dt.date,
    max_attachment: int = MAX_ATTACHMENT,
    as_message: bytes | None = None,
    raw_extension: str = ".eml",
) -> Taken:
    """Keep one message and everything in it; match it; read it. ``as_message``: the internet
    message to read when ``raw`` is another format (an Outlook .msg)."""
    from sqlalchemy import select

    from records_req.inbox import files, match, parse, read
    from records_req.mail.send import database_name
    from records_req.store.models import InboundMessage, InboxProposal, MessageAttachment

    sha = hashlib.sha256(raw).hexdigest()
    known = session.scalar(select(InboundMessage).where(InboundMessage.sha256 == sha))
    parsed = parse.parse(as_message if as_message is not None else raw)
    if known is None and parsed.message_id:
        known = session.scalar(select(InboundMessage).where(InboundMessage.message_id == parsed.message_id).limit(1))
    if known is not None:
        return _taken(known, "duplicate")
    raw_path, _ = files.store_bytes(home, raw, raw_extension, folder="inbox")
    on = parsed.date.date() if parsed.date else today
    notes = list(parsed.notes)
    if parsed.kind == parse.BOUNCE:
        notes.append(f"bounce: {parsed.bounce_detail}; nothing to record")
    elif parsed.kind == parse.OUT_OF_OFFICE:
        notes.append("out-of-office reply: nothing to record")
    try:
        database: str | None = database_name(session)
    except RecordsReqError:
        database = None
    found = match.find(session, parsed, database)
    if found.suspect and found.note:
        notes.append(found.note)
    row = InboundMessage(
        sha256=sha,
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=" ".join(parsed.references) or None,
        from_address=parsed.from_address,
        from_name=parsed.from_name,
        to_address=parsed.to_address,
        subject=parsed.subject,
        sent_at=parsed.date.astimezone(dt.UTC).replace(tzinfo=None) if parsed.date else None,
        received_on=on,
        source=source,
        raw_path=str(raw_path),
        size=len(raw),
        body=parsed.body,
        body_from=parsed.body_from,
        kind=parsed.kind,
        request_id=found.request_id,
        matched_by=found.how,
        match_note=found.note,
        notes=notes,
    )
    session.add(row)
    stored = 0
    for position, part in enumerate(parsed.parts, 1):
        line = _keep_attachment(session, home, part.name, part.data, max_attachment)
        stored += line.status == "stored" and line.kind not in ("image",)
        row.attachments.append(
            MessageAttachment(
                position=position,
                name=line.name,
                sha256=line.sha256,
                size=line.size,
                status=line.status,
                note=line.note,
            )
        )
    if parsed.kind == parse.REPLY:
        for p in read.propose(parsed.body, parsed.subject, on, attachments=stored):
            row.proposals.append(InboxProposal(kind=p.kind, on=p.on, data=p.data, sentence=p.sentence))
    session.flush()
    return _taken(row, "new")


def _keep_attachment(session: Session, home: Path, name: str, data: bytes, cap: int) -> AttachmentLine:
    from records_req.inbox import files
    from records_req.inbox.received import received_file

    if len(data) > cap:
        return AttachmentLine(
            name, len(data), "refused",
            note=f"{files.size_text(len(data))}, over the {files.size_text(cap)} cap: not stored apart "
            "(it stays in the raw message)",
        )  # fmt: skip
    kept = files.store(home, data, name)
    known = received_file(session, kept, len(data), lambda: data)
    return AttachmentLine(name, len(data), "stored", kept.sha256, known.kind, known.pages, known.text_note)


def _taken(row: InboundMessage, status: str) -> Taken:
    from records_req.store.models import ReceivedFile

    lines = []
    for a in row.attachments:
        file = a.sha256 and _session_get(row, ReceivedFile, a.sha256)
        lines.append(
            AttachmentLine(
                a.name, a.size, a.status, a.sha256,
                file.kind if file else None, file.pages if file else 0, a.note or (file.text_note if file else None),
            )
        )  # fmt: skip
    return Taken(
        id=row.id,
        status=status,
        source=row.source,
        from_address=row.from_address,
        subject=row.subject or "",
        date=row.received_on.isoformat(),
        kind=row.kind,
        request_id=row.request_id,
        matched_by=row.matched_by,
        match_note=row.match_note,
        notes=list(row.notes or []),
        attachments=lines,
        proposals=[_proposal_line(p) for p in row.proposals],
    )


def _session_get(row: Any, model: Any, key: str) -> Any:
    from sqlalchemy.orm import object_session

    session = object_session(row)
    return session.get(model, key) if session is not None else None


def _proposal_line(p: InboxProposal) -> ProposalLine:
    return ProposalLine(p.id, p.kind, p.on.isoformat(), dict(p.data or {}), p.sentence, p.status)


# --- files: .eml, mbox, Maildir, .msg --------------------------------------------------------------


@dataclass
class Entry:
    """One message found in a file or folder, ready to be taken in."""

    source: str
    raw: bytes
    as_message: bytes | None = None
    extension: str = ".eml"


def entries(path: Path) -> Iterator[Entry | Failed]:
    """The messages in ``path``: an .eml, an mbox, a Maildir folder or an Outlook .msg."""
    import mailbox

    from records_req.filetypes import OLE_MAGIC

    if path.is_dir():
        if not ((path / "cur").is_dir() and (path / "new").is_dir()):
            yield Failed(str(path), "a folder, but not a Maildir (it has no cur/ and new/ folders)")
            return
        folder = mailbox.Maildir(path, factory=None, create=False)
        for key in sorted(folder.keys()):
            yield Entry(f"{path}/{key}", folder.get_bytes(key))
        return
    if not path.exists():
        yield Failed(str(path), "no such file or folder")
        return
    if not path.is_file():
        yield Failed(str(path), "not a regular file")
        return
    size = path.stat().st_size
    if size > MAX_MESSAGE:
        yield Failed(str(path), f"{size:,} bytes: larger than the {MAX_MESSAGE:,}-byte limit for one file")
        return
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(OLE_MAGIC):
        from records_req.inbox.msg import MsgError, to_message

        data = path.read_bytes()
        try:
            yield Entry(str(path), data, to_message(data), ".msg")
        except MsgError as exc:
            yield Failed(str(path), str(exc))
        return
    if head.startswith(b"From "):
        box = mailbox.mbox(path, factory=None, create=False)
        try:
            found = [box.get_bytes(key) for key in box.iterkeys()]
        finally:
            box.close()
        for n, raw in enumerate(found, 1):
            yield Entry(f"{path}#{n}", raw)
        return
    data = path.read_bytes()
    if not _looks_like_message(data):
        yield Failed(str(path), "not an email message (no header lines at its start)")
        return
    yield Entry(str(path), data)


def _looks_like_message(data: bytes) -> bool:
    import re

    first = data.lstrip(b"\r\n")[:2000].split(b"\n", 1)[0]
    return bool(re.match(rb"^[!-9;-~]+:", first))


def import_files(
    workspace: Workspace,
    paths: Sequence[Path],
    *,
    home: Path | None = None,
    max_attachment: int = MAX_ATTACHMENT,
    names: Sequence[str] | None = None,
) -> list[Taken | Failed]:
    """Take in every message in ``paths``, in one transaction; a file that cannot be read is one
    :class:`Failed` line and the others are still taken in. ``names``: what each path is called
    in what is kept and said (an uploaded file's own name, not its temporary path)."""
    from records_req.paths import data_home

    home = home or data_home()
    today = workspace.today
    out: list[Taken | Failed] = []
    with workspace.write() as session:
        for n, path in enumerate(paths):
            name = names[n] if names is not None else str(path)
            try:
                for entry in entries(path):
                    entry.source = name + entry.source[len(str(path)) :]
                    if isinstance(entry, Failed):
                        out.append(entry)
                        continue
                    out.append(
                        take_in(
                            session, entry.raw, source=entry.source, home=home, today=today,
                            max_attachment=max_attachment, as_message=entry.as_message, raw_extension=entry.extension,
                        )
                    )  # fmt: skip
            except OSError as exc:
                out.append(Failed(name, exc.strerror or str(exc)))
    return out


# --- the queue and the user's decisions -------------------------------------------------------------


@dataclass
class MessageRow:
    id: int
    date: str
    from_address: str | None
    subject: str
    kind: str
    request_id: int | None
    matched_by: str | None
    match_note: str | None
    pending: int
    notes: list[str]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def messages(workspace: Workspace, *, unmatched: bool = False, request_id: int | None = None) -> list[MessageRow]:
    """The messages taken in: all, the queue (``unmatched``: replies no rule matched), or one
    request's (``request_id``)."""
    from sqlalchemy import select

    from records_req.store.models import InboundMessage

    with workspace.session() as session:
        query = select(InboundMessage).order_by(InboundMessage.id)
        if unmatched:
            query = query.where(InboundMessage.request_id.is_(None), InboundMessage.kind == "reply")
        if request_id is not None:
            query = query.where(InboundMessage.request_id == request_id)
        return [
            MessageRow(
                m.id,
                m.received_on.isoformat(),
                m.from_address,
                m.subject or "",
                m.kind,
                m.request_id,
                m.matched_by,
                m.match_note,
                sum(p.status == "pending" for p in m.proposals),
                list(m.notes or []),
            )
            for m in session.scalars(query)
        ]


@dataclass
class Shown:
    taken: Taken
    body: str
    body_from: str
    raw_path: str

    def to_json(self) -> dict[str, Any]:
        return self.taken.to_json() | {"body": self.body, "body_from": self.body_from, "raw_path": self.raw_path}


def show(workspace: Workspace, message_id: int) -> Shown:
    with workspace.session() as session:
        row = _message(session, message_id)
        return Shown(_taken(row, "kept"), row.body, row.body_from, row.raw_path)


@dataclass
class Pending:
    proposal: ProposalLine
    message_id: int
    from_address: str | None
    subject: str
    request_id: int | None
    matched_by: str | None
    attachments: list[str]
    context: list[tuple[str, bool]] = field(default_factory=list)  # the sentence (True) in its text

    def to_json(self) -> dict[str, Any]:
        return asdict(self.proposal) | {
            "message": self.message_id,
            "from": self.from_address,
            "subject": self.subject,
            "request": self.request_id,
            "matched_by": self.matched_by,
            "attachments": self.attachments,
        }


def review(workspace: Workspace, *, request_id: int | None = None) -> list[Pending]:
    """The proposals waiting for the user, message by message (one request's: ``request_id``)."""
    from sqlalchemy import select

    from records_req.store.models import InboundMessage, InboxProposal

    with workspace.session() as session:
        query = select(InboxProposal).where(InboxProposal.status == "pending")
        if request_id is not None:
            query = query.join(InboxProposal.message).where(InboundMessage.request_id == request_id)
        rows = session.scalars(query.order_by(InboxProposal.message_id, InboxProposal.id))
        return [
            Pending(
                _proposal_line(p),
                p.message.id,
                p.message.from_address,
                p.message.subject or "",
                p.message.request_id,
                p.message.matched_by,
                [a.name for a in p.message.attachments if a.status == "stored"],
                in_context(p.message.body, p.sentence),
            )
            for p in rows
        ]


@dataclass
class RequestInbox:
    """One request's part of the inbox: the messages matched to it and its proposals waiting."""

    messages: list[MessageRow]
    pending: list[Pending]


def for_request(workspace: Workspace, request_id: int) -> RequestInbox:
    return RequestInbox(messages(workspace, request_id=request_id), review(workspace, request_id=request_id))


def in_context(body: str, sentence: str, around: int = 160) -> list[tuple[str, bool]]:
    """The sentence a proposal was read from, in the text around it: segments of plain text, the
    sentence's one marked True (a door shows each escaped, the marked one highlighted). The text
    is read with its spaces and line breaks made single spaces, as the sentence was."""
    flat = " ".join(body.split())
    said = " ".join(sentence.split())
    at = flat.find(said) if said else -1
    if at < 0:
        return [(said, True)]
    start, end = max(0, at - around), min(len(flat), at + len(said) + around)
    before = ("\u2026" if start else "") + flat[start:at]
    after = flat[at + len(said) : end] + ("\u2026" if end < len(flat) else "")
    return [(text, marked) for text, marked in ((before, False), (said, True), (after, False)) if text]


@dataclass
class Download:
    """A message's attachment, as stored (its bytes checked against its hash)."""

    name: str
    extension: str  # what its bytes are (records_req.filetypes), not what its name says
    data: bytes


def attachment(workspace: Workspace, message_id: int, position: int) -> Download:
    """The ``position``-th attachment of a message (from 1), read from the data directory."""
    from records_req.store.models import ReceivedFile

    with workspace.session() as session:
        row = _message(session, message_id)
        found = next((a for a in row.attachments if a.position == position), None)
        if found is None:
            raise InboxError(f"Message {message_id} has no attachment {position}.")
        file = session.get(ReceivedFile, found.sha256) if found.sha256 else None
        if found.status != "stored" or file is None:
            raise InboxError(f"{found.name} was not stored apart: {found.note or 'it stays in the raw message'}.")
        path = Path(file.path)
        if not path.is_file():
            raise InboxError(f"{found.name} is no longer where it was stored ({path}).")
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != file.sha256:
            raise InboxError(f"{found.name} was changed after it was stored; it is not served.")
        return Download(found.name, file.extension, data)


@dataclass
class Confirmed:
    proposal_id: int
    request_id: int
    event_id: int
    kind: str
    on: str
    data: dict[str, Any]
    documents: list[str]
    warnings: list[str]
    status: str  # the request's status after it
    due_on: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def confirm(
    workspace: Workspace,
    proposal_id: int,
    *,
    on: dt.date | None = None,
    changes: dict[str, Any] | None = None,
    note: str | None = None,
    force: bool = False,
) -> Confirmed:
    """Record a proposal as the event it reads (the user's ``changes`` to its fields and date
    win), through the tracker's one way of recording an event; a release brings its attachments
    to the request as received files. Undoable like any other event."""
    from records_req.lifecycle import EVENTS
    from records_req.store.models import ReceivedFile, utcnow
    from records_req.tracker import service

    today = workspace.today
    with workspace.write() as session:
        proposal = _proposal(session, proposal_id)
        message = proposal.message
        if message.request_id is None:
            raise InboxError(
                f"Message {message.id} is not matched to a request yet; match it first ({message.match_note})."
            )
        given = {k: v for k, v in (changes or {}).items() if v is not None}
        fields = {k: v for k, v in (proposal.data or {}).items() if k in EVENTS[proposal.kind].fields}
        if given.keys() & {"days", "until"}:  # the user's days or date replaces what was read
            fields.pop("days", None)
            fields.pop("until", None)
        fields.update(given)
        unknown = set(fields) - set(EVENTS[proposal.kind].fields) - {"tracking_number"}
        if unknown:
            raise UsageError(f"'{proposal.kind}' takes no {', '.join(sorted(unknown))}.")
        request = service.get_request(session, message.request_id)
        quoted = " ".join(proposal.sentence.split())
        said = quoted if len(quoted) <= 300 else quoted[:297] + "..."
        text = note or f"From the agency's email of {message.received_on.isoformat()}: \u201c{said}\u201d"
        event, warnings = service.record_event(
            session, request, proposal.kind, on or proposal.on, today=today, note=text, fields=fields, force=force
        )
        documents: list[str] = []
        if proposal.kind in ("released", "partial-release"):
            for a in message.attachments:
                file = session.get(ReceivedFile, a.sha256) if a.sha256 else None
                if file is None:
                    continue
                service.add_document(session, request, "received", Path(file.path), original_name=a.name, event=event)
                documents.append(a.name)
        proposal.status, proposal.event_id, proposal.decided_at = "confirmed", event.id, utcnow()
        session.flush()
        return Confirmed(
            proposal.id, request.id, event.id, event.kind, event.on.isoformat(), dict(event.data or {}), documents,
            warnings, request.status, request.due_on.isoformat() if request.due_on else None,
        )  # fmt: skip


def reject(workspace: Workspace, proposal_id: int) -> ProposalLine:
    from records_req.store.models import utcnow

    with workspace.write() as session:
        proposal = _proposal(session, proposal_id)
        proposal.status, proposal.decided_at = "rejected", utcnow()
        return _proposal_line(proposal)


def match_to(workspace: Workspace, message_id: int, request_id: int) -> Taken:
    """The user says which request a message answers (the queue's answer; a flagged one too)."""
    from records_req.inbox.match import USER
    from records_req.tracker import service

    with workspace.write() as session:
        row = _message(session, message_id)
        request = service.get_request(session, request_id)
        row.request_id, row.matched_by = request.id, USER
        row.match_note = f"matched by the user to request #{request.id}"
        session.flush()
        return _taken(row, "kept")


def _message(session: Session, message_id: int) -> InboundMessage:
    from records_req.store.models import InboundMessage

    row = session.get(InboundMessage, message_id)
    if row is None:
        raise InboxError(f"No message {message_id} in the inbox.")
    return row


def _proposal(session: Session, proposal_id: int) -> InboxProposal:
    from records_req.store.models import InboxProposal

    row = session.get(InboxProposal, proposal_id)
    if row is None:
        raise InboxError(f"No proposal {proposal_id}.")
    if row.status != "pending":
        raise InboxError(f"Proposal {proposal_id} was already {row.status}.")
    return row

"""The tables. Events are appended, never edited: an undo or an edit is itself an event.

``requests.status`` and ``requests.due_on`` are caches derived from the events (see
``records_req.lifecycle``) so that listing 100,000 requests needs no replay; every write
recomputes them, and ``records-req db recompute`` rebuilds them all. ``requests.schedule_stamp``
names the law and engine they were computed from, so a read recomputes them when either changed
(``records_req.schedule_cache``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_secret() -> str:
    """A random value for a user's session key or calendar address (256 bits)."""
    import secrets

    return secrets.token_urlsafe(32)


def utcnow() -> dt.datetime:
    """Instants are stored as naive UTC: SQLite loses time zones, so none are kept anywhere."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class Profile(Base):
    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    organization: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Agency(Base):
    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("state", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text)
    records_email: Mapped[str | None] = mapped_column(Text)
    portal_url: Mapped[str | None] = mapped_column(Text)
    mailing_address: Mapped[str | None] = mapped_column(Text)
    records_officer: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    models: Mapped[str | None] = mapped_column(Text)  # known 287(g) models, e.g. "WSO; TFM"
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    requests: Mapped[list[Request]] = relationship(back_populates="agency")


class Request(Base):
    __tablename__ = "requests"
    __table_args__ = (
        # One open request per agency and set of topics (the duplicate rule), held by the database
        # itself so that two writers at once cannot both pass it: ``open_key`` is the sorted topics
        # while the request is open, and NULL once it closes or for a deliberate second (--again).
        Index(
            "uq_requests_open_key",
            "agency_id",
            "open_key",
            unique=True,
            sqlite_where=text("open_key IS NOT NULL"),
            postgresql_where=text("open_key IS NOT NULL"),
        ),
        # The fast read path (migration 0019): whether any cached schedule may be stale, by a walk
        # over the distinct stamps; the open (or closed) requests in id order, without a scan.
        Index("ix_requests_schedule_stamp", "schedule_stamp"),
        Index("ix_requests_closed_id", "closed", "id"),
        # A page of the list by state or by status, in id order (migration 0020; SQLite's indexes
        # end with the row id anyway, PostgreSQL's do not).
        Index("ix_requests_jurisdiction_id", "jurisdiction", "id"),
        Index("ix_requests_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="SET NULL"))
    jurisdiction: Mapped[str] = mapped_column(String(2), index=True)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    items: Mapped[list[str]] = mapped_column(JSON, default=list)
    since: Mapped[dt.date] = mapped_column(Date)
    until: Mapped[dt.date] = mapped_column(Date)
    letter_date: Mapped[dt.date] = mapped_column(Date)
    fee_limit: Mapped[int] = mapped_column(Integer, default=50)
    co_requester: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # caches derived from the events
    status: Mapped[str] = mapped_column(String(32), default="draft", index=True)
    due_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    due_statutory: Mapped[bool] = mapped_column(default=False)  # is due_on set by law?
    # the lifecycle's answer for every day: JSON [[from, due_on, statutory, overdue, label], ...]
    schedule: Mapped[str | None] = mapped_column(Text)
    # What the schedule was computed from (schedule_cache.stamp_of); None before 0013.
    schedule_stamp: Mapped[str | None] = mapped_column(Text, nullable=True, default=None)
    # What the initial letter asked for, as sent (letters.compose.AsSent); None before migration 0009.
    as_sent: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, default=None)
    closed: Mapped[bool] = mapped_column(default=False)
    open_key: Mapped[str | None] = mapped_column(Text, nullable=True, default=None)  # tracker.service.open_key

    agency: Mapped[Agency] = relationship(back_populates="requests")
    profile: Mapped[Profile | None] = relationship()
    events: Mapped[list[Event]] = relationship(
        back_populates="request", order_by="Event.id", cascade="all, delete-orphan"
    )
    tags: Mapped[list[Tag]] = relationship(cascade="all, delete-orphan", order_by="Tag.tag")
    tracking_numbers: Mapped[list[TrackingNumber]] = relationship(
        cascade="all, delete-orphan", order_by="TrackingNumber.number"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="request", order_by="Document.id", cascade="all, delete-orphan"
    )


class RequestCount(Base):
    """A count kept current by every write of a request (store/kept.py, migration 0020): the
    requests in a (state, status, closed) or sent in a month, so the dashboard counts without
    reading the requests. ``name``: "status<TAB>TX<TAB>awaiting-response<TAB>0" or "month<TAB>2026-11"."""

    __tablename__ = "request_counts"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class RequestStage(Base):
    """The days (``start`` included, ``until`` excluded) on which a request's cached answer has
    this due date, overdue or not (lifecycle.kept_of), kept with the request by store/kept.py:
    "overdue on a day" and "due within a week" are an index range, not a read of every request."""

    __tablename__ = "request_stages"
    __table_args__ = (
        Index("ix_request_stages_overdue_due", "overdue", "due_on", "request_id", "start", "until", "jurisdiction"),
    )

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True)
    start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    until: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    overdue: Mapped[bool] = mapped_column()
    jurisdiction: Mapped[str] = mapped_column(String(2))


class RequestKept(Base):
    """What one request adds to ``request_counts`` now (store/kept.py): taken away again when it
    changes, whichever writer changed it."""

    __tablename__ = "request_kept"

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True)
    status_name: Mapped[str] = mapped_column(String(80))
    month_name: Mapped[str] = mapped_column(String(80))


class OpenReminder(Base):
    """A reminder in force (after undo and edit) of an open request, kept by store/kept.py with
    every event and every close or reopening: ``due`` and the dashboard list them from here."""

    __tablename__ = "open_reminders"
    __table_args__ = (Index("ix_open_reminders_on", "on", "event_id"),)

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    on: Mapped[dt.date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Tag(Base):
    __tablename__ = "request_tags"

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)


class TrackingNumber(Base):
    __tablename__ = "tracking_numbers"

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[str] = mapped_column(String(200), primary_key=True)


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_request_id_id", "request_id", "id"),
        Index("ix_events_kind_on", "kind", "on"),  # reminders in 'due'
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    forced: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    request: Mapped[Request] = relationship(back_populates="events")


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(String(20))  # letter | received
    path: Mapped[str] = mapped_column(Text)  # where the file is (letters: as written; received: in the data dir)
    original_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    request: Mapped[Request] = relationship(back_populates="documents")


class OutgoingMessage(Base):
    """A letter sent by email from the user's own mailbox (records_req.mail.send): one row per
    request and letter, so the same letter is never sent twice. ``status``: sending (handed to the
    server, answer not yet recorded), accepted, refused (a permanent 5xx: not retried), failed (a
    transient 4xx: tried again on the next run) or unknown (the connection broke mid-message)."""

    __tablename__ = "outgoing_messages"
    __table_args__ = (UniqueConstraint("request_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))  # the PDF sent
    letter_kind: Mapped[str] = mapped_column(String(20))  # initial | follow-up | appeal
    letter_path: Mapped[str] = mapped_column(Text)
    to_address: Mapped[str] = mapped_column(Text)
    from_address: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # naive UTC: the server's 250
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))  # the 'sent' event
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class IceImport(Base):
    """One of ICE's 287(g) sheets, imported whole, so that any two imports can be compared."""

    __tablename__ = "ice_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # participating | pending
    # The list's own date: ICE's, from the file name (participatingAgencies05182026am.xlsx), else
    # the day you downloaded it, else the file's date; dated_by says which (ice.sheets.list_date).
    listed_on: Mapped[dt.date] = mapped_column(Date)
    dated_by: Mapped[str] = mapped_column(String(20))  # file name | downloaded | file date | upload date
    downloaded_on: Mapped[dt.date | None] = mapped_column(Date)  # only when you said so (--downloaded)
    rows: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    agreements: Mapped[list[IceAgreement]] = relationship(
        back_populates="ice_import", order_by="IceAgreement.id", cascade="all, delete-orphan"
    )


class IceAgreement(Base):
    """One row of an imported sheet: one agency's agreement (or application) under one model."""

    __tablename__ = "ice_agreements"
    __table_args__ = (Index("ix_ice_agreements_import_key", "import_id", "state", "agency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("ice_imports.id", ondelete="CASCADE"))
    row: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(2))
    agency: Mapped[str] = mapped_column(Text)
    agency_key: Mapped[str] = mapped_column(Text)
    agency_type: Mapped[str | None] = mapped_column(Text)
    county: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str] = mapped_column(String(3))
    signed: Mapped[dt.date | None] = mapped_column(Date)
    moa_url: Mapped[str | None] = mapped_column(Text)
    addendum_url: Mapped[str | None] = mapped_column(Text)
    pending: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)

    ice_import: Mapped[IceImport] = relationship(back_populates="agreements")


class Watch(Base):
    """What a group watches on ICE's lists (``watch add``): a state, and maybe a county and a model.
    After each update, the new agreements that match are listed (records_req.agencies.watches)."""

    __tablename__ = "watches"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(2))
    county: Mapped[str | None] = mapped_column(Text)  # as given: "Harris" or "Harris County"
    model: Mapped[str | None] = mapped_column(String(3))  # WSO, JEM or TFM; None: any
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class User(Base):
    """An account for the web dashboard when it serves beyond this computer (``users add``).
    Only a salted scrypt hash of the password is kept (records_req.accounts)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Each signed-in session carries session_key; replacing it (sign-out, a new password) ends them
    # all, and an account added again gets a new one (migration 0011).
    session_key: Mapped[str] = mapped_column(String(64), default=new_secret)
    feed_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_secret)  # the calendar address


class Setting(Base):
    """A fact about the database itself (migration 0014): ``database_id``, made once at random,
    keeps the calendar's event UIDs apart from another database's."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class InboundMessage(Base):
    """A message taken in from the user's mailbox or a file (records_req.inbox): its headers, its
    text (never HTML), how it was matched to a request (or None: it waits in the queue), and what
    was noticed about it (``notes``: a forged In-Reply-To, no text part, a broken MIME structure...).
    The raw bytes are kept at ``raw_path``, in the data directory under their hash."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str | None] = mapped_column(Text, index=True)
    in_reply_to: Mapped[str | None] = mapped_column(Text)
    references: Mapped[str | None] = mapped_column(Text)
    from_address: Mapped[str | None] = mapped_column(Text)
    from_name: Mapped[str | None] = mapped_column(Text)
    to_address: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # naive UTC, from its Date header
    received_on: Mapped[dt.date] = mapped_column(Date)  # the day it is dated (the sender's day)
    source: Mapped[str] = mapped_column(Text)  # "imap://user@host/INBOX;UID=7" or the file's path
    raw_path: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)  # the text part, or the HTML part's text, or ""
    body_from: Mapped[str] = mapped_column(String(10))  # text | html | none
    kind: Mapped[str] = mapped_column(String(20))  # reply | out-of-office | bounce
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"), index=True)
    matched_by: Mapped[str | None] = mapped_column(String(20))  # records_req.inbox.match.HOW
    match_note: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    attachments: Mapped[list[MessageAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="MessageAttachment.position"
    )
    proposals: Mapped[list[InboxProposal]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="InboxProposal.id"
    )


class ReceivedFile(Base):
    """A file received (an attachment), stored once by its hash, with its text per page in
    ``received_pages`` (``text_note`` says why there is none: scanned without OCR, password...)."""

    __tablename__ = "received_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    extension: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(Text)
    pages: Mapped[int] = mapped_column(Integer)
    text_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ReceivedPage(Base):
    """One page's text of a received file (a PDF's page, a spreadsheet's sheet; a document: page 1)."""

    __tablename__ = "received_pages"
    __table_args__ = (UniqueConstraint("sha256", "page"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("received_files.sha256", ondelete="CASCADE"))
    page: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class MessageAttachment(Base):
    """An attachment of a message: stored (``sha256`` names the received file) or refused (``note``)."""

    __tablename__ = "message_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(ForeignKey("received_files.sha256", ondelete="SET NULL"))
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # stored | refused
    note: Mapped[str | None] = mapped_column(Text)

    message: Mapped[InboundMessage] = relationship(back_populates="attachments")


class InboxProposal(Base):
    """An event read from a reply, with the sentence it was read from; it changes nothing until the
    user confirms it (then ``event_id`` is the event recorded) or rejects it."""

    __tablename__ = "inbox_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    on: Mapped[dt.date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sentence: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | confirmed | rejected
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    message: Mapped[InboundMessage] = relationship(back_populates="proposals")


class ImapFolder(Base):
    """How far a mailbox's folder was read: its UIDVALIDITY and the last UID taken in."""

    __tablename__ = "imap_folders"
    __table_args__ = (UniqueConstraint("account", "folder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(Text)  # user@host:port
    folder: Mapped[str] = mapped_column(Text)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Job(Base):
    """A long job the dashboard runs in a thread (records_req.jobs, migration 0021): a campaign's
    letters written (``campaign``) or sent by email (``send``). ``status``: running, finished,
    failed (it stopped on an error) or interrupted (its server stopped; it can be resumed).
    ``active`` is set only while it runs, unique: one run of a kind per campaign at a time."""

    __tablename__ = "jobs"
    __table_args__ = (UniqueConstraint("active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # campaign | send
    tag: Mapped[str] = mapped_column(Text)  # the campaign's tag
    active: Mapped[str | None] = mapped_column(String(64))  # sha256 of kind and tag, while it runs
    params: Mapped[dict[str, Any]] = mapped_column(JSON)  # what it runs (and resumes) with
    status: Mapped[str] = mapped_column(String(20))
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    started_by: Mapped[str | None] = mapped_column(String(80))  # the signed-in account, on a team's server
    runner: Mapped[str | None] = mapped_column(String(200))  # host, process id and token of its server
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    beat_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)  # its runner's last sign of life
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class SignInFailure(Base):
    """One failed sign-in to the dashboard, counted by client address and by account name
    (records_req.accounts' throttle, migration 0021); rows older than a day are removed."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_scope_key_at", "scope", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))  # address | account
    key: Mapped[str] = mapped_column(String(100))
    at: Mapped[float] = mapped_column(Float, index=True)  # seconds since the epoch (time.time)

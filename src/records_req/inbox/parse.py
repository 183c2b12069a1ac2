"""A message's bytes to what the inbox keeps and reads: headers, its text, its attachments.

Pure: no database, no files. The text is the plain-text part; a message with only HTML gets the
HTML's text through :class:`_TextOnly` (the standard library's parser: scripts, styles and the
head are dropped, nothing is ever rendered); a message with neither says so. A broken MIME
structure is read as far as it goes and noted; nothing raises on a message's contents.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

REPLY, OUT_OF_OFFICE, BOUNCE = "reply", "out-of-office", "bounce"


@dataclass
class Part:
    """An attachment as it came: its name (as sent, or made up), its declared type, its bytes."""

    name: str
    content_type: str
    data: bytes


@dataclass
class Parsed:
    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    from_address: str | None
    from_name: str | None
    to_address: str | None
    subject: str
    date: dt.datetime | None  # aware, as the sender dated it
    body: str
    body_from: str  # text | html | none
    parts: list[Part] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kind: str = REPLY
    bounced_ids: list[str] = field(default_factory=list)  # a bounce: the Message-IDs it returns
    bounce_detail: str | None = None


_ID = re.compile(r"<[^<>\s]+>")


def message_ids(value: str | None) -> list[str]:
    """The ``<...>`` ids in an In-Reply-To or References header, in order."""
    return _ID.findall(value or "")


def _header(message: Message, name: str) -> str | None:
    try:
        value = message.get(name)
    except Exception:  # a header the parser cannot make sense of (bad encoded-words)
        raw = message.get_all(name, failobj=[None])
        value = raw[0] if raw else None
    if value is None:
        return None
    return " ".join(str(value).split()) or None


def parse(raw: bytes) -> Parsed:
    """What a message says, from its bytes; never raises on its contents."""
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(raw)
    notes: list[str] = []
    defects = [type(d).__name__ for d in _all_defects(message)]
    if defects:
        notes.append(f"broken MIME structure ({', '.join(sorted(set(defects)))}): read as far as it goes; kept raw")
    from_name, from_address = parseaddr(_header(message, "From") or "")
    to = getaddresses([_header(message, "To") or ""])
    date = None
    date_text = _header(message, "Date")
    if date_text:
        try:
            date = parsedate_to_datetime(date_text)
        except (TypeError, ValueError, IndexError):
            notes.append(f"its Date header cannot be read ({date_text[:60]!r})")
    if date is not None and date.tzinfo is None:
        date = date.replace(tzinfo=dt.UTC)
    mid = message_ids(_header(message, "Message-ID"))
    body, body_from, parts = _walk(message, notes)
    replying_to = message_ids(_header(message, "In-Reply-To"))
    parsed = Parsed(
        message_id=mid[0] if mid else None,
        in_reply_to=replying_to[0] if replying_to else None,
        references=message_ids(_header(message, "References")),
        from_address=from_address.lower() or None,
        from_name=from_name or None,
        to_address=(to[0][1].lower() if to and to[0][1] else None),
        subject=_header(message, "Subject") or "",
        date=date,
        body=body,
        body_from=body_from,
        parts=parts,
        notes=notes,
    )
    if body_from == "none":
        notes.append("no text part: nothing to read; kept raw")
    _classify(parsed, message, raw)
    return parsed


def _all_defects(message: Message) -> list[object]:
    found: list[object] = list(message.defects)
    for part in message.walk():
        if part is not message:
            found.extend(part.defects)
    return found


def _walk(message: Message, notes: list[str]) -> tuple[str, str, list[Part]]:
    text: str | None = None
    html: str | None = None
    parts: list[Part] = []
    for n, part in enumerate(message.walk()):
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        name = part.get_filename()
        if ctype in ("message/delivery-status", "text/rfc822-headers", "message/rfc822"):
            continue  # a bounce's report: read by _classify from the raw bytes
        if disposition != "attachment" and not name and ctype in ("text/plain", "text/html"):
            content = _text(part, n, notes)
            if content is None:
                continue
            if ctype == "text/plain" and text is None:
                text = content
            elif ctype == "text/html" and html is None:
                html = content
            continue
        data = _bytes(part, n, notes)
        if data is None:
            continue
        parts.append(Part(_name(name, ctype, len(parts) + 1), ctype, data))
    if text is not None and text.strip():
        return _tidy(text), "text", parts
    if html is not None:
        return _tidy(html_text(html)), "html", parts
    return "", "none", parts


def _text(part: Message, n: int, notes: list[str]) -> str | None:
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else None
        if isinstance(content, str):
            return content
    except Exception:  # an unknown charset, a bad transfer encoding
        pass
    data = _bytes(part, n, notes)
    return None if data is None else data.decode("utf-8", "replace")


def _bytes(part: Message, n: int, notes: list[str]) -> bytes | None:
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:
        notes.append(f"part {n} cannot be decoded ({type(exc).__name__}): kept in the raw message")
        return None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    return payload.encode("utf-8", "replace") if isinstance(payload, str) else None


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def _name(name: str | None, ctype: str, n: int) -> str:
    """An attachment's name as it may be shown and stored: no path, no control characters."""
    clean = _UNSAFE_NAME.sub("_", (name or "").strip()).strip(" .")
    if clean:
        return clean[:200]
    extension = {"application/pdf": ".pdf", "text/plain": ".txt", "application/zip": ".zip"}.get(ctype, "")
    return f"attachment-{n}{extension}"


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


class _TextOnly(HTMLParser):
    """HTML to plain text: the text nodes, a line break at each block; scripts, styles, the head and
    comments dropped. Nothing is fetched, run or rendered."""

    SKIP = frozenset({"script", "style", "head", "title", "template", "noscript", "iframe", "object", "svg"})
    BLOCK = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "hr"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(data)


def html_text(html: str) -> str:
    """The text of an HTML body, never its markup or scripts."""
    parser = _TextOnly()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # pragma: no cover - html.parser is lenient; a safeguard only
        return re.sub(r"<[^>]*>", " ", html)
    text = "".join(parser.out)
    return "\n".join(" ".join(line.split()) for line in text.split("\n"))


# --- out-of-office and bounces ------------------------------------------------------------------

_AWAY_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|autoreply|auto:|out of (the )?office|ooo\b|away from)", re.IGNORECASE
)
_AWAY_BODY = re.compile(
    r"\b(out of (the )?office|on (annual |medical )?leave|on vacation|away from (the|my) (office|desk)|"
    r"limited access to (e-?mail|my email))",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"(undeliverable|undelivered mail|delivery status notification \(failure\)|mail delivery (failed|failure)|"
    r"returned mail|delivery has failed|failure notice)",
    re.IGNORECASE,
)
_DAEMON = re.compile(r"^(mailer-daemon|postmaster|mail-daemon)@", re.IGNORECASE)


def _classify(parsed: Parsed, message: Message, raw: bytes) -> None:
    report = message.get_content_type() == "multipart/report" and (
        (message.get_param("report-type") or "") == "delivery-status"
    )
    daemon = bool(parsed.from_address and _DAEMON.match(parsed.from_address))
    if report or (daemon and _BOUNCE_SUBJECT.search(parsed.subject)) or _BOUNCE_SUBJECT.match(parsed.subject):
        parsed.kind = BOUNCE
        text = raw.decode("utf-8", "replace")
        top = text.split("\r\n\r\n", 1)[-1] if "\r\n\r\n" in text else text.split("\n\n", 1)[-1]
        ids = re.findall(r"^Message-ID:\s*(<[^<>\s]+>)", top, re.IGNORECASE | re.MULTILINE)
        parsed.bounced_ids = [i for i in ids if i != parsed.message_id]
        said = re.search(r"^Diagnostic-Code:\s*(?:smtp;\s*)?(.+)$", top, re.IGNORECASE | re.MULTILINE)
        whom = re.search(r"^Final-Recipient:\s*(?:rfc822;\s*)?(\S+)", top, re.IGNORECASE | re.MULTILINE)
        detail = "the letter was not delivered"
        if whom:
            detail += f" to {whom.group(1).strip()}"
        if said:
            detail += f": {' '.join(said.group(1).split())[:200]}"
        parsed.bounce_detail = detail
        return
    auto = (_header(message, "Auto-Submitted") or "").lower().startswith("auto-replied") or any(
        _header(message, h) for h in ("X-Autoreply", "X-Autorespond")
    )
    if _AWAY_SUBJECT.search(parsed.subject) or (auto and _AWAY_BODY.search(parsed.body)):
        parsed.kind = OUT_OF_OFFICE

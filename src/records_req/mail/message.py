"""The email that carries a request letter: pure building, no network and no database.

- The letter's text is read from the DOCX that was written for it (the file the request keeps),
  so the body says exactly what the attached PDF says: from the salutation to the signature, the
  requester's own address, email and phone under the name (what the clerk needs to answer).
- The subject is the letter's own ("Re: ..." line), led by a reference token
  ``[rr-<database>-<request>]``: short, stable, and kept by mail programs in a reply's
  "Re: [rr-3f9c0a1e-12] ..." so a later reply can be matched to its request (:func:`find_reference`).
- The message is built with :mod:`email.message` (quoted-printable text, the PDF as an
  attachment), with the Message-ID chosen before sending and kept by the tracker.
"""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import NamedTuple

from records_req.errors import RecordsReqError

NAME_LENGTH = 8  # the database's name in a token: the start of its random database_id (hex)
_REFERENCE = re.compile(r"\[rr-([a-z0-9]{4,16})-([1-9][0-9]{0,17})\]", re.IGNORECASE)


class LetterTextError(RecordsReqError):
    """The letter's file cannot be read as a letter."""


class LetterText(NamedTuple):
    subject: str  # without "Re: "
    body: str


class Reference(NamedTuple):
    database: str  # the database's short name: the start of its database_id (store.models.Setting)
    request_id: int

    @property
    def token(self) -> str:
        return f"[rr-{self.database}-{self.request_id}]"


def find_reference(subject: str) -> Reference | None:
    """The reference token in a subject ("Re: [rr-3f9c0a1e-12] Public records request..."), if any."""
    match = _REFERENCE.search(subject or "")
    if match is None:
        return None
    return Reference(match.group(1).lower(), int(match.group(2)))


def subject_line(subject: str, reference: Reference) -> str:
    """The email's subject: the token first (kept whole by every mail program's "Re:"), then the
    letter's own subject on one line."""
    return f"{reference.token} {' '.join(subject.split())}"


_DATE_LINE = re.compile(
    r"^(January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}$"
)


def letter_text(docx: bytes) -> LetterText:
    """The subject and the email body of a letter written as DOCX (letters.docx): what follows the
    "Re:" line, one paragraph apart from the next (a numbered item with its number), the lines
    after the closing ("Sincerely,") together as the signature, and the sender's own lines
    (address, email, phone: the first lines, before the date) under it, as in any email."""
    from records_req.letters.docx_read import paragraphs as read

    try:
        paragraphs = [f"{label} {text}" if label else text for label, text in _stripped(read(docx))]
    except Exception as exc:  # python-docx raises zip, XML and key errors on a damaged file
        raise LetterTextError(f"the letter's DOCX cannot be read ({type(exc).__name__}: {exc})") from None
    at = next((i for i, text in enumerate(paragraphs) if text.startswith("Re: ")), None)
    if at is None:
        raise LetterTextError("the letter's DOCX has no 'Re:' line to take the subject from")
    subject = " ".join(paragraphs[at][4:].split())
    rest = [text for text in paragraphs[at + 1 :] if text.strip()]
    if not rest:
        raise LetterTextError("the letter's DOCX has no text after its 'Re:' line")
    closing = max((i for i, text in enumerate(rest) if text.endswith(",")), default=len(rest) - 1)
    body, signature = rest[: closing + 1], rest[closing + 1 :]
    for text in paragraphs[:at]:  # the sender's block: the first lines, up to a blank one or the date
        if not text.strip() or _DATE_LINE.match(text.strip()):
            break
        if text not in signature:
            signature.append(text)
    parts = [*body, "\n".join(signature)] if signature else body
    return LetterText(subject, "\n\n".join(parts) + "\n")


def _stripped(paragraphs: list[tuple[str | None, str]]) -> list[tuple[str | None, str]]:
    """Tabs (Word's gap after a list label, or a typed label's) as spaces, line ends trimmed; a list
    label is kept only on a paragraph with text."""
    out: list[tuple[str | None, str]] = []
    for label, text in paragraphs:
        text = text.replace("\t", " ").rstrip()
        out.append((label if text.strip() else None, text))
    return out


def message_id(reference: Reference, from_email: str) -> str:
    """A new Message-ID for one letter, naming its request and the sender's domain."""
    domain = from_email.rpartition("@")[2] or "records-req.invalid"
    return make_msgid(idstring=f"rr-{reference.database}-{reference.request_id}", domain=domain)


def build(
    *,
    to_name: str,
    to_email: str,
    from_name: str | None,
    from_email: str,
    subject: str,
    body: str,
    pdf: bytes,
    pdf_name: str,
    message_id: str,
    date: dt.datetime,
) -> EmailMessage:
    """The message to send: the letter's text as the body, its PDF attached."""
    from records_req.letters.eml import address

    message = EmailMessage(policy=SMTP.clone(max_line_length=998))
    message["From"] = address(from_name, from_email)
    message["To"] = address(to_name, to_email)
    message["Subject"] = " ".join(subject.split())
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message.set_content(body, cte="quoted-printable")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_name)
    return message

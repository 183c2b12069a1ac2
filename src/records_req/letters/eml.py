"""A request letter as an unsent email draft (RFC 5322 ``.eml``): the letter as the body, its PDF
attached, ``X-Unsent: 1`` so that Outlook and Thunderbird open it as a draft to check and send.
Nothing is sent and no password is asked for.

Addresses are built with :class:`email.headerregistry.Address`, so a display name with a comma,
quotes or non-Latin letters stays one address (``formataddr`` would split "Custodian, Lee County"
in two). The body is quoted-printable, so the file is 7-bit and opens anywhere. The bytes depend
only on the letter (the MIME boundary is derived from the content): the same letter, the same file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from records_req.errors import UsageError
from records_req.letters.model import Letter


def address(name: str | None, email: str) -> Address:
    """One address; a malformed email is a clear error, not a header that would split or vanish."""
    from records_req.hygiene import ascii_domain

    local, at, domain = email.strip().rpartition("@")
    try:
        spec = f"{local}{at}{ascii_domain(domain)}" if at and not domain.isascii() else email.strip()
        return Address(display_name=" ".join((name or "").split()), addr_spec=spec)
    except (ValueError, IndexError) as exc:
        raise UsageError(f"{email!r} is not an email address: {exc}") from None


def body_text(letter: Letter) -> str:
    """The letter as an email's text: what a records clerk reads in Outlook or Thunderbird.

    A blank line between paragraphs, headings and items (mail programs show plain text as it is,
    so lines that run on make a wall of text). The letter's address blocks, date and "Re:" line
    are left out: the email is addressed to the agency, dated when sent and has the subject as
    its own, and the attached PDF is the letter in full. The requester's postal address, email
    and phone, which the clerk needs to answer, follow the name under the closing, as in any
    email; the co-requester and an appeal's enclosures keep their lines.
    """
    paragraphs = [letter.salutation]
    paragraphs += [f"{block.label} {block.text}" if block.label else block.text for block in letter.body]
    paragraphs.append(letter.closing)
    groups: list[list[str]] = [[]]  # the signature's parts, as blank lines separate them
    for line in letter.signature:
        if line:
            groups[-1].append(line)
        elif groups[-1]:
            groups.append([])
    signer = groups[0]  # the requester: name and organization
    signer += [line for line in letter.sender if line not in signer]
    paragraphs += ["\n".join(group) for group in groups]
    return "\n\n".join(p for p in paragraphs if p) + "\n"


def draft(
    letter: Letter,
    *,
    to_name: str,
    to_email: str,
    from_name: str | None,
    from_email: str | None,
    subject: str,
    pdf: bytes,
    pdf_name: str,
) -> bytes:
    """The .eml draft of ``letter``, addressed to the agency, with ``pdf`` attached."""
    message = EmailMessage()
    message["To"] = address(to_name, to_email)
    if from_email:
        message["From"] = address(from_name, from_email)
    message["Subject"] = " ".join(subject.split())
    # A draft has no sending time yet; the letter's date keeps the header honest and the file stable.
    message["Date"] = format_datetime(dt.datetime.combine(letter.date, dt.time(9), tzinfo=dt.UTC))
    message["X-Unsent"] = "1"
    body = body_text(letter)
    message.set_content(body, cte="quoted-printable")  # 7-bit safe, Núñez and all
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_name)
    digest = hashlib.sha256(body.encode("utf-8") + pdf).hexdigest()[:24]
    message.set_boundary(f"records-req-{digest}")
    # RFC 5322 allows 998-character lines: a long subject then never comes back with a doubled space.
    return message.as_bytes(policy=SMTP.clone(max_line_length=998))

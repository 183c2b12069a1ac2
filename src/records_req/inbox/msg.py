"""Outlook's .msg files (MS-OXMSG), read with olefile (already a dependency) rather than the heavy
``extract-msg``: a .msg is an OLE compound file whose ``__substg1.0_<tag><type>`` streams hold the
message's properties. What the inbox needs is rebuilt as an internet message: the headers the
message came with (``PR_TRANSPORT_MESSAGE_HEADERS``: From, Date, Message-ID, In-Reply-To...),
else the subject, sender and ids from their own properties; the plain-text body (or the HTML one);
and each attachment's bytes and name. RTF-only bodies are not decompressed (noted).
"""

from __future__ import annotations

import io
from email.message import EmailMessage
from email.parser import HeaderParser
from email.policy import SMTP
from typing import Any

from records_req.errors import RecordsReqError

SUBJECT, BODY, HTML, HEADERS = "0037", "1000", "1013", "007D"
SENDER_NAME, SENDER_EMAIL, SENDER_SMTP = "0C1A", "0C1F", "5D01"
MESSAGE_ID, IN_REPLY_TO, REFERENCES = "1035", "1042", "1039"
ATTACH_DATA, ATTACH_LONG_NAME, ATTACH_NAME, ATTACH_MIME = "3701", "3707", "3704", "370E"
KEPT_HEADERS = ("From", "To", "Cc", "Date", "Message-ID", "In-Reply-To", "References", "Subject", "Auto-Submitted")


class MsgError(RecordsReqError):
    """The file is not an Outlook message that can be read."""


def _value(ole: Any, storage: str, tag: str) -> str | bytes | None:
    for kind in ("001F", "001E", "0102"):
        name = f"{storage}__substg1.0_{tag}{kind}"
        if ole.exists(name):
            data: bytes = ole.openstream(name).read()
            if kind == "001F":
                return data.decode("utf-16-le", "replace").rstrip("\x00")
            if kind == "001E":
                return data.decode("latin-1").rstrip("\x00")
            return data
    return None


def _text(ole: Any, storage: str, tag: str) -> str | None:
    value = _value(ole, storage, tag)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").rstrip("\x00")
    return value or None


def to_message(data: bytes) -> bytes:
    """An Outlook .msg's message as internet-message bytes."""
    import olefile  # type: ignore[import-untyped]

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError) as exc:
        raise MsgError(f"not a readable Outlook message ({exc})") from None
    try:
        if not ole.exists(f"__substg1.0_{SUBJECT}001F") and not ole.exists("__properties_version1.0"):
            raise MsgError("an OLE file, but not an Outlook message (no message properties)")
        message = EmailMessage(policy=SMTP.clone(max_line_length=998))
        headers = HeaderParser().parsestr(_text(ole, "", HEADERS) or "")
        for name in KEPT_HEADERS:
            value = headers.get(name)
            if value:
                message[name] = " ".join(str(value).split())
        own = {
            "Subject": _text(ole, "", SUBJECT),
            "Message-ID": _text(ole, "", MESSAGE_ID),
            "In-Reply-To": _text(ole, "", IN_REPLY_TO),
            "References": _text(ole, "", REFERENCES),
        }
        for name, value in own.items():
            if value and name not in message:
                message[name] = " ".join(value.split())
        if "From" not in message:
            email = _text(ole, "", SENDER_SMTP) or _text(ole, "", SENDER_EMAIL)
            if email and "@" in email:
                who = _text(ole, "", SENDER_NAME)
                message["From"] = f'"{who}" <{email}>' if who else email
        body, html = _text(ole, "", BODY), _text(ole, "", HTML)
        if body:
            message.set_content(body)
        elif html:
            message.set_content(html, subtype="html")
        else:
            message.set_content("")
        for storage in sorted({"/".join(e[:1]) for e in ole.listdir() if e[0].startswith("__attach_version1.0_")}):
            blob = _value(ole, f"{storage}/", ATTACH_DATA)
            if not isinstance(blob, bytes):
                continue
            name = _text(ole, f"{storage}/", ATTACH_LONG_NAME) or _text(ole, f"{storage}/", ATTACH_NAME) or "attachment"
            mime = (_text(ole, f"{storage}/", ATTACH_MIME) or "application/octet-stream").split("/", 1)
            maintype, subtype = (mime[0], mime[1]) if len(mime) == 2 else ("application", "octet-stream")
            message.add_attachment(blob, maintype=maintype, subtype=subtype, filename=name)
        return message.as_bytes()
    finally:
        ole.close()

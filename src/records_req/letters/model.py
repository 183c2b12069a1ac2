"""The structured letter both renderers draw from."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Literal, NamedTuple

Kind = Literal["initial", "follow-up", "appeal"]
KINDS: tuple[Kind, ...] = ("initial", "follow-up", "appeal")
BlockKind = Literal["heading", "paragraph", "item", "bullet"]
# Roles of the lines of a letter, in reading order; each renderer styles them its own way.
Role = Literal[
    "sender",
    "date",
    "recipient",
    "subject",
    "salutation",
    "heading",
    "paragraph",
    "item",
    "bullet",
    "closing",
    "signature",
    "blank",
]


class Block(NamedTuple):
    kind: BlockKind
    text: str  # may contain "\n": a line break inside the block
    label: str = ""  # "1." for items, "•" for bullets


class Letter(NamedTuple):
    kind: Kind
    jurisdiction: str
    date: dt.date
    sender: tuple[str, ...]
    recipient: tuple[str, ...]
    subject: str
    salutation: str
    body: tuple[Block, ...]
    closing: str
    signature: tuple[str, ...]
    to: str | None = None  # the body written to (not its officer): what later pages' header names

    @property
    def date_text(self) -> str:
        return long_date(self.date)

    @property
    def continuation(self) -> str:
        """The header of pages after the first: to whom, and when."""
        to = self.to or (self.recipient[0] if self.recipient else "")
        return ", ".join(part for part in (to, self.date_text) if part)

    @property
    def author(self) -> str:
        """Who signs: the requester's name (the first line of the signature)."""
        return next((line for line in self.signature if line), "")

    @property
    def about(self) -> str:
        """What the letter is, for a file's properties: 'Public records request to X'."""
        to = self.to or (self.recipient[0] if self.recipient else "")
        what = _ABOUT[self.kind]
        return f"{what} to {to}" if to else what

    def sequence(self) -> list[tuple[Role, str, str]]:
        """(role, label, text) in reading order: the one source of both renderers' text."""
        out: list[tuple[Role, str, str]] = []
        out.extend(("sender", "", line) for line in self.sender)
        out.append(("blank", "", ""))
        out.append(("date", "", self.date_text))
        out.append(("blank", "", ""))
        out.extend(("recipient", "", line) for line in self.recipient)
        out.append(("blank", "", ""))
        out.append(("subject", "", f"Re: {self.subject}"))
        out.append(("blank", "", ""))
        out.append(("salutation", "", self.salutation))
        out.extend((block.kind, block.label, block.text) for block in self.body)
        out.append(("closing", "", self.closing))
        out.append(("blank", "", ""))
        out.extend(("signature", "", line) for line in self.signature)
        return out

    def plain_text(self) -> str:
        """The letter as plain text (what the tests compare both files against)."""
        lines = []
        for _role, label, text in self.sequence():
            lines.append(f"{label} {text}" if label else text)
        return "\n".join(lines) + "\n"


_ABOUT: dict[Kind, str] = {
    "initial": "Public records request",
    "follow-up": "Follow-up on a public records request",
    "appeal": "Appeal of a public records decision",
}
# The language of every letter (the wording templates are English), as the DOCX and PDF declare it.
LANGUAGE = "en-US"


def keep_last_paragraph(letter: Letter) -> bool:
    """Whether the letter's last block, a paragraph, goes on the page of the closing and the
    signature (both renderers keep them together)."""
    return bool(letter.body) and letter.body[-1].kind == "paragraph"


@lru_cache(maxsize=1024)
def long_date(day: dt.date) -> str:
    """'November 27, 2026' (remembered: strftime's month name costs microseconds a call, and a
    letter names the same few dates again and again)."""
    return f"{day:%B} {day.day}, {day.year}"

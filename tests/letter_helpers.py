"""Reading letters back: the words of a DOCX and of a PDF, for comparison."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

from records_req.letters.model import Block, Letter

_PAGE = re.compile(r"Page \d+ of \d+|^.* · page \d+$", re.M)
# A web address too long for its line breaks after one of its separators (letters/links.py), with
# no mark: the text read back from the PDF has a line break there, which is layout, not text.
_BROKEN_ADDRESS = re.compile(r"https?://\S*[/_\-?&=]")


def docx_text(data: bytes | Path) -> str:
    """The paragraphs' text, each item of a Word list led by the label Word shows ("1.\\t",
    "•\\t"), counted as Word counts: per list (numId), from its start or start override
    (records_req.letters.docx_read, which the email body of `send` reads too)."""
    from records_req.letters.docx_read import paragraphs

    return "\n".join(f"{label}\t{text}" if label else text for label, text in paragraphs(data))


def pdf_text(data: bytes | Path) -> str:
    import pypdf

    source = io.BytesIO(data) if isinstance(data, bytes) else data
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(source).pages)
    return _PAGE.sub(" ", text)


def words(text: str) -> list[str]:
    """The words of a text, a web address broken across lines counting as one word (compare the
    words of two texts both through this function: an address that ends with a separator is
    joined to the word after it in both)."""
    out: list[str] = []
    joining = False
    for word in text.split():
        if joining:
            out[-1] += word
        else:
            out.append(word)
        joining = bool(_BROKEN_ADDRESS.fullmatch(out[-1]))
    return out


def letter_with(body: list[Block], signature: tuple[str, ...] = ("", "", "Ana Núñez"), **extra: Any) -> Letter:
    """A Michigan initial letter to a sample sheriff's office with ``body`` as its blocks."""
    return Letter(
        kind="initial",
        jurisdiction="MI",
        date=dt.date(2026, 11, 27),
        sender=("Ana Núñez", "1 Elm St", "Town, ST 00000", "ana@example.org"),
        recipient=("FOIA Coordinator", "Example County Sheriff's Office", "100 Main St", "Example, ST 00000"),
        subject="Public records request under the Michigan Freedom of Information Act",
        salutation="Dear FOIA Coordinator:",
        body=tuple(body),
        closing="Sincerely,",
        signature=signature,
        **extra,
    )

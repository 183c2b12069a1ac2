"""Reading letters back: the words of a DOCX and of a PDF, for comparison."""

from __future__ import annotations

import io
import re
from pathlib import Path

_PAGE = re.compile(r"Page \d+ of \d+|^.* · page \d+$", re.M)


def docx_text(data: bytes | Path) -> str:
    import docx

    source = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    return "\n".join(p.text for p in docx.Document(source).paragraphs)


def pdf_text(data: bytes | Path) -> str:
    import pypdf

    source = io.BytesIO(data) if isinstance(data, bytes) else data
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(source).pages)
    return _PAGE.sub(" ", text)


def words(text: str) -> list[str]:
    return text.split()

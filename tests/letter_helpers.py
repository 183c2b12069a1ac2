"""Reading letters back: the words of a DOCX and of a PDF, for comparison."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

_PAGE = re.compile(r"Page \d+ of \d+|^.* · page \d+$", re.M)
# A web address too long for its line breaks after one of its separators (letters/links.py), with
# no mark: the text read back from the PDF has a line break there, which is layout, not text.
_BROKEN_ADDRESS = re.compile(r"https?://\S*[/_\-?&=]")


def docx_text(data: bytes | Path) -> str:
    """The paragraphs' text, each item of a Word list led by the label Word shows ("1.\\t",
    "•\\t"), counted as Word counts: per list (numId), from its start or start override."""
    import docx

    source = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    document = docx.Document(source)
    labels = _list_labels(document)
    return "\n".join(f"{labels[i]}\t{p.text}" if i in labels else p.text for i, p in enumerate(document.paragraphs))


def _list_labels(document: Any) -> dict[int, str]:
    from docx.oxml.ns import qn

    paragraphs = document.paragraphs
    if not any(p._p.pPr is not None and p._p.pPr.numPr is not None for p in paragraphs):
        return {}
    numbering = document.part.numbering_part.element
    abstract = {a.get(qn("w:abstractNumId")): a for a in numbering.findall(qn("w:abstractNum"))}
    levels: dict[str, tuple[str, str, int]] = {}  # numId -> (format, text, start) of level 0
    for num in numbering.findall(qn("w:num")):
        level = abstract[num.find(qn("w:abstractNumId")).get(qn("w:val"))].find(qn("w:lvl"))
        start = int(level.find(qn("w:start")).get(qn("w:val")))
        override = num.find(f"{qn('w:lvlOverride')}/{qn('w:startOverride')}")
        if override is not None:
            start = int(override.get(qn("w:val")))
        fmt, text = (level.find(qn(f"w:{name}")).get(qn("w:val")) for name in ("numFmt", "lvlText"))
        levels[num.get(qn("w:numId"))] = (fmt, text, start)
    counters: dict[str, int] = {}
    labels = {}
    for i, p in enumerate(paragraphs):
        num_pr = p._p.pPr.numPr if p._p.pPr is not None else None
        if num_pr is None or num_pr.numId is None or num_pr.numId.val == 0:
            continue
        num_id = str(num_pr.numId.val)
        fmt, text, start = levels[num_id]
        counters[num_id] = counters.get(num_id, start - 1) + 1
        assert fmt in ("decimal", "bullet"), fmt  # the letters' two kinds of list
        labels[i] = text.replace("%1", str(counters[num_id])) if fmt == "decimal" else text
    return labels


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

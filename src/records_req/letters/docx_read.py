"""Reading a letter's DOCX back as text, each item of a Word list led by the label Word shows.

The letters number their records with Word's own numbering (letters/docx.py), so the number is not
in the paragraph's text: it is counted as Word counts, per list (its numId), from the list's start
or its start override. Used where a letter's words are needed from the file that was written (the
email body of ``records-req send``) and by the tests that compare the DOCX with the PDF.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any


def paragraphs(data: bytes | Path) -> list[tuple[str | None, str]]:
    """Each paragraph of the DOCX as (the label Word shows, or None; the paragraph's text)."""
    import docx

    document = docx.Document(io.BytesIO(data) if isinstance(data, bytes) else str(data))
    labels = list_labels(document)
    return [(labels.get(i), p.text) for i, p in enumerate(document.paragraphs)]


def list_labels(document: Any) -> dict[int, str]:
    """Paragraph index -> the label Word shows for it ("1.", "•"), for the paragraphs in a list."""
    from docx.oxml.ns import qn

    every = document.paragraphs
    if not any(p._p.pPr is not None and p._p.pPr.numPr is not None for p in every):
        return {}
    numbering = document.part.numbering_part.element
    abstract = {a.get(qn("w:abstractNumId")): a for a in numbering.findall(qn("w:abstractNum"))}
    levels: dict[str, tuple[str, str, int]] = {}  # numId -> (format, text, start) of level 0
    for num in numbering.findall(qn("w:num")):
        level = abstract[num.find(qn("w:abstractNumId")).get(qn("w:val"))].find(qn("w:lvl"))
        start_at = level.find(qn("w:start"))
        start = int(start_at.get(qn("w:val"))) if start_at is not None else 1
        override = num.find(f"{qn('w:lvlOverride')}/{qn('w:startOverride')}")
        if override is not None:
            start = int(override.get(qn("w:val")))
        fmt, text = (level.find(qn(f"w:{name}")).get(qn("w:val")) for name in ("numFmt", "lvlText"))
        levels[num.get(qn("w:numId"))] = (fmt, text, start)
    counters: dict[str, int] = {}
    labels: dict[int, str] = {}
    for i, p in enumerate(every):
        num_pr = p._p.pPr.numPr if p._p.pPr is not None else None
        if num_pr is None or num_pr.numId is None or num_pr.numId.val == 0:
            continue
        num_id = str(num_pr.numId.val)
        if num_id not in levels:
            continue
        fmt, text, start = levels[num_id]
        counters[num_id] = counters.get(num_id, start - 1) + 1
        labels[i] = text.replace("%1", str(counters[num_id])) if fmt != "bullet" else text
    return labels

"""One letter, every requested format, from the same Letter object."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from records_req.letters.model import Letter
from records_req.resources import templates_dir

FORMATS = ("docx", "pdf")


def word_template(user_templates: Path | None) -> Path:
    """The user's letter.docx if their template directory has one, else ours."""
    if user_templates is not None and (user_templates / "letter.docx").is_file():
        return user_templates / "letter.docx"
    return templates_dir() / "letters" / "letter.docx"


def render(letter: Letter, formats: Sequence[str], user_templates: Path | None = None) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    if "docx" in formats:
        from records_req.letters.docx import compile_docx

        out["docx"] = compile_docx(word_template(user_templates)).render(letter)
    if "pdf" in formats:
        from records_req.letters.pdf import render_pdf

        out["pdf"] = render_pdf(letter)
    return out

"""One letter, every requested format, from the same Letter object."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from records_req.letters.model import Letter
from records_req.resources import templates_dir

if TYPE_CHECKING:
    from records_req.letters.compose import LetterRequest

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


def planned_paths(
    req: LetterRequest,
    *,
    agency_name: str,
    topic_keys: Sequence[str],
    formats: str = "both",
    out_dir: Path | None = None,
) -> dict[str, Path]:
    """Where :func:`write_letter` will put this letter's files."""
    from records_req.letters.files import default_out_dir, letter_paths

    chosen = FORMATS if formats == "both" else (formats,)
    return letter_paths(
        out_dir or default_out_dir(),
        req.jurisdiction.code,
        agency_name,
        req.date.isoformat(),
        list(topic_keys) or ["items"],
        req.kind,
        chosen,
    )


def write_letter(
    req: LetterRequest,
    *,
    agency_name: str,
    topic_keys: Sequence[str],
    formats: str = "both",
    out_dir: Path | None = None,
    force: bool = False,
    user_templates: Path | None = None,
    keep_existing: bool = False,
) -> tuple[Letter, dict[str, Path], dict[str, bytes]]:
    """Compose, render and write one letter under ``out_dir``: the one path every command takes.

    ``keep_existing``: if the file names are taken (another request's letter), number this one
    (``-2``, ``-3``...) instead of refusing or replacing.
    """
    from records_req.letters.compose import compose
    from records_req.output import write_all

    letter = compose(req, user_templates)
    chosen = FORMATS if formats == "both" else (formats,)
    paths = planned_paths(req, agency_name=agency_name, topic_keys=topic_keys, formats=formats, out_dir=out_dir)
    number = 2
    while keep_existing and any(p.exists() for p in paths.values()):
        paths = {ext: p.with_name(f"{p.stem.rsplit('~', 1)[0]}~{number}{p.suffix}") for ext, p in paths.items()}
        number += 1
    rendered = render(letter, chosen, user_templates)
    write_all({paths[ext]: rendered[ext] for ext in chosen}, force=force)
    return letter, paths, rendered

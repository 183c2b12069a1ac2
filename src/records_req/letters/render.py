"""One letter, every requested format, from the same Letter object."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from records_req.letters.model import Letter
from records_req.resources import templates_dir

if TYPE_CHECKING:
    from records_req.letters.compose import LetterRequest
    from records_req.workspace import LetterOutput

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


def draft_recipient(req: LetterRequest) -> tuple[str, str | None]:
    """To whom the letter's email draft goes: (name, email), the email None where none is known
    (then no draft is written). An appeal goes to the appeal body where the law names one."""
    j = req.jurisdiction
    if req.kind == "appeal" and j.is_federal:
        return "ICE Office of the Principal Legal Advisor", None
    if req.kind == "appeal" and j.appeal.addressee:
        email = j.appeal.email
        return j.appeal.addressee, email if email and "@" in email and "://" not in email else None
    return req.agency.name, req.agency.email


def with_draft_path(paths: dict[str, Path], req: LetterRequest) -> dict[str, Path]:
    """``paths`` and, where the recipient's email is known, the draft's: ``<letter>.eml``."""
    if draft_recipient(req)[1] is None:
        return paths
    return {**paths, "eml": next(iter(paths.values())).with_suffix(".eml")}


def draft_email(letter: Letter, req: LetterRequest, pdf: bytes, pdf_name: str) -> bytes | None:
    """The unsent .eml draft of the letter, its PDF attached: what ``letter --eml``, ``new --eml``
    and ``campaign --eml`` all write. None where the recipient's email is not known."""
    to_name, to_email = draft_recipient(req)
    if to_email is None:
        return None
    from records_req.letters.eml import draft

    return draft(
        letter,
        to_name=to_name,
        to_email=to_email,
        from_name=req.requester.name,
        from_email=req.requester.email,
        subject=letter.subject,
        pdf=pdf,
        pdf_name=pdf_name,
    )


def planned_paths(
    req: LetterRequest,
    *,
    agency_name: str,
    topic_keys: Sequence[str],
    output: LetterOutput,
) -> dict[str, Path]:
    """Where :func:`write_letter` will put this letter's files (with ``output.eml``, the draft's
    too, where the recipient's email is known)."""
    from records_req.letters.files import default_out_dir, letter_paths

    chosen = FORMATS if output.formats == "both" else (output.formats,)
    paths = letter_paths(
        output.out_dir or default_out_dir(),
        req.jurisdiction.code,
        agency_name,
        req.date.isoformat(),
        list(topic_keys) or ["items"],
        req.kind,
        chosen,
    )
    return with_draft_path(paths, req) if output.eml else paths


def write_letter(
    req: LetterRequest,
    *,
    agency_name: str,
    topic_keys: Sequence[str],
    output: LetterOutput,
    keep_existing: bool = False,
    adopt_same: bool = False,
) -> tuple[Letter, dict[str, Path], dict[str, bytes]]:
    """Compose, render and write one letter as ``output`` says (its formats, under its folder,
    replacing a file only with its ``force``): the one path every command takes.

    ``keep_existing``: if the file names are taken (another request's letter), number this one
    (``-2``, ``-3``...) instead of refusing or replacing. ``output.eml``: also write the unsent
    email draft (:func:`draft_email`) beside the letter where the recipient's email is known; the
    paths then include ``eml`` (absent: no email known, no draft). ``adopt_same``: a file that
    already holds exactly these bytes (left by an interrupted run) is kept, not refused.
    """
    from records_req.output import write_all

    letter, paths, rendered = prepare_letter(
        req, agency_name=agency_name, topic_keys=topic_keys, output=output, keep_existing=keep_existing
    )
    written = {paths[ext]: rendered[ext] for ext in paths if ext in rendered}
    same = unchanged(written) if adopt_same else set()
    write_all({p: data for p, data in written.items() if p not in same}, force=output.force)
    return letter, {ext: paths[ext] for ext in paths if ext in rendered}, rendered


def unchanged(files: dict[Path, bytes]) -> set[Path]:
    """The files that already hold exactly these bytes (letters render byte for byte the same)."""
    try:
        return {
            p for p, data in files.items() if p.is_file() and p.stat().st_size == len(data) and p.read_bytes() == data
        }
    except OSError:
        return set()


def prepare_letter(
    req: LetterRequest,
    *,
    agency_name: str,
    topic_keys: Sequence[str],
    output: LetterOutput,
    keep_existing: bool = False,
) -> tuple[Letter, dict[str, Path], dict[str, bytes]]:
    """The letter, where its files go and their bytes, without writing anything."""
    from records_req.letters.compose import compose

    user_templates = output.templates
    letter = compose(req, user_templates)
    chosen = FORMATS if output.formats == "both" else (output.formats,)
    paths = planned_paths(req, agency_name=agency_name, topic_keys=topic_keys, output=output)
    number = 2
    while keep_existing and any(p.exists() for p in paths.values()):
        paths = {ext: p.with_name(f"{p.stem.rsplit('~', 1)[0]}~{number}{p.suffix}") for ext, p in paths.items()}
        number += 1
    rendered = render(letter, chosen, user_templates)
    if "eml" in paths:
        pdf = rendered.get("pdf") or render(letter, ["pdf"], user_templates)["pdf"]
        draft = draft_email(letter, req, pdf, paths["eml"].with_suffix(".pdf").name)
        if draft is not None:
            rendered["eml"] = draft
    return letter, paths, rendered

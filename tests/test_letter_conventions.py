"""The letter as Word, PDF readers and screen readers expect it (issue 19): Word's own numbering and
paragraph spacing, keep-with-next, honest document properties; a PDF dated with the letter's date
that declares its language, title and author and has a bookmark at each heading."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest

from records_req.letters.check import sample_request
from records_req.letters.compose import compose
from records_req.letters.docx import compile_docx
from records_req.letters.model import Block, Letter
from records_req.letters.pdf import render_pdf
from records_req.letters.render import word_template

from .cli_helpers import run_out
from .letter_helpers import docx_text, letter_with, pdf_text, words
from .test_printed_letter import kept

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TYPED_NUMBER = re.compile(r"^\s*(\d+\.|•)\s")


def render_docx(letter: Letter) -> bytes:
    return compile_docx(word_template(None)).render(letter)


def document(letter: Letter) -> Any:
    import docx

    return docx.Document(io.BytesIO(render_docx(letter)))


def list_format(doc: Any, paragraph: Any) -> tuple[str, int] | None:
    """(number format, numId) of the Word list a paragraph is an item of; None if it is none."""
    num_pr = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
    if num_pr is None or num_pr.numId is None:
        return None
    numbering = doc.part.numbering_part.element
    num_id = num_pr.numId.val
    num = next(n for n in numbering.findall(f"{W}num") if n.get(f"{W}numId") == str(num_id))
    abstract_id = num.find(f"{W}abstractNumId").get(f"{W}val")
    abstract = next(a for a in numbering.findall(f"{W}abstractNum") if a.get(f"{W}abstractNumId") == abstract_id)
    return abstract.find(f"{W}lvl/{W}numFmt").get(f"{W}val"), num_id


@pytest.fixture(scope="module")
def florida() -> Letter:
    return compose(sample_request("FL", "initial"))


def test_the_records_are_a_word_numbered_list_without_typed_numbers(florida: Letter) -> None:
    doc = document(florida)
    items = [b.text for b in florida.body if b.kind == "item"]
    assert len(items) >= 10
    by_text = {p.text: p for p in doc.paragraphs}
    formats = {list_format(doc, by_text[text]) for text in items}
    assert len(formats) == 1 and next(iter(formats)) is not None and next(iter(formats))[0] == "decimal"  # type: ignore[index]  # one Word list, numbered 1. 2. 3.
    assert not [p.text for p in doc.paragraphs if TYPED_NUMBER.match(p.text)], "no number typed as text"
    text = docx_text(render_docx(florida))
    assert "1.\tThe executed Warrant Service Officer" in text  # the label Word shows
    assert f"{len(items)}.\t{items[-1]}" in text


def test_bullets_are_a_word_bulleted_list() -> None:
    letter = letter_with(
        [Block("paragraph", "ICE has published:"), Block("bullet", "one", "•"), Block("bullet", "two", "•")]
    )
    doc = document(letter)
    bullets = [p for p in doc.paragraphs if p.text in ("one", "two")]
    assert [list_format(doc, p)[0] for p in bullets] == ["bullet", "bullet"]  # type: ignore[index]
    assert "•\tone\n•\ttwo" in docx_text(render_docx(letter))


def test_a_second_list_restarts_at_one_as_in_the_pdf() -> None:
    body = [Block("item", "first a", "1."), Block("item", "first b", "2.")]
    body += [Block("paragraph", "Between the lists.")]
    body += [Block("item", "second a", "1."), Block("item", "second b", "2."), Block("item", "second c", "3.")]
    letter = letter_with(body)
    doc = document(letter)
    ids = {p.text: list_format(doc, p) for p in doc.paragraphs if p.text.startswith(("first", "second"))}
    assert ids["first a"] == ids["first b"] != ids["second a"] == ids["second c"]
    text = docx_text(render_docx(letter))
    assert "1.\tfirst a\n2.\tfirst b" in text and "1.\tsecond a\n2.\tsecond b\n3.\tsecond c" in text
    assert words(text) == words(pdf_text(render_pdf(letter)))


def test_labels_word_cannot_number_are_typed() -> None:
    letter = letter_with([Block("item", "alpha", "a."), Block("item", "beta", "b.")])
    doc = document(letter)
    assert [p.text for p in doc.paragraphs if p.text.endswith(("alpha", "beta"))] == ["a.\talpha", "b.\tbeta"]
    assert all(list_format(doc, p) is None for p in doc.paragraphs)
    assert words(docx_text(render_docx(letter))) == words(pdf_text(render_pdf(letter)))


def test_spacing_comes_from_styles_not_empty_paragraphs(florida: Letter) -> None:
    doc = document(florida)
    assert [p.text for p in doc.paragraphs if not p.text.strip()] == []
    name = [p for p in doc.paragraphs if p.text == florida.author][-1]  # the signature, not the sender
    assert name.style.paragraph_format.space_before.pt >= 28, "room to sign above the name"
    date = next(p for p in doc.paragraphs if p.text == florida.date_text)
    assert date.style.paragraph_format.space_before.pt > 0 and date.style.paragraph_format.space_after.pt > 0
    heading = next(p for p in doc.paragraphs if p.text == "Records requested")
    assert kept(heading, "keep_with_next") and kept(heading, "keep_together")
    closing = next(p for p in doc.paragraphs if p.text == florida.closing)
    assert kept(closing, "keep_with_next") and kept(closing, "keep_together")


def test_an_appeal_signature_keeps_its_gaps_as_spacing() -> None:
    appeal = compose(sample_request("PA", "appeal"))
    doc = document(appeal)
    assert [p.text for p in doc.paragraphs if not p.text.strip()] == []
    enclosures = next(p for p in doc.paragraphs if p.text.startswith("Enclosures:"))
    assert 0 < enclosures.style.paragraph_format.space_before.pt < 28  # a line below the name
    assert words(docx_text(render_docx(appeal))) == words(pdf_text(render_pdf(appeal)))


def test_the_docx_properties_are_the_letters(florida: Letter) -> None:
    props = document(florida).core_properties
    assert props.author == florida.author == "Ana Núñez"
    assert props.last_modified_by == florida.author
    assert props.title == florida.subject
    assert props.subject == florida.about
    assert props.language == "en-US"
    midnight = dt.datetime.combine(florida.date, dt.time(0), tzinfo=dt.UTC)
    assert props.created == props.modified == midnight
    assert "python-docx" not in (props.comments or "")


def test_the_pdf_is_dated_titled_and_in_english(florida: Letter) -> None:
    import pypdf

    data = render_pdf(florida)
    assert render_pdf(florida) == data, "the same bytes for the same letter"
    reader: Any = pypdf.PdfReader(io.BytesIO(data))  # pypdf's PdfObject types are too loose to index
    meta: Any = reader.metadata
    assert meta is not None
    stamp = f"D:{florida.date:%Y%m%d}000000+00'00'"
    assert meta["/CreationDate"] == meta["/ModDate"] == stamp
    assert meta.title == florida.subject and meta.author == "Ana Núñez" and meta.subject == florida.about
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-US"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    headings = [b.text for b in florida.body if b.kind == "heading"]
    outline = [(entry.title, reader.get_destination_page_number(entry)) for entry in reader.outline]
    assert [title for title, _ in outline] == headings
    pages = [pdf_text_of(reader, number) for _, number in outline]
    assert all(title in page for (title, _), page in zip(outline, pages, strict=True)), "each on its page"
    assert len({number for _, number in outline}) > 1


def pdf_text_of(reader: Any, number: int) -> str:
    return str(reader.pages[number].extract_text())


def test_the_letter_command_writes_both_files_dated_by_the_letter(tmp_path: Path) -> None:
    import docx
    import pypdf

    code, out, err = run_out(
        tmp_path,
        "letter",
        "--state",
        "FL",
        "--agency",
        "Lee County Sheriff's Office",
        "--topic",
        "wso",
        "--requester-name",
        "Ana Núñez",
        "--requester-email",
        "ana@example.org",
        "--requester-state",
        "FL",
        "--date",
        "2026-11-27",
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 0, err
    docx_file, pdf_file = (Path(p) for p in sorted(out.split(), key=lambda p: not p.endswith(".docx"))[:2])
    assert docx.Document(str(docx_file)).core_properties.created == dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    meta: Any = pypdf.PdfReader(pdf_file).metadata
    assert meta is not None and meta["/CreationDate"] == "D:20261127000000+00'00'"
    assert words(docx_text(docx_file)) == words(pdf_text(pdf_file))


def test_a_docxtpl_without_its_tag_rewriting_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import shutil

    from docxtpl import DocxTemplate

    from records_req.letters import docx as docx_module
    from records_req.letters.compose import TemplateError

    template = tmp_path / "letter.docx"
    shutil.copy(word_template(None), template)
    monkeypatch.delattr(DocxTemplate, "patch_xml")
    monkeypatch.setattr(docx_module, "_patch_cache_file", lambda inners: None)  # no cached rewriting
    with pytest.raises(TemplateError, match="cannot be prepared: this docxtpl has no patch_xml"):
        docx_module._compile(template, template.read_bytes())


def test_the_email_body_shows_each_list_as_word_numbers_it() -> None:
    """`send` takes the email body from the DOCX: bullets stay bullets and a second list starts at 1
    (the body once counted every Word list item in one run: "3. one", "5. second a")."""
    from records_req.mail.message import letter_text

    body = [Block("paragraph", "ICE has published:"), Block("bullet", "one", "•"), Block("bullet", "two", "•")]
    body += [Block("item", "first a", "1."), Block("paragraph", "Between the lists.")]
    body += [Block("item", "second a", "1."), Block("item", "second b", "2.")]
    text = letter_text(render_docx(letter_with(body))).body
    assert "• one\n\n• two" in text
    assert "1. first a" in text and "1. second a\n\n2. second b" in text

"""User templates: they override ours, and a broken one fails with a clear, named error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from records_req.cli import cli
from records_req.resources import templates_dir

from .cli_helpers import run_out
from .letter_helpers import docx_text, pdf_text, words

OURS = templates_dir() / "letters"
BASE = [
    "letter",
    "--state",
    "GA",
    "--agency",
    "Cobb County Sheriff's Office",
    "--topic",
    "wso",
    "--requester-name",
    "Ana Núñez",
    "--requester-email",
    "ana@example.org",
    "--date",
    "2026-11-27",
]


def user_dir(tmp_path: Path, body: str, name: str = "initial.txt") -> Path:
    folder = tmp_path / "mine"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(body, encoding="utf-8")
    return folder


HEADER = "subject: My own subject for {{ agency.name }}\nsalutation: Hello,\nclosing: Regards,\n---\n"


def test_a_user_template_overrides_ours_in_both_formats(tmp_path: Path) -> None:
    folder = user_dir(tmp_path, HEADER + "Please send these under {{ law.citation }}.\n\n[[records]]\n")
    code, out, err = run_out(tmp_path, *BASE, "--templates", str(folder))
    assert code == 0, err
    docx_file, pdf_file = (Path(p) for p in out.split())
    text = docx_text(docx_file)
    assert "Re: My own subject for Cobb County Sheriff's Office" in text
    assert "Please send these under O.C.G.A." in text
    assert "1.\tThe executed Warrant Service Officer (WSO) Memorandum" in text
    assert words(text) == words(pdf_text(pdf_file))


def test_a_user_word_template_restyles_the_letter(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    import docx

    doc = docx.Document(str(OURS / "letter.docx"))
    doc.paragraphs[0].insert_paragraph_before("COALITION LETTERHEAD")
    doc.save(str(folder / "letter.docx"))
    code, out, err = run_out(tmp_path, *BASE, "--templates", str(folder))
    assert code == 0, err
    assert docx_text(Path(out.split()[0])).startswith("COALITION LETTERHEAD\nAna Núñez")


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", ["unsafe", "initial.txt"]),
        ("{{ requester.name.__class__.__init__.__globals__ }}", ["unsafe", "initial.txt"]),
        ("Hello {{ nonexistent_variable }}", ["initial.txt line 5", "nonexistent_variable"]),
        ("Hello {{ agency.nme }}", ["initial.txt line 5", "nme"]),
        ("{% if %}", ["initial.txt", "syntax error at line 5"]),
    ],
    ids=["dunder-mro", "dunder-globals", "undefined", "undefined-attribute", "syntax"],
)
def test_broken_or_hostile_templates_fail_with_a_named_error(tmp_path: Path, body: str, needles: list[str]) -> None:
    folder = user_dir(tmp_path, HEADER + body + "\n")
    code, out, err = run_out(tmp_path, *BASE, "--templates", str(folder))
    assert code == 1, out
    for needle in needles:
        assert needle in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists(), "nothing is written when the template fails"


def test_a_template_without_a_header_is_explained(tmp_path: Path) -> None:
    folder = user_dir(tmp_path, "Just a body.\n")
    code, _, err = run_out(tmp_path, *BASE, "--templates", str(folder))
    assert code == 1
    assert "needs a header" in err


def test_templates_check_passes_on_ours_and_lists_variables(tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(OURS, folder)
    result = CliRunner().invoke(cli, ["templates", "check", str(folder)])
    assert result.exit_code == 0, result.stdout
    assert result.stdout.count("ok ") >= 5  # four wording templates and letter.docx
    assert "law" in result.stdout and "requester" in result.stdout


def test_templates_check_reports_each_broken_file_and_exits_1(tmp_path: Path) -> None:
    folder = user_dir(tmp_path, HEADER + "{{ law.nope }}\n")
    (folder / "appeal.txt").write_text(HEADER + "Fine.\n", encoding="utf-8")
    (folder / "weird.txt").write_text(HEADER, encoding="utf-8")
    result = CliRunner().invoke(cli, ["templates", "check", str(folder), "--json"])
    assert result.exit_code == 1
    import json

    data = json.loads(result.stdout)
    by_file = {Path(f["file"]).name: f["errors"] for f in data["files"]}
    assert by_file["appeal.txt"] == []
    assert any("nope" in e for e in by_file["initial.txt"])
    assert any("unknown template name" in e for e in by_file["weird.txt"])


@pytest.mark.parametrize("code", ["VA", "CA", "US"])
def test_the_compiled_word_template_renders_like_docxtpl_itself(code: str) -> None:
    import io

    from docxtpl import DocxTemplate

    from records_req.letters.check import sample_request
    from records_req.letters.compose import compose
    from records_req.letters.docx import docx_context
    from records_req.letters.render import render
    from records_req.resources import templates_dir

    from .letter_helpers import docx_text

    letter = compose(sample_request(code, "initial"))
    ours = render(letter, ("docx",))["docx"]
    theirs = DocxTemplate(str(templates_dir() / "letters" / "letter.docx"))
    theirs.render(docx_context(letter), autoescape=True)
    buffer = io.BytesIO()
    theirs.save(buffer)
    assert docx_text(ours) == docx_text(buffer.getvalue())


def test_templates_check_renders_the_agreement_paragraphs(tmp_path: Path) -> None:
    """A typo inside the paragraphs about ICE's list is caught before any real letter uses them."""
    folder = tmp_path / "copy"
    shutil.copytree(OURS, folder)
    initial = folder / "initial.txt"
    text = initial.read_text(encoding="utf-8")
    assert "{{ a.moa_url }}" in text
    initial.write_text(text.replace("{{ a.moa_url }}", "{{ a.moa_link.lower() }}"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["templates", "check", str(folder), "--json"])
    assert result.exit_code == 1
    import json

    errors = {Path(f["file"]).name: f["errors"] for f in json.loads(result.stdout)["files"]}["initial.txt"]
    assert any("moa_link" in e for e in errors)

"""What makes a letter fast (issue 11) changes no byte of it: each cache and shortcut gives what
the long way gives, and a changed or damaged input is never served from a cache."""

from __future__ import annotations

import gc
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from records_req.letters import docx as docx_module
from records_req.letters import pdf as pdf_module
from records_req.letters.check import sample_request
from records_req.letters.compose import _environment, bytecode_cache, compose, environment
from records_req.letters.render import word_template
from records_req.paths import cache_dir
from records_req.resources import data_dir, fonts_dir

from .cli_helpers import run_out
from .conftest import subprocess_env

pytestmark = pytest.mark.usefixtures("own_cache")  # these tests read and damage the caches

LETTER = [
    "letter",
    "--state",
    "TX",
    "--agency",
    "Harris County Sheriff's Office",
    "--topic",
    "wso",
    "--requester-name",
    "Ana Núñez 李",
    "--requester-email",
    "ana@example.org",
    "--date",
    "2026-11-27",
]


# --- DOCX ---------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_the_docx_runs_are_docxtpls_rich_text(text: str) -> None:
    from docxtpl import RichText

    assert docx_module._Rich(text).xml == RichText(text).xml
    assert str(docx_module._Rich(text)) == str(RichText(text))


@pytest.mark.parametrize("code", ["TX", "CA", "US"])
def test_the_docx_is_a_valid_zip_and_the_same_bytes_each_time(code: str) -> None:
    letter = compose(sample_request(code, "initial"))
    compiled = docx_module.compile_docx(word_template(None))
    first = compiled.render(letter)
    assert compiled.render(letter) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.testzip() is None
        assert [i.filename for i in archive.infolist()] == [i.filename for i, _ in compiled.members]


def test_a_cached_word_template_is_not_rewritten_again_and_renders_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    from docxtpl import DocxTemplate

    letter = compose(sample_request("VA", "initial"))
    docx_module._COMPILED.clear()
    first = docx_module.compile_docx(word_template(None)).render(letter)
    assert len(list(cache_dir().glob("docx-*.json"))) == 1, "the rewritten parts are cached"

    def refuse(*_: object) -> str:
        raise AssertionError("the tags were rewritten again")

    monkeypatch.setattr(DocxTemplate, "patch_xml", refuse)
    docx_module._COMPILED.clear()
    assert docx_module.compile_docx(word_template(None)).render(letter) == first
    docx_module._COMPILED.clear()


def test_damaged_docx_caches_are_ignored() -> None:
    letter = compose(sample_request("VA", "initial"))
    docx_module._COMPILED.clear()
    first = docx_module.compile_docx(word_template(None)).render(letter)
    for path in cache_dir().glob("docx-*.json"):
        path.write_text('{"word/document.xml": 1}', encoding="utf-8")
    for path in cache_dir().glob("templates/*/*"):
        path.write_bytes(b"not bytecode")
    docx_module._COMPILED.clear()
    assert docx_module.compile_docx(word_template(None)).render(letter) == first
    for path in cache_dir().glob("docx-*.json"):
        path.write_text("{not json", encoding="utf-8")
    docx_module._COMPILED.clear()
    assert docx_module.compile_docx(word_template(None)).render(letter) == first
    docx_module._COMPILED.clear()


def test_an_edited_word_template_is_compiled_again(tmp_path: Path) -> None:
    import docx

    folder = tmp_path / "mine"
    folder.mkdir()
    template = folder / "letter.docx"
    letter = compose(sample_request("VA", "initial"))
    for heading in ("FIRST LETTERHEAD", "SECOND LETTERHEAD"):
        doc = docx.Document(str(word_template(None)))
        doc.paragraphs[0].insert_paragraph_before(heading)
        doc.save(str(template))
        os.utime(template, ns=(1_000_000_000, 1_000_000_000))  # the same time for both versions
        rendered = docx_module.compile_docx(template).render(letter)
        assert heading in "\n".join(p.text for p in docx.Document(io.BytesIO(rendered)).paragraphs)


# --- wording templates --------------------------------------------------------------------------


def test_a_user_template_edited_in_place_is_read_again(tmp_path: Path) -> None:
    ours = (word_template(None).parent / "initial.txt").read_text(encoding="utf-8")
    folder = tmp_path / "mine"
    folder.mkdir()
    path = folder / "initial.txt"
    req = sample_request("VA", "initial")
    for word in ("Alpha", "Omega"):  # same length, same modification time
        path.write_text(ours.replace("subject: ", f"subject: {word} ", 1), encoding="utf-8")
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
        assert compose(req, folder).subject.startswith(word)


def test_a_new_override_is_seen_by_a_process_that_used_ours(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    req = sample_request("VA", "initial")
    before = compose(req, folder)  # ours: the folder has no initial.txt yet
    ours = (word_template(None).parent / "initial.txt").read_text(encoding="utf-8")
    (folder / "initial.txt").write_text(ours.replace("subject: ", "subject: Mine ", 1), encoding="utf-8")
    after = compose(req, folder)
    assert not before.subject.startswith("Mine") and after.subject.startswith("Mine")


def test_compiled_wording_templates_come_back_from_disk_unchanged() -> None:
    requests = [sample_request(code, kind) for code in ("VA", "US") for kind in ("initial", "follow-up", "appeal")]
    _environment.cache_clear()  # compile in this test's cache directory
    first = [compose(r) for r in requests]
    assert list(cache_dir().glob("templates/*/*.jinja")), "compiled templates should be cached"
    _environment.cache_clear()
    assert [compose(r) for r in requests] == first  # from the bytecode cache
    for path in cache_dir().glob("templates/*/*.jinja"):
        path.write_bytes(path.read_bytes()[:40])  # truncated
    _environment.cache_clear()
    assert [compose(r) for r in requests] == first
    _environment.cache_clear()


def test_environments_configured_differently_never_share_compiled_templates() -> None:
    from jinja2 import Environment
    from jinja2.sandbox import SandboxedEnvironment

    ours = environment([word_template(None).parent])
    directories = {
        bytecode_cache(env).directory
        for env in (
            ours,
            SandboxedEnvironment(),
            SandboxedEnvironment(autoescape=True),
            SandboxedEnvironment(trim_blocks=True),
            Environment(),
        )
    }
    assert len(directories) == 5


# --- PDF ----------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_pdf_escaping_is_saxutils(text: str) -> None:
    from xml.sax.saxutils import escape

    assert pdf_module.escape(text) == escape(text)


def test_a_lazy_pattern_matches_as_the_pattern_does() -> None:
    import re

    uri = next(text for text, whole in pdf_module._LAZY_PATTERNS if not whole)
    lazy = pdf_module._LazyPattern(uri + ".*", re.I)
    real = re.compile(uri + ".*", re.I)
    for text in ("https://example.org/a/b", "HTTP://X.Y", "mailto:a@b", "ftp://é.example/"):
        assert bool(lazy.match(text)) == bool(real.match(text))


def test_a_cached_font_is_the_font_reportlab_parses() -> None:
    from reportlab.pdfbase.ttfonts import TTFont

    path = fonts_dir() / pdf_module.FONT_FILES[pdf_module.BOLD]
    cache_file = pdf_module._font_cache_file(path)
    assert not cache_file.exists()
    parsed = pdf_module._font(pdf_module.BOLD)  # parsed, then cached
    assert cache_file.is_file()
    cached = pdf_module._font(pdf_module.BOLD)
    assert cached is not parsed
    assert type(cached) is TTFont

    def state(font: Any) -> dict[str, Any]:
        face = {k: v for k, v in font.face.__dict__.items() if k != "_pdfScale"}
        rest = {k: v for k, v in font.__dict__.items() if k not in ("face", "state", "encoding")}
        return {**rest, "face": face, "encoding": vars(font.encoding)}

    assert state(cached) == state(parsed)
    scales = (getattr(cached.face, "_pdfScale"), getattr(parsed.face, "_pdfScale"))  # noqa: B009
    assert all(scales[0](v) == scales[1](v) for v in range(-3000, 3000))
    assert len(cached.state) == 0


def test_a_damaged_or_foreign_font_cache_is_not_used() -> None:
    regular = fonts_dir() / pdf_module.FONT_FILES[pdf_module.REGULAR]
    bold = fonts_dir() / pdf_module.FONT_FILES[pdf_module.BOLD]
    pdf_module._font(pdf_module.BOLD)
    foreign = pdf_module._font_cache_file(bold).read_bytes()
    target = pdf_module._font_cache_file(regular)
    target.write_bytes(foreign)  # another font's entry under this font's name
    assert pdf_module._load_font(target, pdf_module.REGULAR, str(regular), regular.read_bytes()) is None
    target.write_bytes(b"\x80\x05garbage")
    assert pdf_module._load_font(target, pdf_module.REGULAR, str(regular), regular.read_bytes()) is None
    assert pdf_module._font(pdf_module.REGULAR).face._ttf_data == regular.read_bytes()


def test_pdfs_through_the_font_caches_are_the_bytes_reportlab_makes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Letters under different laws, one after another in a process and then again (their font
    subsets, compressed streams and widths served from the per-process caches the second time),
    are byte for byte the PDFs reportlab makes with its own font methods and color parsing."""
    from reportlab.lib import colors
    from reportlab.pdfbase import pdfmetrics

    letters = [compose(sample_request(code, "initial")) for code in ("TX", "CA", "NY", "VA", "FL", "WA")]
    cached = [pdf_module.render_pdf(letter) for letter in letters + letters]
    assert len(pdf_module._SUBSETS) >= 2 and pdf_module._COMPRESSED and pdf_module._WIDTHS
    for name in (pdf_module.REGULAR, pdf_module.BOLD):
        font: Any = pdfmetrics.getFont(name)
        for owner, attribute in ((font, "addObjects"), (font, "splitString")):
            monkeypatch.delattr(owner, attribute)  # the instance's own: the class's (reportlab's) is used
        for attribute in ("makeSubset", "addSubsetObjects"):
            monkeypatch.delattr(font.face, attribute)
    monkeypatch.delitem(colors.toColor.extraColorsNS, pdf_module.LINK_COLOR)
    plain = [pdf_module.render_pdf(letter) for letter in letters]
    assert cached == plain + plain
    assert len(set(plain)) == len(letters)


# --- laws and topics ----------------------------------------------------------------------------


def test_topics_are_cached_and_an_edited_file_is_read_again(tmp_path: Path) -> None:
    from records_req import topics
    from records_req.laws import _cache_file

    source = data_dir() / "topics.yaml"
    path = tmp_path / "topics.yaml"
    path.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    first = topics._load_file(str(path))
    assert _cache_file(path.read_text(encoding="utf-8"), "topics").is_file()
    topics._load_file.cache_clear()
    assert topics._load_file(str(path)) == first  # from the cache

    text = path.read_text(encoding="utf-8")
    assert "  title: Warrant Service Officer program\n" in text
    path.write_text(text.replace("  title: Warrant Service", "  title: Edited Warrant Service", 1), encoding="utf-8")
    topics._load_file.cache_clear()
    assert topics._load_file(str(path))[0].title.startswith("Edited ")

    _cache_file(path.read_text(encoding="utf-8"), "topics").write_text('{"wso": 1}', encoding="utf-8")
    topics._load_file.cache_clear()
    assert topics._load_file(str(path))[0].title.startswith("Edited "), "a damaged cache is ignored"
    topics._load_file.cache_clear()


def test_data_that_json_would_change_is_not_cached() -> None:
    from records_req.laws import _cache_file, _read_cache, _write_cache

    for raw in ({1: "a"}, {"a": {True: 1}}, [{"$date": "2025-01-01"}], [float("nan")]):
        text = repr(raw)
        _write_cache(text, raw, "topics")
        assert not _cache_file(text, "topics").exists(), raw
        assert _read_cache(text, "topics") is None


# --- the letter process -------------------------------------------------------------------------


def test_the_collector_runs_again_after_a_letter_in_process(tmp_path: Path) -> None:
    assert gc.isenabled()
    code, _, err = run_out(tmp_path, *LETTER)
    assert code == 0, err
    assert gc.isenabled()


def _letter_process(
    home: Path, out: Path, *extra: str, stdout: Any = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "records_req", *LETTER, "--out", str(out), "--force", *extra],
        env=subprocess_env(RECORDS_REQ_HOME=str(home)),
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )


def _imported(stderr: str) -> set[str]:
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines() if line.startswith("import time:")}


@pytest.mark.slow
def test_a_warm_letter_process_writes_the_same_bytes_without_the_slow_libraries(tmp_path: Path) -> None:
    home = tmp_path / "home"
    runs = []
    for n in (1, 2):
        done = _letter_process(home, tmp_path / f"out{n}")
        assert done.returncode == 0, done.stderr
        files = sorted((tmp_path / f"out{n}").rglob("*.*"))
        assert [Path(line).name for line in done.stdout.split()] == [f.name for f in files]  # flushed before exit
        runs.append(({f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}, _imported(done.stderr)))
    (cold, cold_modules), (warm, warm_modules) = runs
    assert cold == warm and len(warm) == 2
    assert {"yaml", "docxtpl", "docx", "lxml"} & cold_modules, "the first run parses and rewrites"
    assert not {"yaml", "docxtpl", "docx", "lxml", "xml.sax.saxutils", "PIL.ExifTags"} & warm_modules
    assert "reportlab.platypus" in warm_modules


@pytest.mark.slow
def test_a_letter_whose_output_cannot_be_written_says_so(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full (Linux)")
    with Path("/dev/full").open("w") as full:
        done = _letter_process(tmp_path / "home", tmp_path / "out", "--json", stdout=full)
    assert done.returncode == 1
    assert "cannot write the output" in done.stderr and "Traceback" not in done.stderr
    done = _letter_process(tmp_path / "home", tmp_path / "out", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["jurisdiction"] == "TX"

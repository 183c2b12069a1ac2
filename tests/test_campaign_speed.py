"""What makes the national campaign fast (issue 21) changes no byte and loses no guarantee: the
DOCX packages written from entries compressed once are zipfile's, a letter rendered from the
request sent to a worker is the letter built again from scratch, and the files flushed to disk
once a chunk are there, whole, by either way of flushing."""

from __future__ import annotations

import datetime as dt
import io
import pickle
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from records_req import output
from records_req.laws import load_laws
from records_req.letters import docx as docx_module
from records_req.letters.check import sample_request
from records_req.letters.compose import ListedAgreement, compose
from records_req.letters.model import Letter
from records_req.letters.render import word_template
from records_req.letters.request import RequestSpec, build_letter_request
from records_req.tracker import campaign as campaigns
from records_req.tracker import campaign_render

KINDS = [("TX", "initial"), ("CA", "initial"), ("US", "initial"), ("NY", "follow-up"), ("FL", "appeal")]


def letters() -> list[Letter]:
    made = [compose(sample_request(code, kind)) for code, kind in KINDS]  # type: ignore[arg-type]
    link = (
        made[0].body[-1]._replace(text="See https://www.ice.gov/identify-and-arrest/287g and http://example.org/a_b.")
    )
    linked = made[0]._replace(body=(*made[0].body, link))
    return [*made, linked]


@pytest.mark.parametrize("letter", letters(), ids=[*(f"{c}-{k}" for c, k in KINDS), "links"])
def test_a_docx_package_is_the_one_zipfile_writes(letter: Letter) -> None:
    compiled = docx_module.compile_docx(word_template(None))
    assert compiled.zipped is not None, "this Python's zipfile writes the packages _Entry makes"
    fast = compiled.render(letter)
    assert fast == compiled._replace(zipped=None).render(letter)
    with zipfile.ZipFile(io.BytesIO(fast)) as archive:
        assert archive.testzip() is None


def test_each_member_changed_or_not_packs_as_zipfile_packs_it(tmp_path: Path) -> None:
    """Any member of the template, rendered anew or kept, stored or deflated, gives zipfile's bytes
    (a template with a picture, stored as it is, and a member named in UTF-8)."""
    template = word_template(None)
    with zipfile.ZipFile(template) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    picture = zipfile.ZipInfo("word/media/logo.png")
    named = zipfile.ZipInfo("customXml/ítem1.xml")
    members += [(picture, bytes(range(256)) * 8), (named, b"<x>\xc3\xad</x>")]
    frozen = tuple(members)
    zipped = docx_module._zipped(frozen)
    assert zipped is not None
    for info, data in frozen:
        changed = {info.filename: data + b" changed"}
        assert docx_module._package(frozen, zipped, changed) == docx_module._zipfile_package(frozen, changed)
    assert docx_module._package(frozen, zipped, {}) == docx_module._zipfile_package(frozen, {})


def test_a_package_zipfile_would_write_otherwise_is_left_to_zipfile(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should zipfile lay out an archive otherwise (another Python), every package is zipfile's."""
    real = docx_module._zipfile_package
    monkeypatch.setattr(docx_module, "_zipfile_package", lambda members, changed: real(members, changed) + b"\0")
    with zipfile.ZipFile(word_template(None)) as source:
        members = tuple((info, source.read(info)) for info in source.infolist())
    assert docx_module._zipped(members) is None


def planned_job(agency: str, code: str = "TX") -> campaign_render.Job:
    spec = RequestSpec(
        agency=agency,
        topic_keys=("wso",),
        requester_name="Ana Núñez",
        requester_email="ana@example.org",
        requester_state="FL",
        co_requester="Rosa Díaz",
        co_requester_address="1 Main St",
        letter_date=dt.date(2026, 12, 1),
        since=dt.date(2025, 3, 1),
    )
    req, _ = build_letter_request(load_laws()[code], spec)
    agreements = (ListedAgreement("Warrant Service Officer", dt.date(2025, 6, 18), None, False, dt.date(2026, 5, 18)),)
    paths = {"docx": Path("out/a.docx"), "pdf": Path("out/a.pdf")}
    keys = tuple(t.key for t in req.topics)
    return campaign_render.Job(code, spec, agency, keys, paths, agreements, None, None, req)


@pytest.mark.parametrize(("agency", "code"), [("Harris County Sheriff's Office", "TX"), ("Lane County Sheriff", "OR")])
def test_the_request_a_worker_receives_is_the_planned_one_and_renders_the_same(agency: str, code: str) -> None:
    job = planned_job(agency, code)
    sent = pickle.loads(pickle.dumps([campaign_render.sent_to_worker(job)]))  # as a worker receives it
    assert sent[0].job.request is None and "jurisdiction" not in (sent[0].request or {})
    received = campaign_render._received(sent[0], load_laws(), {})
    assert received == job  # the law as it applies to the agency (OR: a sheriff is elected), the topics
    [from_worker] = campaign_render.render_batch(sent)
    again = campaign_render.render_job(job._replace(request=None))  # built from the spec, as before
    assert isinstance(from_worker, campaign_render.Rendered) and from_worker == again
    assert campaign_render.render_job(job) == again  # in this process, the planned request as it is


def test_a_request_naming_a_topic_the_worker_lacks_is_built_again() -> None:
    job = planned_job("Harris County Sheriff's Office")
    sent = campaign_render.sent_to_worker(job)._replace(topic_keys=("no-such-topic",))
    assert campaign_render._received(sent, load_laws(), {}).request is None
    assert campaign_render.render_batch([sent]) == [campaign_render.render_job(job._replace(request=None))]


@pytest.mark.parametrize("syncfs", [True, False], ids=["syncfs", "fsync each"])
def test_files_staged_without_a_flush_are_flushed_together_whole(
    syncfs: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not syncfs:
        monkeypatch.setattr(campaigns, "_syncfs_call", lambda: None)
    elif campaigns._syncfs_call() is None:
        pytest.skip("no syncfs here")
    files = {tmp_path / "TX" / f"agency-{n}" / "letter.pdf": bytes([n]) * (1000 + n) for n in range(5)}
    temps = {path: output.stage(path, data, flush=False) for path, data in files.items()}
    campaigns.flush_to_disk(temps.values())
    for path, data in files.items():
        output.write_atomic(path, data, staged=temps[path])
        assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.rglob(".*")) == []  # no temporary file left


def test_a_file_that_cannot_be_flushed_is_an_output_error(tmp_path: Path) -> None:
    with pytest.raises(output.OutputError, match=r"gone\.tmp"):
        campaigns.flush_to_disk([tmp_path / "gone.tmp"])


def test_letter_paths_resolving_state_folders_once_refuse_what_resolving_each_refuses(tmp_path: Path) -> None:
    from records_req.letters.files import letter_paths
    from records_req.names import agency_slug

    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "TX").mkdir(parents=True)
    (out / "TX" / agency_slug("Harris County Sheriff's Office")).symlink_to(elsewhere)  # an agency's folder
    (out / "FL").symlink_to(elsewhere)  # a state's folder
    (out / "NY" / agency_slug("Nassau County Police Department")).mkdir(parents=True)
    (out / "NY" / agency_slug("Nassau County Police Department") / "2026-12-01-wso.pdf").symlink_to(elsewhere / "x")
    (out / "GA").symlink_to(out / "TX")  # inside, through a link
    cases = [
        ("TX", "Harris County Sheriff's Office"),
        ("TX", "Houston Police Department"),
        ("FL", "Lee County Sheriff's Office"),
        ("NY", "Nassau County Police Department"),
        ("GA", "Cobb County Sheriff's Office"),
    ]
    folders: dict[Path, Path] = {}

    def outcome(code: str, agency: str, resolved: dict[Path, Path] | None) -> object:
        try:
            return letter_paths(out, code, agency, "2026-12-01", ["wso"], "initial", ("docx", "pdf"), None, resolved)
        except output.OutputError as exc:
            return str(exc)

    for code, agency in cases * 2:
        assert outcome(code, agency, folders) == outcome(code, agency, None)
    refused = [c for c in cases if isinstance(outcome(*c, folders), str)]
    assert refused == cases[0:1] + cases[2:4]


def test_font_objects_made_once_give_the_pdf_reportlab_makes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A letter whose text needs the fallback font, and one with more than 256 characters (two
    subsets of a face), rendered twice (the second time their fonts' objects are copies of the
    first's), are byte for byte the PDFs reportlab's own font methods make."""
    from reportlab.pdfbase import pdfmetrics

    from records_req.letters import pdf as pdf_module

    base = compose(sample_request("TX", "initial"))
    many = "".join(chr(c) for c in range(0x100, 0x24F)) + "".join(chr(c) for c in range(0x391, 0x3CA))
    letters = [
        base._replace(recipient=("Policía de Ñuñoa 警察署", *base.recipient[1:])),
        base._replace(recipient=(f"Agency {many}", *base.recipient[1:])),
        base,
    ]
    pdf_module._FONT_OBJECTS.clear()
    first = [pdf_module.render_pdf(letter) for letter in letters]
    made = dict(pdf_module._FONT_OBJECTS)
    assert any(len(key[-1]) >= 2 for key in made), "a face with two subsets"
    assert any(key[0] == pdf_module.FALLBACK for key in made)
    again = [pdf_module.render_pdf(letter) for letter in letters]
    assert pdf_module._FONT_OBJECTS.keys() == made.keys()  # served, not made again
    for name in (pdf_module.REGULAR, pdf_module.BOLD, pdf_module.FALLBACK):
        font: Any = pdfmetrics.getFont(name)
        monkeypatch.delattr(font, "addObjects")  # the instance's own: the class's (reportlab's) is used
    plain = [pdf_module.render_pdf(letter) for letter in letters]
    assert first == again == plain


def test_letters_laid_out_through_the_paragraph_cache_are_reportlabs_whatever_came_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker renders whichever letters it is given, in any order: each PDF is the one
    reportlab makes without the per-process paragraph cache, though a paragraph of several
    styles split across pages in an earlier letter (reportlab's split appends a space to pieces
    of its lines) is laid out from the same cached lines."""
    from records_req.letters import pdf as pdf_module

    codes = ("TX", "FL", "CA", "NY", "OR", "WA", "US")
    letters = [compose(sample_request(code, kind)) for code in codes for kind in ("initial", "follow-up", "appeal")]
    pdf_module._LAID_OUT.clear()
    cached = [pdf_module.render_pdf(letter) for letter in letters + letters[::-1]]
    uncached = pdf_module._laid_out_class()  # without rr_lines, its wrap and split are reportlab's own
    monkeypatch.setattr(
        pdf_module,
        "_paragraph",
        lambda text, style, label: uncached(text, style, bulletText=label) if label else uncached(text, style),
    )
    plain = [pdf_module.render_pdf(letter) for letter in letters]
    assert cached == plain + plain[::-1]


def test_text_and_objects_written_at_once_are_what_reportlab_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The PDF's text runs written at once (pdf._coded, _format_text_plainly: the codes a document's
    font subsets gave its characters so far, brought up to date as it gives more), its objects
    formatted with the usual cases at once (_format_plainly: strings, numbers, dictionaries' keys
    written once a process) and its lines broken with words' widths remembered (_remember_widths)
    are reportlab's own bytes, whatever letters came before in the
    process: letters with a fallback font, two subsets of a face, no-break spaces, links, in one
    order and the other, against the same letters written by reportlab's own methods."""
    from reportlab.pdfbase import pdfdoc, pdfmetrics
    from reportlab.pdfgen.textobject import PDFTextObject
    from reportlab.platypus import paragraph

    from records_req.letters import pdf as pdf_module

    base = compose(sample_request("TX", "initial"))
    many = "".join(chr(c) for c in range(0x100, 0x24F))
    letters = [
        *letters_of_several_kinds(),
        base._replace(recipient=("Policía\xa0de Ñuñoa 警察署", *base.recipient[1:])),
        base._replace(recipient=(f"Agency {many}", *base.recipient[1:])),
    ]
    monkeypatch.setattr(pdf_module, "_LAID_OUT", {})  # (lines broken here, not by an earlier test)
    fast = [pdf_module.render_pdf(letter) for letter in letters + letters[::-1]]
    monkeypatch.setattr(pdf_module, "_LAID_OUT", {})
    assert getattr(PDFTextObject, "_formatText").records_req  # noqa: B009  (the fast ways were in use)
    monkeypatch.setattr(PDFTextObject, "_formatText", getattr(PDFTextObject, "_formatText").reportlab)  # noqa: B009
    monkeypatch.setattr(pdfdoc, "pdfdocEnc", pdfdoc.pdfdocEnc.reportlab)  # type: ignore[attr-defined]
    monkeypatch.setattr(pdfdoc, "format", pdfdoc.format.reportlab)  # type: ignore[attr-defined]
    monkeypatch.setattr(pdfdoc.PDFDictionary, "format", pdfdoc.PDFDictionary.format.reportlab)  # type: ignore[attr-defined]
    monkeypatch.setattr(paragraph, "stringWidth", paragraph.stringWidth.reportlab)  # type: ignore[attr-defined]
    for name in (pdf_module.REGULAR, pdf_module.BOLD, pdf_module.FALLBACK):
        monkeypatch.delattr(pdfmetrics.getFont(name), "splitString")  # the class's: reportlab's
    plain = [pdf_module.render_pdf(letter) for letter in letters]
    assert fast == plain + plain[::-1]


def test_pdfdocencoding_is_ascii_where_it_is_taken_for_it() -> None:
    """Every ASCII character but those _NOT_ASCII_IN_PDFDOC names is its own byte in reportlab's
    PDFDocEncoding codec, as the fast way of writing strings (_format_plainly) takes it."""
    from records_req.letters import pdf as pdf_module

    pdf_module.setup()
    for code in range(128):
        char = chr(code)
        try:
            encoded = char.encode("extpdfdoc")
        except UnicodeEncodeError:
            encoded = None
        assert (encoded == char.encode("ascii")) == (char not in pdf_module._NOT_ASCII_IN_PDFDOC), code


def letters_of_several_kinds() -> list[Letter]:
    return [compose(sample_request(code, kind)) for code in ("TX", "CA", "US") for kind in ("initial", "appeal")]


def test_the_codes_kept_of_a_document_are_the_ones_reportlab_gives() -> None:
    """pdf._coded answers as reportlab's splitString would, text after text in one document, as
    the codes it keeps are brought up to date (a no-break space is a space, in reportlab's way),
    and says None where reportlab would make more than one run."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    from records_req.letters import pdf as pdf_module

    pdf_module.setup()
    font: Any = pdfmetrics.getFont(pdf_module.REGULAR)
    canvas: Any = Canvas(io.BytesIO())
    doc = canvas._doc
    texts = ["Ana Núñez", "ana", "a\xa0n", "Zürich 1", "", "Zürich\xa0Ana", "Ωμέγα", "ΩΩ Ana"]
    texts += ["".join(chr(c) for c in range(0x100, 0x1F0)), "Ana", "ĀāĂ Ω"]
    for text in texts:
        coded = pdf_module._coded(font, text, doc)
        runs = TTFont.splitString(font, text, doc)
        if coded is not None:
            assert runs == [(0, coded)], text
        else:
            assert text == "" or runs != [(0, b"")]
    assert pdf_module._coded(font, "Ana", doc) is not None  # text seen before is written at once


@pytest.mark.parametrize(
    "text",
    [
        "Records of the Harris County Sheriff's Office, 2025-2026 (all of them).",
        'Núñez 警察署 "quoted" 287(g)',
        "x",
        "two  spaces",
        " leading",
        "trailing ",
        "tab\there",
        "new\nline",
        "no\xa0break",
        "A &amp; B",
        "bold <b>word</b>",
        "",
    ],
)
def test_plain_text_is_the_piece_reportlabs_parser_makes(text: str) -> None:
    """pdf._plain_frags: for plain text, the pieces reportlab's parser makes of it in each of the
    letter's styles; for anything else, None (the parser makes them)."""
    from reportlab.platypus.paragraph import cleanBlockQuotedText
    from reportlab.platypus.paraparser import ParaParser

    from records_req.letters import pdf as pdf_module

    pdf_module.setup()
    pdf_module._import_platypus()
    styles = [*pdf_module._styles().values(), pdf_module._link_style("paragraph")]
    for style in styles:
        mine = pdf_module._plain_frags(text, style)
        if mine is None:
            assert not text or " ".join(text.split()) != text or "<" in text or "&" in text
            continue
        parser = ParaParser()
        parser.caseSensitive = 1
        parsed_style, pieces, bullet = parser.parse(cleanBlockQuotedText(text), style)  # type: ignore[no-untyped-call]
        assert parsed_style is style and bullet is None
        assert [(type(p), p.__dict__) for p in pieces] == [(type(p), p.__dict__) for p in mine]


PYTHONS_COLLECTOR = (700, 10, 10)  # Python's own thresholds


@pytest.fixture
def pythons_collector() -> Iterator[None]:
    """The collector as a process that has changed nothing has it (this worker's collects less
    and froze its heap: tests/conftest.py), then the worker's again."""
    import gc

    worker = gc.get_threshold()
    gc.set_threshold(*PYTHONS_COLLECTOR)
    gc.unfreeze()
    try:
        yield
    finally:
        gc.set_threshold(*worker)
        gc.freeze()


def test_collecting_less_gives_the_collector_back_as_it_was(pythons_collector: None) -> None:
    """The campaign's own process collects less while it records letters (campaign_render
    .collecting_less), then as before: the same thresholds, nothing left frozen. A process that
    froze part of its heap itself (a script or server running a campaign through the Python API)
    keeps it frozen: an unfreeze at the end would hand its whole heap back to the collector's
    walks, as the campaigns run by this suite's workers did to theirs."""
    import gc

    with campaign_render.collecting_less():
        assert gc.get_threshold()[0] == campaign_render.YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == PYTHONS_COLLECTOR
    assert gc.get_freeze_count() == 0

    def frozen(thing: object) -> bool:  # the collector's generations hold all it walks
        return not any(seen is thing for seen in gc.get_objects())

    kept: list[object] = []
    gc.freeze()  # a process that froze its heap itself
    assert frozen(kept)
    with campaign_render.collecting_less():
        assert gc.get_threshold()[0] == campaign_render.YOUNG_THRESHOLD
    assert gc.get_threshold() == PYTHONS_COLLECTOR
    assert frozen(kept)


def test_campaigns_running_at_once_give_the_collector_back_when_the_last_ends(pythons_collector: None) -> None:
    """Two campaigns of a dashboard, each in its own thread, overlapping: the second begins
    while the first has the collector set aside and ends after it. The collector stays set aside
    until the second ends, then is as it was before the first: its thresholds, nothing frozen."""
    import gc
    import threading

    first_began, first_ended, second_in = threading.Event(), threading.Event(), threading.Event()
    seen: list[tuple[int, int]] = []

    def first() -> None:
        with campaign_render.collecting_less():
            first_began.set()
            second_in.wait(10)
        first_ended.set()

    def second() -> None:
        first_began.wait(10)
        with campaign_render.collecting_less():
            second_in.set()
            first_ended.wait(10)
            seen.append((gc.get_threshold()[0], gc.get_freeze_count()))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    [(young, frozen)] = seen  # after the first ended, the second still collects less
    assert young == campaign_render.YOUNG_THRESHOLD and frozen > 0
    assert gc.get_threshold() == PYTHONS_COLLECTOR and gc.get_freeze_count() == 0


def test_paths_resolved_from_their_folders_are_the_paths_resolved(tmp_path: Path) -> None:
    """output.resolved: each path resolved through its folder (resolved once) is what resolving it
    whole gives: a file, an absent one, a symbolic link to a file elsewhere (and to the tool's
    files), a link to a folder in the way, a dangling link, '..' and a relative path."""
    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    (real / "a.pdf").write_bytes(b"a")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "target.pdf").write_bytes(b"t")
    linked = tmp_path / "linked"
    linked.symlink_to(real)
    (real / "link.pdf").symlink_to(elsewhere / "target.pdf")
    (real / "dangling.pdf").symlink_to(tmp_path / "nowhere" / "x.pdf")
    (real / "folder").symlink_to(real / "sub")
    names = ["a.pdf", "absent.pdf", "link.pdf", "dangling.pdf", "folder", "sub", ".."]
    paths = [base / name for base in (real, linked, linked / "folder") for name in names]
    paths += [Path("relative.pdf"), tmp_path / "absent-folder" / "x.pdf"]
    folders: dict[Path, Path] = {}
    assert [output.resolved(p, folders) for p in paths] == [p.resolve() for p in paths]


def test_a_long_date_remembered_is_the_date_written_out() -> None:
    """model.long_date, remembered, writes every day of two years as strftime does, the second
    time as the first."""
    from records_req.letters.model import long_date

    days = [dt.date(2025, 1, 1) + dt.timedelta(days=n) for n in range(731)]
    for _ in range(2):
        assert [long_date(day) for day in days] == [f"{day:%B} {day.day}, {day.year}" for day in days]

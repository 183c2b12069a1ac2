"""Letters: the right law for every jurisdiction, the same words in DOCX and PDF, safe files."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from records_req.cli import cli
from records_req.laws import load_laws
from records_req.letters.check import sample_request
from records_req.letters.compose import compose
from records_req.letters.files import MAX_NAME, letter_paths, slugify
from records_req.letters.render import render
from records_req.topics import load_topics

from .cli_helpers import run_out
from .letter_helpers import docx_text, pdf_text, words

LAWS = load_laws()
BASE = [
    "letter",
    "--topic",
    "wso",
    "--requester-name",
    "Ana Núñez",
    "--requester-email",
    "ana@example.org",
    "--date",
    "2026-11-27",
]


@pytest.mark.parametrize("code", sorted(LAWS))
def test_every_jurisdiction_renders_both_formats_naming_its_own_law(code: str) -> None:
    j = LAWS[code]
    letter = compose(sample_request(code, "initial"))
    files = render(letter, ("docx", "pdf"))
    as_docx, as_pdf = docx_text(files["docx"]), pdf_text(files["pdf"])
    assert words(as_docx) == words(letter.plain_text())
    assert words(as_pdf) == words(letter.plain_text()), "the PDF must say what the DOCX says"
    flat = " ".join(words(as_docx))
    assert " ".join(j.law.citation.split()) in flat
    assert " ".join(j.law.name.split()) in flat
    if not j.is_federal:
        assert "Freedom of Information Act, 5 U.S.C." not in flat, "a state letter cites state law"


@pytest.mark.parametrize("kind", ["follow-up", "appeal"])
@pytest.mark.parametrize("code", ["VA", "CT", "FL", "NY", "US", "TX", "CA"])
def test_follow_up_and_appeal_letters_render_and_cite_the_request(code: str, kind: str) -> None:
    letter = compose(sample_request(code, kind))  # type: ignore[arg-type]
    text = " ".join(words(letter.plain_text()))
    assert "October 1, 2026" in text, "cites the date of the request"
    files = render(letter, ("docx", "pdf"))
    assert words(docx_text(files["docx"])) == words(pdf_text(files["pdf"]))


def test_follow_up_states_the_missed_statutory_date() -> None:
    letter = compose(sample_request("VA", "follow-up"))
    text = " ".join(words(letter.plain_text()))
    # Sent by email Thu 2026-10-01: 5 working days -> Thu 2026-10-08.
    assert "by October 8, 2026 (Va. Code Ann. § 2.2-3704(B))" in text


def test_appeal_goes_to_the_states_appeal_body_with_its_deadline() -> None:
    # Conn. Gen. Stat. § 1-206(b)(1): notice of appeal to the FOI Commission within 30 days of the denial
    letter = compose(sample_request("CT", "appeal", denied_on=dt.date(2026, 11, 20)))
    assert letter.recipient[0] == "Freedom of Information Commission"
    assert letter.salutation == load_laws()["CT"].appeal.salutation
    text = " ".join(words(letter.plain_text()))
    assert "Conn. Gen. Stat. § 1-206(b)(1)" in text
    assert "within the 30 calendar days" in text


def test_cli_writes_docx_and_pdf_under_out_state_agency(tmp_path: Path) -> None:
    code, out, err = run_out(
        tmp_path,
        *BASE,
        "--state",
        "FL",
        "--agency",
        "Lee County Sheriff's Office",
        "--topic",
        "ice-communications",
        "--requester-state",
        "FL",
    )
    assert code == 0, err
    folder = tmp_path / "out" / "FL" / "lee-county-sheriffs-office"
    docx_file = folder / "2026-11-27-wso+ice-communications+state-mandate.docx"
    assert out.split() == [str(docx_file), str(docx_file.with_suffix(".pdf"))]
    assert words(docx_text(docx_file)) == words(pdf_text(docx_file.with_suffix(".pdf")))
    assert "State-mandated" in err or "state-mandate" in err


def test_special_characters_and_newlines_come_out_literally(tmp_path: Path) -> None:
    tricky = 'Smith & Sons <Legal> "Quoted" O\'Brien'
    code, out, err = run_out(
        tmp_path,
        "letter",
        "--state",
        "TX",
        "--agency",
        "Harris County Sheriff's Office",
        "--topic",
        "detainers",
        "--requester-name",
        tricky,
        "--requester-address",
        "12 Elm St\nApt 3\nHouston, TX 77002",
        "--requester-email",
        "x@example.org",
        "--item",
        "Records of 'X' & <Y>\nsecond line",
        "--date",
        "2026-11-27",
    )
    assert code == 0, err
    docx_file, pdf_file = (Path(p) for p in out.split())
    for text in (docx_text(docx_file), pdf_text(pdf_file)):
        assert tricky in text
        assert "Records of 'X' & <Y>" in text
        assert "Apt 3" in text
    lines = docx_text(docx_file).splitlines()
    assert lines[1:4] == ["12 Elm St", "Apt 3", "Houston, TX 77002"], "the address keeps its lines"
    assert "Records of 'X' & <Y>\nsecond line" in docx_text(docx_file)


@pytest.mark.parametrize("name", ["Nguyễn Thị Minh Khai", "Łukasz Żółć", "张伟", "Núñez-García"])
def test_non_latin_names_survive_in_both_formats(tmp_path: Path, name: str) -> None:
    code, out, err = run_out(
        tmp_path,
        *BASE,
        "--state",
        "CA",
        "--agency",
        "Los Angeles County Sheriff's Department",
        "--requester-name",
        name,
    )
    assert code == 0, err
    docx_file, pdf_file = (Path(p) for p in out.split())
    assert name in docx_text(docx_file)
    assert name in pdf_text(pdf_file)


def test_pdf_embeds_its_fonts(tmp_path: Path) -> None:
    import pypdf

    letter = compose(sample_request("CA", "initial"))._replace(sender=("张伟", "Nguyễn"))
    pdf = render(letter, ("pdf",))["pdf"]
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    fonts = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            descriptor = font.get_object()
            fonts.add(str(descriptor["/BaseFont"]))
            for sub in descriptor.get("/DescendantFonts", []):
                assert "/FontFile2" in sub.get_object()["/FontDescriptor"], "font must be embedded"
    assert any("RRSerif" in f or "DejaVu" in f for f in fonts)
    assert any("RRFallback" in f or "Droid" in f for f in fonts), "CJK needs the fallback font"
    assert not any("Helvetica" in f for f in fonts)


def test_control_characters_are_refused_naming_the_field(tmp_path: Path) -> None:
    code, _, err = run_out(
        tmp_path,
        *BASE,
        "--state",
        "FL",
        "--agency",
        "Lee County\x07 Sheriff",
    )
    assert code == 2
    assert "--agency contains a control character (U+0007)" in err
    assert not (tmp_path / "out").exists()


def test_an_existing_letter_is_never_overwritten_without_force(tmp_path: Path) -> None:
    args = [*BASE, "--state", "FL", "--agency", "Lee County Sheriff's Office"]
    code, out, _ = run_out(tmp_path, *args)
    assert code == 0
    docx_file = Path(out.split()[0])
    docx_file.write_bytes(b"the user's own edits")
    code, _, err = run_out(tmp_path, *args)
    assert code == 1
    assert "already exists" in err and "--force" in err
    assert docx_file.read_bytes() == b"the user's own edits"
    code, _, _ = run_out(tmp_path, *args, "--force")
    assert code == 0
    assert docx_file.read_bytes().startswith(b"PK")
    leftovers = [p for p in docx_file.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


@pytest.mark.parametrize(
    "agency",
    ["../../etc/passwd", "/absolute/path", "CON", "..", "张伟警察局", "A" * 400, "Sheriff\\Office"],
)
def test_file_names_are_safe_for_any_agency_name(tmp_path: Path, agency: str) -> None:
    out = tmp_path / "out"
    paths = letter_paths(out, "CA", agency, "2026-11-27", ["wso"] * 40, "initial", ["docx", "pdf"])
    for path in paths.values():
        assert path.resolve().is_relative_to(out.resolve())
        assert path.parent.parent == out / "CA"
        assert len(path.name.encode()) <= MAX_NAME + 5
        assert len(path.parent.name) <= 60
        assert path.parent.name not in ("", ".", "..", "con")


def test_slugs() -> None:
    assert slugify("Lee County Sheriff's Office") == "lee-county-sheriffs-office"
    assert slugify("Lee County Sheriff’s Office") == "lee-county-sheriffs-office"
    assert slugify("Département de Police") == "departement-de-police"
    assert slugify("张伟警察局").startswith("agency-")
    assert slugify("张伟警察局") != slugify("李娜警察局")
    assert slugify("nul") == "nul-agency"


def test_residency_limited_state_refuses_a_non_resident(tmp_path: Path) -> None:
    args = [*BASE, "--state", "VA", "--agency", "Fairfax County Sheriff's Office"]
    code, _, err = run_out(tmp_path, *args, "--requester-state", "MD")
    assert code == 1
    assert "only residents" in err and "Va. Code Ann. § 2.2-3704(A)" in err
    assert "--co-requester" in err
    code, out, err = run_out(tmp_path, *args, "--requester-state", "MD", "--co-requester", "Jo Doe")
    assert code == 2 and "--co-requester-address" in err
    code, out, err = run_out(
        tmp_path, *args, "--requester-state", "MD", "--co-requester", "Jo Doe", "--co-requester-address", "9 Oak St"
    )
    assert code == 0, err
    text = docx_text(Path(out.split()[0]))
    # Va. Code § 2.2-3704(A): "citizens of the Commonwealth"
    assert "Jo Doe, a citizen of the Commonwealth of Virginia, joins this request as co-requester" in text
    assert "Jo Doe, co-requester" in text and "9 Oak St" in text


def test_resident_requester_states_residency_in_the_letter(tmp_path: Path) -> None:
    code, out, err = run_out(
        tmp_path,
        *BASE,
        "--state",
        "VA",
        "--agency",
        "Fairfax County Sheriff's Office",
        "--requester-state",
        "va",
    )
    assert code == 0, err
    # Va. Code § 2.2-3704(A) gives the right to "citizens of the Commonwealth": the letter uses its words.
    assert "I am a citizen of the Commonwealth of Virginia." in docx_text(Path(out.split()[0]))


def test_prohibiting_state_letter_still_asks_and_the_command_says_why(tmp_path: Path) -> None:
    code, out, err = run_out(tmp_path, *BASE, "--state", "CA", "--agency", "Orange County Sheriff")
    assert code == 0
    assert "California law prohibits 287(g)" in err
    text = " ".join(words(docx_text(Path(out.split()[0]))))
    assert "whether or not an agreement was signed" in text
    assert "Cal. Gov. Code" in text


def test_federal_request_goes_to_ice_with_fee_category_waiver_and_expedite(tmp_path: Path) -> None:
    code, out, err = run_out(
        tmp_path,
        *BASE,
        "--state",
        "US",
        "--agency",
        "Lee County Sheriff's Office",
        "--fee-category",
        "news-media",
        "--expedite",
    )
    assert code == 2 and "--requester-org" in err  # news-media status needs the outlet
    code, out, err = run_out(
        tmp_path,
        *BASE,
        "--state",
        "US",
        "--agency",
        "Lee County Sheriff's Office",
        "--fee-category",
        "news-media",
        "--expedite",
        "--requester-org",
        "The Fort Myers Ledger",
    )
    assert code == 0, err
    text = " ".join(words(docx_text(Path(out.split()[0]))))
    assert "The Fort Myers Ledger" in text and "6 C.F.R. § 5.5(e)(3)" in text
    assert "5 U.S.C. § 552(a)(7)(B)" in text and "Program Management Office" in text
    assert "U.S. Immigration and Customs Enforcement Freedom of Information Act Office" in text
    assert "5 U.S.C. § 552" in text
    assert "representative of the news media" in text
    assert "6 C.F.R. § 5.11(k)" in text
    assert "expedited processing under 5 U.S.C. § 552(a)(6)(E)" in text
    assert "concerning the Lee County Sheriff's Office" in text
    code, _, err = run_out(
        tmp_path, *BASE, "--state", "US", "--agency", "Lee County Sheriff's Office", "--expedite", "--force"
    )
    assert code == 2 and "contradicts --fee-category other" in err


def test_unknown_topic_and_missing_requester_are_usage_errors(tmp_path: Path) -> None:
    code, _, err = run_out(tmp_path, *BASE, "--state", "FL", "--agency", "X", "--topic", "nope")
    assert code == 2 and "Unknown topic 'nope'" in err
    code, _, err = run_out(
        tmp_path,
        "letter",
        "--state",
        "FL",
        "--agency",
        "X",
        "--topic",
        "wso",
        "--requester-name",
        "A",
    )
    assert code == 2 and "--requester-email or --requester-address" in err
    code, _, err = run_out(tmp_path, *BASE, "--state", "ZZ", "--agency", "X")
    assert code == 2 and "Unknown state 'ZZ'" in err


def test_json_output(tmp_path: Path) -> None:
    code, out, _ = run_out(tmp_path, *BASE, "--state", "GA", "--agency", "Cobb County Sheriff", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["jurisdiction"] == "GA"
    assert set(data["files"]) == {"docx", "pdf"}
    assert all(Path(p).is_file() for p in data["files"].values())
    assert data["records"] >= 11


def test_output_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECORDS_REQ_OUT", str(tmp_path / "env-out"))
    result = CliRunner().invoke(cli, [*BASE, "--state", "GA", "--agency", "Cobb County Sheriff"])
    assert result.exit_code == 0
    assert all(p.startswith(str(tmp_path / "env-out")) for p in result.stdout.split())


def test_date_range_defaults_and_validation(tmp_path: Path) -> None:
    code, out, _ = run_out(tmp_path, *BASE, "--state", "GA", "--agency", "Cobb County Sheriff")
    text = " ".join(words(docx_text(Path(out.split()[0]))))
    assert "from January 1, 2025 through November 27, 2026" in text
    code, _, err = run_out(tmp_path, *BASE, "--state", "GA", "--agency", "Cobb", "--since", "2026-12-01")
    assert code == 2 and "after --until" in err


def test_letter_date_defaults_to_today(tmp_path: Path) -> None:
    args = [a for a in BASE if a not in ("--date", "2026-11-27")]
    code, out, _ = run_out(tmp_path, *args, "--state", "GA", "--agency", "Cobb County Sheriff")
    assert code == 0
    assert Path(out.split()[0]).name.startswith(dt.date.today().isoformat())


def test_only_one_format(tmp_path: Path) -> None:
    code, out, _ = run_out(tmp_path, *BASE, "--state", "GA", "--agency", "Cobb", "--format", "pdf")
    assert code == 0
    assert [Path(p).suffix for p in out.split()] == [".pdf"]


def test_an_unwritable_output_path_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "GA").write_text("a file where the state's directory should be")
    code, out, err = run_out(tmp_path, *BASE, "--state", "GA", "--agency", "Cobb")
    assert code == 1
    assert "Cannot write" in err
    assert "Traceback" not in err and out == ""


def test_federal_appeal_goes_to_ices_appeals_office_and_argues_foia() -> None:
    from records_req.letters.compose import ice_foia_office

    letter = compose(sample_request("US", "appeal")._replace(agency=ice_foia_office()))
    assert "Office of the Principal Legal Advisor" in letter.recipient
    text = " ".join(letter.plain_text().split())
    assert "6 C.F.R. § 5.8(a)(1)" in text and "5 U.S.C. § 552(a)(8)(A)" in text
    assert "public records of U.S. Immigration" not in text, "not the state appeal's wording"


def test_a_clock_set_by_regulation_for_state_agencies_is_not_claimed_to_bind_everyone() -> None:
    # Alaska: 2 AAC 96 sets 10 business days for state agencies; the statute sets none.
    text = " ".join(compose(sample_request("AK", "initial")).plain_text().split())
    assert (
        "For state agencies, 2 AAC 96.325(a) requires the agency to provide the records within 10 working days" in text
    )
    assert "The Alaska Public Records Act requires the agency to" not in text
    result = CliRunner().invoke(cli, ["deadline", "AK", "--received", "2026-11-25", "--json"])
    assert json.loads(result.stdout)["applies_to"] == "state_agencies"


@pytest.mark.parametrize("code", sorted(LAWS))
def test_every_jurisdiction_letter_is_focused_cited_and_free_of_yaml_prose(code: str) -> None:
    j = LAWS[code]
    topics = load_topics()
    keys = ["wso", "detainers", "ice-communications"] if code != "US" else ["wso", "ice-program"]
    base = sample_request(code, "initial")
    req = base._replace(topics=tuple(topics[k] for k in keys))
    letter = compose(req)
    items = [b.text for b in letter.body if b.kind == "item"]
    assert len(items) == len(set(items)), "an item appears twice"
    text = " ".join(letter.plain_text().split())
    for point in j.letter_points:
        assert point.citation in text, point.citation
    if j.time_limits_text:
        assert " ".join(j.time_limits_text.split()) in text
    # The explanatory prose of the law data never reaches a letter.
    for prose in (j.appeal.body, j.immigration.summary, j.response.binds, j.review):
        if prose and len(prose) > 40:
            assert " ".join(prose.split()) not in text
    for kind in ("follow-up", "appeal"):
        later = compose(sample_request(code, kind))
        assert len(later.salutation) <= 60 and "(" not in later.salutation and ";" not in later.salutation
        if len(j.appeal.body) > 40:
            assert " ".join(j.appeal.body.split()) not in " ".join(later.plain_text().split())
            assert all(" ".join(j.appeal.body.split()) not in line for line in later.recipient)


def test_a_long_letter_suggests_split(tmp_path: Path) -> None:
    code, _, err = run_out(
        tmp_path,
        *BASE,
        "--state",
        "TX",
        "--agency",
        "Harris County Sheriff's Office",
        "--topic",
        "wso",
        "--topic",
        "jail-model",
        "--topic",
        "costs",
    )
    assert code == 0, err
    assert "--split" in err and "categories of records" in err


def test_pages_after_the_first_carry_a_continuation_header(tmp_path: Path) -> None:
    import zipfile

    import pypdf

    code, out, err = run_out(
        tmp_path, *BASE, "--state", "FL", "--agency", "Lee County Sheriff's Office", "--agency-email", "r@lee.gov"
    )
    assert code == 0, err
    docx_path, pdf_path = (Path(p) for p in out.split())
    pages = pypdf.PdfReader(pdf_path).pages
    assert len(pages) > 1
    assert "Lee County Sheriff's Office, November 27, 2026 · page 2" in pages[1].extract_text()
    assert "· page" not in pages[0].extract_text()
    with zipfile.ZipFile(docx_path) as z:
        headers = " ".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/header"))
        assert "Lee County Sheriff&#39;s Office, November 27, 2026 · page" in headers
        assert "<w:titlePg" in z.read("word/document.xml").decode()  # no header on page 1

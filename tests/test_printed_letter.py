"""The printed letter: page breaks that keep a letter together, web addresses that break at their
separators and are links, and .eml drafts that read well, from `letter`, `new` and `campaign`."""

from __future__ import annotations

import email
import email.policy
import io
import re
from pathlib import Path
from typing import Any

import pytest

from records_req.letters.model import Block, Letter

from .cli_helpers import Tracker, run_out
from .letter_helpers import docx_text, letter_with, pdf_text, words

ICE_URL = "https://www.ice.gov/doclib/287gMOA/CalhounCoSheriffsOfficeMI_WSO_MOA_05.06.25.pdf"
LONG_URL = (
    "https://www.ice.gov/doclib/287gMOA/a_very_long_file_name_that_runs_past_any_line_of_the_letter_"
    "CalhounCoSheriffsOfficeMI_TFM_MOA.pdf"
)
FILLER = "This paragraph is here to fill one line."  # one line of the letter
REQUESTER = ("--requester-name", "Ana Núñez", "--requester-email", "ana@example.org", "--requester-state", "FL")
_FOOTER = re.compile(r"^Page \d+ of \d+$|· page \d+$")


def pages_lines(pdf: bytes) -> list[list[str]]:
    """Each page's lines of text, without the page number and the continuation header."""
    import pypdf

    return [
        [line.strip() for line in page.extract_text().splitlines() if line.strip() and not _FOOTER.search(line)]
        for page in pypdf.PdfReader(io.BytesIO(pdf)).pages
    ]


def render_pdf(letter: Letter) -> bytes:
    from records_req.letters.pdf import render_pdf as render

    return render(letter)


def render_docx(letter: Letter) -> bytes:
    from records_req.letters.render import render

    return render(letter, ["docx"])["docx"]


# --- pages ----------------------------------------------------------------------------------------

# A letter one paragraph (one line, 24 points with its spacing) longer each time moves its closing
# down the page in steps smaller than the closing and the signature take (about 76 points): across
# the sweep, some letters end a page between "Sincerely," and the name unless they are kept together.
SWEEP = range(24, 62)


@pytest.mark.parametrize("n", SWEEP)
def test_the_closing_and_the_signature_are_never_split_across_pages(n: int) -> None:
    body = [Block("paragraph", FILLER) for _ in range(n)]
    body.append(Block("paragraph", "Thank you for your help. Please contact me at ana@example.org."))
    pages = pages_lines(render_pdf(letter_with(body)))
    [closing_page] = [i for i, lines in enumerate(pages) if "Sincerely," in lines]
    [name_page] = [i for i, lines in enumerate(pages) if "Ana Núñez" in lines[1:] or lines == ["Ana Núñez"]]
    assert closing_page == name_page == len(pages) - 1, pages[-2:]
    # the last paragraph goes with them: a page never starts with "Sincerely,"
    assert pages[closing_page][0] != "Sincerely,", pages[closing_page]


@pytest.mark.parametrize("n", range(30, 52))
def test_a_heading_is_never_the_last_line_of_a_page(n: int) -> None:
    body: list[Block] = []
    for i in range(n):
        if i % 3 == 0:
            body.append(Block("heading", f"Heading {i}"))
        body.append(Block("paragraph", FILLER))
    pages = pages_lines(render_pdf(letter_with(body)))
    assert len(pages) > 1
    for lines in pages[:-1]:
        assert not lines[-1].startswith("Heading "), lines[-3:]


def test_the_readme_letter_keeps_its_closing_and_name_together(tmp_path: Path) -> None:
    """The letter of the README (at 4 pages, its name alone on page 4 before)."""
    code, out, err = run_out(
        tmp_path,
        "letter",
        "--state",
        "FL",
        "--agency",
        "Lee County Sheriff's Office",
        "--topic",
        "wso",
        "--since",
        "2025-01-01",
        "--requester-address",
        "1 Main St\nFort Myers, FL 33901",
        "--date",
        "2026-11-27",
        *REQUESTER,
    )
    assert code == 0, err
    pdf = next(Path(p) for p in out.split() if p.endswith(".pdf"))
    pages = pages_lines(pdf.read_bytes())
    [last] = [lines for lines in pages if "Sincerely," in lines]
    assert "Ana Núñez" in last[last.index("Sincerely,") :]


def test_the_docx_keeps_headings_the_closing_and_the_signature_with_what_follows() -> None:
    import docx

    body = [Block("heading", "Records requested"), Block("item", "The agreement.", "1.")]
    body += [Block("paragraph", FILLER), Block("paragraph", "Thank you for your help.")]
    document = docx.Document(io.BytesIO(render_docx(letter_with(body))))
    paragraphs = {p.text: p for p in document.paragraphs if p.text}
    for text in ("Records requested", "Thank you for your help.", "Sincerely,"):
        assert kept(paragraphs[text], "keep_with_next") and kept(paragraphs[text], "keep_together"), text
    assert kept(paragraphs["Ana Núñez"], "keep_with_next")
    assert not kept(paragraphs[FILLER], "keep_with_next")  # only the last paragraph
    closing = [p.text for p in document.paragraphs].index("Sincerely,")
    assert all(kept(p, "keep_with_next") for p in document.paragraphs[closing:])


def kept(paragraph: Any, name: str) -> bool:
    """A paragraph's keep setting as Word applies it: its own, else its style's (or that style's
    base style's)."""
    own = getattr(paragraph.paragraph_format, name)
    if own is not None:
        return bool(own)
    style = paragraph.style
    while style is not None:
        value = getattr(style.paragraph_format, name)
        if value is not None:
            return bool(value)
        style = style.base_style
    return False


# --- web addresses ------------------------------------------------------------------------------

HOSTILE_LINKS = "javascript:alert(1) file:///etc/passwd data:text/html,<b>x</b> ftp://ftp.example.org/a"


def linked_letter() -> Letter:
    return letter_with(
        [
            Block("paragraph", "ICE has published copies at:"),
            Block("bullet", f"Warrant Service Officer: {ICE_URL}", "•"),
            Block("bullet", f"Task Force: {LONG_URL}.", "•"),
            Block("paragraph", f"Not links: {HOSTILE_LINKS}"),
        ]
    )


def link_uris(pdf: bytes) -> list[str]:
    """The URI of every link annotation, page by page."""
    import pypdf

    uris = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        annotations: Any = page.get("/Annots") or []
        uris += [str(annotation.get_object()["/A"]["/URI"]) for annotation in annotations]
    return uris


def test_web_addresses_are_whole_links_in_the_pdf_and_break_only_at_separators() -> None:
    pdf = render_pdf(linked_letter())
    uris = link_uris(pdf)
    assert set(uris) == {ICE_URL, LONG_URL}  # the whole address (not the period after it), on each line
    assert not any(u.startswith(("javascript", "file", "data", "ftp")) for u in uris)
    text = "\n".join(line for page in pages_lines(pdf) for line in page)
    for url in (ICE_URL, LONG_URL):
        printed = re.search("\n?".join(map(re.escape, url)), text)
        assert printed is not None, url
        breaks = [i for i, char in enumerate(printed.group(0)) if char == "\n"]
        assert breaks, "the test needs an address too long for its line"
        assert all(printed.group(0)[i - 1] in "/_" for i in breaks), printed.group(0)  # these have / and _
    assert words(pdf_text(pdf)) == words(linked_letter().plain_text())


def test_web_addresses_are_hyperlinks_in_the_docx() -> None:
    import docx

    data = render_docx(linked_letter())
    document = docx.Document(io.BytesIO(data))
    links = [(h.address, h.text) for p in document.paragraphs for h in p.hyperlinks]
    assert links == [(ICE_URL, ICE_URL), (LONG_URL, LONG_URL)]
    assert words(docx_text(data)) == words(linked_letter().plain_text())


@pytest.mark.parametrize(
    ("text", "links"),
    [
        pytest.param(f"See {ICE_URL}.", [ICE_URL], id="sentence-period"),
        pytest.param("(https://example.org/a_(b))", ["https://example.org/a_(b)"], id="balanced-parentheses"),
        pytest.param("(see https://example.org/a)", ["https://example.org/a"], id="closing-parenthesis"),
        pytest.param("HTTPS://EXAMPLE.ORG/X, then", ["HTTPS://EXAMPLE.ORG/X"], id="upper-case"),
        pytest.param(HOSTILE_LINKS, [], id="other-schemes"),
        pytest.param("https:// and http://", [], id="no-host"),
        pytest.param("https://x.org/a?b=1&c=2", ["https://x.org/a?b=1&c=2"], id="query"),
    ],
)
def test_which_text_becomes_a_link(text: str, links: list[str]) -> None:
    from records_req.letters.links import split_links

    pieces = split_links(text)
    assert "".join(piece for piece, _ in pieces) == text
    assert [piece for piece, is_link in pieces if is_link] == links


def test_an_address_breaks_after_slash_or_underscore_before_dot_or_hyphen() -> None:
    from records_req.letters.links import break_pairs

    pairs = break_pairs("https://a-b.example.org/x_y.pdf")
    assert [head for head, _ in pairs] == [
        "https://a-b.example.org/x_",
        "https://a-b.example.org/",
        "https://a-b.example.org/x_y.",
        "https://a-b.example.",
        "https://a-b.",
        "https://a-",
    ]
    assert all(head + tail == "https://a-b.example.org/x_y.pdf" and tail for head, tail in pairs)


def test_an_address_with_markup_characters_is_escaped_in_both_formats() -> None:
    url = "https://example.org/search?a=1&b=<2>"
    letter = letter_with([Block("paragraph", f"Search at {url} please.")])
    pdf = render_pdf(letter)
    assert link_uris(pdf) == ["https://example.org/search?a=1&b="]  # "<" ends an address
    assert "https://example.org/search?a=1&b=<2>" in pdf_text(pdf)
    assert "https://example.org/search?a=1&b=<2>" in docx_text(render_docx(letter))


# --- .eml drafts ----------------------------------------------------------------------------------


def eml_body(path: Path) -> tuple[email.message.EmailMessage, str]:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    body = message.get_body(("plain",))
    assert body is not None
    return message, body.get_content().replace("\r\n", "\n")


def test_the_eml_body_has_blank_lines_between_paragraphs_and_no_address_blocks(tmp_path: Path) -> None:
    code, out, err = run_out(
        tmp_path,
        "letter",
        "--state",
        "TX",
        "--agency",
        "Harris County Sheriff's Office",
        "--agency-email",
        "records@harris.example",
        "--agency-address",
        "1200 Baker St\nHouston, TX 77002",
        "--topic",
        "wso",
        "--requester-address",
        "1 Main St\nFort Myers, FL 33901",
        "--date",
        "2026-11-27",
        "--eml",
        *REQUESTER,
    )
    assert code == 0, err
    eml = next(Path(p) for p in out.split() if p.endswith(".eml"))
    pdf = eml.with_suffix(".pdf")
    assert pdf.is_file()
    message, body = eml_body(eml)
    assert message["To"].addresses[0].addr_spec == "records@harris.example"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content() == pdf.read_bytes()
    paragraphs = body.strip().split("\n\n")
    assert paragraphs[0].startswith("Dear ")
    assert "Records requested" in paragraphs  # a heading is a paragraph of its own
    items = [p for p in paragraphs if re.match(r"\d+\. ", p)]
    assert len(items) > 5 and all("\n" not in p for p in items)  # each item its own paragraph
    assert "Sincerely," in paragraphs
    assert paragraphs[-1].splitlines()[:3] == ["Ana Núñez", "1 Main St", "Fort Myers, FL 33901"]
    assert "1200 Baker St" not in body  # the agency's own address: the email goes to it
    assert "Re: " not in body and "November 27, 2026\n" not in body  # the subject and date are headers
    assert body.count("Ana Núñez") == 1


# --- --eml from letter, new and campaign ----------------------------------------------------------


def test_letter_eml_says_plainly_when_the_agency_has_no_email(tmp_path: Path) -> None:
    args = ["letter", "--state", "TX", "--agency", "Harris County Sheriff's Office", "--topic", "wso", *REQUESTER]
    code, out, err = run_out(tmp_path, *args, "--eml")
    assert code == 0, err
    assert not any(p.endswith(".eml") for p in out.split())
    assert "No .eml draft: no email address is known for Harris County Sheriff's Office" in err
    assert "--agency-email" in err
    code, out, err = run_out(tmp_path, *args, "--eml", "--format", "docx", "--force")
    assert code == 2 and "--eml attaches the PDF" in err


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    sheet = tmp_path / "participatingAgencies11302026am.csv"
    sheet.write_text(
        "STATE,LAW ENFORCEMENT AGENCY,TYPE,COUNTY,SUPPORT TYPE,SIGNED,MOA,ADDENDUM\n"
        "TEXAS,Harris County Sheriff's Office,County,Harris County,Warrant Service Officer,06/18/2025,"
        f"{ICE_URL},\n"
        "TEXAS,Houston Police Department,Municipality,Harris,Warrant Service Officer,02/10/2026,,\n"
        "TEXAS,Galveston County Sheriff's Office,County,Galveston,Warrant Service Officer,02/10/2026,,\n",
        encoding="utf-8",
    )
    tracker = Tracker(db_url, tmp_path)
    tracker("agencies", "import", str(sheet), "--downloaded", "2026-11-30")
    tracker(
        "agencies", "set", "--state", "TX", "--name", "Harris County Sheriff's Office", "--email", "r@harris.example"
    )
    return tracker


def test_new_eml_writes_the_draft_beside_the_pdf_or_says_why_not(rr: Tracker) -> None:
    out = rr.tmp / "out"
    data: Any = rr.json("new", "--state", "TX", "--agency", "Harris County Sheriff's Office", "--topic", "wso",
                        *REQUESTER, "--eml", "--out", str(out))  # fmt: skip
    eml = Path(data["files"]["eml"])
    assert eml.parent == Path(data["files"]["pdf"]).parent and eml.stem == Path(data["files"]["pdf"]).stem
    message, body = eml_body(eml)
    assert message["To"].addresses[0].addr_spec == "r@harris.example"
    assert ICE_URL in body  # the MOA link ICE published, whole
    text = rr("new", "--state", "TX", "--agency", "Houston Police Department", "--topic", "wso", *REQUESTER,
              "--eml", "--out", str(out))  # fmt: skip
    assert ".eml" not in text
    assert "No .eml draft: no email address is known for Houston Police Department" in rr.stderr
    assert "agencies import-contacts" in rr.stderr


def test_campaign_eml_counts_its_drafts_and_names_the_agencies_without_email(rr: Tracker) -> None:
    args = ("campaign", "--state", "TX", "--model", "wso", "--topic", "wso", *REQUESTER, "--out", str(rr.tmp / "out"))
    text = rr(*args, "--tag", "T", "--eml", today="2026-12-01")
    assert "1 .eml draft written" in text
    assert "No draft for 2 agencies without an email in the directory" in text
    assert re.search(r"Houston Police Department \(TX\): request #\d+", text)
    assert re.search(r"Galveston County Sheriff's Office \(TX\): request #\d+", text)
    data = rr.json(*args, "--tag", "U", "--again", "--eml", today="2026-12-02")
    assert data["summary"]["drafts"] == 1
    assert sorted(row["agency"] for row in data["summary"]["without_email"]) == [
        "Galveston County Sheriff's Office",
        "Houston Police Department",
    ]
    plain = rr(*args, "--tag", "V", "--again", today="2026-12-03")
    assert ".eml draft" not in plain  # without --eml, nothing said about drafts

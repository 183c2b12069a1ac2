"""The letter PDF is a tagged PDF a screen reader reads in order (issue 19): /MarkInfo, a structure
tree whose elements (H1 and H2 headings, P paragraphs, lists of LI with Lbl and LBody, Link) own
the letter's text in reading order, a ParentTree from each page's marked content and each link
annotation back to its element, and page numbers and running headers marked as artifacts.

The PDF is read back two ways: with pypdf (the content streams decoded through the fonts' ToUnicode
maps, each marked-content sequence's text given to the element that owns its MCID) and, where
poppler-utils is installed, with ``pdfinfo -struct-text``, the text of the tree as poppler reads it.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pypdf
import pytest
from pypdf.generic import DictionaryObject

from records_req.letters.model import Block, Letter
from records_req.letters.pdf import render_pdf

from . import letter_helpers as letters
from .letter_helpers import pdf_text, words

ICE_URL = "https://www.ice.gov/doclib/287gMOA/CalhounCoSheriffsOfficeMI_WSO_MOA_05.06.25.pdf"
LONG_URL = (
    "https://www.ice.gov/doclib/287gMOA/a_very_long_file_name_that_runs_past_any_line_of_the_letter_"
    "CalhounCoSheriffsOfficeMI_TFM_MOA.pdf"
)
FILLER = "This paragraph is here to fill one line."
LONG = (
    "Please include every attachment, addendum and signature page of the agreement, and any record that "
    "amends, renews or ends it, whatever its form. "
)
BLOCK_ROLES = {"P", "H1", "H2", "Lbl", "LBody"}  # the elements whose text is a block of the letter


def letter_with(body: list[Block]) -> Letter:
    return letters.letter_with(
        body,
        signature=("", "", "Ana Núñez", "Example Immigrant Rights Coalition"),
        to="Example County Sheriff's Office",
    )


def long_letter(fill: int = 12) -> Letter:
    """Three pages: links (broken across lines; one a paragraph of its own), headings, a numbered
    list and a bulleted one, a paragraph with a line break, and (with ``fill`` 12) a long item and
    a long paragraph that the page breaks fall inside."""
    return letter_with(
        [
            Block("paragraph", "ICE has published copies at:"),
            Block("bullet", f"Warrant Service Officer: {ICE_URL}", "•"),
            Block("bullet", f"Task Force: {LONG_URL}.", "•"),
            Block("paragraph", ICE_URL),
            Block("heading", "Records requested"),
            *[Block("paragraph", FILLER) for _ in range(fill)],
            Block("item", LONG * 5, "1."),
            Block("item", f"The agreement at {ICE_URL}, with {LONG * 2}", "2."),
            Block("item", "The complaint log.", "3."),
            Block("heading", "Fees"),
            Block("paragraph", f"Please tell me of any fee first.\nSee {LONG_URL} for the law. {LONG * 3}"),
            *[Block("paragraph", LONG * 4) for _ in range(4)],
            Block("paragraph", "Thank you for your help."),
        ]
    )


def expected_blocks(letter: Letter) -> list[tuple[str, str]]:
    """(element, text) for each block of ``letter`` in reading order: each address and the
    signature one P, the subject an H1, a heading an H2, an item's label a Lbl and its text an
    LBody, any other line a P."""
    out: list[tuple[str, str]] = []
    last = ""
    for role, label, text in letter.sequence():
        if role == "blank" or not text:
            continue
        if role in ("sender", "recipient", "signature") and role == last:
            out[-1] = ("P", f"{out[-1][1]} {text}")
        elif role in ("item", "bullet"):
            out += [("Lbl", label), ("LBody", text)] if label else [("LBody", text)]
        else:
            out.append(({"subject": "H1", "heading": "H2"}.get(role, "P"), text))
        last = role
    return [(element, " ".join(text.split())) for element, text in out]


# --- reading the PDF back with pypdf --------------------------------------------------------------


class Tagged:
    """A rendered PDF read back: its catalog, pages, structure elements and marked content."""

    def __init__(self, data: bytes) -> None:
        self.reader = pypdf.PdfReader(io.BytesIO(data))
        self.catalog: Any = self.reader.trailer["/Root"]
        self.pages = list(self.reader.pages)
        self.page_of = {getattr(page.indirect_reference, "idnum", None): i for i, page in enumerate(self.pages)}
        # per page: MCID -> text, the text of artifacts, the text outside any marked content
        self.marked: list[dict[int, str]] = []
        self.artifacts: list[list[tuple[str, str]]] = []
        self.unmarked: list[str] = []
        for page in self.pages:
            marked, artifacts, unmarked = read_content(page, self.reader)
            self.marked.append(marked)
            self.artifacts.append(artifacts)
            self.unmarked.append(unmarked)

    @property
    def tree(self) -> Any:
        return self.catalog["/StructTreeRoot"]

    def elements(self) -> list[Any]:
        """Every structure element, in the order of the tree (depth first)."""
        out: list[Any] = []

        def walk(element: Any) -> None:
            out.append(element)
            for kid in kids(element):
                if (
                    isinstance(kid, DictionaryObject)
                    and "/S" in kid
                    and kid.get("/Type", "/StructElem") == "/StructElem"
                ):
                    walk(kid)

        top = self.tree["/K"]
        for element in top if isinstance(top, list) else [top]:
            walk(element.get_object())
        return out

    def content_of(self, element: Any) -> list[tuple[int, Any]]:
        """(page, MCID) of each marked-content kid of ``element``, in order."""
        out: list[tuple[int, Any]] = []
        kid: Any
        for kid in kids(element):
            if isinstance(kid, int):
                out.append((self.page_of[element.raw_get("/Pg").idnum], kid))
            elif isinstance(kid, DictionaryObject) and kid.get("/Type") == "/MCR":
                out.append((self.page_of[kid.raw_get("/Pg").idnum], kid["/MCID"]))
        return out

    def text_of(self, element: Any) -> str:
        """The text of an element's marked content and its inline (Link) elements', in order."""
        parts = []
        content = iter(self.content_of(element))
        for kid in kids(element):
            if isinstance(kid, int) or (isinstance(kid, DictionaryObject) and kid.get("/Type") == "/MCR"):
                page, mcid = next(content)
                parts.append(self.marked[page][mcid])
            elif isinstance(kid, DictionaryObject) and kid.get("/S") == "/Link":
                parts.append(self.text_of(kid))
        return "".join(parts)

    def blocks(self) -> list[tuple[str, str]]:
        """(element, text) of each block element, in the order of the tree."""
        return [
            (str(element["/S"])[1:], " ".join(self.text_of(element).split()))
            for element in self.elements()
            if str(element["/S"])[1:] in BLOCK_ROLES
        ]

    def parent_tree(self) -> dict[int, Any]:
        return {key: value.get_object() for key, value in self.raw_parent_tree().items()}

    def raw_parent_tree(self) -> dict[Any, Any]:
        """The ParentTree's keys and values (references to elements, or arrays of them)."""
        nums = self.tree["/ParentTree"]["/Nums"]
        return {nums[i]: nums[i + 1] for i in range(0, len(nums), 2)}


def element_refs(element: Any) -> list[Any]:
    """The references to an element's kids that are elements."""
    k = element.raw_get("/K") if "/K" in element else []
    return [kid for kid in (k if isinstance(k, list) else [k]) if hasattr(kid, "idnum")]


def kids(element: Any) -> list[Any]:
    k = element.get("/K")
    if k is None:
        return []
    return [kid.get_object() if hasattr(kid, "get_object") else kid for kid in (k if isinstance(k, list) else [k])]


def read_content(page: Any, reader: Any) -> tuple[dict[int, str], list[tuple[str, str]], str]:
    """A page's text: by MCID, in artifacts ((subtype, text)), and outside marked content. The
    strings are decoded through each font's ToUnicode map (reportlab's: one byte a glyph)."""
    from pypdf.generic import ContentStream

    fonts = {name: to_unicode(font.get_object()) for name, font in page["/Resources"]["/Font"].items()}
    marked: dict[int, str] = {}
    artifacts: list[tuple[str, str]] = []
    unmarked: list[str] = []
    stack: list[tuple[str, Any]] = []
    font: dict[int, str] = {}
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"BDC":
            properties = operands[1]
            if operands[0] == "/Artifact":
                stack.append(("artifact", str(properties.get("/Subtype", ""))))
            else:
                stack.append(("mcid", properties.get("/MCID")))
        elif operator == b"BMC":
            stack.append(("other", None))
        elif operator == b"EMC":
            stack.pop()
        elif operator == b"Tf":
            font = fonts[operands[0]]
        elif operator in (b"Tj", b"TJ"):
            strings = operands[0] if operator == b"TJ" else [operands[0]]
            text = "".join(
                "".join(font[byte] for byte in raw_bytes(s)) for s in strings if not isinstance(s, (int, float))
            )
            if not stack:
                unmarked.append(text)
            elif stack[-1][0] == "artifact":
                artifacts.append((stack[-1][1], text))
            elif stack[-1][0] == "mcid":
                marked[stack[-1][1]] = marked.get(stack[-1][1], "") + text
    assert not stack, "a marked-content sequence left open at the end of the page"
    return marked, artifacts, "".join(unmarked)


def raw_bytes(string: Any) -> bytes:
    return bytes(string.original_bytes if hasattr(string, "original_bytes") else string)


def to_unicode(font: Any) -> dict[int, str]:
    cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    out: dict[int, str] = {}
    for section in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", section):
            out[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be")
    for section in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for first, last, start in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", section):
            for offset in range(int(last, 16) - int(first, 16) + 1):
                out[int(first, 16) + offset] = chr(int(start, 16) + offset)
    return out


@cache
def rendered(fill: int = 12) -> bytes:
    return render_pdf(long_letter(fill))


@pytest.fixture(scope="module")
def tagged() -> Tagged:
    return Tagged(rendered())


# --- the tests ------------------------------------------------------------------------------------


def test_the_letter_used_here_has_what_the_tests_need(tagged: Tagged) -> None:
    """Three pages, an item and a paragraph split by page breaks, links, both headings and both
    lists."""
    assert len(tagged.pages) == 3
    split = [e for e in tagged.elements() if len({page for page, _ in tagged.content_of(e)}) > 1]
    assert [str(e["/S"]) for e in split] == ["/LBody", "/P"], "elements with marked content on two pages"
    roles = [str(e["/S"]) for e in tagged.elements()]
    assert {"/H1", "/H2", "/L", "/LI", "/Lbl", "/LBody", "/Link", "/P"} <= set(roles)


def test_the_pdf_says_it_is_tagged_and_how_to_read_it(tagged: Tagged) -> None:
    catalog = tagged.catalog
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert catalog["/Lang"] == "en-US"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert tagged.tree["/Type"] == "/StructTreeRoot"
    assert str(tagged.elements()[0]["/S"]) == "/Document"
    for i, page in enumerate(tagged.pages):
        assert str(page["/Tabs"]) == "/S", f"page {i + 1}: annotations in the order of the structure"
        assert isinstance(page["/StructParents"], int)


def test_the_structure_tree_gives_the_letters_text_in_reading_order(tagged: Tagged) -> None:
    """Each block's element and text, in the tree's order, are the letter's: words whole and
    apart (a space where a line breaks between words, none inside a web address broken at a
    separator), a split paragraph's text from both pages."""
    assert tagged.blocks() == expected_blocks(long_letter())


def test_headings_and_lists_are_tagged_as_such(tagged: Tagged) -> None:
    elements = tagged.elements()
    assert [tagged.text_of(e) for e in elements if str(e["/S"]) == "/H1"] == [
        "Re: Public records request under the Michigan Freedom of Information Act"
    ]
    assert [tagged.text_of(e) for e in elements if str(e["/S"]) == "/H2"] == ["Records requested", "Fees"]
    lists = [e for e in elements if str(e["/S"]) == "/L"]
    assert [str(e["/A"]["/ListNumbering"]) for e in lists] == ["/Disc", "/Decimal"]
    for lst in lists:
        for item in kids(lst):
            assert item["/S"] == "/LI"
            assert [str(k["/S"]) for k in kids(item)] == ["/Lbl", "/LBody"]
    numbered = [tagged.text_of(kids(item)[0]) for item in kids(lists[1])]
    assert numbered == ["1.", "2.", "3."]


def test_every_element_has_its_parent_and_page(tagged: Tagged) -> None:
    elements = tagged.elements()
    for element in elements[1:]:
        parent = element.raw_get("/P")
        assert any(kid.idnum == element.indirect_reference.idnum for kid in element_refs(parent.get_object()))
    for element in elements:
        if any(isinstance(kid, int) for kid in kids(element)):
            assert "/Pg" in element, element["/S"]


def test_every_link_annotation_is_reached_from_its_link_element(tagged: Tagged) -> None:
    """Each link annotation names its Link element (StructParent, through the ParentTree), which
    reaches it back (an OBJR) and whose own text is the annotation's address; each has /Contents."""
    parents = tagged.parent_tree()
    annotations = 0
    for i, page in enumerate(tagged.pages):
        for reference in page.get("/Annots") or []:
            annotation = reference.get_object()
            if annotation["/Subtype"] != "/Link":
                continue
            annotations += 1
            uri = annotation["/A"]["/URI"]
            assert annotation["/Contents"] == uri
            link = parents[int(annotation["/StructParent"])]
            assert link["/S"] == "/Link"
            objrs = [k for k in kids(link) if isinstance(k, DictionaryObject) and k.get("/Type") == "/OBJR"]
            assert any(
                k.raw_get("/Obj").idnum == reference.idnum and tagged.page_of[k.raw_get("/Pg").idnum] == i
                for k in objrs
            )
            assert tagged.text_of(link) == uri
    links = [e for e in tagged.elements() if str(e["/S"]) == "/Link"]
    assert annotations >= len(links) >= 4  # one annotation a line
    assert {tagged.text_of(link) for link in links} == {ICE_URL, LONG_URL}


def test_page_numbers_and_the_continuation_header_are_artifacts(tagged: Tagged) -> None:
    total = len(tagged.pages)
    for i, artifacts in enumerate(tagged.artifacts):
        expected = [("/Footer", f"Page {i + 1} of {total}")]
        if i:
            expected.append(("/Header", f"Example County Sheriff's Office, November 27, 2026 · page {i + 1}"))
        assert artifacts == expected
        assert tagged.unmarked[i] == "", "all text is the letter's (marked content) or an artifact"
        assert not any("Page " in text for text in tagged.marked[i].values())


def test_the_parent_tree_maps_each_pages_mcids_to_their_elements(tagged: Tagged) -> None:
    parents = tagged.raw_parent_tree()
    owner_of = {(page, mcid): element for element in tagged.elements() for page, mcid in tagged.content_of(element)}
    for i, page in enumerate(tagged.pages):
        owners = parents[page["/StructParents"]]
        assert len(owners) == len(tagged.marked[i]) == 1 + max(tagged.marked[i])
        for mcid, owner in enumerate(owners):
            assert owner.idnum == owner_of[(i, mcid)].indirect_reference.idnum, (i, mcid)
    keys = [*parents]
    assert keys == sorted(keys) and tagged.tree["/ParentTreeNextKey"] == max(keys) + 1


def test_a_tagged_letter_is_the_same_bytes_each_time() -> None:
    assert render_pdf(long_letter()) == rendered()


def test_letters_of_one_page_and_without_body_are_tagged_too() -> None:
    for letter in (letter_with([]), letter_with([Block("paragraph", "Short.")])):
        tagged = Tagged(render_pdf(letter))
        assert len(tagged.pages) == 1
        assert tagged.blocks() == expected_blocks(letter)
        assert tagged.artifacts[0] == [("/Footer", "Page 1 of 1")]


@pytest.mark.parametrize("fill", range(8, 36, 3))
def test_wherever_the_pages_break_the_tree_reads_the_letter(fill: int) -> None:
    """The same letter pushed down the page: page breaks fall between and inside paragraphs,
    items and web addresses, and the text of the tree is the letter's each time."""
    tagged = Tagged(rendered(fill))
    assert tagged.blocks() == expected_blocks(long_letter(fill))
    assert all(text == "" for text in tagged.unmarked)
    # and what is drawn is the letter, word for word (marking it changes nothing on the page)
    assert words(pdf_text(rendered(fill))) == words(long_letter(fill).plain_text())


# --- poppler --------------------------------------------------------------------------------------


def poppler_blocks(output: str) -> list[tuple[str, str]]:
    """``pdfinfo -struct-text``'s tree as (element, text) blocks: an element line
    ("P (block)"; "Link (inline)" continues its block) and its quoted text lines below it."""
    blocks: list[tuple[str, str]] = []
    for line in output.splitlines():
        stripped = line.strip()
        element = re.fullmatch(r"(\w+) \((block|inline)\):?", stripped)
        if element and element.group(2) == "block":
            blocks.append((element.group(1), ""))
        elif stripped.startswith('"') and stripped.endswith('"') and len(stripped) > 1 and blocks:
            blocks[-1] = (blocks[-1][0], blocks[-1][1] + stripped[1:-1])
    return [(element, " ".join(text.split())) for element, text in blocks if element in BLOCK_ROLES]


def test_poppler_reads_the_letters_text_from_the_tree_in_order(tmp_path: Path) -> None:
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed: poppler's reading of the tree is not checked")
    path = tmp_path / "letter.pdf"
    path.write_bytes(rendered())
    info = subprocess.run([pdfinfo, str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    tree = subprocess.run([pdfinfo, "-struct-text", str(path)], capture_output=True, text=True, check=True).stdout
    assert poppler_blocks(tree) == expected_blocks(long_letter())

"""Build templates/letters/letter.docx, the Word template that holds the letters' look.

Run once after changing it: `python scripts/make_letter_docx.py`. The result can also be
restyled directly in Word (fonts, spacing, a letterhead in the header): keep the {%p ... %} and
{{ ... }} tags, each in a paragraph of its own where shown.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor

OUT = Path(__file__).resolve().parent.parent / "templates" / "letters" / "letter.docx"


def field(paragraph, instr: str) -> None:
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instr)
    inner = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    inner.append(text)
    simple.append(inner)
    paragraph._p.append(simple)


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# The letter's two Word lists (records-req's letters/docx.py renders every item and bullet with
# these numbers; a second numbered list in a letter gets a restarted copy of ITEMS).
ITEMS, BULLETS = 1, 2
# Parts of python-docx's default template that a letter never uses (a second copy of the styles for
# Word 2010, a thumbnail of an empty page, custom XML) and styles it never uses (tables, headings,
# lists of Word's own): dropped, so each letter's package is small and quick to write.
UNUSED_RELATIONSHIPS = (
    "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml",
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail",
)
KEPT_STYLES = {
    "Normal",
    "DefaultParagraphFont",
    "TableNormal",
    "NoList",
    "Header",
    "HeaderChar",
    "Footer",
    "FooterChar",
}
APP_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" \
xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">\
<Template>Normal.dotm</Template><Application>records-req</Application><DocSecurity>0</DocSecurity>\
<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>\
<HyperlinksChanged>false</HyperlinksChanged></Properties>"""


def xml(text: str):
    from docx.oxml import parse_xml

    return parse_xml(f'<root xmlns:w="{W}">{text}</root>')[0]


def numbering(doc) -> None:
    """Word's own numbering for the records list and the bullets: adding an item in Word
    renumbers the list. The label hangs 0.3 inch left of the text, at 0.1 inch."""
    root = doc.part.numbering_part.element
    for child in list(root):
        root.remove(child)
    for number, fmt, text in ((ITEMS, "decimal", "%1."), (BULLETS, "bullet", "\u2022")):
        root.append(
            xml(
                f'<w:abstractNum w:abstractNumId="{number}"><w:multiLevelType w:val="singleLevel"/>'
                f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
                '<w:lvlJc w:val="left"/><w:pPr><w:tabs><w:tab w:val="num" w:pos="576"/></w:tabs>'
                '<w:ind w:left="576" w:hanging="432"/></w:pPr></w:lvl></w:abstractNum>'
            )
        )
    for number in (ITEMS, BULLETS):
        root.append(xml(f'<w:num w:numId="{number}"><w:abstractNumId w:val="{number}"/></w:num>'))


def lean(doc) -> None:
    """Only the parts and styles a letter uses; English (United States) as the language."""
    for rels in (doc.part.rels, doc.part.package.rels):
        for key, rel in list(rels.items()):
            if rel.reltype in UNUSED_RELATIONSHIPS:
                del rels[key]
    styles = doc.styles.element
    for style in styles.findall(f"{{{W}}}style"):
        if style.get(f"{{{W}}}styleId") not in KEPT_STYLES and not style.get(f"{{{W}}}styleId", "").startswith(
            "Letter"
        ):
            styles.remove(style)
    defaults = styles.find(f"{{{W}}}docDefaults/{{{W}}}rPrDefault/{{{W}}}rPr")
    for old in defaults.findall(f"{{{W}}}lang"):
        defaults.remove(old)
    defaults.append(xml('<w:lang w:val="en-US" w:eastAsia="en-US" w:bidi="ar-SA"/>'))
    settings = doc.settings.element
    for name in ("savePreviewPicture", "rsids", "proofState"):
        for old in settings.findall(f"{{{W}}}{name}"):
            settings.remove(old)


def main() -> None:
    doc = Document()
    lean(doc)
    numbering(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(1))

    normal = doc.styles["Normal"]
    normal.font.name = "Cambria"
    normal.font.size = Pt(11)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.1

    def style(name: str, *, before: float = 0, after: float = 0, keep: bool = False, bold: bool = False):
        """A paragraph style on Normal: the space around it (no empty paragraphs make space), and
        ``keep``: on the page of the next paragraph and never split (keep with next, keep lines
        together), so Word and LibreOffice never leave it at the foot of a page."""
        made = doc.styles.add_style(name, 1)
        made.base_style = normal
        made.quick_style = True
        made.paragraph_format.space_before = Pt(before)
        made.paragraph_format.space_after = Pt(after)
        if keep:
            made.paragraph_format.keep_with_next = True
            made.paragraph_format.keep_together = True
        if bold:
            made.font.bold = True
        return made

    line = 14  # one line of Normal (11 pt at 1.1 spacing, rounded up): the space a blank line took
    style("Letter Date", before=line, after=line)
    style("Letter Subject", before=line, after=line, keep=True, bold=True)
    style("Letter Salutation", keep=True)
    style("Letter Body", before=6, after=6)
    style("Letter Heading", before=10, after=4, keep=True, bold=True)  # a heading stays with what follows
    for name in ("Letter Item", "Letter Bullet"):
        listed = style(name, after=4)
        listed.paragraph_format.left_indent = Inches(0.4)
        listed.paragraph_format.first_line_indent = Inches(-0.3)
        listed.paragraph_format.tab_stops.add_tab_stop(Inches(0.4))
    # The closing and the signature on one page: "Sincerely," never ends a page the name starts.
    # The space to sign is the signature's space before, not empty paragraphs.
    style("Letter Closing", before=6, after=0, keep=True)
    style("Letter Signature", before=3 * line, keep=True)
    style("Letter Signature Line", keep=True)
    style("Letter Signature Note", before=line, keep=True)  # enclosures and copies, a line below

    # Web addresses in the letter are hyperlinks in this style (records_req.letters.docx): blue as
    # in the PDF, not underlined, which would hide an address's underscores.
    link = doc.styles.add_style("Hyperlink", 2)
    link.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)

    def p(text: str, style: str | None = None, *, keep: bool = False, number: int | None = None) -> None:
        """A paragraph; ``keep`` as in style(), on this paragraph alone; ``number``: an item of
        that Word list."""
        paragraph = doc.add_paragraph(text, style=style)
        if keep:
            paragraph.paragraph_format.keep_with_next = True
            paragraph.paragraph_format.keep_together = True
        if number is not None:
            paragraph._p.get_or_add_pPr().append(
                xml(f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{number}"/></w:numPr>')
            )

    p("{%p for line in sender %}")
    p("{{ line }}")
    p("{%p endfor %}")
    p("{{ date }}", "Letter Date")
    p("{%p for line in recipient %}")
    p("{{ line }}")
    p("{%p endfor %}")
    p("{{ subject }}", "Letter Subject")
    p("{{ salutation }}", "Letter Salutation")
    p("{%p for block in body %}")
    p("{%p if block.kind == 'heading' %}")
    p("{{r block.rich }}", "Letter Heading")
    p("{%p elif block.kind == 'item' and block.numbered %}")
    p("{{r block.rich }}", "Letter Item", number=ITEMS)
    p("{%p elif block.kind == 'bullet' and block.numbered %}")
    p("{{r block.rich }}", "Letter Bullet", number=BULLETS)
    p("{%p elif block.kind == 'item' or block.kind == 'bullet' %}")  # a label Word cannot number
    p("{{ block.label }}\t{{r block.rich }}", "Letter Item")
    p("{%p elif block.keep %}")  # the last paragraph: on the page of the closing and signature
    p("{{r block.rich }}", "Letter Body", keep=True)
    p("{%p else %}")
    p("{{r block.rich }}", "Letter Body")
    p("{%p endif %}")
    p("{%p endfor %}")
    p("{{ closing }}", "Letter Closing")
    p("{%p for line in signed %}")
    p("{%p if line.gap > 1 %}")
    p("{{ line.text }}", "Letter Signature")
    p("{%p elif line.gap == 1 %}")
    p("{{ line.text }}", "Letter Signature Note")
    p("{%p else %}")
    p("{{ line.text }}", "Letter Signature Line")
    p("{%p endif %}")
    p("{%p endfor %}")

    # Page 1 has no header; later pages carry a continuation header (addressee, date, page).
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.add_run("{{ continuation }} · page ")
    field(header, "PAGE")
    for footer in (section.footer.paragraphs[0], section.first_page_footer.paragraphs[0]):
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run("Page ")
        field(footer, "PAGE")
        footer.add_run(" of ")
        field(footer, "NUMPAGES")

    # Each letter's properties (author, title, dates, language) are written by letters/docx.py.
    core = doc.core_properties
    core.author = ""
    core.title = ""
    core.comments = ""
    core.language = "en-US"
    buffer = io.BytesIO()
    doc.save(buffer)
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    with zipfile.ZipFile(buffer) as built, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as final:
        for info in built.infolist():
            data = APP_XML.encode("utf-8") if info.filename == "docProps/app.xml" else built.read(info)
            member = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            member.external_attr = 0o644 << 16
            final.writestr(member, data, zipfile.ZIP_DEFLATED)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

"""Build templates/letters/letter.docx, the Word template that holds the letters' look.

Run once after changing it: `python scripts/make_letter_docx.py`. The result can also be
restyled directly in Word (fonts, spacing, a letterhead in the header): keep the {%p ... %} and
{{ ... }} tags, each in a paragraph of its own where shown.
"""

from __future__ import annotations

import sys
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


def main() -> None:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(1))

    normal = doc.styles["Normal"]
    normal.font.name = "Cambria"
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.1

    body = doc.styles.add_style("Letter Body", 1)
    body.base_style = normal
    body.paragraph_format.space_before = Pt(6)
    body.paragraph_format.space_after = Pt(6)
    heading = doc.styles.add_style("Letter Heading", 1)
    heading.base_style = normal
    heading.font.bold = True
    heading.paragraph_format.space_before = Pt(10)
    heading.paragraph_format.space_after = Pt(4)
    heading.paragraph_format.keep_with_next = True
    item = doc.styles.add_style("Letter Item", 1)
    item.base_style = normal
    item.paragraph_format.left_indent = Inches(0.4)
    item.paragraph_format.first_line_indent = Inches(-0.3)
    item.paragraph_format.space_after = Pt(4)
    item.paragraph_format.tab_stops.add_tab_stop(Inches(0.4))
    subject = doc.styles.add_style("Letter Subject", 1)
    subject.base_style = normal
    subject.font.bold = True

    # Web addresses in the letter are hyperlinks in this style (records_req.letters.docx): blue as
    # in the PDF, not underlined, which would hide an address's underscores.
    link = doc.styles.add_style("Hyperlink", 2)
    link.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)

    def p(text: str, style: str | None = None, *, keep: bool = False) -> None:
        """A paragraph; ``keep``: on the page of the next one, and not split (keep with next,
        keep lines together), so Word and LibreOffice never leave it at the foot of a page."""
        paragraph = doc.add_paragraph(text, style=style)
        if keep:
            paragraph.paragraph_format.keep_with_next = True
            paragraph.paragraph_format.keep_together = True

    p("{%p for line in sender %}")
    p("{{ line }}")
    p("{%p endfor %}")
    p("")
    p("{{ date }}")
    p("")
    p("{%p for line in recipient %}")
    p("{{ line }}")
    p("{%p endfor %}")
    p("")
    p("{{ subject }}", "Letter Subject")
    p("")
    p("{{ salutation }}")
    p("{%p for block in body %}")
    p("{%p if block.kind == 'heading' %}")
    p("{{r block.rich }}", "Letter Heading", keep=True)  # a heading stays with what follows
    p("{%p elif block.kind == 'item' or block.kind == 'bullet' %}")
    p("{{ block.label }}\t{{r block.rich }}", "Letter Item")
    p("{%p elif block.keep %}")  # the last paragraph: on the page of the closing and signature
    p("{{r block.rich }}", "Letter Body", keep=True)
    p("{%p else %}")
    p("{{r block.rich }}", "Letter Body")
    p("{%p endif %}")
    p("{%p endfor %}")
    # The closing and the signature on one page: "Sincerely," never ends a page the name starts.
    p("{{ closing }}", "Letter Body", keep=True)
    p("", keep=True)
    p("{%p for line in signature %}")
    p("{{ line }}", keep=True)
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

    core = doc.core_properties
    core.author = "records-req"
    core.title = "Public records request"
    doc.save(sys.argv[1] if len(sys.argv) > 1 else OUT)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

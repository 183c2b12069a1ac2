"""PDF rendering with reportlab: US Letter, 1-inch margins, page numbers, embedded Unicode fonts.

The text is DejaVu Serif, shipped in the package and embedded (subset) in every PDF, so Latin,
Vietnamese, Greek and Cyrillic names render; characters DejaVu lacks (Chinese, Japanese, Korean)
fall back, run by run, to Droid Sans Fallback, registered only when a letter needs it. Every value
is escaped before it reaches reportlab's paragraph markup. ``invariant=1`` makes the output
byte-stable for the same letter.
"""

from __future__ import annotations

import io
from functools import cache
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from records_req.letters.model import Letter
from records_req.resources import fonts_dir

if TYPE_CHECKING:
    from reportlab.lib.styles import ParagraphStyle

REGULAR, BOLD, FALLBACK = "RRSerif", "RRSerif-Bold", "RRFallback"
FONT_FILES = {
    REGULAR: "DejaVuSerif.ttf",
    BOLD: "DejaVuSerif-Bold.ttf",
    FALLBACK: "DroidSansFallbackFull.ttf",
}


def setup() -> None:
    """Fonts registered, C accelerators configured: call before building any PDF."""
    _configure()
    _register(REGULAR)


@cache
def _configure() -> None:
    from reportlab import rl_config

    rl_config.useA85 = 0  # binary streams: smaller files, no ASCII85 encoding pass


@cache
def _register(name: str) -> Any:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    font = TTFont(name, str(fonts_dir() / FONT_FILES[name]))
    pdfmetrics.registerFont(font)
    if name == REGULAR:
        from reportlab.lib.fonts import addMapping

        _register(BOLD)
        addMapping(REGULAR, 0, 0, REGULAR)
        addMapping(REGULAR, 1, 0, BOLD)
        addMapping(REGULAR, 0, 1, REGULAR)
        addMapping(REGULAR, 1, 1, BOLD)
    return font


@cache
def _covered() -> frozenset[int]:
    return frozenset(_register(REGULAR).face.charToGlyph)


def markup(text: str) -> str:
    """Escape a value for reportlab's paragraph markup; route uncovered characters to the
    fallback font; turn newlines into line breaks."""
    covered = _covered()
    if covered.issuperset(map(ord, text.replace("\n", ""))):  # the common case: one font
        return escape(text).replace("\n", "<br/>")
    out: list[str] = []
    run: list[str] = []
    in_fallback = False

    def flush() -> None:
        if run:
            chunk = escape("".join(run))
            out.append(f'<font name="{FALLBACK}">{chunk}</font>' if in_fallback else chunk)
            run.clear()

    for char in text:
        if char == "\n":
            flush()
            out.append("<br/>")
            continue
        needs_fallback = ord(char) not in covered and not char.isspace()
        if needs_fallback != in_fallback:
            flush()
            in_fallback = needs_fallback
            if needs_fallback:
                _register(FALLBACK)
        run.append(char)
    flush()
    return "".join(out)


@cache
def numbered_canvas(continuation: str = "") -> Any:
    """A canvas that writes 'Page N of M' once the number of pages is known, and from page 2 a
    continuation header (addressee, date, page)."""
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.units import inch
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(REGULAR, 9)
                page = self.getPageNumber()
                self.drawCentredString(LETTER[0] / 2, 0.6 * inch, f"Page {page} of {total}")
                if continuation and page > 1:
                    self.drawString(inch, LETTER[1] - 0.6 * inch, f"{continuation} · page {page}")
                super().showPage()
            super().save()

    return NumberedCanvas


@cache
def _styles() -> dict[str, ParagraphStyle]:
    from reportlab.lib.styles import ParagraphStyle

    _register(REGULAR)
    base = ParagraphStyle("rr-base", fontName=REGULAR, fontSize=10.5, leading=14)
    return {
        "line": base,
        "subject": ParagraphStyle("rr-subject", parent=base, fontName=BOLD),
        "heading": ParagraphStyle("rr-heading", parent=base, fontName=BOLD, spaceBefore=10, spaceAfter=4),
        "paragraph": ParagraphStyle("rr-paragraph", parent=base, spaceBefore=5, spaceAfter=5),
        "item": ParagraphStyle(
            "rr-item",
            parent=base,
            leftIndent=28,
            bulletIndent=6,
            bulletFontName=REGULAR,
            spaceAfter=4,
        ),
        "closing": ParagraphStyle("rr-closing", parent=base, spaceBefore=5, spaceAfter=5),
    }


_ROLE_STYLE = {
    "sender": "line",
    "date": "line",
    "recipient": "line",
    "signature": "line",
    "salutation": "line",
    "subject": "subject",
    "heading": "heading",
    "paragraph": "paragraph",
    "item": "item",
    "bullet": "item",
    "closing": "closing",
}


def render_pdf(letter: Letter) -> bytes:
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    _configure()
    styles = _styles()
    flow: list[Any] = []
    for role, label, text in letter.sequence():
        if role == "blank" or (role == "signature" and not text):  # a signature's empty lines: room to sign
            flow.append(Spacer(1, 10 if role == "blank" else 14))
            continue
        style = styles[_ROLE_STYLE[role]]
        if label:
            flow.append(Paragraph(markup(text), style, bulletText=label))
        else:
            flow.append(Paragraph(markup(text), style))

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=inch,
        rightMargin=inch,
        topMargin=inch,
        bottomMargin=inch,
        title=f"Re: {letter.subject}",
        author=next((line for line in letter.signature if line), ""),
        creator="records-req",
        invariant=1,
        initialFontName=REGULAR,
        initialFontSize=10.5,
    )

    doc.build(flow, canvasmaker=numbered_canvas(letter.continuation))
    return buffer.getvalue()

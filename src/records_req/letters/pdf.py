"""PDF rendering with reportlab: US Letter, 1-inch margins, page numbers, embedded Unicode fonts.

The text is DejaVu Serif, shipped in the package and embedded (subset) in every PDF, so Latin,
Vietnamese, Greek and Cyrillic names render; characters DejaVu lacks (Chinese, Japanese, Korean)
fall back, run by run, to Droid Sans Fallback, registered only when a letter needs it. Every value
is escaped before it reaches reportlab's paragraph markup. ``invariant=1`` makes the output
byte-stable for the same letter; the PDF's dates are the letter's date (midnight UTC), and it
declares its language (/Lang), title, author and subject, with a bookmark at each heading.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import threading
from functools import cache
from pathlib import Path
from types import MethodType
from typing import TYPE_CHECKING, Any

from records_req.letters.model import LANGUAGE, Letter, keep_last_paragraph
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


def escape(text: str) -> str:
    """``xml.sax.saxutils.escape`` (whose module imports urllib.request, http and email: 40 ms)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


# Importing reportlab.platypus compiles regular expressions that letters never use, among them
# paragraph.uri_pat (IGNORECASE over ranges up to U+FFFF: 40-60 ms, a tenth of a whole letter's
# process), used only to hyphenate URIs, and textsplit.rx (8 ms), used only by cjkwrap. Both are
# used through their methods only, so they are compiled on first use instead.
_LAZY_PATTERNS = (
    ("(^(?:[a-z0-9\\.\\-\\+]*)://)", False),  # paragraph.uri_pat: the start of it
    ("([\u2e80-\uffff])", True),  # textsplit.rx: all of it
)


def _lazy(pattern: object) -> bool:
    return isinstance(pattern, str) and any(
        pattern == text if whole else pattern.startswith(text) for text, whole in _LAZY_PATTERNS
    )


class _LazyPattern:
    """A regular expression compiled on first use; otherwise what ``re.compile`` returns."""

    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern_text, self.pattern_flags = pattern, flags
        self._compiled: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern_text, self.pattern_flags)
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled(), name)


_IMPORTING = threading.Lock()


@cache
def _import_platypus() -> None:
    """Import reportlab.platypus with the patterns of _LAZY_PATTERNS compiled on first use, and
    Pillow's Image module loaded on first use (see _lazy_module); web addresses break at their
    separators (see _break_web_addresses_at_separators). One thread at a time: the others wait,
    and find it imported."""
    import sys

    with _IMPORTING:
        if "reportlab.platypus.paragraph" in sys.modules:
            _break_web_addresses_at_separators()
            return
        _lazy_module("PIL.Image")
        compile_now = re.compile

        def compile_lazily(pattern: Any, flags: Any = 0) -> Any:
            if _lazy(pattern):
                return _LazyPattern(pattern, flags)
            return compile_now(pattern, flags)

        re.compile = compile_lazily
        try:
            import reportlab.platypus  # noqa: F401
        finally:
            re.compile = compile_now
        _break_web_addresses_at_separators()


def _break_web_addresses_at_separators() -> None:
    """reportlab breaks an overlong web address, in a paragraph whose style has
    ``uriWasteReduce``, only after a ``/`` (paragraph._uri_split_pairs, which compiles the 40-60 ms
    uri_pat on first use); else it cuts it anywhere, without a mark. An http(s) address now breaks
    where links.break_pairs allows (``/`` and ``_``, then ``.``, ``-``, ``?``, ``&``, ``=``). A word
    without ``://`` is no address for reportlab either (uri_pat requires it): no pattern is needed
    to say so. Only paragraphs with that style attempt it: the link paragraphs of a letter."""
    from reportlab.platypus import paragraph

    original = getattr(paragraph, "_uri_split_pairs", None)
    if original is None or getattr(original, "records_req", False):
        return

    def split_pairs(uri: Any) -> Any:
        text = uri.decode("utf-8") if isinstance(uri, bytes) else str(uri)
        if text.lower().startswith(("http://", "https://")):
            from records_req.letters.links import break_pairs

            return break_pairs(text)
        if "://" not in text:
            return None
        return original(uri)

    split_pairs.records_req = True  # type: ignore[attr-defined]
    paragraph._uri_split_pairs = split_pairs  # type: ignore[attr-defined]


def _lazy_module(name: str) -> None:
    """Import ``name`` with the standard library's LazyLoader: the module runs on first use of
    one of its attributes. reportlab.lib.utils imports Pillow's Image module (15-20 ms, with its
    EXIF tables) for bitmap images, which letters do not have; whatever uses an image later loads
    it as usual. Nothing is done if the module is loaded already or cannot be found."""
    import importlib.util
    import sys

    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)


@cache
def _configure() -> None:
    from reportlab import rl_config
    from reportlab.lib import colors

    rl_config.useA85 = 0  # binary streams: smaller files, no ASCII85 encoding pass
    # The links' color, as reportlab's toColor reads it at the end of its tries (a Python literal,
    # then a safe-eval'd expression, then HexColor: a twentieth of a PDF with a link), at once.
    colors.toColor.extraColorsNS.setdefault(LINK_COLOR, colors.HexColor(LINK_COLOR))


@cache
def _register(name: str) -> Any:
    from reportlab.pdfbase import pdfmetrics

    font = _font(name)
    font.splitString = MethodType(_split_string, font)  # on this object only: not in the pickle
    font.addObjects = MethodType(_add_objects, font)
    font.face.makeSubset = MethodType(_make_subset, font.face)
    font.face.addSubsetObjects = MethodType(_add_subset_objects, font.face)
    pdfmetrics.registerFont(font)
    if name == REGULAR:
        from reportlab.lib.fonts import addMapping

        _register(BOLD)
        addMapping(REGULAR, 0, 0, REGULAR)
        addMapping(REGULAR, 1, 0, BOLD)
        addMapping(REGULAR, 0, 1, REGULAR)
        addMapping(REGULAR, 1, 1, BOLD)
    return font


def _split_string(font: Any, text: Any, doc: Any, encoding: str = "utf-8") -> Any:
    """reportlab's TTFont.splitString (a text's bytes in the document's font subsets), with a fast
    way for the usual text: every character already given a code below 256 in this document (by
    an earlier call) makes one run, each character its code, as reportlab's loop would make it;
    anything else (a first use, a second subset, bytes) goes through reportlab's loop. A quarter
    of a letter's drawing time was that loop, one character at a time."""
    from reportlab.pdfbase.ttfonts import TTFont

    state = font.state.get(doc)
    if state is not None and text and isinstance(text, str):
        assignments = state.assignments
        table = state.__dict__.get("rr_table")
        if table is None or table[0] != len(assignments):
            codes = {chr(c): chr(n) for c, n in assignments.items() if n < 256}
            if " " in codes:
                codes["\xa0"] = codes[" "]  # reportlab draws a no-break space as a space
            table = state.rr_table = (len(assignments), frozenset(codes), str.maketrans(codes))
        if table[1].issuperset(text):
            return [(0, text.translate(table[2]).encode("latin-1"))]
    return TTFont.splitString(font, text, doc, encoding)


# --- font subsets, made and compressed once a process ---------------------------------------------
#
# Every PDF embeds the subset of each face its text uses, made from the face's tables in Python
# and compressed with zlib: a third of a letter's PDF time. The subset depends only on the face
# and the characters in the order the letter first uses them, which the letters of a campaign
# mostly share (a national campaign's 2,500 subsets are a handful of different ones): the subset's
# bytes, its ToUnicode map and their compressed bytes are kept per process, keyed by what they are
# made from, and are the bytes reportlab makes (tests/test_printed_letter.py compares them).

SUBSETS_MAX = 64  # subsets (and compressed streams) kept; then each cache starts again
_SUBSETS: dict[tuple[str, tuple[int, ...]], bytes] = {}


def _make_subset(face: Any, subset: Any) -> bytes:
    """reportlab's TTFontFile.makeSubset, once per face and subset."""
    from reportlab.pdfbase.ttfonts import TTFontFace

    key = (face.filename, tuple(subset))
    made = _SUBSETS.get(key)
    if made is None:
        if len(_SUBSETS) >= SUBSETS_MAX:
            _SUBSETS.clear()
        made = _SUBSETS[key] = TTFontFace.makeSubset(face, subset)
    return made


def _add_subset_objects(face: Any, doc: Any, fontname: str, subset: Any) -> Any:
    """reportlab's TTFontFace.addSubsetObjects, the subset's stream compressed once a process."""
    from reportlab.pdfbase.ttfonts import TTFontFace

    reference = TTFontFace.addSubsetObjects(face, doc, fontname, subset)  # type: ignore[no-untyped-call]
    _compress_once(doc, f"fontFile:{face.filename}({fontname})")
    return reference


def _add_objects(font: Any, doc: Any) -> None:
    """reportlab's TTFont.addObjects, each subset's ToUnicode map compressed once a process, and
    its widths written out once a process; and the whole set of a font's objects (each subset's
    font, descriptor, embedded subset and ToUnicode map) made once a process for the same subsets
    under the same name: a letter registers copies of them, in reportlab's order, by their names
    (which the objects refer to each other by)."""
    from reportlab.pdfbase.pdfdoc import PDFArray, PDFTrueTypeFont
    from reportlab.pdfbase.ttfonts import TTFont

    state = font.state.get(doc)
    key = None
    if state is not None and state.internalName is not None:
        subsets = tuple(tuple(subset) for subset in state.subsets)
        key = (font.fontName, font.face.filename, state.internalName, bool(doc.compression), subsets)
    fonts = doc.idToObject["BasicFonts"].dict
    made = _FONT_OBJECTS.get(key) if key is not None else None
    if made is not None:  # what TTFont.addObjects does, with the objects made already
        state.frozen = 1
        for name, model in made:
            obj = copy.copy(model)
            obj.__dict__.pop("__InternalName__", None)  # registered in this document as its own
            doc.Reference(obj, name)
            if isinstance(obj, PDFTrueTypeFont):
                fonts[name] = obj
        del font.state[doc]
        return
    counter = doc.objectcounter
    before = set(doc.idToObject)
    had = set(fonts)
    TTFont.addObjects(font, doc)
    for name in set(doc.idToObject) - before:
        if name.startswith("toUnicodeCMap:"):
            _compress_once(doc, name)
    for name in set(fonts) - had:
        widths = getattr(fonts[name], "Widths", None)
        if type(widths) is PDFArray and all(type(w) in (int, float) for w in widths.sequence):
            fonts[name].Widths = _widths_class()(widths.sequence)
    added = [doc.numberToId[n] for n in range(counter + 1, doc.objectcounter + 1)]
    if key is not None and len(added) == 4 * len(key[-1]) and set(added) == set(doc.idToObject) - before:
        if len(_FONT_OBJECTS) >= SUBSETS_MAX:
            _FONT_OBJECTS.clear()
        _FONT_OBJECTS[key] = tuple((name, doc.idToObject[name]) for name in added)


# A font's objects in a document, by what they are made from (see _add_objects): (name, object)
# in the order reportlab registers them.
_FONT_OBJECTS: dict[tuple[Any, ...], tuple[tuple[str, Any], ...]] = {}


_WIDTHS: dict[tuple[Any, ...], bytes] = {}


@cache
def _widths_class() -> Any:
    """reportlab's PDFArray of numbers (a font subset's widths), formatted once a process: its
    bytes depend only on the numbers and reportlab's line setting."""
    from reportlab import rl_config
    from reportlab.pdfbase.pdfdoc import PDFArray

    class Widths(PDFArray):
        def format(self, document: Any, IND: bytes = b"\n ") -> bytes:
            key = (rl_config.pdfMultiLine, self.multiline, IND, *self.sequence, *map(type, self.sequence))
            done = _WIDTHS.get(key)
            if done is None:
                if len(_WIDTHS) >= SUBSETS_MAX:
                    _WIDTHS.clear()
                done = _WIDTHS[key] = super().format(document, IND)
            return done

    return Widths


def _compress_once(doc: Any, name: str) -> None:
    """The stream ``name`` of ``doc`` compressed by :func:`_flate` (the same bytes, remembered)
    instead of reportlab's filter; left as it is if it is not what reportlab usually makes."""
    from reportlab.pdfbase import pdfdoc

    stream = doc.idToObject.get(name)
    if isinstance(stream, pdfdoc.PDFStream) and stream.filters == [pdfdoc.PDFZCompress]:
        stream.filters = [_flate()]


_COMPRESSED: dict[str | bytes, bytes] = {}


@cache
def _flate() -> Any:
    """reportlab's FlateDecode filter, which compresses the same content once a process."""
    from reportlab.pdfbase.pdfdoc import PDFStreamFilterZCompress

    class Remembered(PDFStreamFilterZCompress):
        def encode(self, text: Any) -> Any:
            done = _COMPRESSED.get(text)
            if done is None:
                if len(_COMPRESSED) >= SUBSETS_MAX:
                    _COMPRESSED.clear()
                done = _COMPRESSED[text] = super().encode(text)
            return done

    return Remembered()


# --- parsed fonts, cached ------------------------------------------------------------------------
#
# reportlab reads a TrueType font's tables in Python: 20-25 ms for each DejaVu face, every process.
# The parsed font, as reportlab builds it and before any use, is kept in the user's cache
# directory (pickled, like the bytecode Jinja and Python cache there), under the font's path and
# the versions of reportlab and Python; a cached font is used only if it holds the same bytes as
# the font file. Anything unexpected (a foreign or damaged file, a reportlab whose font objects
# do not pickle) means the font is parsed as before.


def _font(name: str) -> Any:
    """The registered font ``name``: from the cache if it holds this font file, else parsed."""
    from reportlab.pdfbase.ttfonts import TTFont

    path = fonts_dir() / FONT_FILES[name]
    try:
        data = path.read_bytes()
    except OSError:  # let reportlab say what is wrong with the file
        return TTFont(name, str(path))
    cache_file = _font_cache_file(path)
    font = _load_font(cache_file, name, str(path), data)
    if font is None:
        font = TTFont(name, str(path))
        _store_font(cache_file, font, data)
    return font


def _font_cache_file(path: Path) -> Path:
    import hashlib
    import sys

    from reportlab import Version

    from records_req import __version__
    from records_req.paths import cache_dir

    key = f"{path}|{Version}|{__version__}|{sys.version}".encode()
    return cache_dir() / "fonts" / f"{path.stem}-{hashlib.sha256(key).hexdigest()[:24]}.pickle"


def _scale(units: int) -> Any:
    """The face's scaling to PDF units, as reportlab's TTFontFile.extractInfo makes it (a lambda,
    which does not pickle): rebuilt on load, and checked against reportlab's before caching."""
    if units == 1000:
        return lambda x: x
    factor = 1000 / units
    return lambda x: x * factor


def _store_font(cache_file: Path, font: Any, data: bytes) -> None:
    import os
    import pickle
    from weakref import WeakKeyDictionary

    face = font.face
    units = getattr(face, "unitsPerEm", None)
    scale = getattr(face, "_pdfScale", None)
    if not isinstance(units, int) or scale is None or getattr(face, "_ttf_data", None) != data:
        return
    ours = _scale(units)
    samples = [*range(-4096, 4097), *(v / 7 for v in range(-300, 300))]
    if any(type(scale(v)) is not type(ours(v)) or scale(v) != ours(v) for v in samples):
        return

    class FontPickler(pickle.Pickler):
        def persistent_id(self, obj: Any) -> Any:
            if obj is scale:
                return ("scale", units)
            if isinstance(obj, WeakKeyDictionary):
                if len(obj):
                    raise pickle.PicklingError("a font that was used")
                return ("weak",)
            return None

    try:
        buffer = io.BytesIO()
        FontPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(font)
        cache_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = cache_file.with_name(f"{cache_file.name}.{os.getpid()}.tmp")
        tmp.write_bytes(buffer.getvalue())
        tmp.replace(cache_file)
    except Exception:  # a font that does not pickle, a cache that cannot be written: no cache
        return


def _load_font(cache_file: Path, name: str, path_text: str, data: bytes) -> Any:
    import pickle
    from weakref import WeakKeyDictionary

    from reportlab.pdfbase.ttfonts import TTFont

    class FontUnpickler(pickle.Unpickler):
        def persistent_load(self, pid: Any) -> Any:
            if pid == ("weak",):
                return WeakKeyDictionary()
            if isinstance(pid, tuple) and len(pid) == 2 and pid[0] == "scale" and isinstance(pid[1], int):
                return _scale(pid[1])
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")

    try:
        with cache_file.open("rb") as handle:
            font = FontUnpickler(handle).load()
    except Exception:  # missing, damaged or foreign: parse the font instead
        return None
    face = getattr(font, "face", None)
    if (
        type(font) is not TTFont
        or font.fontName != name
        or getattr(face, "filename", None) != path_text
        or getattr(face, "_ttf_data", None) != data
    ):
        return None
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


LINK_COLOR = "#0563C1"  # blue as in Word; not underlined, which would hide the underscores of an address


def linked_markup(text: str) -> str | None:
    """:func:`markup`, with each http(s) address a link to itself (a link annotation whose URI is
    the whole address, on every line it spans); None when ``text`` has no such address."""
    if "://" not in text:
        return None
    from records_req.letters.links import split_links

    pieces = split_links(text)
    if not any(is_link for _, is_link in pieces):
        return None
    out = []
    for piece, is_link in pieces:
        if is_link:
            href = escape(piece).replace('"', "&quot;")
            out.append(f'<a href="{href}" color="{LINK_COLOR}">{markup(piece)}</a>')
        else:
            out.append(markup(piece))
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
            self._sections: list[tuple[str, float]] = []

        def mark_section(self, title: str, top: float) -> None:
            """A bookmark (outline entry) at ``top`` of this page, made when the page is written
            (pages are held until the number of pages is known, and a bookmark names its page)."""
            self._sections.append((title, top))

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._sections = []
            self._startPage()  # type: ignore[attr-defined]

        def save(self) -> None:
            total = len(self._pages)
            marked = 0
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(REGULAR, 9)
                page = self.getPageNumber()
                self.drawCentredString(LETTER[0] / 2, 0.6 * inch, f"Page {page} of {total}")
                if continuation and page > 1:
                    self.drawString(inch, LETTER[1] - 0.6 * inch, f"{continuation} · page {page}")
                for title, top in self._sections:
                    marked += 1
                    self.bookmarkHorizontal(f"section-{marked}", 0, top)
                    self.addOutlineEntry(title, f"section-{marked}", level=0)
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
        "heading": ParagraphStyle(
            "rr-heading", parent=base, fontName=BOLD, spaceBefore=10, spaceAfter=4, keepWithNext=1
        ),
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


@cache
def _link_style(name: str) -> ParagraphStyle:
    """The style ``name`` for a paragraph holding a web address: one too long for the rest of its
    line breaks at a separator (see _break_web_addresses_at_separators) when the line is no more
    than 70% full; a fuller line sends the whole address to the next."""
    from reportlab.lib.styles import ParagraphStyle

    style = _styles()[name]
    return ParagraphStyle(f"{style.name}-link", parent=style, uriWasteReduce=0.3)


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


_BODY_ROLES = frozenset({"heading", "paragraph", "item", "bullet"})  # where web addresses become links


def render_pdf(letter: Letter) -> bytes:
    _import_platypus()
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.units import inch
    from reportlab.platypus import KeepTogether, Spacer

    _configure()
    styles = _styles()
    flow: list[Any] = []
    closing_at = last_block_at = None
    for role, label, text in letter.sequence():
        if role == "closing":
            closing_at = len(flow)
        elif role in _BODY_ROLES:
            last_block_at = len(flow)
        if role == "blank" or (role == "signature" and not text):  # a signature's empty lines: room to sign
            flow.append(Spacer(1, 10 if role == "blank" else 14))
            continue
        style = styles[_ROLE_STYLE[role]]
        text_markup = linked_markup(text) if role in _BODY_ROLES else None
        if text_markup is None:
            text_markup = markup(text)
        else:
            style = _link_style(_ROLE_STYLE[role])
        flow.append(_paragraph(text_markup, style, label))
        if role == "heading":
            flow[-1].rr_outline = text  # a bookmark (see _outlined_doc_template)
    if closing_at is not None:
        # The closing and the signature on one page, with the last paragraph if the letter ends
        # with one (keep_last_paragraph): "Sincerely," never ends a page that the name starts.
        keep_from = last_block_at if keep_last_paragraph(letter) and last_block_at is not None else closing_at
        while keep_from and getattr(getattr(flow[keep_from - 1], "style", None), "keepWithNext", 0):
            keep_from -= 1  # a heading just before goes with them
        flow[keep_from:] = [KeepTogether(flow[keep_from:])]

    buffer = io.BytesIO()
    doc = _outlined_doc_template()(
        buffer,
        pagesize=LETTER,
        leftMargin=inch,
        rightMargin=inch,
        topMargin=inch,
        bottomMargin=inch,
        title=letter.subject,
        author=letter.author,
        subject=letter.about,
        creator="records-req",
        lang=LANGUAGE,
        displayDocTitle=1,
        invariant=1,  # byte-identical output for the same letter; the dates are set below
        initialFontName=REGULAR,
        initialFontSize=10.5,
    )
    created = pdf_date(letter.date)

    def dated(canvas: Any, _doc: Any) -> None:
        canvas.setDateFormatter(lambda *_: created)

    doc.build(flow, onFirstPage=dated, canvasmaker=numbered_canvas(letter.continuation))
    return buffer.getvalue()


# --- paragraphs parsed and laid out once a process ----------------------------------------------
#
# The letters of a campaign share most of their paragraphs (the law's, the topics', the closing):
# four in five of a national campaign's. Parsing a paragraph's markup and breaking it into lines
# is a third of a PDF's time, and both depend only on the markup, the style and the width: each
# is done once per process, and every letter gets its own copy of the paragraph (its position,
# its page and any split are its own), sharing the parsed words and the lines. The bytes are the
# ones reportlab writes without the cache (tests/test_printed_letter.py compares them).

_LAID_OUT: dict[tuple[str, str, str | None], Any] = {}
LAID_OUT_MAX = 4096  # paragraphs kept; then the cache starts again (a campaign's fit many times)


def _paragraph(text_markup: str, style: ParagraphStyle, label: str | None) -> Any:
    """A paragraph of ``text_markup`` in ``style`` (with the bullet ``label``), parsed once."""
    key = (text_markup, style.name, label)
    model = _LAID_OUT.get(key)
    if model is None:
        if len(_LAID_OUT) >= LAID_OUT_MAX:
            _LAID_OUT.clear()
        model = (
            _laid_out_class()(text_markup, style, bulletText=label) if label else _laid_out_class()(text_markup, style)
        )
        model.rr_lines = {}  # by available width: what wrap computed, shared by every copy
        _LAID_OUT[key] = model
    return copy.copy(model)


@cache
def _laid_out_class() -> Any:
    """reportlab's Paragraph, whose line breaking is done once per width for every copy of a
    paragraph (see _paragraph); the parts a split makes are ordinary paragraphs."""
    from reportlab.platypus import Paragraph

    class LaidOut(Paragraph):
        def wrap(self, availWidth: float, availHeight: float) -> Any:
            lines = self.__dict__.get("rr_lines")
            if lines is None:
                return super().wrap(availWidth, availHeight)
            done = lines.get(availWidth)
            if done is None:
                size = super().wrap(availWidth, availHeight)
                kept = self.__dict__
                lines[availWidth] = {name: kept[name] for name in _WRAPPED if name in kept}
                lines[availWidth]["_wrapWidths"] = tuple(kept["_wrapWidths"])
                return size
            self.__dict__.update(done, _wrapWidths=list(done["_wrapWidths"]))
            return self.width, self.height

        def split(self, availWidth: float, availHeight: float) -> Any:
            if "rr_lines" in self.__dict__ and "blPara" in self.__dict__:
                _own_split_state(self)
            return super().split(availWidth, availHeight)

    return LaidOut


# What Paragraph.wrap leaves on the paragraph (its line breaking: the lines, and the pieces of
# the words, which a split of lines of several styles goes by), kept for every copy.
_WRAPPED = ("blPara", "width", "height", "_wrapWidths", "frags", "_width_max", "_splitLongWordCount", "_hyphenations")


def _own_split_state(paragraph: Any) -> None:
    """Before a copy of a cached paragraph is split: its own copies of what reportlab's split
    changes in place, so that the lines every copy shares stay as they were laid out. A split of
    lines of several styles appends a space to the last piece of each line but the last
    (paragraph._split_blParaHard, for pieces not broken into words), or turns the piece where it
    breaks a hyphenated word into another kind (Paragraph._split_blParaProcessed)."""
    from reportlab.platypus import paragraph as module

    blpara = paragraph.blPara
    if getattr(blpara, "kind", 0) != 1:
        return
    hyphenated = getattr(module, "_SplitFragHY", None)
    frags = paragraph.__dict__.get("frags")
    if frags and hyphenated is not None and module._processed_frags(frags):  # type: ignore[attr-defined]
        paragraph.frags = [copy.copy(f) if isinstance(f, hyphenated) else f for f in frags]
    else:
        paragraph.blPara = blpara.clone(lines=[_own_pieces(line) for line in blpara.lines])


def _own_pieces(line: Any) -> Any:
    """A laid-out line (a FragLine) with copies of its pieces (the styled runs of its words)."""
    words = getattr(line, "words", None)
    return line if words is None else line.clone(words=[copy.copy(word) for word in words])


def pdf_date(day: dt.date) -> str:
    """The PDF's CreationDate and ModDate: the letter's date at midnight UTC (the same bytes for
    the same letter, and the truth about when it was written)."""
    return f"D:{day:%Y%m%d}000000+00'00'"


@cache
def _outlined_doc_template() -> Any:
    """reportlab's SimpleDocTemplate with a bookmark (an entry of the PDF's outline) at each
    heading, so a reader can move through the letter's sections.

    reportlab writes no structure tree (no tagged PDF); the document's language, title, author
    and subject are what a screen reader can be given."""
    from reportlab.platypus import SimpleDocTemplate

    class Outlined(SimpleDocTemplate):
        def afterFlowable(self, flowable: Any) -> None:
            title = getattr(flowable, "rr_outline", None)
            if title is not None and hasattr(self.canv, "mark_section"):
                bottom = getattr(self.frame, "_y")  # noqa: B009  (the frame's cursor, below the flowable)
                self.canv.mark_section(title, bottom + flowable.height + flowable.getSpaceAfter())

    return Outlined

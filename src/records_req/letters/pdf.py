"""PDF rendering with reportlab: US Letter, 1-inch margins, page numbers, embedded Unicode fonts.

The text is DejaVu Serif, shipped in the package and embedded (subset) in every PDF, so Latin,
Vietnamese, Greek and Cyrillic names render; characters DejaVu lacks (Chinese, Japanese, Korean)
fall back, run by run, to Droid Sans Fallback, registered only when a letter needs it. Every value
is escaped before it reaches reportlab's paragraph markup. ``invariant=1`` makes the output
byte-stable for the same letter; the PDF's dates are the letter's date (midnight UTC), and it
declares its language (/Lang), title, author and subject, with a bookmark at each heading. It is a
tagged PDF (see Tagger): a structure tree gives a screen reader the letter's headings,
paragraphs, lists and links in reading order, and the page numbers are marked as artifacts.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import itertools
import re
import threading
from collections import OrderedDict
from functools import cache, lru_cache
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
            _remember_widths()
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
        _remember_widths()


WIDTHS_MAX = 200_000  # words' widths kept (then the memory starts again): a campaign's are fewer


def _remember_widths() -> None:
    """reportlab's stringWidth as its paragraphs call it (breaking lines: each word's width, through
    three calls for every word of every paragraph laid out) remembering each word's width in a
    font and size, which depends on nothing else for a plain string; the same numbers."""
    from reportlab.platypus import paragraph

    measure = paragraph.stringWidth  # type: ignore[attr-defined]
    if getattr(measure, "records_req", False):
        return
    widths: dict[tuple[str, str, float, str], float] = {}

    def string_width(text: Any, fontName: str, fontSize: float, encoding: str = "utf8") -> Any:
        if type(text) is not str:
            return measure(text, fontName, fontSize, encoding)
        key = (text, fontName, fontSize, encoding)
        width = widths.get(key)
        if width is None:
            if len(widths) >= WIDTHS_MAX:
                widths.clear()
            width = widths[key] = measure(text, fontName, fontSize, encoding)
        return width

    string_width.records_req = True  # type: ignore[attr-defined]
    string_width.reportlab = measure  # type: ignore[attr-defined]
    paragraph.stringWidth = string_width  # type: ignore[attr-defined]


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
    _remember_pdf_names()
    _format_plainly()
    _format_text_plainly()


def _remember_pdf_names() -> None:
    """reportlab's PDFName (a dictionary key written as a PDF name, looking at its characters one
    at a time: 3% of the instructions of a letter's PDF, for the same eighty keys in every PDF)
    remembering what it returned, which depends only on the key. Every dictionary reportlab writes
    in this process goes through it; the bytes are the same."""
    from reportlab.pdfbase import pdfdoc

    if not hasattr(pdfdoc.PDFName, "cache_info"):
        pdfdoc.PDFName = lru_cache(maxsize=1024)(pdfdoc.PDFName)


# Where PDFDocEncoding differs from ASCII: every other ASCII character is its own byte in both.
_NOT_ASCII_IN_PDFDOC = frozenset(map(chr, range(24, 32)))


def _format_plainly() -> None:
    """reportlab's object formatting (pdfdoc.format, the recursion that writes every object of a
    document when it is saved: a fifth of a letter's PDF) with the usual cases done at once, with
    the same bytes: a string (a name, a number written out) encoded in ASCII where that is what
    reportlab's PDFDocEncoding codec (a Python codec, called for each) makes; a number, bytes;
    a dictionary's keys written once a process (``/Key ``, the same for every dictionary). Any
    other value goes through reportlab's own code, as before."""
    from reportlab import rl_config
    from reportlab.pdfbase import pdfdoc

    if getattr(pdfdoc.pdfdocEnc, "records_req", False):
        return
    encode, generic, name = pdfdoc.pdfdocEnc, pdfdoc.format, pdfdoc.PDFName
    fp_str = pdfdoc.fp_str  # type: ignore[attr-defined]
    differs = _NOT_ASCII_IN_PDFDOC

    def pdfdoc_enc(x: Any) -> Any:
        if type(x) is str and x.isascii() and differs.isdisjoint(x):
            return x.encode("ascii")
        return encode(x)

    def format_element(element: Any, document: Any, toplevel: Any = 0) -> Any:
        kind = type(element)
        if kind is str:
            return pdfdoc_enc(element)
        if kind is bytes:
            return element
        if kind is int or kind is float:
            return pdfdoc_enc(fp_str(element))
        return generic(element, document, toplevel)

    keys_written: dict[Any, bytes] = {}

    def format_dictionary(self: Any, document: Any, IND: bytes = b"\n ") -> bytes:
        """PDFDictionary.format, each key's ``/Key `` written once a process."""
        entries = self.dict
        keys = list(entries.keys())
        if not isinstance(entries, OrderedDict):
            keys.sort()
        lines = []
        for key in keys:
            written = keys_written.get(key)
            if written is None:
                written = keys_written[key] = format_element(name(key), document) + b" "
            lines.append(written + format_element(entries[key], document))
        if (self.multiline and rl_config.pdfMultiLine) or self.multiline == "forced":
            return b"<<\n" + IND.join(lines) + b"\n>>"
        for i in reversed(range(6, len(lines), 6)):  # reportlab breaks the line every 6 entries
            lines.insert(i, b"\n ")
        return b"<<\n" + b" ".join(lines) + b"\n>>"

    pdfdoc_enc.records_req = True  # type: ignore[attr-defined]
    pdfdoc_enc.reportlab = encode  # type: ignore[attr-defined]
    format_element.reportlab = generic  # type: ignore[attr-defined]
    format_dictionary.reportlab = pdfdoc.PDFDictionary.format  # type: ignore[attr-defined]
    pdfdoc.pdfdocEnc = pdfdoc_enc
    pdfdoc.format = format_element
    pdfdoc.PDFDictionary.format = format_dictionary  # type: ignore[method-assign]


def _format_text_plainly() -> None:
    """reportlab's PDFTextObject._formatText (a run of text as PDF: ``(...) Tj``, after the font's
    subset if another was in use), for the usual run (one of our fonts, every character with a
    code in its first subset already: see _coded) written at once, with the same bytes; any other
    goes through reportlab's own."""
    from reportlab.lib.rl_accel import fp_str
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen.textobject import PDFTextObject

    original = PDFTextObject._formatText  # type: ignore[attr-defined]
    if getattr(original, "records_req", False):
        return
    fonts = pdfmetrics._fonts  # type: ignore[attr-defined]

    def format_text(self: Any, text: Any) -> Any:
        if type(text) is str:
            font = fonts.get(self._fontname)
            if font is not None and font.__dict__.get("rr_coded"):
                canvas = self._canvas
                doc = canvas._doc
                coded = _coded(font, text, doc)
                if coded is not None:
                    run = f"({canvas._escape(coded)}) Tj"
                    if self._curSubset == 0:
                        return run
                    self._curSubset = 0  # the subset is chosen first, as reportlab chooses it
                    name = font.getSubsetInternalName(0, doc)
                    return f"{name} {fp_str(self._fontsize)} Tf {fp_str(self._leading)} TL {run}"
        return original(self, text)

    format_text.records_req = True  # type: ignore[attr-defined]
    format_text.reportlab = original  # type: ignore[attr-defined]
    PDFTextObject._formatText = format_text  # type: ignore[attr-defined]


@cache
def _register(name: str) -> Any:
    from reportlab.pdfbase import pdfmetrics

    font = _font(name)
    font.splitString = MethodType(_split_string, font)  # on this object only: not in the pickle
    font.rr_coded = True  # (its text is written at once: _format_text_plainly)
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
    coded = _coded(font, text, doc)
    if coded is not None:
        return [(0, coded)]
    return _reportlab_split_string()(font, text, doc, encoding)


class _Codes:
    """The codes below 256 a font's subsets give characters in a document so far (see _coded),
    brought up to date with the characters given one since, as reportlab gives them (never
    changing a code once given)."""

    __slots__ = ("ascii", "chars", "seen", "table")

    def __init__(self) -> None:
        self.seen = 0  # the assignments read so far (reportlab only adds to them)
        self.chars: set[str] = set()
        self.table: dict[int, int] = {}
        self.ascii = bytearray(256)  # the same codes for ASCII text, as a bytes.translate table

    def update(self, assignments: dict[int, int]) -> None:
        for char, code in itertools.islice(assignments.items(), self.seen, None):
            if code < 256:
                self.chars.add(chr(char))
                self.table[char] = code
                if char < 128:
                    self.ascii[char] = code
        if 32 in self.table:  # reportlab draws a no-break space as a space
            self.chars.add("\xa0")
            self.table[0xA0] = self.table[32]
        self.seen = len(assignments)


def _coded(font: Any, text: Any, doc: Any) -> bytes | None:
    """``text``'s bytes in the font's first subset in ``doc``, if each of its characters has
    a code there already (then reportlab's splitString makes one run of them); else None."""
    state = font.state.get(doc)
    if state is None or not text or not isinstance(text, str):
        return None
    codes = state.__dict__.get("rr_codes")
    if codes is None:
        codes = state.rr_codes = _Codes()
    assignments = state.assignments
    if codes.seen != len(assignments):
        codes.update(assignments)
    if codes.chars.issuperset(text):
        if text.isascii():  # (every character has its code: the table's zeros are never used)
            return text.encode("ascii").translate(codes.ascii)
        return text.translate(codes.table).encode("latin-1")
    return None


@cache
def _reportlab_split_string() -> Any:
    from reportlab.pdfbase.ttfonts import TTFont

    return TTFont.splitString


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
def _covered() -> frozenset[str]:
    """The characters the regular face draws, and the newline (which markup makes a line break)."""
    return frozenset(map(chr, _register(REGULAR).face.charToGlyph)) | {"\n"}


def markup(text: str) -> str:
    """Escape a value for reportlab's paragraph markup; route uncovered characters to the
    fallback font; turn newlines into line breaks."""
    covered = _covered()
    if covered.issuperset(text):  # the common case: one font
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
        needs_fallback = char not in covered and not char.isspace()
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


# --- the structure tree: a tagged PDF a screen reader reads in order ---------------------------
#
# reportlab writes no structure tree. Each paragraph of a letter carries the structure elements
# its text belongs to (render_pdf: the subject an H1, a heading an H2, an item an LI of an L with
# a Lbl for its label and an LBody for its text, an address or a signature one P for its lines,
# anything else a P). While a paragraph is drawn its text is marked content (``/P <</MCID n>> BDC
# ... EMC``) owned by its element: the label's text object whole, and the runs of the text inside
# its text object, a web address's runs owned by a Link element that reaches its link annotations
# (one a line) through OBJRs. A paragraph split across pages is one element with marked content on
# both. The page numbers and the continuation header are pagination artifacts. When the canvas
# saves the document it writes the tree: the StructTreeRoot and its ParentTree, each page's
# /StructParents and /Tabs /S, and /MarkInfo.


class StructNode:
    """A structure element: its type (``P``, ``H1``, ``LI``...) and its kids in reading order:
    elements, marked content (its MCID as bytes, or ``(page, MCID)`` on another page than the
    element's) and annotations ``(page, reference)``. It joins its parent's kids as it is made
    (render_pdf makes them in reading order). No element refers to its parent: a tree has no
    cycle, and is freed with the last reference to its root rather than by the garbage collector
    (whose collections, over a campaign's whole heap, cost more than the tree)."""

    attributes = b""  # its /A entry, as PDF (a list's numbering)
    page = -1  # the page of its first marked content (its /Pg), once it has some
    number = 0  # its object number, once written

    def __init__(self, role: str, parent: StructNode | None = None, attributes: bytes = b"") -> None:
        self.role = role
        self.kids: list[StructNode | bytes | tuple[int, Any]] = []
        if attributes:
            self.attributes = attributes
        if parent is not None:
            parent.kids.append(self)


# Each list's /A: how its labels number (PDF/UA asks lists with labels to say).
_LIST_NUMBERING = {
    "item": b"<< /O /List /ListNumbering /Decimal >>",
    "bullet": b"<< /O /List /ListNumbering /Disc >>",
}
_ROLE_ELEMENT = {"subject": "H1", "heading": "H2"}  # any other role's paragraph is a P
_BLOCK_ROLES = frozenset({"sender", "recipient", "signature"})  # lines in a row: one P, a line each


class Tagger:
    """The marked content of one document as its canvas draws it, and its structure tree."""

    def __init__(self) -> None:
        self.root = StructNode("Document")  # render_pdf gives the letter's
        self.page = 0
        self.owners: list[StructNode] = []  # this page's: the element owning each MCID
        self.pages = [self.owners]
        self.annotations: list[StructNode] = []  # per StructParent key, the Link element
        self.label: StructNode | None = None  # while a paragraph is drawn: its label's element
        self.text: StructNode | None = None  # ... and its text's
        self.text_object: Any = None  # its text object, once begun
        self.run: StructNode | None = None  # the element of the open run, if any
        self.run_at = 0  # where in the text object's code the open run began
        self.links: dict[tuple[StructNode, Any], StructNode] = {}  # (text element, link) -> Link
        self.whole_link: StructNode | None = None  # a paragraph that is one link
        self.queued: list[tuple[str, StructNode]] = []  # link runs awaiting their annotation

    def new_page(self) -> None:
        self.page += 1
        self.owners = []
        self.pages.append(self.owners)

    def mark(self, node: StructNode) -> int:
        """A new MCID on this page, owned by ``node`` (a kid written as it is, on the element's
        page; else the page and the MCID, for a marked-content reference)."""
        owners = self.owners
        mcid = len(owners)
        owners.append(node)
        if node.page < 0:
            node.page = self.page
        node.kids.append(b"%d" % mcid if node.page == self.page else (self.page, mcid))
        return mcid

    # -- a paragraph being drawn (LaidOut.draw and beginText; the canvas's drawText and linkURL)

    def begin_text(self, text_object: Any, blpara: Any, continued: bool, links: bool) -> None:
        """The paragraph's text object, begun. Its lines end with the space reportlab leaves out
        where it breaks a line between words (and the last, ``continued``, where the paragraph
        goes on in another part): a space draws nothing, and Tagged PDF asks for the spaces
        between words, at the end of a line too. With ``links``, its text is marked from here in
        runs, each link's apart (reportlab calls ``_linkRecord`` as a link starts and ends on
        each line); without, the canvas marks the text object whole as it draws it."""
        lines = blpara.lines
        if blpara.kind == 0:  # (_inside_word, at once: a line ends inside a word on a piece of it)
            heads = _split_word_heads()
            spaced = [not words or type(words[-1]) not in heads for _width, words in lines[:-1]]
        else:
            spaced = [not _inside_word(1, line, after) for line, after in itertools.pairwise(lines)]
        if continued or True in spaced:
            text_out = text_object._textOut
            ends = iter((*spaced, continued))

            def spaced_text_out(text: str, TStar: int = 0) -> None:  # reportlab's names
                text_out(f"{text} " if TStar and next(ends, False) else text, TStar)

            text_object._textOut = spaced_text_out
        if not links:
            return
        self.text_object = text_object
        code = text_object._code
        if blpara.kind == 0 and blpara.link:  # a paragraph that is one link: one run
            self.whole_link = self.link(blpara.link[0])
            self.open(self.whole_link, len(code))
        else:
            text_object._linkRecord = self.link_record
            self.open(self.text, len(code))  # type: ignore[arg-type]

    def link(self, key: Any) -> StructNode:
        """The Link element of the link ``key`` ((number, address)) of the paragraph's text."""
        assert self.text is not None
        node = self.links.get((self.text, key))
        if node is None:
            node = self.links[(self.text, key)] = StructNode("Link", self.text)
        return node

    def link_record(self, key: Any, what: str) -> None:
        """reportlab's ``_linkRecord``: 'start' just after it wrote the text of a link's first
        fragment on a line (the run begins before that text), 'end' before the next fragment's
        text or at the end of the line."""
        code = self.text_object._code
        if what == "start":
            self.close(len(code) - 1)
            node = self.link(key)
            self.open(node, len(code) - 1)
            self.queued.append((key[1], node))
        elif what == "end" and self.run is not None and self.run.role == "Link":
            self.close(len(code))
            self.open(self.text, len(code))  # type: ignore[arg-type]

    def open(self, node: StructNode, at: int) -> None:
        self.text_object._code.insert(at, f"/{node.role} <</MCID {self.mark(node)}>> BDC")
        self.run, self.run_at = node, at

    def close(self, at: int) -> None:
        """End the open run before ``text_object._code[at]``; a run that showed no text is
        taken back, MCID and all (it is the last one given)."""
        node = self.run
        if node is None:
            return
        code = self.text_object._code
        start = self.run_at
        for entry in code[start + 1 : at]:
            if "Tj" in entry or "TJ" in entry:  # reportlab's text-showing operators
                code.insert(at, "EMC")
                break
        else:
            del code[start]
            self.owners.pop()
            node.kids.pop()
            if not any(type(kid) is bytes or (type(kid) is tuple and type(kid[1]) is int) for kid in node.kids):
                node.page = -1
        self.run = None

    def end_text(self) -> None:
        """The text object is about to be drawn: its last run ends (before its ET)."""
        self.close(len(self.text_object._code))
        self.text_object = self.whole_link = None
        self.queued.clear()

    def annotation_owner(self, url: str) -> StructNode | None:
        """The Link element of the link annotation to ``url`` being made, if a paragraph's."""
        if self.whole_link is not None:
            return self.whole_link
        for i, (queued_url, node) in enumerate(self.queued):
            if queued_url == url:
                del self.queued[i]
                return node
        return None

    # -- the tree, written after reportlab's objects

    def prepare(self, doc: Any, page_names: list[str]) -> None:
        """Before reportlab writes ``doc`` (whose pages are ``page_names``): each page's
        /StructParents and /Tabs /S, /MarkInfo, and the catalog's /StructTreeRoot, a reference
        whose number (the first object after reportlab's) is written in by :meth:`append_tree`."""
        from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFName, PDFPage

        page_keys = [*PDFPage.__NoDefault__, "StructParents", "Tabs"]
        tabs = PDFName("S")
        for i, name in enumerate(page_names):
            page = doc.idToObject[name]
            page.__NoDefault__ = page_keys
            page.StructParents = len(self.annotations) + i  # the annotations' keys come first
            page.Tabs = tabs
        doc.Catalog.MarkInfo = PDFDictionary({"Marked": "true"})
        doc.Catalog.StructTreeRoot = _TREE_ROOT_PLACEHOLDER.decode()  # a string: written as it is

    def append_tree(self, data: bytes, doc: Any, page_names: list[str]) -> bytes:
        """``data``, the PDF reportlab wrote, with the structure tree after its last object: the
        structure elements, the StructTreeRoot and its ParentTree, and the cross-reference table
        and trailer extended to them. Written as bytes at once: through reportlab's objects each
        of a letter's hundred elements cost several microseconds."""
        xref_at = data.rindex(b"\nxref\n") + 1
        trailer_at = data.index(b"trailer\n", xref_at)
        first_line_end = data.index(b"\n", xref_at + 5)
        size = int(data[xref_at + 5 : first_line_end].split()[1])  # "xref\n0 SIZE\n"
        numbers = doc.idToObjectNumberAndVersion
        pages = [numbers[name][0] for name in page_names]
        order = [self.root]  # every element, in the order of the tree (the list grows as it is read),
        parents: list[StructNode | None] = [None]  # and each one's parent
        for node in order:
            for kid in node.kids:
                if type(kid) is StructNode and kid.kids:  # (an element that drew nothing is left out)
                    order.append(kid)
                    parents.append(node)
        tree_number = size  # then the ParentTree, then the elements in order
        for number, node in enumerate(order, size + 2):
            node.number = number
        annotations = len(self.annotations)
        objects = [
            b"%d 0 obj\n<< /Type /StructTreeRoot /K %d 0 R /ParentTree %d 0 R /ParentTreeNextKey %d >>\nendobj\n"
            % (size, size + 2, size + 1, annotations + len(page_names)),
            b"%d 0 obj\n<< /Nums [ %s %s ] >>\nendobj\n"
            % (
                size + 1,
                b" ".join(b"%d %d 0 R" % (key, node.number) for key, node in enumerate(self.annotations)),
                b" ".join(
                    b"%d [ %s ]" % (annotations + i, b" ".join([b"%d 0 R" % node.number for node in owners]))
                    for i, owners in enumerate(self.pages[: len(page_names)])
                ),
            ),
        ]
        element = b"%d 0 obj\n<< /Type /StructElem /S /%s /P %d 0 R /Pg %d 0 R /K %s >>\nendobj\n"
        container = b"%d 0 obj\n<< /Type /StructElem /S /%s /P %d 0 R%s /K [ %s ] >>\nendobj\n"
        for node, parent in zip(order, parents, strict=True):
            page = node.page
            if page < 0:  # an element of elements (Document, L, LI; a P whose text is all links)
                objects.append(
                    container
                    % (
                        node.number,
                        node.role.encode(),
                        parent.number if parent is not None else tree_number,
                        b" /A " + node.attributes if node.attributes else b"",
                        b" ".join(
                            [b"%d 0 R" % kid.number for kid in node.kids if type(kid) is StructNode and kid.kids]
                        ),
                    )
                )
                continue
            kids = node.kids
            only = kids[0]
            if len(kids) > 1 or not isinstance(only, bytes):  # (mostly one MCID, on the element's page)
                only = b"[ " + b" ".join([_kid(kid, pages, numbers) for kid in kids]) + b" ]"
            objects.append(
                element
                % (
                    node.number,
                    node.role.encode(),
                    parent.number if parent is not None else tree_number,
                    pages[page],
                    only,
                )
            )
        offsets = list(itertools.accumulate(map(len, objects[:-1]), initial=xref_at))
        new_size = size + len(objects)
        trailer = data[trailer_at : data.rindex(b"startxref")]
        trailer = trailer.replace(b"/Size %d" % size, b"/Size %d" % new_size)
        new_xref_at = offsets[-1] + len(objects[-1])
        root = int(trailer.split(b"/Root ", 1)[1].split(None, 1)[0])  # the catalog's number, its offset:
        catalog = data.index(_TREE_ROOT_PLACEHOLDER, int(data[first_line_end + 1 + 20 * root :][:10]))
        return b"".join(
            [
                data[:catalog],
                b"%*d 0 R" % (len(_TREE_ROOT_PLACEHOLDER) - 4, tree_number),
                data[catalog + len(_TREE_ROOT_PLACEHOLDER) : xref_at],
                *objects,
                b"xref\n0 %d\n" % new_size,
                data[first_line_end + 1 : trailer_at],
                *(b"%010d 00000 n \n" % offset for offset in offsets),
                trailer,
                b"startxref\n%d\n%%%%EOF\n" % new_xref_at,
            ]
        )


def _kid(kid: StructNode | bytes | tuple[int, Any], pages: list[int], numbers: dict[str, tuple[int, int]]) -> bytes:
    """A kid of a structure element with marked content, as PDF: an MCID on the element's page, a
    Link element, a marked-content reference (an MCID on another page) or an object reference (a
    link annotation), given the pages' and the annotations' object numbers."""
    if isinstance(kid, bytes):
        return kid
    if isinstance(kid, StructNode):
        return b"%d 0 R" % kid.number
    page, item = kid
    if isinstance(item, int):
        return b"<< /Type /MCR /Pg %d 0 R /MCID %d >>" % (pages[page], item)
    return b"<< /Type /OBJR /Obj %d 0 R /Pg %d 0 R >>" % (numbers[item.name][0], pages[page])


# The catalog's /StructTreeRoot until the tree's number is known (as wide as any number written over it).
_TREE_ROOT_PLACEHOLDER = b"0000000000 0 R"


@cache
def numbered_canvas(continuation: str = "", tagged: bool = False) -> Any:
    """A canvas that writes 'Page N of M' once the number of pages is known, and from page 2 a
    continuation header (addressee, date, page); ``tagged``, one that writes a structure tree
    (see Tagger), the page numbers and header marked as pagination artifacts."""
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.units import inch
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        _code: list[str]  # reportlab's: the page's content, its document, its annotations
        _doc: Any
        _annotationrefs: list[Any]
        _filename: Any

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []
            self._sections: list[tuple[str, float]] = []
            self.rr_tagger = Tagger() if tagged else None

        def mark_section(self, title: str, top: float) -> None:
            """A bookmark (outline entry) at ``top`` of this page, made when the page is written
            (pages are held until the number of pages is known, and a bookmark names its page)."""
            self._sections.append((title, top))

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._sections = []
            if self.rr_tagger is not None:
                self.rr_tagger.new_page()
            self._startPage()  # type: ignore[attr-defined]

        def drawText(self, aTextObject: Any) -> None:
            tagger = self.rr_tagger
            if tagger is None or tagger.text is None:
                super().drawText(aTextObject)
            elif aTextObject is tagger.text_object:  # a paragraph's text with links: marked in runs
                tagger.end_text()
                super().drawText(aTextObject)
                aTextObject.__dict__.pop("_textOut", None)  # (Tagger.begin_text's, which refers to it)
            else:  # a paragraph's label (reportlab draws it first), then its text, each marked whole
                node = tagger.label or tagger.text
                tagger.label = None
                owners = tagger.owners  # a new MCID, owned by the element (as Tagger.mark)
                mcid = len(owners)
                owners.append(node)
                page = tagger.page
                if node.page < 0:
                    node.page = page
                node.kids.append(b"%d" % mcid if node.page == page else (page, mcid))
                text = aTextObject.getCode()  # what Canvas.drawText writes, marked
                self._code.append(f"/{node.role} <</MCID {mcid}>> BDC\n{text}\nEMC")
                aTextObject.__dict__.pop("_textOut", None)  # (Tagger.begin_text's, which refers to it)

        def linkURL(self, url: str, rect: Any, *args: Any, **kw: Any) -> None:
            tagger = self.rr_tagger
            owner = tagger.annotation_owner(url) if tagger is not None and tagger.text is not None else None
            if owner is None:
                super().linkURL(url, rect, *args, **kw)
                return
            from reportlab.pdfbase.pdfdoc import PDFString

            assert tagger is not None
            kw.update(StructParent=len(tagger.annotations), Contents=PDFString(url))
            super().linkURL(url, rect, *args, **kw)
            tagger.annotations.append(owner)
            owner.kids.append((tagger.page, self._annotationrefs[-1]))

        def _artifact(self, kind: str, draw: Any, *args: Any) -> None:
            if self.rr_tagger is not None:
                self._code.append(f"/Artifact <</Type /Pagination /Subtype /{kind}>> BDC")
            draw(*args)
            if self.rr_tagger is not None:
                self._code.append("EMC")

        def save(self) -> None:
            total = len(self._pages)
            marked = 0
            page_names = []
            for state in self._pages:
                self.__dict__.update(state)
                page = self.getPageNumber()
                self._artifact("Footer", self._footer, f"Page {page} of {total}")
                if continuation and page > 1:
                    header = f"{continuation} · page {page}"
                    self._artifact("Header", self.drawString, inch, LETTER[1] - 0.6 * inch, header)
                for title, top in self._sections:
                    marked += 1
                    self.bookmarkHorizontal(f"section-{marked}", 0, top)
                    self.addOutlineEntry(title, f"section-{marked}", level=0)
                page_names.append(self._doc.thisPageName())
                super().showPage()
            tagger = self.rr_tagger
            if tagger is not None:
                tagger.prepare(self._doc, page_names)
            super().save()
            if tagger is not None:
                out = self._filename  # the file-like object reportlab wrote to (render_pdf's buffer)
                tagged = tagger.append_tree(out.getvalue(), self._doc, page_names)
                out.seek(0)
                out.truncate()
                out.write(tagged)
            # The pages held (each a copy of the canvas's attributes, this list among them: a
            # cycle) and the tree, let go: freed now rather than by the garbage collector.
            self._pages.clear()
            self.rr_tagger = None

        def _footer(self, text: str) -> None:
            self.setFont(REGULAR, 9)
            self.drawCentredString(LETTER[0] / 2, 0.6 * inch, text)

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
    # The structure tree, in reading order (see Tagger): each paragraph carries its elements.
    root = StructNode("Document")
    last_role = ""  # items in a row make one list; address or signature lines in a row, one P
    group = root
    last_line: Any = None
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
        if style.name.endswith("-link"):  # (_link_style's: the paragraph has a web address)
            flow[-1].rr_links = True  # its text is marked in runs, each link's apart (see Tagger)
        if role in _LIST_NUMBERING:  # an item: a list's LI, its label a Lbl and its text an LBody
            if role != last_role:
                group = StructNode("L", root, _LIST_NUMBERING[role])
            item = StructNode("LI", group)
            flow[-1].rr_tag = (StructNode("Lbl", item) if label else None, StructNode("LBody", item))
        elif role in _BLOCK_ROLES and role == last_role:
            last_line.rr_continued = True  # the line before ends with a space, as if wrapped
            flow[-1].rr_tag = (None, group)
        else:
            group = StructNode(_ROLE_ELEMENT.get(role, "P"), root)
            flow[-1].rr_tag = (None, group)
        last_role, last_line = role, flow[-1]
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
        canvas.rr_tagger.root = root

    doc.build(flow, onFirstPage=dated, canvasmaker=numbered_canvas(letter.continuation, tagged=True))
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
        frags = _plain_frags(text_markup, style)
        model = (
            _laid_out_class()(text_markup, style, bulletText=label, frags=frags)
            if label
            else _laid_out_class()(text_markup, style, frags=frags)
        )
        model.rr_lines = {}  # by available width: what wrap computed, shared by every copy
        _LAID_OUT[key] = model
    return copy.copy(model)


# Plain text (no markup, no entity, single spaces) in a style: the piece reportlab's parser makes
# of it, but its text, by the style (see _plain_frags).
_PLAIN_PIECE: dict[int, tuple[ParagraphStyle, Any]] = {}


def _plain_frags(text_markup: str, style: ParagraphStyle) -> list[Any] | None:
    """The pieces reportlab's parser makes of ``text_markup`` in ``style`` (its ParaParser, an
    HTMLParser, at a tenth of a letter's PDF for the paragraphs a letter does not share with
    others) for plain text: one piece, a copy of the one it makes of any plain text in that
    style, with this text. None for anything else (markup, an entity, whitespace that reportlab
    cleans up, a style that transforms text): the parser makes those."""
    if (
        not text_markup
        or "<" in text_markup
        or "&" in text_markup
        or " ".join(text_markup.split()) != text_markup
        or getattr(style, "textTransform", None)
    ):
        return None
    kept = _PLAIN_PIECE.get(id(style))
    if kept is None or kept[0] is not style:
        from reportlab.platypus.paraparser import ParaParser

        parser = ParaParser()
        parser.caseSensitive = 1
        parsed_style, pieces, bullet = parser.parse("plain", style)  # type: ignore[no-untyped-call]
        if parsed_style is not style or not pieces or len(pieces) != 1 or bullet or pieces[0].text != "plain":
            return None
        kept = _PLAIN_PIECE[id(style)] = (style, pieces[0])
    piece = copy.copy(kept[1])
    piece.text = text_markup
    return [piece]


@cache
def _laid_out_class() -> Any:
    """reportlab's Paragraph, whose line breaking is done once per width for every copy of a
    paragraph (see _paragraph); the parts a split makes are ordinary paragraphs."""
    from reportlab.platypus import Paragraph

    class LaidOut(Paragraph):
        blPara: Any  # reportlab's: the lines, set by wrap

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
            parts: list[Any] = super().split(availWidth, availHeight)
            tag = self.__dict__.get("rr_tag")
            if tag is not None:
                links = "rr_links" in self.__dict__
                for part in parts:
                    part.rr_tag = tag  # one element, its marked content on both pages
                    if links:
                        part.rr_links = True
                if len(parts) == 2:  # the first part ends where this paragraph's lines broke
                    kind, lines, at = self.blPara.kind, self.blPara.lines, len(parts[0].blPara.lines)
                    parts[0].rr_continued = not _inside_word(kind, lines[at - 1], lines[at])
                    parts[1].rr_continued = self.__dict__.get("rr_continued", False)
            return parts

        def draw(self) -> None:
            tagger = getattr(self.canv, "rr_tagger", None)
            own = self.__dict__
            tag = own.get("rr_tag")
            if tagger is None or tag is None:
                super().draw()
                return
            tagger.label = tag[0] if self.bulletText else None
            tagger.text = tag[1]
            super().draw()
            tagger.label = tagger.text = None

        def beginText(self, x: float, y: float) -> Any:
            text_object = super().beginText(x, y)
            tagger = getattr(self.canv, "rr_tagger", None)
            if tagger is not None and tagger.text is not None:
                own = self.__dict__
                blpara = self.blPara
                if "rr_links" in own or "rr_continued" in own or len(blpara.lines) > 1:
                    tagger.begin_text(text_object, blpara, own.get("rr_continued", False), "rr_links" in own)
            return text_object

    return LaidOut


# What Paragraph.wrap leaves on the paragraph (its line breaking: the lines, and the pieces of
# the words, which a split of lines of several styles goes by), kept for every copy.
_WRAPPED = (
    "blPara",
    "width",
    "height",
    "_wrapWidths",
    "frags",
    "_width_max",
    "_splitLongWordCount",
    "_hyphenations",
)


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


def _inside_word(kind: int, line: Any, after: Any) -> bool:
    """Whether reportlab broke a word between ``line`` and the line ``after`` it: a web address
    broken at a separator (or a word too long for a line) rather than at a space. In a paragraph
    of one style (kind 0) the pieces of a broken word are _SplitWord strings, the last one a
    _SplitWordEnd; in one of several styles (kind 1), an address goes on with the same link."""
    if kind == 0:
        words = line[1]
        return bool(words) and type(words[-1]) in _split_word_heads()
    last, first = line.words[-1] if line.words else None, after.words[0] if after.words else None
    link = getattr(last, "link", None)
    return bool(link) and link == getattr(first, "link", None)


@cache
def _split_word_heads() -> frozenset[type]:
    """reportlab's classes of a piece of a broken word that is not its last (_SplitWordEnd)."""
    from reportlab.platypus import paragraph

    heads = [paragraph._SplitWord]  # type: ignore[attr-defined]
    for cls in heads:
        heads.extend(cls.__subclasses__())
    return frozenset(heads) - {paragraph._SplitWordEnd}  # type: ignore[attr-defined]


def pdf_date(day: dt.date) -> str:
    """The PDF's CreationDate and ModDate: the letter's date at midnight UTC (the same bytes for
    the same letter, and the truth about when it was written)."""
    return f"D:{day:%Y%m%d}000000+00'00'"


@cache
def _outlined_doc_template() -> Any:
    """reportlab's SimpleDocTemplate with a bookmark (an entry of the PDF's outline) at each
    heading, so a reader can move through the letter's sections.

    A screen reader gets the document's language, title, author and subject, and the letter's
    structure (its headings, paragraphs, lists and links, in reading order) from the structure
    tree the canvas writes (see Tagger), which reportlab itself does not."""
    from reportlab.platypus import SimpleDocTemplate

    class Outlined(SimpleDocTemplate):
        def afterFlowable(self, flowable: Any) -> None:
            title = getattr(flowable, "rr_outline", None)
            if title is not None and hasattr(self.canv, "mark_section"):
                bottom = getattr(self.frame, "_y")  # noqa: B009  (the frame's cursor, below the flowable)
                self.canv.mark_section(title, bottom + flowable.height + flowable.getSpaceAfter())

    return Outlined

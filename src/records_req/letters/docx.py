"""DOCX rendering with docxtpl's tag rewriting, compiled once per template.

docxtpl's usual loop (load the .docx, parse it with python-docx, rewrite the Jinja tags, render,
re-serialize, save) costs tens of milliseconds per letter. The Word template never changes
between letters, so this module does the template work once: it takes the body of
``word/document.xml`` (and any header or footer holding tags), lets docxtpl rewrite the tags
(``DocxTemplate.patch_xml``), and compiles the result in a sandboxed Jinja environment with
autoescaping and strict undefined variables. Each letter is then one template render and the
package written with ``zipfile``. Values go in as docxtpl's ``RichText`` would put them: escaped,
in one run.

Each letter's package has its own document properties (``docProps/core.xml``: the requester as
author, the subject as title, the letter's date as created and modified, its language), and, where
a letter has more than one numbered list, a restarted copy of the template's list for each list
after the first, so that Word numbers each from 1 as the PDF does.

A new process does not redo the template work either: the rewritten tags are cached on disk,
keyed by the SHA-256 of the template's parts, of docxtpl's rewriting code and of this module, and
the compiled templates go to Jinja's bytecode cache (``compose.bytecode_cache``). So a letter
needs neither docxtpl nor python-docx at run time, only when a template is new or changed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import struct
import zipfile
import zlib
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from records_req.letters.compose import TemplateError
from records_req.letters.model import LANGUAGE, Letter, keep_last_paragraph

if TYPE_CHECKING:
    from jinja2 import Template

_PART = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")
_BODY = re.compile(r"(<w:body>)(.*)(</w:body>)", re.DOTALL)
_TAG = re.compile(r"\{\{|\{%")
_PARAGRAPH = re.compile(r"<w:p([ >])")
# A fixed timestamp keeps the zip entries identical from run to run.
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
# Members already compressed (a letterhead's picture): stored as they are, not deflated again.
_STORED = (".png", ".jpg", ".jpeg", ".gif", ".emf", ".wmf", ".tif", ".tiff", ".bmp", ".svg", ".odttf", ".ttf")
_CORE = "docProps/core.xml"
_NUMBERING = "word/numbering.xml"
_NUM_ID = re.compile(r'<w:numId w:val="(\d+)"\s*/>')


class _Part(NamedTuple):
    name: str
    prefix: str
    template: Template
    suffix: str


class CompiledDocx(NamedTuple):
    """A Word template ready to render many letters."""

    source: Path
    parts: tuple[_Part, ...]
    members: tuple[tuple[zipfile.ZipInfo, bytes], ...]  # every member of the template, in order
    items_num: str | None  # the numId of the template's numbered list (a decimal one), if any
    # Each member's zip entry as the template has it, compressed once (see _Zipped); None: every
    # package is written by zipfile (this Python's zipfile writes other bytes than _Zipped's).
    zipped: tuple[_Entry, ...] | None = None

    @property
    def links_ok(self) -> bool:
        """Whether web addresses can be hyperlinks: the template's body has the relationships
        part to list them in and declares the ``r:`` prefix (any Word template does)."""
        document = self.member("word/document.xml") or b""
        return self.member(_RELATIONSHIPS) is not None and b"xmlns:r=" in document

    def member(self, name: str) -> bytes | None:
        return next((data for info, data in self.members if info.filename == name), None)

    def render(self, letter: Letter) -> bytes:
        links: list[str] = []
        context = docx_context(letter, links if self.links_ok else None)
        rendered = {}
        for part in self.parts:
            try:
                xml = part.template.render(context)
            except Exception as exc:  # jinja errors from a user's Word template
                raise TemplateError(f"Word template {self.source}: {exc}") from None
            xml = xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")  # the lines docxtpl makes
            xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%")
            xml = xml.replace("%_}", "%}")
            rendered[part.name] = part.prefix + xml + part.suffix
        if links:
            rels = self.member(_RELATIONSHIPS)
            assert rels is not None  # links_ok
            rendered[_RELATIONSHIPS] = _with_links(rels, links)
        self._restart_lists(context, rendered)
        if self.member(_CORE) is not None:
            rendered[_CORE] = core_properties(letter)
        changed = {name: text.encode("utf-8") for name, text in rendered.items()}
        if self.zipped is not None:
            return _package(self.members, self.zipped, changed)
        return _zipfile_package(self.members, changed)

    def _restart_lists(self, context: dict[str, Any], rendered: dict[str, str]) -> None:
        """Each numbered list after the first restarts at 1 (a ``w:num`` of its own, with a
        start override), as in the PDF; Word would otherwise go on counting. Done only where the
        document's paragraphs of that list are exactly the letter's numbered items."""
        lists = [block["list"] for block in context["body"] if block["kind"] == "item" and block["numbered"]]
        numbering = self.member(_NUMBERING)
        document = rendered.get("word/document.xml", "")
        if self.items_num is None or numbering is None or not lists or lists[-1] == 0:
            return
        found = [m for m in _NUM_ID.finditer(document) if m.group(1) == self.items_num]
        if len(found) != len(lists):
            return
        text = numbering.decode("utf-8")
        abstract = re.search(rf'<w:num w:numId="{self.items_num}"[^>]*>\s*<w:abstractNumId w:val="(\d+)"', text)
        if abstract is None or "</w:numbering>" not in text:
            return
        first = max(int(n) for n in re.findall(r'<w:num w:numId="(\d+)"', text)) + 1
        added = "".join(
            f'<w:num w:numId="{first + k - 1}"><w:abstractNumId w:val="{abstract.group(1)}"/>'
            '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
            for k in range(1, lists[-1] + 1)
        )
        end = text.rindex("</w:numbering>")
        rendered[_NUMBERING] = text[:end] + added + text[end:]
        out, at = [], 0
        for match, k in zip(found, lists, strict=True):
            out.append(document[at : match.start(1)])
            out.append(match.group(1) if k == 0 else str(first + k - 1))
            at = match.end(1)
        rendered["word/document.xml"] = "".join(out) + document[at:]


def _fixed(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
    fixed.compress_type = zipfile.ZIP_STORED if info.filename.lower().endswith(_STORED) else zipfile.ZIP_DEFLATED
    fixed.external_attr = info.external_attr
    return fixed


# --- the package, its unchanged members compressed once ----------------------------------------
#
# A letter's package is the template's members with a few of them rendered (the body, its
# properties, and where needed its relationships and lists). zipfile compressed every member of
# every letter: half of a DOCX's time, most of it the template's styles and theme, the same in
# every letter. Each member's entry (its local header, its compressed bytes, its record in the
# central directory) is made once per template and process; a letter's package is those entries
# with the rendered members' made anew, laid out as zipfile lays them out. The bytes are
# zipfile's: checked when the template is compiled (else zipfile writes every package), and by
# tests/test_render_cache.py.


class _Entry(NamedTuple):
    """A member's entry in a zip file, as zipfile writes it into a new archive."""

    local: bytes  # its local header, name and data
    central: bytes  # its central directory record up to its local header's offset
    name: bytes  # what follows that offset: its name (extra field and comment are empty)


def _entry(info: zipfile.ZipInfo, data: bytes) -> _Entry:
    """``data`` as ``ZipFile.writestr(_fixed(info), data)`` writes it into a seekable file: one
    deflate stream at zlib's default level, the CRC and sizes in the local header, no extra field."""
    fixed = _fixed(info)
    if fixed.compress_type == zipfile.ZIP_DEFLATED:
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        stored = compressor.compress(data) + compressor.flush()
    else:
        stored = data
    try:
        name, flags = fixed.filename.encode("ascii"), 0
    except UnicodeEncodeError:
        name, flags = fixed.filename.encode("utf-8"), 0x800
    year, month, day, hour, minute, second = fixed.date_time
    dosdate = (year - 1980) << 9 | month << 5 | day
    dostime = hour << 11 | minute << 5 | second // 2
    crc = zlib.crc32(data)
    external = fixed.external_attr or 0o600 << 16
    version, kind = fixed.extract_version, fixed.compress_type
    fields = (flags, kind, dostime, dosdate, crc, len(stored), len(data), len(name))
    local = struct.pack("<4s2B4HL2L2H", b"PK\003\004", version, 0, *fields, 0)
    # the central record: no extra field, comment, disk number or internal attributes; its offset
    # (the last field) is the package's to fill
    central = struct.pack(
        "<4s4B4HL2L5H2L",
        b"PK\001\002",
        fixed.create_version,
        fixed.create_system,
        version,
        0,
        *fields,
        0,
        0,
        0,
        0,
        external,
        0,
    )
    return _Entry(local + name + stored, central[:-4], name)


def _package(
    members: tuple[tuple[zipfile.ZipInfo, bytes], ...], zipped: tuple[_Entry, ...], changed: dict[str, bytes]
) -> bytes:
    """The package of ``members``, those in ``changed`` with its bytes: ``zipped``'s entries for
    the others."""
    entries = [
        zipped[i] if info.filename not in changed else _entry(info, changed[info.filename])
        for i, (info, _) in enumerate(members)
    ]
    out: list[bytes] = []
    offset = 0
    for entry in entries:
        out.append(entry.local)
        offset += len(entry.local)
    start = offset
    at = 0
    for entry in entries:
        out.append(entry.central + struct.pack("<L", at) + entry.name)
        at += len(entry.local)
    size = sum(len(e.central) + 4 + len(e.name) for e in entries)
    out.append(struct.pack("<4s4H2LH", b"PK\005\006", 0, 0, len(entries), len(entries), size, start, 0))
    return b"".join(out)


def _zipfile_package(members: tuple[tuple[zipfile.ZipInfo, bytes], ...], changed: dict[str, bytes]) -> bytes:
    """The package of ``members``, those in ``changed`` with its bytes, written by zipfile."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in members:
            out.writestr(_fixed(info), changed.get(info.filename, data))
    return buffer.getvalue()


def _zipped(members: tuple[tuple[zipfile.ZipInfo, bytes], ...]) -> tuple[_Entry, ...] | None:
    """Each member's entry made once (see _Entry), if this Python's zipfile writes the same
    packages with them: a package with every member as it is, and one with each changed, are
    compared with zipfile's; None if they differ (or the package would need zip64)."""
    if sum(len(data) for _, data in members) > 1 << 30:
        return None
    zipped = tuple(_entry(info, data) for info, data in members)
    changed = {info.filename: data + b"<!-- -->" for info, data in members}
    for trial in ({}, changed):
        if _package(members, zipped, trial) != _zipfile_package(members, trial):
            return None
    return zipped


def core_properties(letter: Letter) -> str:
    """The letter's document properties (``docProps/core.xml``): its requester as author, its
    subject as title, what it is as subject, its date (midnight UTC) as created and modified,
    and its language."""
    when = f"{letter.date.isoformat()}T00:00:00Z"
    author = escape(letter.author, quote=False)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(letter.subject, quote=False)}</dc:title>"
        f"<dc:subject>{escape(letter.about, quote=False)}</dc:subject>"
        f"<dc:creator>{author}</dc:creator><cp:lastModifiedBy>{author}</cp:lastModifiedBy>"
        "<cp:revision>1</cp:revision>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
        f"<dc:language>{LANGUAGE}</dc:language></cp:coreProperties>"
    )


class _Rich:
    """What docxtpl's ``RichText(text)`` puts in the document for a plain text: one run, the
    text escaped (docxtpl.richtext; tests compare the two). Not importing docxtpl for it saves
    the import of docxtpl, python-docx and lxml on every letter."""

    __slots__ = ("xml",)

    def __init__(self, text: str) -> None:
        self.xml = f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>' if text else ""

    def __str__(self) -> str:
        return self.xml

    def __html__(self) -> str:
        return self.xml


class _Linked(_Rich):
    """A block's runs with each http(s) address a hyperlink to itself (in the Hyperlink style):
    the address's relationship is added to ``links``, which the package's relationships then
    list (CompiledDocx.render)."""

    __slots__ = ()

    def __init__(self, pieces: list[tuple[str, bool]], links: list[str]) -> None:
        xml = []
        for piece, is_link in pieces:
            if not is_link:
                xml.append(_Rich(piece).xml)
                continue
            links.append(piece)
            xml.append(
                f'<w:hyperlink r:id="{_link_id(len(links))}" w:history="1"><w:r><w:rPr>'
                f'<w:rStyle w:val="Hyperlink"/></w:rPr><w:t xml:space="preserve">{escape(piece)}</w:t></w:r>'
                "</w:hyperlink>"
            )
        self.xml = "".join(xml)


def _link_id(number: int) -> str:
    return f"rrLink{number}"


def _rich(text: str, links: list[str] | None) -> _Rich:
    """The runs of a block's text: with hyperlinks where ``links`` collects them."""
    if links is not None and "://" in text:
        from records_req.letters.links import split_links

        pieces = split_links(text)
        if any(is_link for _, is_link in pieces):
            return _Linked(pieces, links)
    return _Rich(text)


_RELATIONSHIPS = "word/_rels/document.xml.rels"
_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


def _with_links(rels: bytes, links: list[str]) -> str:
    """The document's relationships with one external hyperlink for each address."""
    added = "".join(
        f'<Relationship Id="{_link_id(n)}" Type="{_HYPERLINK}" Target="{escape(url)}" TargetMode="External"/>'
        for n, url in enumerate(links, 1)
    )
    text = rels.decode("utf-8")
    end = text.rindex("</Relationships>")
    return text[:end] + added + text[end:]


def docx_context(letter: Letter, links: list[str] | None = None) -> dict[str, Any]:
    """What the Word template renders. With ``links`` (a list to fill), http(s) addresses in the
    body become hyperlinks, each added to ``links`` (whose relationships the caller must add).

    A block is ``numbered`` where Word's list gives the same label as the letter: items labelled
    1., 2., 3. in a row (``list`` counts the numbered lists from 0), bullets labelled "•"; any
    other label is typed. ``signed`` is the signature without its empty lines: ``gap`` says how
    many came before a line (two or more: the room to sign), which Word gives as space before."""
    keep = keep_last_paragraph(letter)
    last = len(letter.body) - 1
    body: list[dict[str, Any]] = []
    lists = -1
    for i, b in enumerate(letter.body):
        block = {
            "kind": b.kind,
            "label": b.label,
            "text": b.text,
            "rich": _rich(b.text, links),
            "keep": keep and i == last,  # the last paragraph stays with the closing
            "numbered": b.kind == "bullet" and b.label == "\u2022",
            "list": 0,
        }
        if b.kind == "item":
            run = body[-1]["position"] + 1 if body and body[-1]["kind"] == "item" else 1
            block["position"] = run
            if run == 1:
                lists += 1
            block["list"] = lists
        body.append(block)
    numbers: dict[Any, bool] = {}  # a list is numbered by Word only if every label in it is its number
    for block in body:
        if block["kind"] == "item":
            numbers[block["list"]] = numbers.get(block["list"], True) and block["label"] == f"{block['position']}."
    for block in body:
        if block["kind"] == "item":
            block["numbered"] = numbers[block["list"]]
    numbered_lists = sorted({b["list"] for b in body if b["kind"] == "item" and b["numbered"]})
    for block in body:
        if block["kind"] == "item" and block["numbered"]:
            block["list"] = numbered_lists.index(block["list"])
    signed: list[dict[str, Any]] = []
    gap = 0
    for line in letter.signature:
        if not line:
            gap += 1
            continue
        signed.append({"text": line, "gap": gap})
        gap = 0
    return {
        "sender": list(letter.sender),
        "date": letter.date_text,
        "recipient": list(letter.recipient),
        "subject": f"Re: {letter.subject}",
        "salutation": letter.salutation,
        "body": body,
        "closing": letter.closing,
        "signature": list(letter.signature),
        "signed": signed,
        "continuation": letter.continuation,
    }


# Compiled templates of this process, by path and SHA-256 of the file (a few at most).
_COMPILED: dict[tuple[str, str], CompiledDocx] = {}


def compile_docx(path: Path) -> CompiledDocx:
    """Read and compile a Word template (kept by path and content: an edited file, even one that
    keeps its size and modification time, is compiled again)."""
    try:
        path.stat()
    except OSError as exc:
        raise TemplateError(f"Word template {path} cannot be read: {exc}") from None
    try:
        package = path.read_bytes()
    except OSError as exc:
        raise TemplateError(f"Word template {path} is not a .docx file: {exc}") from None
    key = (str(path), hashlib.sha256(package).hexdigest())
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _compile(path, package)
        if len(_COMPILED) >= 16:
            _COMPILED.clear()
        _COMPILED[key] = compiled
    return compiled


def _compile(path: Path, package: bytes) -> CompiledDocx:
    from jinja2 import DictLoader, StrictUndefined, TemplateSyntaxError
    from jinja2.sandbox import SandboxedEnvironment

    from records_req.letters.compose import bytecode_cache

    try:
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            members = tuple((info, archive.read(info)) for info in archive.infolist())
    except (OSError, zipfile.BadZipFile) as exc:
        raise TemplateError(f"Word template {path} is not a .docx file: {exc}") from None
    split: dict[str, tuple[str, str, str]] = {}
    for info, data in members:
        if not _PART.match(info.filename):
            continue
        xml = data.decode("utf-8")
        if not _TAG.search(xml):
            continue
        match = _BODY.search(xml)
        split[info.filename] = (
            (xml[: match.end(1)], match.group(2), xml[match.start(3) :]) if match else _split_root(xml)
        )
    if "word/document.xml" not in split:
        raise TemplateError(f"Word template {path} has no template tags in its body.")
    sources = _patched(path, {name: inner for name, (_, inner, _) in split.items()})
    # Each part under a name of its own source, so that parts and templates never share an entry
    # of the bytecode cache.
    names = {
        name: f"{name}@{hashlib.sha256(source.encode('utf-8')).hexdigest()[:16]}" for name, source in sources.items()
    }
    env = SandboxedEnvironment(
        autoescape=True,
        undefined=StrictUndefined,
        loader=DictLoader({names[name]: source for name, source in sources.items()}),
    )
    env.bytecode_cache = bytecode_cache(env)
    parts = []
    for name, (prefix, _, suffix) in split.items():
        try:
            template = env.get_template(names[name])
        except TemplateSyntaxError as exc:
            raise TemplateError(f"Word template {path} ({name}) has a tag error: {exc.message}") from None
        parts.append(_Part(name, prefix, template, suffix))
    body = split["word/document.xml"][1]
    return CompiledDocx(path, tuple(parts), members, _items_num(members, body), _zipped(members))


def _items_num(members: tuple[tuple[zipfile.ZipInfo, bytes], ...], body: str) -> str | None:
    """The numId of the numbered (decimal) list the template's body uses for the records, if
    there is one: the list a letter's later lists restart."""
    numbering = next((data for info, data in members if info.filename == _NUMBERING), b"").decode("utf-8")
    num_ids: list[str] = _NUM_ID.findall(body)
    for num_id in dict.fromkeys(num_ids):
        num = re.search(rf'<w:num w:numId="{num_id}"[^>]*>\s*<w:abstractNumId w:val="(\d+)"', numbering)
        if num is None:
            continue
        abstract = re.search(
            rf'<w:abstractNum [^>]*w:abstractNumId="{num.group(1)}".*?</w:abstractNum>', numbering, re.S
        )
        if abstract is not None and re.search(
            r'<w:lvl w:ilvl="0".*?<w:numFmt w:val="decimal"', abstract.group(0), re.S
        ):
            return num_id
    return None


def _split_root(xml: str) -> tuple[str, str, str]:
    """Headers and footers: keep the root element's tags, template its content."""
    start = xml.index(">", xml.index("<w:hdr" if "<w:hdr" in xml else "<w:ftr")) + 1
    end = xml.rindex("</w:")
    return xml[:start], xml[start:end], xml[end:]


# --- docxtpl's tag rewriting, cached ------------------------------------------------------------


def _patched(path: Path, inners: dict[str, str]) -> dict[str, str]:
    """The Jinja source of each part: docxtpl's ``patch_xml`` of its XML, one paragraph a line
    (as docxtpl renders it). Read from the cache when the same parts were rewritten by the same
    docxtpl and the same version of this module; a cache that cannot be read is ignored."""
    cache_file = _patch_cache_file(inners)
    if cache_file is not None:
        try:
            with cache_file.open(encoding="utf-8") as handle:
                cached = json.load(handle)
            if (
                isinstance(cached, dict)
                and cached.keys() == inners.keys()
                and all(isinstance(v, str) for v in cached.values())
            ):
                return cached
        except (OSError, ValueError):
            pass
    from docxtpl import DocxTemplate

    # Only docxtpl's tag rewriting is used: DocxTemplate.patch_xml, the step of its public
    # render() that turns Word's runs into Jinja tags. Its public API has no way to render one
    # template many times, which is what makes a letter fast (pyproject.toml pins the versions
    # tests/test_templates.py compares against docxtpl's own render).
    rewrite = getattr(DocxTemplate(path), "patch_xml", None)
    if rewrite is None:
        raise TemplateError(
            f"Word template {path} cannot be prepared: this docxtpl has no patch_xml (records-req needs docxtpl<0.21)."
        )
    sources = {name: _PARAGRAPH.sub(r"\n<w:p\1", rewrite(inner)) for name, inner in inners.items()}
    if cache_file is not None:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_name(f"{cache_file.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(sources), encoding="utf-8")
            tmp.replace(cache_file)
        except OSError:
            pass
    return sources


def _patch_cache_file(inners: dict[str, str]) -> Path | None:
    """Where the rewritten parts are cached: named by the SHA-256 of the parts, of docxtpl's
    template module (which holds ``patch_xml``) and of this module. None without docxtpl."""
    from importlib.util import find_spec

    from records_req import __version__
    from records_req.paths import cache_dir

    try:
        spec = find_spec("docxtpl")
        locations = list(spec.submodule_search_locations or []) if spec else []
        rewriter = Path(locations[0], "template.py").read_bytes() if locations else None
        ours = Path(__file__).read_bytes()
    except (ImportError, ValueError, OSError):
        return None
    if rewriter is None:
        return None
    digest = hashlib.sha256(rewriter + b"\0" + ours)
    for name in sorted(inners):
        digest.update(b"\0" + name.encode("utf-8") + b"\0" + inners[name].encode("utf-8"))
    return cache_dir() / f"docx-{__version__}-{digest.hexdigest()[:32]}.json"

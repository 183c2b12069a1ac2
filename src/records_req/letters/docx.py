"""DOCX rendering with docxtpl's tag rewriting, compiled once per template.

docxtpl's usual loop (load the .docx, parse it with python-docx, rewrite the Jinja tags, render,
re-serialize, save) costs tens of milliseconds per letter. The Word template never changes
between letters, so this module does the template work once: it takes the body of
``word/document.xml`` (and any header or footer holding tags), lets docxtpl rewrite the tags
(``patch_xml``), compiles the result in a sandboxed Jinja environment with autoescaping and strict
undefined variables, and keeps the other parts of the package, already compressed. Each letter is
then one template render, the compression of the rendered parts, and the joining of the zip's
records. Values go in as docxtpl's ``RichText`` would put them: escaped, in one run.

A new process does not redo the template work either: the rewritten tags are cached on disk,
keyed by the SHA-256 of the template's parts, of docxtpl's rewriting code and of this module, and
the compiled templates go to Jinja's bytecode cache (``compose.bytecode_cache``). So a letter
needs neither docxtpl nor python-docx at run time, only when a template is new or changed.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from records_req.letters.compose import TemplateError
from records_req.letters.model import Letter, keep_last_paragraph

if TYPE_CHECKING:
    from jinja2 import Template

_PART = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")
_BODY = re.compile(r"(<w:body>)(.*)(</w:body>)", re.DOTALL)
_TAG = re.compile(r"\{\{|\{%")
_PARAGRAPH = re.compile(r"<w:p([ >])")
_PARAGRAPH_AFTER_NEWLINE = re.compile(r"\n<w:p([ >])")
# A fixed timestamp keeps the zip entries identical from run to run.
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
# The fixed part of a central directory record and the end of central directory record, as the
# ZIP format (PKWARE's APPNOTE, section 4.3) defines them and zipfile writes them. Of the central
# record: the lengths of its extra field and comment, and the offset of the member's local header
# (its last 4 bytes).
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_END_SIGNATURE = b"PK\005\006"
_CD_EXTRA, _CD_COMMENT, _CD_OFFSET = 13, 14, 18
_OFFSET_AT = _CENTRAL.size - 4
_SMALL = zipfile.ZIP64_LIMIT // 2  # far from any size that would need ZIP64 records


class _Part(NamedTuple):
    name: str
    prefix: str
    template: Template
    suffix: str


class _Record(NamedTuple):
    """One member of the zip as ``zipfile`` writes it: the local header with the compressed data,
    and the central directory record (its offset field still zero)."""

    local: bytes
    central: bytes


class CompiledDocx(NamedTuple):
    """A Word template ready to render many letters."""

    source: Path
    parts: tuple[_Part, ...]
    members: tuple[tuple[zipfile.ZipInfo, bytes], ...]  # every member of the template, in order
    records: tuple[_Record | None, ...]  # the static members' records (None: a rendered part)

    @property
    def links_ok(self) -> bool:
        """Whether web addresses can be hyperlinks: the template's body has the relationships
        part to list them in and declares the ``r:`` prefix (any Word template does)."""
        document = next((data for info, data in self.members if info.filename == "word/document.xml"), b"")
        return any(info.filename == _RELATIONSHIPS for info, _ in self.members) and b"xmlns:r=" in document

    def render(self, letter: Letter) -> bytes:
        links: list[str] = []
        context = docx_context(letter, links if self.links_ok else None)
        rendered = {}
        for part in self.parts:
            try:
                xml = part.template.render(context)
            except Exception as exc:  # jinja errors from a user's Word template
                raise TemplateError(f"Word template {self.source}: {exc}") from None
            xml = _PARAGRAPH_AFTER_NEWLINE.sub(r"<w:p\1", xml)
            xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%")
            xml = xml.replace("%_}", "%}")
            rendered[part.name] = (part.prefix + xml + part.suffix).encode("utf-8")
        if links:
            rels = next(data for info, data in self.members if info.filename == _RELATIONSHIPS)
            rendered[_RELATIONSHIPS] = _with_links(rels, links)
        records: list[_Record] = []
        for (info, data), record in zip(self.members, self.records, strict=True):
            if record is None or info.filename in rendered:
                record = _record(info, rendered.get(info.filename, data))
            if record is None:
                return self.render_plain(rendered)
            records.append(record)
        return _join(records) or self.render_plain(rendered)

    def render_plain(self, rendered: dict[str, bytes]) -> bytes:
        """The same package written member by member with ``zipfile`` (what :meth:`render`
        must equal byte for byte; also the way for a package too large for that shortcut)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
            for info, data in self.members:
                out.writestr(_fixed(info), rendered.get(info.filename, data))
        return buffer.getvalue()


def _fixed(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
    fixed.compress_type = zipfile.ZIP_DEFLATED
    fixed.external_attr = info.external_attr
    return fixed


def _record(info: zipfile.ZipInfo, data: bytes) -> _Record | None:
    """The member as ``zipfile`` writes it, cut out of a one-member archive; None where the
    member is too large for a plain record (ZIP64) or the archive has an unexpected shape."""
    if len(data) > _SMALL:
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as one:
        one.writestr(_fixed(info), data)
    raw = buffer.getvalue()
    fields = _END.unpack(raw[-_END.size :])
    count, size, offset, comment = fields[4], fields[5], fields[6], fields[7]
    central = raw[offset : -_END.size]
    if fields[0] != _END_SIGNATURE or count != 1 or comment or len(central) != size:
        return None
    header = _CENTRAL.unpack(central[: _CENTRAL.size])
    if header[_CD_OFFSET] != 0 or header[_CD_EXTRA] or header[_CD_COMMENT]:
        return None
    return _Record(raw[:offset], central)


def _join(records: list[_Record]) -> bytes | None:
    """The archive ``zipfile`` would write for these members, from their records."""
    if len(records) >= 0xFFFF:
        return None
    locals_: list[bytes] = []
    centrals: list[bytes] = []
    offset = 0
    for record in records:
        centrals.append(record.central[:_OFFSET_AT] + struct.pack("<L", offset) + record.central[_OFFSET_AT + 4 :])
        locals_.append(record.local)
        offset += len(record.local)
    directory = b"".join(centrals)
    if offset + len(directory) > _SMALL:
        return None
    count = len(records)
    end = _END.pack(_END_SIGNATURE, 0, 0, count, count, len(directory), offset, 0)
    return b"".join(locals_) + directory + end


class _Rich:
    """What docxtpl's ``RichText(text)`` puts in the document for a plain text: one run, the
    text escaped (docxtpl.richtext; tests compare the two). Not importing docxtpl for it saves
    the import of docxtpl, python-docx and lxml on every letter."""

    __slots__ = ("xml",)

    def __init__(self, text: str) -> None:
        from html import escape

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
        from html import escape

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


def _with_links(rels: bytes, links: list[str]) -> bytes:
    """The document's relationships with one external hyperlink for each address."""
    from html import escape

    added = "".join(
        f'<Relationship Id="{_link_id(n)}" Type="{_HYPERLINK}" Target="{escape(url)}" TargetMode="External"/>'
        for n, url in enumerate(links, 1)
    )
    text = rels.decode("utf-8")
    end = text.rindex("</Relationships>")
    return (text[:end] + added + text[end:]).encode("utf-8")


def docx_context(letter: Letter, links: list[str] | None = None) -> dict[str, Any]:
    """What the Word template renders. With ``links`` (a list to fill), http(s) addresses in the
    body become hyperlinks, each added to ``links`` (whose relationships the caller must add)."""
    keep = keep_last_paragraph(letter)
    last = len(letter.body) - 1
    return {
        "sender": list(letter.sender),
        "date": letter.date_text,
        "recipient": list(letter.recipient),
        "subject": f"Re: {letter.subject}",
        "salutation": letter.salutation,
        "body": [
            {
                "kind": b.kind,
                "label": b.label,
                "text": b.text,
                "rich": _rich(b.text, links),
                "keep": keep and i == last,  # the last paragraph stays with the closing
            }
            for i, b in enumerate(letter.body)
        ],
        "closing": letter.closing,
        "signature": list(letter.signature),
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
    return CompiledDocx(path, tuple(parts), members, _static_records(package, members, set(split)))


def _split_root(xml: str) -> tuple[str, str, str]:
    """Headers and footers: keep the root element's tags, template its content."""
    start = xml.index(">", xml.index("<w:hdr" if "<w:hdr" in xml else "<w:ftr")) + 1
    end = xml.rindex("</w:")
    return xml[:start], xml[start:end], xml[end:]


# --- the static members' records, cached ---------------------------------------------------------


def _static_records(
    package: bytes, members: tuple[tuple[zipfile.ZipInfo, bytes], ...], rendered: set[str]
) -> tuple[_Record | None, ...]:
    """Each static member's record (None for the rendered parts). Compressing them takes a few
    milliseconds; they are cached on disk under the SHA-256 of the template, with the versions of
    zlib, Python and this module that decide their bytes."""
    cache_file = _records_cache_file(package)
    try:
        with cache_file.open(encoding="utf-8") as handle:
            cached = _decode_records(json.load(handle), members, rendered)
        if cached is not None:
            return cached
    except (OSError, ValueError):
        pass
    records = tuple(None if info.filename in rendered else _record(info, data) for info, data in members)
    encoded = [
        None if r is None else [base64.b64encode(r.local).decode(), base64.b64encode(r.central).decode()]
        for r in records
    ]
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_name(f"{cache_file.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(encoded), encoding="utf-8")
        tmp.replace(cache_file)
    except OSError:
        pass
    return records


def _decode_records(
    data: object, members: tuple[tuple[zipfile.ZipInfo, bytes], ...], rendered: set[str]
) -> tuple[_Record | None, ...] | None:
    """The cached records, if they fit the template's members (one record a static member, each
    naming its member); else None."""
    if not isinstance(data, list) or len(data) != len(members):
        return None
    out: list[_Record | None] = []
    for (info, _), item in zip(members, data, strict=True):
        if item is None and info.filename in rendered:
            out.append(None)
            continue
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(v, str) for v in item)):
            return None
        if info.filename in rendered:
            return None
        local, central = (base64.b64decode(v, validate=True) for v in item)
        name = info.filename.encode("utf-8")
        if central[_CENTRAL.size : _CENTRAL.size + len(name)] != name:
            return None
        out.append(_Record(local, central))
    return tuple(out)


def _records_cache_file(package: bytes) -> Path:
    import sys

    from records_req import __version__
    from records_req.paths import cache_dir

    digest = hashlib.sha256(package)
    digest.update(f"|{zlib.ZLIB_RUNTIME_VERSION}|{sys.version}|".encode())
    digest.update(Path(__file__).read_bytes())
    return cache_dir() / f"docx-records-{__version__}-{digest.hexdigest()[:32]}.json"


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

    patcher = DocxTemplate(path)  # only its tag rewriting (patch_xml) is used
    sources = {name: _PARAGRAPH.sub(r"\n<w:p\1", patcher.patch_xml(inner)) for name, inner in inners.items()}
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


def render_docx_naive(template: Path, letter: Letter) -> bytes:
    """docxtpl's own loop, for comparison in the benchmark and the tests."""
    from docxtpl import DocxTemplate
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    doc = DocxTemplate(template)
    doc.render(
        docx_context(letter),
        jinja_env=SandboxedEnvironment(autoescape=True, undefined=StrictUndefined),
    )
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()

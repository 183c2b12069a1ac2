"""DOCX rendering with docxtpl, compiled once per template.

docxtpl's usual loop (load the .docx, parse it with python-docx, rewrite the Jinja tags, render,
re-serialize, save) costs tens of milliseconds per letter. The Word template never changes
between letters, so this module does the template work once: it takes the body of
``word/document.xml`` (and any header or footer holding tags), lets docxtpl rewrite the tags
(``patch_xml``), compiles the result in a sandboxed Jinja environment with autoescaping and strict
undefined variables, and keeps the other parts of the package as bytes. Each letter is then one
template render and one zip write. Values go in through docxtpl's ``RichText``, which escapes them
and turns newlines into Word line breaks.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from records_req.letters.compose import TemplateError
from records_req.letters.model import Letter

if TYPE_CHECKING:
    from jinja2 import Template

_PART = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")
_BODY = re.compile(r"(<w:body>)(.*)(</w:body>)", re.DOTALL)
_TAG = re.compile(r"\{\{|\{%")
# A fixed timestamp keeps the zip entries identical from run to run.
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class _Part:
    name: str
    prefix: str
    template: Template
    suffix: str


@dataclass(frozen=True)
class CompiledDocx:
    """A Word template ready to render many letters."""

    source: Path
    parts: tuple[_Part, ...]
    static: tuple[tuple[zipfile.ZipInfo, bytes], ...]

    def render(self, letter: Letter) -> bytes:
        context = docx_context(letter)
        rendered = {}
        for part in self.parts:
            try:
                xml = part.template.render(context)
            except Exception as exc:  # jinja errors from a user's Word template
                raise TemplateError(f"Word template {self.source}: {exc}") from None
            xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
            xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%")
            xml = xml.replace("%_}", "%}")
            rendered[part.name] = (part.prefix + xml + part.suffix).encode("utf-8")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
            for info, data in self.static:
                out.writestr(_fixed(info), rendered.get(info.filename, data))
        return buffer.getvalue()


def _fixed(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
    fixed.compress_type = zipfile.ZIP_DEFLATED
    fixed.external_attr = info.external_attr
    return fixed


def docx_context(letter: Letter) -> dict[str, Any]:
    from docxtpl import RichText

    return {
        "sender": list(letter.sender),
        "date": letter.date_text,
        "recipient": list(letter.recipient),
        "subject": f"Re: {letter.subject}",
        "salutation": letter.salutation,
        "body": [{"kind": b.kind, "label": b.label, "text": b.text, "rich": RichText(b.text)} for b in letter.body],
        "closing": letter.closing,
        "signature": list(letter.signature),
        "continuation": letter.continuation,
    }


def compile_docx(path: Path) -> CompiledDocx:
    """Read and compile a Word template (cached by path and modification time)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise TemplateError(f"Word template {path} cannot be read: {exc}") from None
    return _compile(str(path), stat.st_mtime_ns)


@cache
def _compile(path_text: str, _mtime: int) -> CompiledDocx:
    from docxtpl import DocxTemplate
    from jinja2 import StrictUndefined, TemplateSyntaxError
    from jinja2.sandbox import SandboxedEnvironment

    path = Path(path_text)
    try:
        with zipfile.ZipFile(path) as archive:
            static = tuple((info, archive.read(info)) for info in archive.infolist())
    except (OSError, zipfile.BadZipFile) as exc:
        raise TemplateError(f"Word template {path} is not a .docx file: {exc}") from None
    env = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    patcher = DocxTemplate(path)  # only its tag rewriting (patch_xml) is used
    parts = []
    for info, data in static:
        if not _PART.match(info.filename):
            continue
        xml = data.decode("utf-8")
        if not _TAG.search(xml):
            continue
        match = _BODY.search(xml)
        prefix, inner, suffix = (
            (xml[: match.end(1)], match.group(2), xml[match.start(3) :]) if match else _split_root(xml)
        )
        source = re.sub(r"<w:p([ >])", r"\n<w:p\1", patcher.patch_xml(inner))
        try:
            template = env.from_string(source)
        except TemplateSyntaxError as exc:
            raise TemplateError(f"Word template {path} ({info.filename}) has a tag error: {exc.message}") from None
        parts.append(_Part(info.filename, prefix, template, suffix))
    if not any(p.name == "word/document.xml" for p in parts):
        raise TemplateError(f"Word template {path} has no template tags in its body.")
    return CompiledDocx(path, tuple(parts), static)


def _split_root(xml: str) -> tuple[str, str, str]:
    """Headers and footers: keep the root element's tags, template its content."""
    start = xml.index(">", xml.index("<w:hdr" if "<w:hdr" in xml else "<w:ftr")) + 1
    end = xml.rindex("</w:")
    return xml[:start], xml[start:end], xml[end:]


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

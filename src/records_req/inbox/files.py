"""Received files stored once, by hash, in the data directory, and their text page by page.

- A PDF's text comes from pypdf, one row per page; pages without text are read with Tesseract
  (``pdftoppm`` then ``tesseract``) where both are installed, and otherwise say so.
  A password-protected PDF is stored and its text is not extracted (noted).
- A DOCX's text (python-docx) is page 1; an XLSX's sheets (openpyxl, read-only, values only)
  are one page each; plain text is page 1.
- A zip is stored as it came and never expanded: its entries are listed (names made safe, sizes),
  at most :data:`LISTED` of them.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import NamedTuple

LISTED = 50  # a zip's entries named in its note
MAX_PAGES = 2000  # pages of text kept from one PDF
OCR_TIMEOUT = 120  # seconds for one page
EXTRACTED = (".pdf", ".docx", ".xlsx", ".zip", ".txt", ".csv", ".eml")  # the kinds :func:`extract` reads


class Extracted(NamedTuple):
    pages: list[str]  # the text of page 1, 2...
    note: str | None  # why some or all text is missing, or what a zip holds


class Stored(NamedTuple):
    path: Path
    sha256: str
    extension: str
    kind: str


def store_bytes(home: Path, data: bytes, extension: str, folder: str = "files") -> tuple[Path, str]:
    """Keep ``data`` under its hash (written atomically; the same bytes are kept once)."""
    sha = hashlib.sha256(data).hexdigest()
    target = home / folder / sha[:2] / f"{sha}{extension}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    return target, sha


def store(home: Path, data: bytes, name: str) -> Stored:
    """Keep a received file under the extension of what its bytes are (records_req.filetypes);
    a kind the tracker does not know is kept as ``.bin`` (never opened)."""
    from records_req.filetypes import HEAD, identify

    found = identify(data[:HEAD], name, data)
    extension, kind = (found.extension, found.kind) if found is not None else (".bin", "unknown")
    path, sha = store_bytes(home, data, extension)
    return Stored(path, sha, extension, kind)


def extract(data: bytes, extension: str) -> Extracted:
    """The text of a received file, page by page; never raises on its contents."""
    try:
        if extension == ".pdf":
            return _pdf(data)
        if extension == ".docx":
            return _docx(data)
        if extension == ".xlsx":
            return _xlsx(data)
        if extension == ".zip":
            return Extracted([], zip_listing(data))
        if extension in (".txt", ".csv", ".eml"):
            return Extracted([data.decode("utf-8", "replace")], None)
    except Exception as exc:  # a damaged file: kept, its text not read
        return Extracted([], f"its text cannot be read ({type(exc).__name__}: {str(exc)[:120]})")
    return Extracted([], None)


def _pdf(data: bytes) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return Extracted([], "password-protected PDF: stored, its text not extracted")
        pages = [(page.extract_text() or "").strip() for page in reader.pages[:MAX_PAGES]]
    except FileNotDecryptedError:
        return Extracted([], "password-protected PDF: stored, its text not extracted")
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        return Extracted([], f"damaged PDF: stored, its text not extracted ({str(exc)[:120]})")
    blank = [i for i, text in enumerate(pages) if not text]
    if not blank:
        return Extracted(pages, None)
    if not ocr_available():
        return Extracted(
            pages,
            f"{len(blank)} of {len(pages)} pages have no text (scanned?); "
            "OCR needs Tesseract and pdftoppm, which are not installed",
        )
    for i in blank:
        pages[i] = _ocr_page(data, i + 1)
    still = sum(not text for text in pages)
    read = f"{len(blank)} page{'s' if len(blank) != 1 else ''} read by OCR (Tesseract)"
    return Extracted(pages, read + (f"; {still} still blank" if still else ""))


def ocr_available() -> bool:
    return bool(shutil.which("tesseract") and shutil.which("pdftoppm"))


def _ocr_page(data: bytes, page: int) -> str:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "in.pdf"
        pdf.write_bytes(data)
        try:
            subprocess.run(
                ["pdftoppm", "-r", "300", "-gray", "-png", "-f", str(page), "-l", str(page), str(pdf), f"{tmp}/p"],
                check=True, capture_output=True, timeout=OCR_TIMEOUT,
            )  # fmt: skip
            image = next(Path(tmp).glob("p*.png"))
            done = subprocess.run(["tesseract", str(image), "-"], check=True, capture_output=True, timeout=OCR_TIMEOUT)
        except (subprocess.SubprocessError, OSError, StopIteration):
            return ""
        return done.stdout.decode("utf-8", "replace").strip()


def _docx(data: bytes) -> Extracted:
    from docx import Document

    document = Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return Extracted(["\n".join(lines).strip()], None)


def _xlsx(data: bytes) -> Extracted:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        pages = []
        for sheet in book.worksheets:
            rows = ("\t".join("" if v is None else str(v) for v in row) for row in sheet.iter_rows(values_only=True))
            pages.append(f"{sheet.title}\n" + "\n".join(r for r in rows if r.strip()))
        return Extracted(pages, None)
    finally:
        book.close()


_SAFE_ENTRY = re.compile(r"[\x00-\x1f\x7f]")


def zip_listing(data: bytes) -> str:
    """What a zip holds, named safely (never expanded): "zip of 3 files, not expanded: a.pdf (12 KB), ..."."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return f"damaged zip: stored, not expanded ({exc})"
    shown = [f"{_SAFE_ENTRY.sub('?', i.filename)[:120]} ({_size(i.file_size)})" for i in entries[:LISTED]]
    more = f", and {len(entries) - LISTED} more" if len(entries) > LISTED else ""
    return f"zip of {len(entries)} files, not expanded: {', '.join(shown)}{more}"


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


size_text = _size

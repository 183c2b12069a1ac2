"""What a received file is, from its bytes, never from its name: the kind, the extension to keep it
under, its MIME type, and whether the tracker takes it.

Agencies answer with whatever their office uses: PDFs, Word and Excel files old and new (.doc,
.xls and Outlook's .msg are OLE compound files; .docx, .xlsx and .pptx are zips), scans and phone
photos (HEIC), body-camera video (MP4, MOV), recorded calls (MP3, M4A, WAV), zips of records, and
plain text (an email, a CSV). The ``filetype`` library reads the signatures; what it cannot tell
from the first bytes is looked up inside the file: a zip's entries (``[Content_Types].xml`` with
``word/``, ``xl/`` or ``ppt/`` is an Office file, not a plain zip) and an OLE file's streams
(``WordDocument``, ``Workbook``, ``PowerPoint Document``, Outlook's ``__substg1.0_`` entries,
read with ``olefile``). Pure: bytes or a path in, a :class:`FileType` (or None) out.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import NamedTuple

HEAD = 8192  # bytes read to recognise a file's signature
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_ENTRIES = 10_000  # a zip's names read to tell an Office file from a zip (bounded)


class FileType(NamedTuple):
    kind: str  # pdf, document, spreadsheet, presentation, email, image, video, audio, archive, text
    extension: str  # with its dot: ".xlsx"
    mime: str

    @property
    def allowed(self) -> bool:
        return self.extension in ALLOWED


# What the tracker takes, by the extension it is stored under: (kind, MIME type).
ALLOWED: dict[str, tuple[str, str]] = {
    ".pdf": ("pdf", "application/pdf"),
    ".doc": ("document", "application/msword"),
    ".docx": ("document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".odt": ("document", "application/vnd.oasis.opendocument.text"),
    ".rtf": ("document", "application/rtf"),
    ".xls": ("spreadsheet", "application/vnd.ms-excel"),
    ".xlsx": ("spreadsheet", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".ods": ("spreadsheet", "application/vnd.oasis.opendocument.spreadsheet"),
    ".ppt": ("presentation", "application/vnd.ms-powerpoint"),
    ".pptx": ("presentation", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ".odp": ("presentation", "application/vnd.oasis.opendocument.presentation"),
    ".msg": ("email", "application/vnd.ms-outlook"),
    ".png": ("image", "image/png"),
    ".jpg": ("image", "image/jpeg"),
    ".gif": ("image", "image/gif"),
    ".tif": ("image", "image/tiff"),
    ".bmp": ("image", "image/bmp"),
    ".webp": ("image", "image/webp"),
    ".heic": ("image", "image/heic"),
    ".heif": ("image", "image/heif"),
    ".mp4": ("video", "video/mp4"),
    ".m4v": ("video", "video/x-m4v"),
    ".mov": ("video", "video/quicktime"),
    ".avi": ("video", "video/x-msvideo"),
    ".wmv": ("video", "video/x-ms-wmv"),
    ".webm": ("video", "video/webm"),
    ".mkv": ("video", "video/x-matroska"),
    ".mp3": ("audio", "audio/mpeg"),
    ".m4a": ("audio", "audio/mp4"),
    ".wav": ("audio", "audio/wav"),
    ".ogg": ("audio", "audio/ogg"),
    ".flac": ("audio", "audio/flac"),
    ".aac": ("audio", "audio/aac"),
    ".amr": ("audio", "audio/amr"),
    ".zip": ("archive", "application/zip"),
    ".txt": ("text", "text/plain"),
    ".csv": ("text", "text/csv"),
    ".eml": ("email", "message/rfc822"),
}
# filetype's extension -> ours, where they differ
_RENAMED = {"tiff": ".tif", "jpeg": ".jpg", "jpx": ".jpg"}
# A text file keeps one of these names when it has one (.csv opens in a spreadsheet, .eml in a
# mail program); any other text is stored as .txt, never as .html or a script.
_TEXT_NAMES = (".csv", ".eml", ".txt")
# A name's extension kept when it names the same type as the bytes
_SAME = {".jpg": (".jpeg",), ".tif": (".tiff",), ".heic": (".heif",), ".mp4": (".m4v",)}
# An OLE compound file is the Office program whose stream it holds
_OLE_STREAMS = (
    ("WordDocument", ".doc"),
    ("Workbook", ".xls"),
    ("Book", ".xls"),
    ("PowerPoint Document", ".ppt"),
    ("__properties_version1.0", ".msg"),
)
_OOXML_PARTS = (("word/", ".docx"), ("xl/", ".xlsx"), ("ppt/", ".pptx"))
_ODF = {
    b"application/vnd.oasis.opendocument.text": ".odt",
    b"application/vnd.oasis.opendocument.spreadsheet": ".ods",
    b"application/vnd.oasis.opendocument.presentation": ".odp",
}


def _typed(extension: str) -> FileType:
    kind, mime = ALLOWED[extension]
    return FileType(kind, extension, mime)


def _ole(source: Path | bytes) -> str | None:
    import olefile  # type: ignore[import-untyped]

    try:
        with olefile.OleFileIO(source if isinstance(source, Path) else io.BytesIO(source)) as ole:
            names = {"/".join(entry) for entry in ole.listdir(streams=True, storages=True)}
    except (OSError, ValueError, IndexError, TypeError, RecursionError):  # a damaged or cut file
        return None
    for stream, extension in _OLE_STREAMS:
        if stream in names:
            return extension
    if any(name.startswith("__substg1.0_") for name in names):
        return ".msg"
    return None


def _zip(source: Path | bytes) -> str:
    try:
        with zipfile.ZipFile(source if isinstance(source, Path) else io.BytesIO(source)) as archive:
            infos = archive.infolist()[:MAX_ENTRIES]
            names = [info.filename for info in infos]
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100].strip()
                if mimetype in _ODF:
                    return _ODF[mimetype]
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError, NotImplementedError):
        return ".zip"  # a zip's start whose end is missing or damaged: still a zip of records
    if "[Content_Types].xml" in names:
        for prefix, extension in _OOXML_PARTS:
            if any(name.startswith(prefix) for name in names):
                return extension
    return ".zip"


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 4  # a character cut at the end of the sample
    return True


def identify(data: bytes, name: str | None = None, whole: Path | bytes | None = None) -> FileType | None:
    """What the file that starts with ``data`` is; None if the tracker does not take it.
    ``whole``: the whole file (a path, or all its bytes; ``data`` itself by default), looked into
    for a zip's or an OLE file's contents. ``name``: the name it came with, used only to keep an
    equivalent extension (``.jpeg``) or a text file's ``.csv`` or ``.eml``."""
    import filetype  # type: ignore[import-untyped]

    whole = data if whole is None else whole
    suffix = Path(name).suffix.lower() if name else ""
    if data.startswith(OLE_MAGIC):
        found = _ole(whole)
        return _typed(found) if found else None
    if data.startswith(ZIP_MAGIC):
        return _typed(_zip(whole))
    guess = filetype.guess(data)
    if guess is not None:
        extension = _RENAMED.get(guess.extension, f".{guess.extension}")
        if extension not in ALLOWED:
            return None
        if suffix in _SAME.get(extension, ()):
            return FileType(ALLOWED[extension][0], suffix, ALLOWED[extension][1])
        return _typed(extension)
    if data.startswith(b"{\\rtf"):
        return _typed(".rtf")
    if data and _is_text(data):
        return _typed(suffix if suffix in _TEXT_NAMES else ".txt")
    return None


def identify_file(path: Path, name: str | None = None) -> FileType | None:
    """:func:`identify` for a file on disk (``name``: the name it came with, if not its own)."""
    with path.open("rb") as handle:
        head = handle.read(HEAD)
    return identify(head, name if name is not None else path.name, path)


def accepted_kinds() -> str:
    """The kinds the tracker takes, for a door's message."""
    return ", ".join(dict.fromkeys(kind for kind, _ in ALLOWED.values()))

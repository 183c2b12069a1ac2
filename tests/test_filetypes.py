"""Uploads and attachments: what agencies really send is recognised from its bytes and kept under
the right extension (records_req.filetypes). Every sample is a real file made here: an XLSX by
openpyxl, a DOCX by python-docx, OLE compound files (.doc, .xls, .msg) written to the
specification, MP4, HEIC and M4A boxes, a WAV by the standard library."""

from __future__ import annotations

import io
import struct
import wave
import zipfile
from pathlib import Path
from typing import Any

import pytest

from records_req.filetypes import FileType, identify, identify_file

from .ole_helpers import compound_file


def ole_file(*streams: str) -> bytes:
    """A compound file holding ``streams``, each 4096 bytes of 0x01 (tests/ole_helpers.py)."""
    return compound_file(dict.fromkeys(streams, b"\x01" * 4096))


def ftyp(brand: bytes, *compatible: bytes) -> bytes:
    body = brand + b"\x00\x00\x00\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + struct.pack(">I", 8) + b"mdat"


def xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["case", "date"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def docx() -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    document.add_paragraph("Responsive records attached.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("records/log.txt", "entry")
    return buffer.getvalue()


def wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 800)
    return buffer.getvalue()


SAMPLES = {
    "response.xlsx": (xlsx, ".xlsx", "spreadsheet"),
    "letter.docx": (docx, ".docx", "document"),
    "records.zip": (plain_zip, ".zip", "archive"),
    "memo.doc": (lambda: ole_file("WordDocument", "\x05SummaryInformation"), ".doc", "document"),
    "log.xls": (lambda: ole_file("Workbook"), ".xls", "spreadsheet"),
    "reply.msg": (lambda: ole_file("__properties_version1.0", "__substg1.0_0037001F"), ".msg", "email"),
    "bodycam.mp4": (lambda: ftyp(b"isom", b"isom", b"iso2", b"mp41"), ".mp4", "video"),
    "IMG_0042.HEIC": (lambda: ftyp(b"heic", b"mif1", b"heic"), ".heic", "image"),
    "call.m4a": (lambda: ftyp(b"M4A ", b"M4A ", b"mp42", b"isom"), ".m4a", "audio"),
    "voicemail.wav": (wav, ".wav", "audio"),
    "scan.pdf": (lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n", ".pdf", "pdf"),
    "contacts.csv": (lambda: "name,email\nPeña,a@example.org\n".encode(), ".csv", "text"),
}


@pytest.mark.parametrize("name", SAMPLES)
def test_what_agencies_send_is_recognised_and_kept_under_its_extension(name: str, tmp_path: Path) -> None:
    make, extension, kind = SAMPLES[name]
    path = tmp_path / name
    path.write_bytes(make())
    found = identify_file(path)
    assert found is not None and found.allowed
    assert (found.extension, found.kind) == (extension, kind)
    # the bytes decide, never the name: the same file under a wrong or missing name
    renamed = tmp_path / "upload.bin"
    renamed.write_bytes(path.read_bytes())
    expected = ".txt" if kind == "text" else extension  # text keeps .csv/.eml only from its name
    assert identify_file(renamed) == FileType(found.kind, expected, found.mime if kind != "text" else "text/plain")


def test_an_xlsx_is_not_stored_as_a_zip_even_when_its_parts_come_late(tmp_path: Path) -> None:
    """Excel's [Content_Types].xml and xl/ need not be in the first bytes: the zip is looked into."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("docProps/padding.bin", bytes(range(256)) * 64)  # stored: 16 KB first
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    data = buffer.getvalue()
    assert b"xl/" not in data[:8192]
    path = tmp_path / "export.xlsx"
    path.write_bytes(data)
    assert identify_file(path) == FileType(
        "spreadsheet", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_what_is_refused() -> None:
    assert identify(b"MZ\x90\x00\x03" + b"\x00" * 200) is None  # a Windows program
    assert identify(b"\x7fELF\x02\x01\x01" + b"\x00" * 200) is None  # a Linux one
    assert identify(ole_file("SomethingElse")) is None  # an OLE file that is no Office document
    assert identify(b"\xff\xfe\x00\x01binary\x00") is None
    assert identify(b"") is None
    # HTML is text, but is never kept as a page a browser would run
    page = identify(b"<html><script>alert(1)</script></html>", "page.html")
    assert page is not None and page.extension == ".txt"


def test_an_equivalent_name_is_kept() -> None:
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
    assert identify(jpeg, "photo.JPEG") == FileType("image", ".jpeg", "image/jpeg")
    assert identify(jpeg, "photo.png") == FileType("image", ".jpg", "image/jpeg")


# --- both doors keep what the bytes are -----------------------------------------------------------


def _stored(rr: Any, request_id: int) -> list[str]:
    shown = rr.json("show", str(request_id))
    return sorted(Path(d["path"]).suffix for d in shown["documents"] if d["role"] == "received")


def test_the_command_line_and_the_dashboard_keep_the_right_extension(db_url: str, tmp_path: Path) -> None:
    import datetime as dt

    from records_req.web import Settings, create_app

    from .cli_helpers import Tracker
    from .test_web import ANA, Browser

    rr = Tracker(db_url, tmp_path)
    request_id = rr.new("VA", "Fairfax County Sheriff's Office", *ANA)
    rr("sent", str(request_id), "--on", "2026-11-16")
    # the command line: an .xlsx saved as .zip and an Outlook message
    export = tmp_path / "export.zip"
    export.write_bytes(xlsx())
    message = tmp_path / "reply.msg"
    message.write_bytes(ole_file("__properties_version1.0", "__substg1.0_0037001F"))
    rr("attach", str(request_id), str(export))
    rr("attach", str(request_id), str(message))
    assert _stored(rr, request_id) == [".msg", ".xlsx"]
    program = tmp_path / "invoice.pdf"
    program.write_bytes(b"MZ\x90\x00\x03" + b"\x00" * 200)
    rr("attach", str(request_id), str(program), code=1)
    assert "not taken" in rr.stderr and len(rr.stderr.strip().splitlines()) == 1
    # the dashboard: body-camera video and a phone photo
    settings = Settings(db_url=rr.url, out_dir=tmp_path / "out", today=dt.date(2026, 11, 27), secret_key=b"k" * 32)
    web = Browser(create_app(settings).test_client())
    for data, name in ((ftyp(b"isom", b"isom", b"mp41"), "bodycam"), (ftyp(b"heic", b"mif1", b"heic"), "IMG.HEIC")):
        page = web.post(
            f"/requests/{request_id}/attach",
            {"file": (io.BytesIO(data), name)},
            token_page=f"/requests/{request_id}",
            content_type="multipart/form-data",
        )
        assert page.status_code == 303, page.get_data(as_text=True)[:500]
    assert _stored(rr, request_id) == [".heic", ".mp4", ".msg", ".xlsx"]
    refused = web.post(
        f"/requests/{request_id}/attach",
        {"file": (io.BytesIO(b"\x7fELF\x02\x01\x01" + b"\x00" * 200), "photo.jpg")},
        token_page=f"/requests/{request_id}",
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "not accepted" in refused.get_data(as_text=True)
    assert _stored(rr, request_id) == [".heic", ".mp4", ".msg", ".xlsx"]

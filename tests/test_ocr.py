"""OCR of scanned PDFs (issue 20, section 3): a reply's PDF whose second page is only an image of
text (no text layer) has that page read by Debian's Tesseract, and its words are found by
``search``; without Tesseract on PATH the file is stored all the same, with a note saying why its
scanned page has no text."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from records_req.inbox.files import ocr_available

from .cli_helpers import Tracker
from .test_inbox import _with_attachment, sent_by_email, take

FONT = Path(__file__).resolve().parents[1] / "src" / "records_req" / "fonts" / "DejaVuSerif.ttf"
SCANNED = "Deportation quota memorandum"  # only on the scanned page, as an image


def scanned_pdf() -> bytes:
    """Two pages: the first typed (a text layer), the second a 300 dpi picture of text, as a
    scanner makes it (no text layer)."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (2550, 600), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 72)
    draw.text((150, 150), SCANNED, font=font, fill=0)
    draw.text((150, 320), "Harris County Sheriff's Office", font=font, fill=0)
    picture = io.BytesIO()
    image.save(picture, format="PNG")
    picture.seek(0)

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=letter)
    pdf.drawString(72, 720, "Cover letter: the records you asked for are attached.")
    pdf.showPage()
    pdf.drawImage(ImageReader(picture), 0, 792 - 187, width=612, height=144)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_a_scanned_page_is_read_by_tesseract_and_found_by_search(db_url: str, tmp_path: Path) -> None:
    if not ocr_available():
        pytest.skip("OCR needs Debian's tesseract-ocr and poppler-utils (.ci/run installs them)")
    t = Tracker(db_url, tmp_path)
    rid, token = sent_by_email(t, db_url)
    data = scanned_pdf()
    from pypdf import PdfReader

    assert not (PdfReader(io.BytesIO(data)).pages[1].extract_text() or "").strip()  # truly no text layer

    [got] = take(t, _with_attachment(tmp_path, "scan", data, "scan.pdf", token))
    [pdf] = got["attachments"]
    assert pdf["status"] == "stored" and pdf["note"] == "1 page read by OCR (Tesseract)"
    hits = t.json("search", "quota", today="2027-01-25")["hits"]
    assert [(h["request"], h["kind"], h["file"], h["page"]) for h in hits] == [(rid, "file", "scan.pdf", 2)]
    assert "memorandum" in hits[0]["snippet"].lower()


def test_without_tesseract_the_file_is_stored_with_a_clear_note(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = Tracker(db_url, tmp_path)
    _, token = sent_by_email(t, db_url)
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("tesseract") is None

    [got] = take(t, _with_attachment(tmp_path, "scan", scanned_pdf(), "scan.pdf", token))
    [pdf] = got["attachments"]
    assert pdf["status"] == "stored"
    assert (
        pdf["note"] == "1 of 2 pages have no text (scanned?); OCR needs Tesseract and pdftoppm, which are not installed"
    )
    assert t.json("search", "quota", today="2027-01-25")["hits"] == []
    assert [(h["file"], h["page"]) for h in t.json("search", "cover", today="2027-01-25")["hits"]] == [
        ("scan.pdf", 1)
    ]  # the typed page is kept

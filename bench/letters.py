"""Letters per second: our DOCX and PDF rendering against docxtpl's naive loop and LibreOffice.

Prints figures; asserts nothing. Targets: our DOCX at least 3x faster than the naive loop
(load, render and save a docxtpl template per letter); our PDF at least 50x faster than
`soffice --headless --convert-to pdf` of the same DOCX (skipped where LibreOffice is absent).

    python bench/letters.py [-n 100] [--soffice-runs 3]
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from records_req.laws import load_laws
from records_req.letters.check import sample_request
from records_req.letters.compose import compose
from records_req.letters.docx import compile_docx, docx_context
from records_req.letters.model import Letter
from records_req.letters.pdf import render_pdf
from records_req.letters.render import word_template


def render_docx_naive(template: Path, letter: Letter) -> bytes:
    """docxtpl's own loop (load, render, save a template per letter), the benchmark's baseline."""
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


def per_letter_ms(label: str, fn: object, letters: list[Letter], repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for letter in letters:
            fn(letter)  # type: ignore[operator]
    ms = (time.perf_counter() - start) * 1000 / (len(letters) * repeat)
    print(f"{label:48s} {ms:8.2f} ms per letter")
    return ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=100, help="letters per run")
    parser.add_argument("--soffice-runs", type=int, default=3)
    args = parser.parse_args()

    codes = sorted(load_laws())
    letters = [compose(sample_request(codes[i % len(codes)], "initial")) for i in range(args.n)]
    template = word_template(None)
    compiled = compile_docx(template)
    render_pdf(letters[0])  # register fonts once, as a long-running process would
    compiled.render(letters[0])
    print(f"{args.n} letters across {len(codes)} jurisdictions")

    start = time.perf_counter()
    for i in range(args.n):
        compose(sample_request(codes[i % len(codes)], "initial"))
    compose_ms = (time.perf_counter() - start) * 1000 / args.n
    print(f"{'compose (templates -> Letter), measured':48s} {compose_ms:8.2f} ms per letter")
    ours_docx = per_letter_ms("DOCX, ours (compiled docxtpl template)", compiled.render, letters)
    naive = per_letter_ms(
        "DOCX, naive docxtpl loop (load, render, save)",
        lambda letter: render_docx_naive(template, letter),
        letters[: max(10, args.n // 5)],
    )
    ours_pdf = per_letter_ms("PDF, ours (reportlab)", render_pdf, letters)
    print(f"DOCX speed-up over the naive loop: {naive / ours_docx:.1f}x (target 3x)")

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        print("LibreOffice not installed: PDF comparison skipped")
        return
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        docx_path = Path(tmp) / "letter.docx"
        docx_path.write_bytes(compiled.render(letters[0]))
        profile = Path(tmp) / "profile"
        for _ in range(args.soffice_runs):
            start = time.perf_counter()
            subprocess.run(
                [
                    soffice,
                    f"-env:UserInstallation=file://{profile}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    tmp,
                    str(docx_path),
                ],
                check=True,
                capture_output=True,
            )
            times.append((time.perf_counter() - start) * 1000)
    lo = statistics.median(times)
    print(f"{'PDF, soffice --convert-to pdf (median)':48s} {lo:8.2f} ms per letter")
    print(f"PDF speed-up over LibreOffice: {lo / ours_pdf:.0f}x (target 50x)")


if __name__ == "__main__":
    main()

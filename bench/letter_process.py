"""One whole `records-req letter` process, against LibreOffice converting the same DOCX to PDF.

Prints figures; asserts nothing. Target: a letter run (start-up, law and topics, compose, DOCX
and PDF, writing both files) takes at most 1/5 of the time of
`soffice --headless --convert-to pdf` of the letter's DOCX (skipped where LibreOffice is absent).

The letter runs use a cache directory of their own, filled by the first run (reported as the cold
run); the median is over the runs after it, as a user sees them from the second letter on. Like a
user's Python, they write bytecode caches. LibreOffice converts with a profile of its own, set up
by one conversion before the measured ones.

    python bench/letter_process.py [--runs 5] [--soffice-runs 3]

Other benches can call ``measure(runs)``, which returns the figures as a dict.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET = 1 / 5
LETTER_ARGS = [
    "letter",
    "--state",
    "TX",
    "--agency",
    "Harris County Sheriff's Office",
    "--topic",
    "wso",
    "--requester-name",
    "A",
    "--requester-email",
    "a@b.org",
]


def records_req_exe() -> str:
    beside = Path(sys.executable).with_name("records-req")
    return str(beside) if beside.exists() else shutil.which("records-req") or "records-req"


def soffice_exe() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _run_ms(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    return (time.perf_counter() - start) * 1000


def measure(runs: int = 5, soffice_runs: int = 3) -> dict[str, Any]:
    """Median wall time of ``runs`` letter processes (after a cold one), the median of
    ``soffice_runs`` LibreOffice conversions of the letter's DOCX, and their ratio. The two kinds of
    runs alternate, so that a machine whose speed drifts favours neither."""
    runs, soffice_runs = max(1, runs), max(1, soffice_runs)
    result: dict[str, Any] = {"runs": runs, "soffice_runs": soffice_runs, "target": TARGET}
    with tempfile.TemporaryDirectory(prefix="rr-bench-") as tmp_text:
        tmp = Path(tmp_text)
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("RECORDS_REQ_") and k != "PYTHONDONTWRITEBYTECODE"
        }
        env["RECORDS_REQ_CACHE"] = str(tmp / "cache")
        out = tmp / "out"
        letter = [records_req_exe(), *LETTER_ARGS, "--out", str(out), "--force"]
        result["cold_ms"] = _run_ms(letter, env)

        soffice = soffice_exe()
        convert: list[str] | None = None
        lo_env = {k: v for k, v in os.environ.items() if not k.startswith("RECORDS_REQ_")}
        if soffice is not None:
            docx = tmp / "letter.docx"
            shutil.copyfile(next(out.rglob("*.docx")), docx)
            convert = [
                soffice,
                f"-env:UserInstallation={(tmp / 'lo-profile').as_uri()}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(tmp / "lo"),
                str(docx),
            ]
            result["soffice_setup_ms"] = _run_ms(convert, lo_env)  # creates the profile

        samples: list[float] = []
        times: list[float] = []
        for i in range(max(runs, soffice_runs if convert else 0)):
            if i < runs:
                samples.append(_run_ms(letter, env))
            if convert is not None and i < soffice_runs:
                times.append(_run_ms(convert, lo_env))
        result["letter_ms"] = statistics.median(samples)
        result["letter_min_ms"] = min(samples)
        if convert is None:
            result.update(soffice_ms=None, ratio=None, skipped="LibreOffice (soffice) is not installed")
            return result
        result["soffice_ms"] = statistics.median(times)
        result["ratio"] = result["letter_ms"] / result["soffice_ms"]
        result["skipped"] = None
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="letter processes to time after the cold one")
    parser.add_argument("--soffice-runs", type=int, default=3, help="LibreOffice conversions to time")
    args = parser.parse_args(argv)
    result = measure(args.runs, args.soffice_runs)
    print(f"Python {sys.version.split()[0]}; records-req {' '.join(LETTER_ARGS[:3])} ... (DOCX and PDF)")
    print(f"{'records-req letter, first run (cold cache)':48s} {result['cold_ms']:8.1f} ms")
    label = f"records-req letter, median of {result['runs']}"
    print(f"{label:48s} {result['letter_ms']:8.1f} ms  (fastest {result['letter_min_ms']:.1f} ms)")
    if result["soffice_ms"] is None:
        print(f"{result['skipped']}: comparison skipped (target: at most {TARGET:.2f} of its time)")
        return result
    label = f"soffice --convert-to pdf, median of {result['soffice_runs']}"
    setup = result["soffice_setup_ms"]
    print(f"{label:48s} {result['soffice_ms']:8.1f} ms  (first, setting up its profile: {setup:.0f} ms)")
    verdict = "meets" if result["ratio"] <= TARGET else "misses"
    print(f"ratio letter / soffice: {result['ratio']:.3f} (target at most 1/5 = {TARGET:.2f}; {verdict} it)")
    return result


if __name__ == "__main__":
    main()

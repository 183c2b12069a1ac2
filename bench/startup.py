"""Start-up time of `records-req --help` and `records-req deadline`, against bare Python.

Prints figures; asserts nothing. Target: under 150 ms above `python -c pass`.

    python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def median_ms(cmd: list[str], runs: int) -> float:
    # Users' Pythons write bytecode caches; measure what they see, after one warm-up run.
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECORDS_REQ_") and k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    beside = Path(sys.executable).with_name("records-req")
    exe = str(beside) if beside.exists() else shutil.which("records-req") or "records-req"
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "records-req --help": [exe, "--help"],
        "records-req deadline TX": [exe, "deadline", "TX", "--received", "2026-11-25"],
        "records-req deadline VA --json --explain": [
            exe,
            "deadline",
            "VA",
            "--received",
            "11/25/2026",
            "--json",
            "--explain",
        ],
        "records-req states": [exe, "states"],
    }
    base = None
    print(f"median of {args.runs} runs, Python {sys.version.split()[0]}")
    for name, cmd in cases.items():
        ms = median_ms(cmd, args.runs)
        base = ms if base is None else base
        extra = "" if name.startswith("python") else f"  (+{ms - base:.0f} ms over bare Python)"
        print(f"{name:42s} {ms:7.1f} ms{extra}")


if __name__ == "__main__":
    main()

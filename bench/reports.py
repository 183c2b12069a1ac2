"""Reports over 10,000 requests: seconds per format (load from the database + render).

Prints figures; asserts nothing.

    python bench/reports.py [-n 10000] [--pg postgresql://...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import tempfile
import time
from pathlib import Path

from records_req.reports.data import Filters, load
from records_req.store.reader import reader

HERE = Path(__file__).resolve().parent


def _tracker_bench() -> object:
    spec = importlib.util.spec_from_file_location("bench_tracker", HERE / "tracker.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=10000)
    args = parser.parse_args()
    tracker = _tracker_bench()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["RECORDS_REQ_HOME"] = tmp
        url = f"sqlite:///{Path(tmp) / 'reports.db'}"
        start = time.perf_counter()
        tracker.build(url, args.n)  # type: ignore[attr-defined]
        print(f"{args.n:,} requests built in {time.perf_counter() - start:.1f} s")
        as_of = dt.date(2026, 11, 27)
        with reader(url) as view:
            assert view is not None
            start = time.perf_counter()
            report = load(view, as_of, Filters())
            loaded = time.perf_counter() - start
        print(f"{'load + deadlines for every request':36s} {loaded:6.2f} s")
        from records_req.reports.html import to_html
        from records_req.reports.ics import to_ics
        from records_req.reports.json_report import to_json
        from records_req.reports.pdf import to_pdf
        from records_req.reports.tabular import to_csv, to_xlsx

        for name, render in (
            ("csv", to_csv),
            ("xlsx", to_xlsx),
            ("json", to_json),
            ("ics", to_ics),
            ("html", to_html),
            ("pdf", to_pdf),
        ):
            start = time.perf_counter()
            content = render(report)
            took = time.perf_counter() - start
            print(f"{name:36s} {loaded + took:6.2f} s  ({took:.2f} s to render, {len(content) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()

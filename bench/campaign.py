"""A campaign to every agency on ICE's national 287(g) list, and the directory's own timings.

Prints figures; asserts nothing. Targets (issue 11):
- the whole national list (every agency on participatingAgencies05182026am.xlsx, ``wso`` topic,
  DOCX and PDF) in under 60 s on a 2-core machine, with memory that does not grow with the
  number of letters; letters per second, peak memory, and the serial figure;
- ``agencies import`` of the largest real sheet in under 2 s, ``agencies changes`` between two
  real sheets in under 1 s (whole processes, as a user runs them);
- a single ``records-req letter`` at most 1/5 of LibreOffice's DOCX-to-PDF time (bench/letter_process.py).

    python bench/campaign.py [--jobs 2] [--serial-sample 150] [--skip-letter]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SHEETS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ice-287g"
NEWEST = SHEETS / "participatingAgencies05182026am.xlsx"
OLDER = SHEETS / "participatingAgencies05192025pm.xlsx"
REQUESTER = {
    "requester_name": "Ana Núñez",
    "requester_email": "ana@example.org",
    "requester_address": "1 Main St, Fort Myers, FL 33901",
    "requester_state": "FL",
}


def rss_mb() -> float:
    """This process's resident memory now (Linux), in MB."""
    with Path("/proc/self/status").open(encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def campaign(folder: Path, jobs: int, limit: int | None = None) -> dict[str, Any]:
    """Import the national list into a fresh SQLite database and write the campaign."""
    from records_req.agencies.ice_lists import import_sheet
    from records_req.store.db import Store
    from records_req.tracker import campaign as campaigns

    store = Store(f"sqlite:///{folder / 'records.db'}")
    with store.write() as session:
        import_sheet(session, NEWEST, downloaded_on=dt.date(2026, 5, 18))
    options = campaigns.Options(
        tag="national WSO",
        topic_keys=("wso",),
        requester=REQUESTER,  # type: ignore[arg-type]
        co_requester="Rosa Díaz",  # a resident co-requester: no agency is skipped for residency
        co_requester_address="1 Main St",
        include_barred=True,
        letter_date=dt.date(2026, 12, 1),
        out_dir=folder / "out",
    )
    start = time.perf_counter()
    with store.write() as session:
        targets = campaigns.select_targets(session, campaigns.Selection())[:limit]
        steps = campaigns.plan(session, targets, options, today=dt.date(2026, 12, 1))
    planned = time.perf_counter() - start
    creates = sum(1 for s in steps if s.action == "create")
    samples: list[tuple[int, float]] = []
    done = 0

    def progress() -> None:
        nonlocal done
        done += 1
        if done in (1, creates // 4, creates // 2, 3 * creates // 4, creates):
            samples.append((done, rss_mb()))

    outcomes = campaigns.run(
        store, steps, options, profile_id=None, today=dt.date(2026, 12, 1), jobs=jobs, progress=progress
    )
    elapsed = time.perf_counter() - start
    store.dispose()
    return {
        "agencies": len(targets),
        "letters": sum(1 for o in outcomes if o.action == "created"),
        "skipped": campaigns.summary(outcomes)["skipped"],
        "plan_s": planned,
        "total_s": elapsed,
        "rss": samples,
    }


def whole_process(*args: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "records_req", *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def directory_timings(folder: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECORDS_REQ_")}
    env |= {"RECORDS_REQ_HOME": str(folder / "home"), "RECORDS_REQ_DB": f"sqlite:///{folder / 'dir.db'}"}
    whole_process("list", env=env)  # create the database first: the timings below are the imports
    older = whole_process("agencies", "import", str(OLDER), "--downloaded", "2025-05-19", env=env)
    newest = whole_process("agencies", "import", str(NEWEST), "--downloaded", "2026-05-18", env=env)
    again = whole_process("agencies", "import", str(NEWEST), env=env)
    changes = min(whole_process("agencies", "changes", "--json", env=env) for _ in range(3))
    print(f"agencies import, newest sheet (1,843 rows)   {newest:6.2f} s   (target < 2 s)")
    print(f"agencies import, May 2025 sheet              {older:6.2f} s")
    print(f"agencies import, the same file again         {again:6.2f} s   (nothing changes)")
    print(f"agencies changes, May 2025 -> May 2026       {changes:6.2f} s   (target < 1 s; best of 3)")


def single_letter() -> None:
    path = Path(__file__).with_name("letter_process.py")
    spec = importlib.util.spec_from_file_location("letter_process", path)
    if spec is None or spec.loader is None:
        print("bench/letter_process.py not found: single-letter figure skipped")
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main([])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="worker processes [default: cores]")
    parser.add_argument("--serial-sample", type=int, default=150, help="agencies for the serial figure")
    parser.add_argument("--skip-letter", action="store_true", help="leave out the single-letter comparison")
    args = parser.parse_args()
    if not NEWEST.exists():
        print(f"{NEWEST} is absent: nothing to measure")
        return
    print(f"{os.cpu_count()} cores; Python {sys.version.split()[0]}\n")
    with tempfile.TemporaryDirectory() as tmp:
        directory_timings(Path(tmp))
    print()
    with tempfile.TemporaryDirectory() as tmp:
        serial = campaign(Path(tmp), jobs=1, limit=args.serial_sample)
    serial_rate = serial["letters"] / (serial["total_s"] - serial["plan_s"])
    with tempfile.TemporaryDirectory() as tmp:
        national = campaign(Path(tmp), jobs=args.jobs)
        written = sum(1 for p in (Path(tmp) / "out").rglob("*") if p.is_file())
    rate = national["letters"] / national["total_s"]
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"National campaign: {national['agencies']} agencies, {national['letters']} letters ({written} files)")
    print(f"  skipped                                    {national['skipped'] or 'none'}")
    print(f"  selecting and planning                     {national['plan_s']:6.2f} s")
    print(f"  total with {args.jobs} worker processes          {national['total_s']:6.2f} s   (target < 60 s)")
    print(f"  letters per second                         {rate:6.1f}")
    print(f"  serial ({serial['letters']} letters, 1 process)        {serial_rate:6.1f} letters/s"
          f" -> about {national['letters'] / serial_rate + national['plan_s']:.0f} s for the whole list")  # fmt: skip
    print(
        "  parent memory as letters are written (RSS): " + ", ".join(f"{n}: {mb:.0f} MB" for n, mb in national["rss"])
    )
    print(f"  peak memory: parent {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
          f"largest worker {children:.0f} MB")  # fmt: skip
    if not args.skip_letter:
        print()
        single_letter()


if __name__ == "__main__":
    main()

"""A campaign to every agency on ICE's national 287(g) list, and the directory's own timings.

Prints figures; asserts nothing. Targets:
- issue 21: the national campaign as a Texas requester runs it (every agency on
  participatingAgencies05182026am.xlsx that a Texas resident may ask, ``--topic wso``, DOCX and
  PDF, ``--jobs 2``), as a whole process from a fresh database, in under 10 s on 2 cores with
  flat memory (best of ``--runs``; the load average is printed beside it: the machine is shared);
  and where the time of one letter goes (compose, DOCX, PDF, file writes, database; process
  start), measured in this process on a sample (CPU time, which load disturbs less);
- issue 11: the whole list with a resident co-requester in under 60 s; letters per second, peak
  memory, and the serial figure;
- ``agencies import`` of the largest real sheet in under 2 s, ``agencies changes`` between two
  real sheets in under 1 s (whole processes, as a user runs them);
- a single ``records-req letter`` at most 1/5 of LibreOffice's DOCX-to-PDF time (bench/letter_process.py).

    python bench/campaign.py [--jobs 2] [--runs 3] [--sample 200] [--national-only] [--profile]
                             [--before OTHER/src]

``--before OTHER/src``: the same figures for the code in another checkout's ``src`` (the code
before a change), each of its national runs right after one of this code's, so that both see
the same load.
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

# ../shared/data/ice-287g beside the repository, or beside a folder above it (a git worktree)
SHEETS = next(
    (p / "shared" / "data" / "ice-287g" for p in Path(__file__).resolve().parents[1:] if (p / "shared").is_dir()),
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ice-287g",
)
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
    from records_req.workspace import LetterOutput

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
        output=LetterOutput(out_dir=folder / "out", date=dt.date(2026, 12, 1)),
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


TEXAN: tuple[str, ...] = ("--requester-name", "Ana Núñez", "--requester-email", "ana@example.org")
TEXAN += ("--requester-address", "1 Main St, Austin, TX 78701", "--requester-state", "TX")


# Runs a command and reports the CPU time of every process it made: as the children's subreaper
# (Linux), it waits for the forkserver and so counts the workers the forkserver waited for.
REAPER = """
import ctypes, json, os, resource, subprocess, sys
reaper = ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
done = subprocess.run(sys.argv[1:], capture_output=True)
used = resource.getrusage(resource.RUSAGE_CHILDREN)
own = used.ru_utime + used.ru_stime  # the campaign's process (it does not wait for the forkserver)
while reaper:
    try:
        os.wait()
    except ChildProcessError:
        break
used = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stdout.buffer.write(done.stdout)
sys.stderr.buffer.write(done.stderr)
sys.stderr.write(json.dumps({"own": own, "cpu": used.ru_utime + used.ru_stime if reaper else None}) + "\\n")
sys.exit(done.returncode)
"""


def code_env(src: Path | None) -> dict[str, str]:
    """The environment that runs this checkout's code, or with ``src`` another's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECORDS_REQ_")}
    if src is not None:
        env["PYTHONPATH"] = str(src.resolve())
    return env


def national_whole(folder: Path, jobs: int, src: Path | None = None) -> dict[str, Any]:
    """``records-req campaign`` as a Texan runs it, a whole process, on a fresh database (with
    ``src``: another checkout's code)."""
    import json

    env = code_env(src)
    env |= {"RECORDS_REQ_HOME": str(folder / "home"), "RECORDS_REQ_DB": f"sqlite:///{folder / 'records.db'}"}
    whole_process("agencies", "import", str(NEWEST), "--downloaded", "2026-05-18", env=env)
    args = ["--as-of", "2026-12-01", "campaign", "--topic", "wso", "--tag", "national", *TEXAN]
    args += ["--jobs", str(jobs), "--out", str(folder / "out"), "--json"]
    start = time.perf_counter()
    command = [sys.executable, "-c", REAPER, sys.executable, "-m", "records_req", *args]
    done = subprocess.run(command, env=env, check=True, capture_output=True)
    elapsed = time.perf_counter() - start
    summary = json.loads(done.stdout)["summary"]
    used = json.loads(done.stderr.decode().strip().splitlines()[-1])
    return {
        "wall": elapsed,
        "all_cpu": used["cpu"],
        "cpu": used["own"],
        "letters": summary["created"],
        "selected": summary["selected"],
        "files": sum(1 for p in (folder / "out").rglob("*") if p.is_file() and not p.name.startswith(".")),
    }


def breakdown(folder: Path, sample: int, profile: bool) -> dict[str, float]:
    """CPU time per letter of each part, in this process (one at a time), on ``sample`` agencies
    a Texan may ask; with ``profile``, cProfile's top functions too."""
    from records_req import output
    from records_req.agencies.ice_lists import import_sheet
    from records_req.letters import compose, docx, pdf
    from records_req.store.db import Store
    from records_req.tracker import campaign as campaigns
    from records_req.workspace import LetterOutput

    spent: dict[str, float] = {}

    def timed(owner: Any, name: str, part: str) -> None:
        """Add the CPU time of ``owner.name``'s calls to ``part`` (this thread's: the files are
        written ahead by threads while the main one records the letters before them)."""
        real = getattr(owner, name, None)
        if real is None:  # older code without this step
            return

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return real(*args, **kwargs)
            finally:
                spent[part] = spent.get(part, 0.0) + time.thread_time() - start

        setattr(owner, name, wrapper)

    timed(compose, "compose", "compose")
    if importlib.util.find_spec("records_req.tracker.campaign_render") is not None:  # compose as the workers call it
        from records_req.tracker import campaign_render

        timed(campaign_render, "compose", "compose")
    timed(docx.CompiledDocx, "render", "docx")
    timed(pdf, "render_pdf", "pdf")
    # older code wrote and flushed each file in threads (output.stage), this code writes them
    # as they come and flushes a chunk's together (campaign.flush_to_disk)
    threads = not hasattr(campaigns, "flush_to_disk")
    timed(output, "stage", "file writes, ahead (threads)" if threads else "file writes, ahead")
    timed(campaigns, "flush_to_disk", "file writes, a chunk flushed to disk")
    timed(output, "write_all", "file writes, in the transaction")
    # the database, less the file writes in it (below): a chunk of letters a transaction, or one
    timed(campaigns, "_record_chunk" if hasattr(campaigns, "_record_chunk") else "_record", "database")
    store = Store(f"sqlite:///{folder / 'records.db'}")
    with store.write() as session:
        import_sheet(session, NEWEST, downloaded_on=dt.date(2026, 5, 18))
    options = campaigns.Options(
        tag="sample",
        topic_keys=("wso",),
        requester=texan(),
        output=LetterOutput(out_dir=folder / "out", date=dt.date(2026, 12, 1)),
    )
    start = time.process_time()
    with store.write() as session:
        targets = campaigns.select_targets(session, campaigns.Selection())
        steps = campaigns.plan(session, targets, options, today=dt.date(2026, 12, 1))
    spent["planning (whole list)"] = time.process_time() - start
    creates = [s for s in steps if s.action == "create"]
    chosen = creates[:: max(1, len(creates) // sample)][:sample]
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    start = time.process_time()
    outcomes = campaigns.run(store, chosen, options, profile_id=None, today=dt.date(2026, 12, 1), jobs=1)
    spent["all, per letter (process CPU)"] = time.process_time() - start
    spent["database"] -= spent.get("file writes, in the transaction", 0.0)
    spent["database"] -= spent.get("file writes, a chunk flushed to disk", 0.0)
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    store.dispose()
    letters = sum(1 for o in outcomes if o.action == "created")
    return {part: (s if part.startswith("planning") else s / letters) for part, s in spent.items()}


def texan() -> dict[str, str | None]:
    """TEXAN's options as a campaign's requester fields."""
    given = dict(zip(TEXAN[::2], TEXAN[1::2], strict=True))
    return {option[2:].replace("-", "_"): value for option, value in given.items()}


def national(args: argparse.Namespace) -> None:
    load = os.getloadavg()
    print(f"National campaign as a Texas requester (--topic wso, DOCX + PDF, --jobs {args.jobs}), whole process,")
    print(f"fresh database each run; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    codes: list[tuple[str, Path | None]] = [("this code", None)]
    if args.before is not None:
        codes.append((f"before ({args.before})", args.before))
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label, _ in codes}
    for _ in range(args.runs):
        for label, src in codes:  # in turn: both see the same load
            with tempfile.TemporaryDirectory() as tmp:
                runs[label].append(national_whole(Path(tmp), args.jobs, src))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    for label, _ in codes:
        print_national(label if len(codes) > 1 else None, runs[label], args.runs)
    print(f"  peak memory of its largest process (RSS)   {peak:6.0f} MB   (the campaign's or a worker)")
    load = os.getloadavg()
    print(f"  load average after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    for label, src in codes:
        print(f"Where one letter's time goes (CPU, one process, {args.sample} letters across the list)"
              + (f", {label}:" if len(codes) > 1 else ":"))  # fmt: skip
        if src is None:
            with tempfile.TemporaryDirectory() as tmp:
                print_parts(breakdown(Path(tmp), args.sample, args.profile))
        else:
            command = [sys.executable, __file__, "--parts-only", "--sample", str(args.sample)]
            print(subprocess.run(command, env=code_env(src), check=True, capture_output=True, text=True).stdout, end="")
    process = min(whole_process("--help", env=dict(os.environ)) for _ in range(3))
    print(f"  process start (records-req --help)         {process:6.2f} s")


def print_national(label: str | None, runs: list[dict[str, Any]], count: int) -> None:
    best = min(runs, key=lambda r: r["wall"])
    if label:
        print(f" {label}:")
    print(f"  {best['selected']} agencies, {best['letters']} letters, {best['files']} files")
    walls = ", ".join(f"{r['wall']:.1f}" for r in runs)
    print(f"  wall time, best of {count}                    {best['wall']:6.2f} s   (target < 10 s)   runs: {walls} s")
    print(f"  per letter (wall)                          {1000 * best['wall'] / best['letters']:6.1f} ms")
    own = sorted(r["cpu"] for r in runs)
    print(f"  CPU of the campaign's own process          {own[len(own) // 2]:6.2f} s   (median)")
    if best["all_cpu"] is not None:
        cores = os.cpu_count() or 1
        cpu = sorted(r["all_cpu"] for r in runs)
        median = cpu[len(cpu) // 2]
        print(f"  CPU of all its processes (workers too)     {median:6.2f} s   (median; runs: "
              f"{', '.join(f'{c:.1f}' for c in cpu)} s) -> {median / cores:.2f} s of wall time on {cores} idle "
              "cores at best")  # fmt: skip


def print_parts(parts: dict[str, float]) -> None:
    for part, seconds in parts.items():
        unit = "s" if part.startswith("planning") else "ms"
        print(f"  {part:42} {seconds if unit == 's' else 1000 * seconds:6.2f} {unit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes [default: 2]")
    parser.add_argument("--runs", type=int, default=3, help="whole-process runs of the national campaign")
    parser.add_argument("--sample", type=int, default=200, help="letters for the in-process breakdown")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions of the breakdown")
    parser.add_argument("--national-only", action="store_true", help="only the issue-21 figures")
    parser.add_argument("--serial-sample", type=int, default=150, help="agencies for the serial figure")
    parser.add_argument("--skip-letter", action="store_true", help="leave out the single-letter comparison")
    parser.add_argument("--before", type=Path, help="also measure the code in this src folder, in turn")
    parser.add_argument("--parts-only", action="store_true", help=argparse.SUPPRESS)  # --before's breakdown
    args = parser.parse_args()
    if not NEWEST.exists():
        print(f"{NEWEST} is absent: nothing to measure")
        return
    if args.parts_only:
        with tempfile.TemporaryDirectory() as tmp:
            print_parts(breakdown(Path(tmp), args.sample, False))
        return
    print(f"{os.cpu_count()} cores; Python {sys.version.split()[0]}\n")
    national(args)
    if args.national_only:
        return
    print()
    with tempfile.TemporaryDirectory() as tmp:
        directory_timings(Path(tmp))
    print()
    with tempfile.TemporaryDirectory() as tmp:
        serial = campaign(Path(tmp), jobs=1, limit=args.serial_sample)
    serial_rate = serial["letters"] / (serial["total_s"] - serial["plan_s"])
    with tempfile.TemporaryDirectory() as tmp:
        national_run = campaign(Path(tmp), jobs=args.jobs)
        written = sum(1 for p in (Path(tmp) / "out").rglob("*") if p.is_file())
    rate = national_run["letters"] / national_run["total_s"]
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"Every agency, resident co-requester: {national_run['agencies']} agencies, "
          f"{national_run['letters']} letters ({written} files)")  # fmt: skip
    print(f"  skipped                                    {national_run['skipped'] or 'none'}")
    print(f"  selecting and planning                     {national_run['plan_s']:6.2f} s")
    print(f"  total with {args.jobs} worker processes          {national_run['total_s']:6.2f} s   (target < 60 s)")
    print(f"  letters per second                         {rate:6.1f}")
    print(f"  serial ({serial['letters']} letters, 1 process)        {serial_rate:6.1f} letters/s"
          f" -> about {national_run['letters'] / serial_rate + national_run['plan_s']:.0f} s"
          " for the whole list")  # fmt: skip
    print(
        "  parent memory as letters are written (RSS): "
        + ", ".join(f"{n}: {mb:.0f} MB" for n, mb in national_run["rss"])
    )
    print(f"  peak memory: parent {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
          f"largest worker {children:.0f} MB")  # fmt: skip
    if not args.skip_letter:
        print()
        single_letter()


if __name__ == "__main__":
    main()

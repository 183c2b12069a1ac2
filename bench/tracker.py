"""Tracker at scale: `due`, `list` and `show` as whole processes over a large database.

Builds databases of 1,000, 10,000 and 100,000 requests (5 events each: 500,000 events at the
largest) across all 52 jurisdictions, about 3% of them still open, then times each command as a
separate process (median of several runs) beside `records-req --help`, and reports peak memory.
Target: each within 1.5x of --help's time plus 150 ms; memory flat as the database grows.
Prints figures; asserts nothing.

    python bench/tracker.py                       # SQLite
    python bench/tracker.py --pg postgresql://postgres@127.0.0.1:5432/test
    python bench/tracker.py --sizes 1000 10000    # quicker
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from records_req.laws import load_laws
from records_req.store.db import Store, close_all, normalize_url
from records_req.store.models import Agency, Event, Request, Tag

TODAY = dt.date(2026, 11, 27)
EXE = str(Path(sys.executable).with_name("records-req"))


def build(url: str, n: int) -> None:
    """Fill an empty, migrated database with n requests (bulk inserts, not the CLI)."""
    store = Store(url)
    rng = random.Random(n)
    codes = sorted(load_laws())
    agencies = [
        {
            "id": i + 1,
            "state": codes[i % len(codes)],
            "name": f"Agency {i}",
            "name_key": f"agency {i}",
            "created_at": dt.datetime(2026, 1, 1),
        }
        for i in range(max(52, n // 20))
    ]
    requests, events, tags = [], [], []
    event_id = 0
    for rid in range(1, n + 1):
        agency = agencies[rid % len(agencies)]
        sent = TODAY - dt.timedelta(days=rng.randint(1, 600))
        open_ = rng.random() < 0.03
        status = "awaiting-response" if open_ else rng.choice(["completed", "no-records", "withdrawn"])
        due = sent + dt.timedelta(days=rng.randint(3, 30)) if open_ else None
        requests.append(
            {
                "id": rid,
                "agency_id": agency["id"],
                "profile_id": None,
                "jurisdiction": agency["state"],
                "topics": ["wso"],
                "items": [],
                "since": dt.date(2025, 1, 1),
                "until": sent,
                "letter_date": sent,
                "fee_limit": 50,
                "co_requester": None,
                "created_at": dt.datetime(2026, 1, 1),
                "status": status,
                "due_on": due,
                "due_statutory": open_,
                "closed": not open_,
                # the cached schedule the lifecycle writes (three stages, as a real open request has)
                "schedule": (
                    json.dumps(
                        [
                            [sent.isoformat(), due.isoformat(), True, False, "response"],
                            [(due + dt.timedelta(days=1)).isoformat(), due.isoformat(), True, True, "response"],
                            [(due + dt.timedelta(days=40)).isoformat(), None, False, False, ""],
                        ]
                    )
                    if open_ and due is not None
                    else None
                ),
            }
        )
        kinds = ["sent", "acknowledged", "note", "note"] + (["note"] if open_ else ["released"])
        for offset, kind in enumerate(kinds):
            event_id += 1
            events.append(
                {
                    "id": event_id,
                    "request_id": rid,
                    "kind": kind,
                    "on": sent + dt.timedelta(days=offset),
                    "note": None,
                    "data": {"via": "email"} if kind == "sent" else {},
                    "forced": False,
                    "created_at": dt.datetime(2026, 1, 1),
                }
            )
        if rid % 10 == 0:
            tags.append({"request_id": rid, "tag": f"campaign {rid % 7}"})
    with store.write() as session:
        for table, rows in ((Agency, agencies), (Request, requests), (Tag, tags), (Event, events)):
            for start in range(0, len(rows), 20000):
                session.execute(table.__table__.insert(), rows[start : start + 20000])  # type: ignore[attr-defined]
    store.dispose()
    close_all()


def timed(args: list[str], env: dict[str, str], runs: int) -> tuple[float, int]:
    """Median wall time (ms) and peak memory (MiB) of a command run as its own process."""
    samples, peak = [], 0
    subprocess.run([EXE, *args], env=env, capture_output=True, check=True)  # warm-up
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen([EXE, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        samples.append((time.perf_counter() - start) * 1000)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"{args} failed ({proc.returncode})")
        peak = max(peak, usage.ru_maxrss // 1024)
    return statistics.median(samples), peak


def fresh_pg(admin_url: str) -> tuple[str, str]:
    from sqlalchemy.engine import make_url

    url = make_url(normalize_url(admin_url))
    name = f"rrbench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False), name


def drop_pg(admin_url: str, name: str) -> None:
    close_all()
    engine = create_engine(normalize_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg", help="a PostgreSQL URL to benchmark as well")
    parser.add_argument("--build", nargs=2, metavar=("URL", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:  # run in a child, so that the parent stays small and its children's memory is theirs
        build(args.build[0], int(args.build[1]))
        return
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp:
        env["RECORDS_REQ_HOME"] = tmp
        help_ms, help_mem = timed(["--help"], env, args.runs)
        budget = 1.5 * help_ms + 150
        print(f"records-req --help: {help_ms:.0f} ms, {help_mem} MiB; budget per command {budget:.0f} ms")
        backends = [("sqlite", None)] + ([("postgresql", args.pg)] if args.pg else [])
        for backend, admin in backends:
            for n in args.sizes:
                if backend == "sqlite":
                    url, name = f"sqlite:///{Path(tmp) / f'bench-{n}.db'}", None
                else:
                    assert admin
                    url, name = fresh_pg(admin)
                start = time.perf_counter()
                subprocess.run([sys.executable, __file__, "--build", url, str(n)], env=env, check=True)
                built = time.perf_counter() - start
                common = ["--db", url, "--as-of", TODAY.isoformat()]
                figures = []
                for label, cmd in (
                    ("due --within 7", ["due", "--within", "7"]),
                    ("list --status open --json", ["list", "--status", "open", "--json"]),
                    ("show", ["show", str(n // 2)]),
                ):
                    ms, mem = timed([*common, *cmd], env, args.runs)
                    flag = "ok" if ms <= budget else "OVER"
                    figures.append(f"{label} {ms:.0f} ms {mem} MiB {flag}")
                print(
                    f"{backend:10s} {n:>7,} requests ({5 * n:,} events, built in {built:.1f} s): " + "; ".join(figures)
                )
                if name and admin:
                    drop_pg(admin, name)


if __name__ == "__main__":
    main()

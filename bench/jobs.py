"""What keeping the dashboard's jobs and failed sign-ins in the database costs (issue 19).

Prints figures; asserts nothing. Targets:
- a campaign written as a dashboard job (records_req.tracker.jobs: a thread of the server, its
  progress saved at most twice a second, a heartbeat every 15 s) takes no longer than the same
  campaign.run called directly (the command line's way), within the noise of a shared machine
  (target: within 5 %); Texas's agencies on ICE's May 2026 list, a fresh SQLite database each;
- a failed sign-in's check and record (records_req.accounts: the moving-window count in SQL)
  stays small beside the password check it guards (scrypt, about 100 ms): target under a tenth
  of it (10 ms), with an empty table and with 100,000 failures kept (a day of a botnet's
  guesses), on SQLite and, with ``--pg URL``, on PostgreSQL (its tables are made there).

    python bench/jobs.py [--runs 3] [--pg postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
SHEETS = next(
    (p / "shared" / "data" / "ice-287g" for p in (HERE.parent, HERE.parent.parent) if (p / "shared").is_dir()),
    HERE.parent / "shared" / "data" / "ice-287g",
)  # beside the repository, or beside the folder of its worktrees
NEWEST = SHEETS / "participatingAgencies05182026am.xlsx"
DAY = dt.date(2026, 12, 1)


def campaign_seconds(folder: Path, as_job: bool) -> tuple[int, float]:
    """Texas's campaign on a fresh database: (letters written, seconds to write them)."""
    from records_req.agencies.ice_lists import import_sheet
    from records_req.tracker import campaign as campaigns
    from records_req.tracker import jobs
    from records_req.workspace import Workspace

    ws = Workspace(db_url=f"sqlite:///{folder / 'records.db'}", out_dir=folder / "out", as_of=DAY)
    with ws.write() as session:
        import_sheet(session, NEWEST, downloaded_on=dt.date(2026, 5, 18))
    selection = campaigns.Selection(states=("TX",))
    options = campaigns.Options(
        tag="TX WSO",
        topic_keys=("wso",),
        requester={"requester_name": "Ana Núñez", "requester_email": "ana@example.org", "requester_state": "TX"},
        output=ws.output(date=DAY),
    )
    prepared = campaigns.prepare(ws, selection, options)
    start = time.perf_counter()
    if as_job:
        runner = jobs.Runner()
        job_id = jobs.start_campaign(ws, runner, selection, prepared)
        runner.wait(job_id)
        view = jobs.get(ws.store, runner, job_id)
        assert view.status == "finished", view.error
        written = int((view.result or {})["created"])
    else:
        outcomes = campaigns.run(ws.store, prepared.steps, prepared.options, profile_id=prepared.profile_id, today=DAY)
        written = sum(1 for o in outcomes if o.action == "created")
    elapsed = time.perf_counter() - start
    ws.close()
    return written, elapsed


def sign_in_ms(url: str, kept: int, tries: int = 200) -> float:
    """The median milliseconds of one failed sign-in's check and record, with ``kept`` failures
    already in the table (from as many addresses, within the last day)."""
    import random

    from sqlalchemy import delete, insert

    from records_req.accounts import sign_in_failed, sign_in_refusal
    from records_req.store.db import Store
    from records_req.store.models import SignInFailure

    store = Store(url)
    now = time.time()
    with store.write() as session:
        session.execute(delete(SignInFailure))
        rows = [
            {
                "scope": "address",
                "key": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
                "at": now - random.uniform(0, 86000),
            }
            for n in range(kept)
        ]
        for chunk in range(0, len(rows), 10_000):
            session.execute(insert(SignInFailure), rows[chunk : chunk + 10_000])
    times = []
    for n in range(tries):
        start = time.perf_counter()
        with store.write() as session:
            address = f"198.51.{n >> 8}.{n & 255}"
            if sign_in_refusal(session, address, "ana") is None:
                sign_in_failed(session, address, "ana")
        times.append((time.perf_counter() - start) * 1000)
    store.dispose()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", help="a PostgreSQL URL for the sign-in figures too")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if NEWEST.is_file():
        best: dict[bool, float] = {}
        letters = 0
        for run in range(args.runs):
            for as_job in (False, True) if run % 2 else (True, False):  # each goes first in turn
                with tempfile.TemporaryDirectory() as tmp:
                    letters, seconds = campaign_seconds(Path(tmp), as_job)
                best[as_job] = min(best.get(as_job, float("inf")), seconds)
        direct, job = best[False], best[True]
        print(f"Texas campaign, {letters} letters, campaign.run directly   {direct:6.2f} s (best of {args.runs})")
        extra = 100 * (job / direct - 1)
        print(f"the same as a dashboard job (thread, saved progress) {job:6.2f} s   {extra:+.1f} % (target within 5 %)")
    else:
        print(f"{NEWEST} not found: campaign figures skipped")
    with tempfile.TemporaryDirectory() as tmp:
        urls = [("SQLite", f"sqlite:///{Path(tmp) / 'signin.db'}")] + ([("PostgreSQL", args.pg)] if args.pg else [])
        for name, url in urls:
            for kept in (0, 100_000):
                ms = sign_in_ms(url, kept)
                print(
                    f"failed sign-in check and record, {name}, {kept:>7,} kept   {ms:6.2f} ms (median; target < 10 ms)"
                )


if __name__ == "__main__":
    main()

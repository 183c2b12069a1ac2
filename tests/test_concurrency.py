"""Writers at once: two campaigns started together (the same one twice, or two with different
tags) ask each agency once, on SQLite and PostgreSQL, and the one that loses says which request
holds the agency; two first campaigns on a fresh database share one profile; the duplicate rule
is held by the database, not only checked; a campaign's workers die with it."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .cli_helpers import RUN_FORKED, Tracker
from .conftest import subprocess_env

REQUESTER = ("--requester-name", "Ana Núñez", "--requester-email", "ana@example.org", "--requester-state", "FL")
HEADER = "STATE,LAW ENFORCEMENT AGENCY,TYPE,COUNTY,SUPPORT TYPE,SIGNED,MOA,ADDENDUM"


def sheet(tmp_path: Path, n: int, state: str = "TEXAS") -> Path:
    rows = [HEADER]
    for i in range(n):
        rows.append(
            f"{state},Town {i:03d} Police Department,Municipality,Harris County,Warrant Service Officer,06/18/2025,,"
        )
    path = tmp_path / "participatingAgencies11302026am.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def until(condition: Callable[[], Any], seconds: float, what: str) -> Any:
    """Poll ``condition`` until it is true, failing with ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"Not within {seconds} s: {what}")
        time.sleep(0.05)


def command(url: str, tmp_path: Path, *args: str) -> list[str]:
    base = [sys.executable, "-m", "records_req", "--db", url, "--as-of", "2026-12-01", "campaign", *args]
    return [*base, *REQUESTER, "--out", str(tmp_path / "out"), "--json"]


# --- holding both campaigns at the door until both are there --------------------------------------


def _has_open(pid: int, path: Path) -> bool:
    try:
        return any(fd.readlink() == path for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False


@contextmanager
def gate(url: str, lock: str = "requests IN ACCESS EXCLUSIVE MODE") -> Iterator[Callable[[list[int]], None]]:
    """Hold the database so that both campaigns wait, then let them go together: on PostgreSQL
    a table lock (by default on ``requests``, which they read first; both are seen waiting for
    it), on SQLite the write lock (both have opened the database and queue for it)."""
    if url.startswith("sqlite"):
        import sqlite3

        path = Path(url.split("///", 1)[1])
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")

        def waiting(pids: list[int]) -> None:
            if sys.platform == "linux":
                until(lambda: all(_has_open(pid, path) for pid in pids), 60, "both campaigns open the database")

        try:
            yield waiting
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    from sqlalchemy import create_engine, text

    from records_req.store.db import normalize_url

    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            conn.execute(text(f"LOCK TABLE {lock}"))

            def blocked() -> bool:
                with engine.connect() as other:
                    n = other.execute(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                            "AND wait_event_type = 'Lock'"
                        )
                    ).scalar()
                return bool(n and n >= 2)

            yield lambda _pids: until(blocked, 60, "both campaigns wait for the database")
            conn.rollback()
    finally:
        engine.dispose()


# The campaigns started at once are records-req's command line run in processes forked together
# from one that has imported it (a fresh interpreter's imports were half of each campaign's
# CPU): it says their process ids, then, once both have ended, their exit codes.
FORKED = (
    RUN_FORKED
    + """
import json
pids = []
for argv, out, err in json.loads(sys.argv[1]):
    pid = os.fork()
    if pid:
        pids.append(pid)
        continue
    run_forked(argv, out, err)
print(*pids, flush=True)
print(*(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids), flush=True)
"""
)


def at_once(
    url: str, tmp_path: Path, *commands: list[str], lock: str | None = None
) -> list[subprocess.CompletedProcess[str]]:
    """Run each command (records-req's, as :func:`command` gives it) at the same moment, held at
    the gate until all of them are there."""
    module = [sys.executable, "-m", "records_req"]
    runs: list[tuple[list[str], str, str]] = []  # each campaign's arguments, stdout and stderr files
    for i, c in enumerate(commands):
        assert c[: len(module)] == module, c
        runs.append((c[len(module) :], str(tmp_path / f"run-{i}.out"), str(tmp_path / f"run-{i}.err")))
    with gate(url, *([lock] if lock else [])) as waiting:
        forks = subprocess.Popen(
            [sys.executable, "-c", FORKED, json.dumps(runs)],
            env=subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert forks.stdout is not None
        pids = [int(pid) for pid in forks.stdout.readline().split()]
        try:
            assert len(pids) == len(commands), "the campaigns were not started"
            waiting(pids)
        except BaseException:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            forks.kill()
            forks.communicate(timeout=60)
            raise
    codes = [int(code) for code in forks.stdout.readline().split()]
    _, trouble = forks.communicate(timeout=300)
    assert forks.returncode == 0 and len(codes) == len(commands), trouble
    return [
        subprocess.CompletedProcess(
            c, code, Path(out).read_text(encoding="utf-8"), Path(err).read_text(encoding="utf-8")
        )
        for c, code, (_, out, err) in zip(commands, codes, runs, strict=True)
    ]


def open_requests(url: str) -> list[tuple[int, str, list[str]]]:
    from sqlalchemy import select

    from records_req.store.db import close_all, open_store
    from records_req.store.models import Agency, Request

    with open_store(url).read() as session:
        rows = session.execute(
            select(Request.id, Agency.name, Request.topics).join(Agency).where(Request.closed.is_(False))
        ).all()
    close_all()
    return [(r[0], r[1], list(r[2])) for r in rows]


RUNS = {
    "the-same-campaign-twice": (("K", "2026-12-01"), ("K", "2026-12-01")),
    "two-campaigns-one-day": (("K", "2026-12-01"), ("L", "2026-12-01")),
    "two-campaigns-two-days": (("K", "2026-12-01"), ("L", "2026-12-02")),
}


@pytest.mark.serial
@pytest.mark.parametrize("which", RUNS)
def test_two_campaigns_started_at_once_ask_each_agency_once(db_url: str, tmp_path: Path, which: str) -> None:
    n = 12  # enough for the two to meet on most agencies; each agency costs a letter in each
    Tracker(db_url, tmp_path)("agencies", "import", str(sheet(tmp_path, n)))
    tags = [tag for tag, _ in RUNS[which]]
    runs = at_once(
        db_url,
        tmp_path,
        *(
            command(db_url, tmp_path, "--state", "TX", "--topic", "wso", "--tag", tag, "--date", day, "--jobs", "1")
            for tag, day in RUNS[which]
        ),
    )
    for run in runs:
        assert run.returncode == 0, run.stderr
        assert "Traceback" not in run.stderr
    requests = open_requests(db_url)
    agencies = [name for _, name, _ in requests]
    assert len(requests) == n and len(set(agencies)) == n  # each agency asked exactly once
    made = {name: request_id for request_id, name, _ in requests}
    letters = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert len(letters) == 2 * n  # the DOCX and PDF of each request: the loser wrote no file of its own
    results = [json.loads(run.stdout) for run in runs]
    created = [{r["agency"]: r["request_id"] for r in result["created"]} for result in results]
    assert not set(created[0]) & set(created[1]) and len(created[0]) + len(created[1]) == n
    for mine, other in ((0, 1), (1, 0)):
        skipped = {r["agency"]: r for r in results[other]["skipped"]}
        for agency, request_id in created[mine].items():
            assert made[agency] == request_id
            why = skipped[agency]  # the other campaign says which request holds the agency
            assert why["request_id"] == request_id and f"Request #{request_id} " in why["message"], why
            if tags[0] != tags[1]:
                assert why["reason"] == "already-requested"
                assert why["message"].startswith(f"Request #{request_id} to {agency} for wso"), why
                assert "is still open (draft)." in why["message"], why
            else:
                assert why["reason"] == "in-campaign"


@pytest.mark.serial
def test_two_first_campaigns_on_a_fresh_database_both_succeed_and_share_the_profile(
    db_url: str, tmp_path: Path
) -> None:
    """No profile yet: both campaigns remember who signed (as `new` does) at the same moment. On
    PostgreSQL both are held just before they add the profile (a lock that lets them read it,
    not write it), so both have seen none and both insert it."""
    rows = [HEADER]
    for i in range(6):
        rows.append(f"TEXAS,Town {i} Police Department,Municipality,Harris County,Warrant Service Officer,06/18/2025,,")
        rows.append(f"FLORIDA,City {i} Police Department,Municipality,Lee County,Warrant Service Officer,06/18/2025,,")
    path = tmp_path / "participatingAgencies11302026am.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    rr = Tracker(db_url, tmp_path)
    rr("agencies", "import", str(path))
    runs = at_once(
        db_url,
        tmp_path,
        command(db_url, tmp_path, "--state", "TX", "--topic", "wso", "--tag", "TX"),
        command(db_url, tmp_path, "--state", "FL", "--topic", "wso", "--tag", "FL"),
        lock="profiles IN SHARE MODE",
    )
    for run in runs:
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["summary"]["created"] == 6
    assert rr.json("profile", "show")["name"] == "Ana Núñez"
    assert len(open_requests(db_url)) == 12


# --- the database holds the rule ------------------------------------------------------------------


def test_the_database_refuses_a_second_open_request_even_when_the_check_is_passed(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check-then-insert is not enough: with the check blinded (as two writers at once both pass
    it), the unique index refuses the second request, and the refusal names the first."""
    from records_req.tracker import service

    rr = Tracker(db_url, tmp_path)
    first = rr.new("TX", "Houston Police Department", *REQUESTER)
    monkeypatch.setattr(service, "open_duplicate", lambda *args: None)
    out = rr("new", "--state", "TX", "--agency", "Houston Police Department", "--topic", "wso",
             "--out", str(tmp_path / "out2"), "--date", "2026-11-28", code=1)  # fmt: skip
    assert out == ""
    assert f"Request #{first} to Houston Police Department for wso" in rr.stderr
    assert "is still open (draft)." in rr.stderr
    assert "Use --again" in rr.stderr and "Traceback" not in rr.stderr
    # --again is the deliberate second request: it holds no key, and the index lets it be.
    again = rr.json("new", "--state", "TX", "--agency", "Houston Police Department", "--topic", "wso",
                    "--out", str(tmp_path / "out2"), "--date", "2026-11-28", "--again")  # fmt: skip
    assert again["id"] != first
    # Once the first is closed, its key is free: a new request (no --again) takes it.
    rr("log", str(first), "withdrawn", "--force")  # never sent
    rr("log", str(again["id"]), "withdrawn", "--force")
    monkeypatch.undo()
    assert rr.new("TX", "Houston Police Department", "--date", "2026-11-30") > again["id"]  # the profile signs


@pytest.mark.empty_db
def test_the_migration_keeps_duplicates_made_before_it_and_reports_them(
    db_url: str, capfd: pytest.CaptureFixture[str]
) -> None:
    from alembic import command
    from sqlalchemy import create_engine, text

    from records_req.store.db import Store, _sqlite_setup, alembic_config, normalize_url

    engine = create_engine(normalize_url(db_url))  # a database at revision 0009, before the rule
    if db_url.startswith("sqlite"):
        _sqlite_setup(engine)
    with engine.connect() as conn:
        command.upgrade(alembic_config(conn), "0009")
        conn.commit()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO agencies (id, state, name, name_key, created_at) VALUES "
                "(1, 'TX', 'Houston Police Department', 'houston police department', '2026-11-27 00:00:00')"
            )
        )
        for request_id, topics, closed in ((1, '["wso"]', False), (2, '["wso"]', False), (3, '["wso"]', True),
                                           (4, '["wso", "costs"]', False), (5, '["costs", "wso"]', False)):  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO requests (id, agency_id, jurisdiction, topics, items, since, until, letter_date, "
                    "fee_limit, created_at, status, due_statutory, closed) VALUES (:id, 1, 'TX', :topics, '[]', "
                    "'2026-01-01', '2026-11-27', '2026-11-27', 50, '2026-11-27 00:00:00', :status, false, :closed)"
                ),
                {"id": request_id, "topics": topics, "status": "completed" if closed else "draft", "closed": closed},
            )
    engine.dispose()
    capfd.readouterr()
    store = Store(db_url)  # upgrades on open
    report = capfd.readouterr().err
    assert "requests #1 and #2 to Houston Police Department for wso" in report
    assert "requests #4 and #5 to Houston Police Department for costs, wso" in report
    assert "#3" not in report
    with store.engine.connect() as conn:
        keys = {row[0]: row[1] for row in conn.execute(text("SELECT id, open_key FROM requests ORDER BY id"))}
    # every request kept; the oldest open one of each agency and set of topics holds the key
    assert keys == {1: '["wso"]', 2: None, 3: None, 4: '["costs","wso"]', 5: None}
    store.dispose()


# --- workers die with their campaign --------------------------------------------------------------


def _ppid_and_state(pid: int) -> tuple[int, str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[1]), fields[0]


def descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (found := _ppid_and_state(int(entry.name))) is not None:
            parents[int(entry.name)] = found[0]
    family: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - family
        family |= frontier
    return family


def alive(pid: int) -> bool:
    found = _ppid_and_state(pid)
    return found is not None and found[1] not in ("Z", "X")  # a zombie has exited


@pytest.mark.serial
@pytest.mark.skipif(sys.platform != "linux", reason="reads the process tree from /proc")
def test_the_workers_of_a_killed_campaign_exit_and_release_its_output(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'records.db'}"
    Tracker(url, tmp_path)("agencies", "import", str(sheet(tmp_path, 300)))
    proc = subprocess.Popen(
        command(url, tmp_path, "--state", "TX", "--topic", "wso", "--tag", "K", "--jobs", "2"),
        env=subprocess_env(),
        stdout=subprocess.PIPE,  # as `campaign ... | tee log`: the pipe ends when every writer is gone
        stderr=subprocess.STDOUT,
    )
    family: set[int] = set()
    try:
        # the resource tracker, the forkserver and its two workers
        family = until(lambda: (lambda d: d if len(d) >= 4 else None)(descendants(proc.pid)), 120, "two workers start")
        assert proc.poll() is None, "the campaign ended before it could be killed: give it more agencies"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        deadline = time.monotonic() + 30

        def ended() -> bool:
            while select.select([fd], [], [], 0)[0]:
                if not os.read(fd, 1 << 16):
                    return True
            return False

        until(ended, deadline - time.monotonic(), "the campaign's output ends (no worker holds it)")
        until(lambda: not any(alive(pid) for pid in family), 30, f"the workers {sorted(family)} exit")
    finally:
        for pid in family:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()

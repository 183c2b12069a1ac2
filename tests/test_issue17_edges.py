"""Issue 17's smaller classes, each a test that failed before its fix: deeply nested imports, an
agency's answer dated before the request went out, a letter left by a killed `new`, one email
address per agency (IDNA in drafts), terminal control from outside text, stale temporary files,
and `-o` into a folder that does not exist."""

from __future__ import annotations

import email
import email.policy
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .cli_helpers import Tracker
from .conftest import subprocess_env

ANA = ("--requester-name", "Ana Núñez", "--requester-email", "ana@example.org", "--requester-state", "VA")


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    return Tracker(db_url, tmp_path)


def one_line(text: str) -> bool:
    return len(text.strip().splitlines()) == 1 and "Traceback" not in text


# --- db import: nesting ------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [100_000, 200])  # past Python's recursion; parses, but no export
def test_db_import_of_deeply_nested_json_is_one_line(rr: Tracker, depth: int) -> None:
    export = rr.tmp / "nested.json"
    export.write_text('{"format": "records-req-export", "version": 1, "events": ' + "[" * depth + "]" * depth + "}")
    rr("db", "import", str(export), code=1)
    assert "nests deeper than" in rr.stderr and one_line(rr.stderr)


# --- an answer dated before the request was sent -----------------------------------------------


def test_an_answer_dated_before_the_request_went_out_is_refused_or_forced_and_marked(rr: Tracker) -> None:
    rid = str(rr.new("VA", "Henrico County Sheriff's Office", *ANA))
    rr("sent", rid, "--on", "2026-11-10")
    rr("log", rid, "released", "--on", "2026-11-05", code=1)
    assert "before the request was sent (2026-11-10)" in rr.stderr and "--force" in rr.stderr
    assert rr.json("show", rid)["status"] == "awaiting-ack"
    rr("log", rid, "acknowledged", "--on", "2026-11-12")
    rr("edit", rid, "--on", "2026-11-01", code=1)  # moving it before 'sent' afterwards: refused too
    assert "before the request was sent" in rr.stderr and one_line(rr.stderr)
    out = rr("log", rid, "released", "--on", "2026-11-05", "--force")
    assert "although 2026-11-05 is before the request was sent (2026-11-10)" in out + rr.stderr
    shown = rr.json("show", rid)
    assert shown["events"][-1]["kind"] == "released" and shown["events"][-1]["forced"] is True
    assert "[forced]" in rr("show", rid)


# --- a letter left by a `new` killed before its commit ------------------------------------------


def test_new_adopts_the_letter_a_killed_run_left_and_refuses_a_changed_one(db_url: str, tmp_path: Path) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("one backend is enough: the files are what is tested")
    first = Tracker(f"sqlite:///{tmp_path / 'first.db'}", tmp_path)
    first.new("VA", "Henrico County Sheriff's Office", *ANA)  # the files, as a killed run leaves them...
    letters = sorted((tmp_path / "out").rglob("*.*"))
    before = {p: p.read_bytes() for p in letters}
    resumed = Tracker(f"sqlite:///{tmp_path / 'resumed.db'}", tmp_path)  # ...with no request recorded
    rid = resumed.new("VA", "Henrico County Sheriff's Office", *ANA)
    shown = resumed.json("show", str(rid))
    assert sorted(Path(d["path"]).name for d in shown["documents"]) == sorted(p.name for p in letters)
    assert {p: p.read_bytes() for p in letters} == before
    third = Tracker(f"sqlite:///{tmp_path / 'third.db'}", tmp_path)
    letters[0].write_bytes(b"the user's own edits")
    third("new", "--state", "VA", "--agency", "Henrico County Sheriff's Office", "--topic", "wso", "--out",
          str(tmp_path / "out"), "--date", "2026-10-01", *ANA, code=1)  # fmt: skip
    assert "already exists" in third.stderr and letters[0].read_bytes() == b"the user's own edits"


# --- one email address per agency; IDNA in drafts ----------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["records@lee.gov\r\nBcc: x@evil.example", "records@lee.gov\nBcc: x@evil.example", "a@lee.gov, b@lee.gov",
     "a@lee.gov;b@lee.gov", "Records <records@lee.gov>", "records@@lee.gov", "records@-lee-.gov"],
)  # fmt: skip
def test_agencies_set_email_takes_one_address(rr: Tracker, value: str) -> None:
    rr("agencies", "set", "--state", "FL", "--name", "Lee County Sheriff's Office", "--email", value, code=2)
    assert "is not one email address" in rr.stderr and "Traceback" not in rr.stderr
    rr("agencies", "set", "--state", "FL", "--name", "Lee County Sheriff's Office", "--email", "records@lee.gov")


def test_a_non_ascii_email_domain_becomes_a_valid_to_header(rr: Tracker) -> None:
    rr.new("VA", "Henrico County Sheriff's Office", *ANA, "--agency-email", "records@bücher.example", "--eml")
    [draft] = list((rr.tmp / "out").rglob("*.eml"))
    raw = draft.read_bytes()
    to = next(line for line in raw.split(b"\r\n") if line.startswith(b"To:"))
    assert to.isascii() and b"=?" not in to and b"records@xn--bcher-kva.example" in to
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"].addresses[0].domain == "xn--bcher-kva.example"


# --- terminal control sequences from outside text ---------------------------------------------


def test_terminal_control_in_stored_text_never_reaches_a_terminal(tmp_path: Path) -> None:
    import pty
    import select

    db = tmp_path / "records.db"
    url = f"sqlite:///{db}"
    Tracker(url, tmp_path)("agencies", "set", "--state", "TX", "--name", "Harris County Sheriff's Office")
    evil = "Harris\x1b]0;owned\x07\x1b[2J\x1b[31m\x9b1m\u202eCounty\r"
    with sqlite3.connect(db) as connection:  # as a sheet's cell could bring it
        connection.execute("UPDATE agencies SET name = ?", (evil,))
    leader, follower = pty.openpty()
    env = subprocess_env(RECORDS_REQ_HOME=str(tmp_path / "home"))
    command = [sys.executable, "-m", "records_req", "--db", url, "agencies", "list", "--state", "TX"]
    proc = subprocess.Popen(command, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        assert proc.wait(timeout=60) == 0
        os.close(leader)
    shown = b"".join(chunks).decode("utf-8")
    assert "HarrisCounty" in shown
    assert not any(ch in shown for ch in "\x1b\x07\x9b\u202e")


# --- stale temporary files and missing folders -------------------------------------------------


def test_a_write_removes_the_temporary_file_a_killed_write_of_the_same_file_left(tmp_path: Path) -> None:
    from records_req.output import STALE_SECONDS, write_atomic

    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(done.stdout)  # a process that has ended
    target = tmp_path / "letter.pdf"
    killed = tmp_path / f".letter.pdf.{dead}.k1ll3d.tmp"
    killed.write_bytes(b"half a letter")
    old_style = tmp_path / ".letter.pdf.abc123xy.tmp"  # from a version that wrote no process id
    old_style.write_bytes(b"half a letter")
    os.utime(old_style, (0, old_style.stat().st_mtime - STALE_SECONDS - 60))
    running = tmp_path / f".letter.pdf.{os.getppid()}.wr1t1n.tmp"  # a live writer's: kept
    running.write_bytes(b"being written")
    other = tmp_path / f".other.pdf.{dead}.k1ll3d.tmp"  # another file's: not this write's to judge
    other.write_bytes(b"x")
    write_atomic(target, b"%PDF-1.4 the letter")
    assert target.read_bytes() == b"%PDF-1.4 the letter"
    assert not killed.exists() and not old_style.exists()
    assert running.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".letter.pdf.")) == [running.name]


def test_o_into_a_missing_folder_is_refused_not_created(rr: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(rr.tmp)
    rr.new("VA", "Henrico County Sheriff's Office", *ANA)
    missing = rr.tmp / "no-such-folder" / "deeper"
    rr("report", "--format", "csv", "-o", str(missing / "report.csv"), code=1)
    assert "does not exist" in rr.stderr and one_line(rr.stderr)
    assert not (rr.tmp / "no-such-folder").exists()
    rr("bundle", "1", "-o", str(missing / "bundle.zip"), code=1)
    rr("db", "export", str(missing / "backup.json"), code=1)
    assert not (rr.tmp / "no-such-folder").exists()
    rr("report", "--format", "csv", "-o", "out/reports/report.csv")  # the default out/ tree is ours
    assert (rr.tmp / "out" / "reports" / "report.csv").is_file()

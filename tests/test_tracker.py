"""The tracker, as a user drives it, on SQLite and (with RECORDS_REQ_TEST_PG) on PostgreSQL; the
tests of its files (the file store, bundles, letters' names) on SQLite only."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from records_req.cli import cli

from .backend_marks import on_sqlite_only
from .cli_helpers import Tracker
from .letter_helpers import docx_text


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    tracker = Tracker(db_url, tmp_path)
    tracker(
        "profile",
        "set",
        "--name",
        "Ana Núñez",
        "--email",
        "ana@example.org",
        "--address",
        "1 Main St\\nRichmond, VA 23219",
        "--state",
        "VA",
    )
    return tracker


def test_the_issue_walkthrough(rr: Tracker) -> None:
    rid = rr.new("FL", "Lee County Sheriff's Office", "--tag", "FL WSO 2026")
    assert rid == 1
    shown = rr.json("show", "1")
    assert shown["status"] == "draft"
    assert [d["role"] for d in shown["documents"]] == ["letter", "letter"]
    letter = Path(shown["documents"][0]["path"])
    assert "Florida Public Records Act" in docx_text(letter)
    assert "Ana Núñez" in docx_text(letter), "the profile signs the letter"

    rr("sent", "1", "--via", "email", "--on", "2026-11-27")
    rr("log", "1", "acknowledged", "--on", "2026-11-30", "--tracking-number", "PRR-2211")
    rr("log", "1", "extended", "--days", "10", "--note", "agency letter of 12/4", "--on", "2026-12-04")
    listed = rr.json("list", "--status", "open", "--state", "FL")
    assert [r["id"] for r in listed] == [1]
    assert listed[0]["tags"] == ["FL WSO 2026"]
    shown = rr.json("show", "1")
    assert shown["tracking_numbers"] == ["PRR-2211"]
    rr("log", "1", "note", "--tracking-number", "PRR-2211-B", "--note", "split by the agency")
    assert rr.json("show", "1")["tracking_numbers"] == ["PRR-2211", "PRR-2211-B"]
    assert [e["kind"] for e in shown["events"]] == ["sent", "acknowledged", "extended"]
    # Florida sets no number of days: a suggested, non-statutory follow-up date, which the
    # agency's extension moves to the date it promised: 12/4 + 10 business days = 12/18.
    assert shown["statutory"] is False and shown["due"] == "2026-12-18"
    assert "the agency promised Fri 2026-12-18" in shown["next_step"]
    assert any("not a statutory deadline" in line for line in shown["explanation"])


def test_statutory_deadline_extension_overdue_followup_and_appeal(rr: Tracker, tmp_path: Path) -> None:
    rid = rr.new("VA", "Fairfax County Sheriff's Office")
    rr("sent", str(rid), "--on", "2026-11-25")
    shown = rr.json("show", str(rid))
    assert shown["due"] == "2026-12-04" and shown["statutory"] is True  # Thanksgiving skipped
    assert any("Thanksgiving" in line for line in shown["explanation"])

    rr("log", str(rid), "extended", "--days", "7", "--on", "2026-12-03")
    assert rr.json("show", str(rid))["due"] == "2026-12-15"

    due_soon = rr.json("due", "--within", "7", today="2026-12-10")
    assert [(d["id"], d["overdue"]) for d in due_soon] == [(rid, False)]
    late = rr.json("due", "--within", "7", today="2026-12-18")
    assert late[0]["overdue"] and late[0]["days_late"] == 3
    assert [r["id"] for r in rr.json("list", "--status", "overdue", today="2026-12-18")] == [rid]
    assert "followup" in rr.json("show", str(rid), today="2026-12-18")["next_step"]

    out = rr("followup", str(rid), "--out", str(tmp_path / "out"), "--date", "2026-12-18", today="2026-12-18")
    follow = Path(out.split()[0])
    assert "-follow-up.docx" in follow.name
    text = " ".join(docx_text(follow).split())
    assert "November 25, 2026" in text and "December 15, 2026" in text
    assert rr.json("show", str(rid), today="2026-12-18")["events"][-1]["kind"] == "followed-up"

    rr(
        "log",
        str(rid),
        "denied",
        "--exemptions",
        "Va. Code § 2.2-3706",
        "--on",
        "2027-01-05",
        today="2027-01-05",
    )
    shown = rr.json("show", str(rid), today="2027-01-05")
    assert shown["status"] == "denied"
    out = rr("appeal", str(rid), "--out", str(tmp_path / "out"), "--date", "2027-01-06", today="2027-01-06")
    appeal_text = " ".join(docx_text(Path(out.split()[0])).split())
    assert "Va. Code § 2.2-3706" in appeal_text and "Va. Code Ann. § 2.2-3713" in appeal_text
    assert rr.json("show", str(rid), today="2027-01-06")["status"] == "appealed"


def test_appeal_deadline_is_tracked_after_a_denial(rr: Tracker) -> None:
    rid = rr.new("CT", "Hartford Police Department")
    rr("sent", str(rid), "--on", "2026-11-02")
    rr("log", str(rid), "denied", "--on", "2026-11-20")
    shown = rr.json("show", str(rid))
    # Conn. Gen. Stat. § 1-206(b)(1): 30 calendar days after the denial.
    assert shown["due"] == "2026-12-20"
    assert "Freedom of Information Commission" in shown["next_step"]


def test_events_that_make_no_sense_are_refused_unless_forced(rr: Tracker) -> None:
    rid = str(rr.new("GA", "Cobb County Sheriff's Office"))
    rr("log", rid, "released", code=1)
    assert "has not been sent yet" in rr.stderr and "--force" in rr.stderr
    rr("log", rid, "released", "--force")
    assert "Recorded 'released' although" in rr.stderr
    shown = rr.json("show", rid)
    assert shown["status"] == "completed" and shown["events"][0]["forced"] is True
    rr("log", rid, "clarified", code=1)
    rr("log", rid, "sideways", code=2)


def test_a_fee_estimate_stops_the_clock_where_the_law_says_so(rr: Tracker) -> None:
    rid = str(rr.new("VA", "Arlington County Police Department"))
    rr("sent", rid, "--on", "2026-11-02")
    # 11-03 is Election Day, a Virginia holiday: 11-04, 05, 06, 09, 10.
    assert rr.json("show", rid)["due"] == "2026-11-10"
    rr("log", rid, "fee-estimate", "--amount", "120", "--on", "2026-11-04")
    shown = rr.json("show", rid)
    assert shown["status"] == "payment-required" and shown["due"] is None
    rr("log", rid, "fee-paid", "--on", "2026-11-10")
    # 11-04 counted (1); paused 11-05..11-10; 11-11 Veterans Day; 11-12, 13, 16, 17 (2-5).
    assert rr.json("show", rid)["due"] == "2026-11-17"


def test_no_second_open_request_for_the_same_agency_and_topics(rr: Tracker) -> None:
    rr.new("GA", "Cobb County Sheriff's Office")
    rr(
        "new",
        "--state",
        "GA",
        "--agency",
        "cobb county sheriff's office",
        "--topic",
        "wso",
        "--out",
        str(rr.tmp / "out"),
        "--date",
        "2026-11-28",
        code=1,
    )
    assert "still open" in rr.stderr and "--again" in rr.stderr
    rid = rr.new("GA", "Cobb County Sheriff's Office", "--again", "--force")
    assert rid == 2


def test_tags_filter_list_and_due(rr: Tracker) -> None:
    a = rr.new("GA", "Cobb County Sheriff's Office", "--tag", "GA 2026")
    rr.new("GA", "Gwinnett County Sheriff's Office")
    for rid in ("1", "2"):
        rr("sent", rid, "--on", "2026-11-02")
    assert [r["id"] for r in rr.json("list", "--tag", "GA 2026")] == [a]
    assert [r["id"] for r in rr.json("due", "--within", "30", "--tag", "GA 2026")] == [a]


def test_undo_and_edit_keep_the_history(rr: Tracker) -> None:
    rid = str(rr.new("VA", "Henrico County Sheriff's Office"))
    rr("sent", rid, "--on", "2026-11-02")
    rr("log", rid, "released", "--on", "2026-11-05")
    assert rr.json("show", rid)["status"] == "completed"
    rr("undo", rid)
    shown = rr.json("show", rid)
    assert shown["status"] == "awaiting-ack"  # the agency's only answer was undone
    assert [e["kind"] for e in shown["events"]] == ["sent", "released", "undo"]
    rr("edit", rid, "--on", "2026-11-03")
    shown = rr.json("show", rid)
    assert shown["sent"] == "2026-11-03" and shown["due"] == "2026-11-10"
    assert [e["kind"] for e in shown["events"]][-1] == "edit"


def test_reminders_show_in_due_until_the_request_closes(rr: Tracker) -> None:
    rid = str(rr.new("GA", "Cobb County Sheriff's Office"))
    rr("remind", rid, "--on", "2026-12-01", "call the records office")
    rows = rr.json("due", "--within", "7")
    assert [(r["what"], r.get("text")) for r in rows] == [("reminder", "call the records office")]
    rr("sent", rid, "--on", "2026-11-27")
    rr("log", rid, "withdrawn")
    assert rr.json("due", "--within", "30") == []
    rr("followup", rid, "--out", str(rr.tmp / "out"), code=1)


# SQLite only: the file store (a copy named by its hash, the original untouched) is the subject.
@on_sqlite_only
def test_attach_copies_and_hashes_without_touching_the_original(rr: Tracker, tmp_path: Path) -> None:
    rid = str(rr.new("GA", "Cobb County Sheriff's Office"))
    rr("sent", rid, "--on", "2026-11-02")
    original = tmp_path / "response.pdf"
    original.write_bytes(b"%PDF-1.4 the agency's response")
    before = original.stat()
    rr("attach", rid, str(original), "--event", "released")
    assert original.read_bytes() == b"%PDF-1.4 the agency's response"
    assert original.stat().st_mtime_ns == before.st_mtime_ns
    shown = rr.json("show", rid)
    assert shown["status"] == "completed"
    received = next(d for d in shown["documents"] if d["role"] == "received")
    import hashlib

    digest = hashlib.sha256(b"%PDF-1.4 the agency's response").hexdigest()
    assert received["sha256"] == digest and received["name"] == "response.pdf"
    assert Path(received["path"]).name.startswith(digest) and Path(received["path"]).is_file()


# SQLite only: the bundle's files and manifest are the subject.
@on_sqlite_only
def test_bundle_holds_everything_with_a_manifest(rr: Tracker, tmp_path: Path) -> None:
    rid = str(rr.new("VA", "Fairfax County Sheriff's Office"))
    rr("sent", rid, "--on", "2026-11-25")
    response = tmp_path / "partial.pdf"
    response.write_bytes(b"some records")
    rr("attach", rid, str(response), "--event", "partial-release")
    out = tmp_path / "bundle.zip"
    rr("bundle", rid, "-o", str(out))
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        import hashlib

        for entry in manifest:
            assert hashlib.sha256(archive.read(entry["file"])).hexdigest() == entry["sha256"]
        deadline = json.loads(archive.read("deadline.json"))
    assert {"timeline.json", "deadline.json", "deadline.pdf", "received/partial.pdf"} <= names
    assert any(n.startswith("letters/") and n.endswith(".docx") for n in names)
    assert deadline["explanation"]
    rr("bundle", rid, "-o", str(out), code=1)  # never overwritten without --force


def test_paths_masks_the_database_password(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", "postgresql://user:s3cret@db.example/records", "paths"])
    assert result.exit_code == 0
    assert "s3cret" not in result.stdout and "***" in result.stdout


def test_unknown_request_is_a_clear_usage_error(rr: Tracker) -> None:
    rr("show", "99", code=1)
    assert "No request #99" in rr.stderr


# SQLite only: the bundle's entry names are the subject.
@on_sqlite_only
def test_bundle_entry_names_cannot_escape_the_archive(rr: Tracker, tmp_path: Path) -> None:
    rid = str(rr.new("GA", "Cobb County Sheriff's Office"))
    rr("sent", rid, "--on", "2026-11-02")
    nasty = tmp_path / "..evil.pdf"
    nasty.write_bytes(b"x")
    twin = tmp_path / "sub"
    twin.mkdir()
    (twin / "..evil.pdf").write_bytes(b"y")
    rr("attach", rid, str(nasty))
    rr("attach", rid, str(twin / "..evil.pdf"))
    out = tmp_path / "b.zip"
    rr("bundle", rid, "-o", str(out))
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
    assert all(".." not in n and not n.startswith("/") for n in names)
    assert len([n for n in names if n.startswith("received/")]) == 2


def test_split_makes_one_request_per_topic(rr: Tracker) -> None:
    data = rr.json(
        "new",
        "--state",
        "TX",
        "--agency",
        "Harris County Sheriff's Office",
        "--topic",
        "wso",
        "--topic",
        "costs",
        "--split",
        "--out",
        str(rr.tmp / "out"),
        "--requester-state",
        "TX",
    )
    # Texas requires 287(g): its state-mandate filings become a third, separate request.
    assert [d["topics"] for d in data] == [["wso"], ["costs"], ["state-mandate"]]
    assert len({Path(d["files"]["pdf"]).name for d in data}) == 3
    assert [r["id"] for r in rr.json("list")] == [d["id"] for d in data]


def test_the_readme_main_job_without_a_profile_can_follow_up_later(db_url: str, tmp_path: Path) -> None:
    rr = Tracker(db_url, tmp_path)
    data = rr.json(
        "new",
        "--state",
        "VA",
        "--agency",
        "Fairfax County Sheriff's Office",
        "--topic",
        "wso",
        "--requester-name",
        "Jo Doe",
        "--requester-email",
        "jo@example.org",
        "--requester-state",
        "VA",
        "--out",
        str(tmp_path / "out"),
        "--date",
        "2026-11-02",
    )
    assert any("Saved your details" in n for n in data["notes"])
    rr("sent", str(data["id"]), "--on", "2026-11-02")
    out = rr("followup", str(data["id"]), "--out", str(tmp_path / "out"), "--date", "2026-11-27")
    assert "Jo Doe" in docx_text(Path(out.split()[0]))


@pytest.mark.parametrize("command", [["list"], ["sent", "1"], ["show", "1"]])
def test_an_unreachable_database_is_a_clear_error_with_the_password_hidden(command: list[str]) -> None:
    result = CliRunner().invoke(cli, ["--db", "postgresql://user:s3cret@127.0.0.1:1/records", *command])
    assert result.exit_code == 1
    assert "Cannot open the database" in result.stderr and "s3cret" not in result.stderr
    assert "Traceback" not in result.stderr


def test_agency_filter_matches_curly_apostrophes_and_treats_wildcards_literally(rr: Tracker) -> None:
    rr.new("GA", "Cobb County Sheriff's Office")
    rr.new("GA", "Fulton County Sheriff’s Office")
    assert [r["id"] for r in rr.json("list", "--agency", "fulton county sheriff's")] == [2]
    assert [r["id"] for r in rr.json("list", "--agency", "sheriff’s")] == [1, 2]
    assert rr.json("list", "--agency", "_") == []
    assert rr.json("list", "--agency", "%") == []


def test_due_follows_an_edited_reminder(rr: Tracker) -> None:
    rid = str(rr.new("GA", "Cobb County Sheriff's Office"))
    rr("remind", rid, "--on", "2026-12-01", "call")
    rr("edit", rid, "--on", "2027-01-15")
    assert rr.json("due", "--within", "7") == []
    assert [r["date"] for r in rr.json("due", "--within", "60")] == ["2027-01-15"]
    rr("undo", rid)
    assert rr.json("due", "--within", "60") == []


def test_split_checks_every_file_before_writing_any(rr: Tracker) -> None:
    folder = rr.tmp / "out" / "GA" / "cobb-county-sheriffs-office"
    folder.mkdir(parents=True)
    (folder / "2026-11-27-costs.pdf").write_text("the user's file")
    rr(
        "new",
        "--state",
        "GA",
        "--agency",
        "Cobb County Sheriff's Office",
        "--topic",
        "wso",
        "--topic",
        "costs",
        "--split",
        "--out",
        str(rr.tmp / "out"),
        "--date",
        "2026-11-27",
        "--format",
        "pdf",
        code=1,
    )
    assert "already exists" in rr.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["2026-11-27-costs.pdf"]
    assert rr.json("list") == []
    assert (folder / "2026-11-27-costs.pdf").read_text() == "the user's file"


def test_split_refused_for_a_duplicate_part_writes_no_file(rr: Tracker) -> None:
    """One part of a --split duplicates an open request: nothing is tracked and no letter is left."""
    agency = ["--state", "PA", "--agency", "Erie County Sheriff's Office", "--out", str(rr.tmp / "out")]
    rr("new", *agency, "--topic", "costs", "--date", "2026-11-20")
    folder = rr.tmp / "out" / "PA" / "erie-county-sheriffs-office"
    before = sorted(p.name for p in folder.iterdir())
    rr("new", *agency, "--topic", "wso", "--topic", "costs", "--split", "--date", "2026-11-27", code=1)
    assert "still open" in rr.stderr
    assert sorted(p.name for p in folder.iterdir()) == before, "the refused wso part left no letter"
    assert len(rr.json("list")) == 1


# SQLite only: the letters' file names are the subject.
@on_sqlite_only
def test_again_never_overwrites_the_earlier_requests_letter(rr: Tracker, tmp_path: Path) -> None:
    first = rr.new("GA", "Cobb County Sheriff's Office")
    second = rr.new("GA", "Cobb County Sheriff's Office", "--again", "--force")
    one, two = rr.json("show", str(first)), rr.json("show", str(second))
    paths_one = {d["path"] for d in one["documents"]}
    paths_two = {d["path"] for d in two["documents"]}
    assert not paths_one & paths_two
    assert all("~2" in Path(p).stem for p in paths_two)
    rr("bundle", str(first), "-o", str(tmp_path / "one.zip"))  # the hashes still match


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["show", "99999999999999999999"], 2, "REQUEST_ID"),
        (["sent", "1", "--on", "9999-12-31"], 2, "between 1900 and 2200"),
        (["log", "1", "fee-estimate", "--amount", "nan"], 2, "--amount"),
        (["log", "1", "fee-estimate", "--amount", "inf"], 2, "--amount"),
    ],
)
def test_extreme_input_is_refused_cleanly(rr: Tracker, args: list[str], code: int, needle: str) -> None:
    rr.new("GA", "Cobb County Sheriff's Office")
    rr(*args, code=code)
    assert needle in rr.stderr and "Traceback" not in rr.stderr


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ({"requests": [{"id": "x"}]}, "requests row 1 is malformed"),
        ({"agencies": [{"id": 1, "state": "GA", "name": "A", "name_key": "a", "created_at": "bad"}]}, "agencies row 1"),
        (
            {
                "requests": [
                    {
                        "id": 1,
                        "agency_id": 5,
                        "jurisdiction": "GA",
                        "topics": [],
                        "items": [],
                        "since": "2026-01-01",
                        "until": "2026-01-01",
                        "letter_date": "2026-01-01",
                        "fee_limit": 50,
                        "created_at": "2026-01-01T00:00:00",
                        "status": "draft",
                        "closed": False,
                        "due_statutory": False,
                    }
                ]
            },
            "Database error",
        ),
        ({"agencies": "nope"}, "must be a list"),
    ],
)
def test_a_malformed_import_is_refused_and_leaves_the_database_empty(
    db_url: str, tmp_path: Path, content: dict[str, Any], needle: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format": "records-req-export", "version": 1, **content}))
    result = CliRunner().invoke(cli, ["--db", db_url, "db", "import", str(path)])
    assert result.exit_code == 1 and needle in result.stderr
    assert json.loads(CliRunner().invoke(cli, ["--db", db_url, "list", "--json"]).stdout) == []


def test_tracker_follow_up_and_appeal_say_only_what_is_true(rr: Tracker) -> None:
    # PA: 5 business days (65 P.S. § 67.901); sent Fri 11/20, due Tue 12/01 (Thanksgiving and the day after).
    rid = rr.new("PA", "Bucks County Sheriff's Office")
    rr("sent", str(rid), "--via", "email", "--on", "2026-11-20")
    out = rr("followup", str(rid), "--out", str(rr.tmp / "out"), today="2026-11-24", code=1)
    assert "2026-12-01" in rr.stderr + out
    events = rr.json("show", str(rid), today="2026-11-24")["events"]
    assert [e["kind"] for e in events] == ["sent"], "a refused follow-up logs nothing"
    rr("followup", str(rid), "--out", str(rr.tmp / "out"), "--force", today="2026-11-24")
    # After the deemed denial on 12/01, the 15-business-day appeal window to the OOR is shown.
    data = rr.json("show", str(rid), today="2026-12-03")
    window = data["appeal_window"]
    assert window["route"] == "review_board" and window["opened"] == "2026-12-01"
    assert window["last_day"] == "2026-12-22"  # 12/02-12/04 (3), 12/07-12/11 (8), 12/14-12/18 (13), 12/21-12/22 (15)
    assert "Appeal window:" in rr("show", str(rid), today="2026-12-03")
    # Once the OOR window has closed, no suit in court is promised: in Pennsylvania a court hears
    # only an appeal from the OOR's final determination (65 P.S. §§ 67.1301-67.1302).
    after = rr.json("show", str(rid), today="2027-01-04")["next_step"]
    assert "new request" in after and "suit in court" not in after


def test_new_remembers_an_agency_email_it_did_not_know(rr: Tracker) -> None:
    rid = rr.new("PA", "Erie County Sheriff", "--agency-email", "rtk@eriecounty.gov")
    agencies = rr.json("agencies", "list", "--state", "PA")
    assert any(a["email"] == "rtk@eriecounty.gov" for a in agencies), agencies
    rr("sent", str(rid), "--via", "email", "--on", "2026-11-02")
    rr("followup", str(rid), "--out", str(rr.tmp / "out"), today="2026-11-20")
    assert "no address or email" not in rr.stderr


def test_after_the_appeal_window_closes_every_view_says_what_remains(rr: Tracker) -> None:
    import json

    # NJ: deemed denied on the 7th business day (N.J.S.A. 47:1A-5(i)); 45 days for the GRC and for
    # the Superior Court alike (47:1A-6): by 2027-03-01 both have closed.
    rid = rr.new("NJ", "Cape May County Sheriff's Office")
    rr("sent", str(rid), "--via", "email", "--on", "2026-11-02", today="2026-11-02")
    shown = rr.json("show", str(rid), today="2027-03-01")
    assert "closed on" in shown["next_step"] and "new request" in shown["next_step"]
    assert "Superior Court" in shown["next_step"] and "too" in shown["next_step"]  # that limit has passed too
    report = rr.tmp / "nj.json"
    rr("report", "--format", "json", "-o", str(report), "--force", today="2027-03-01")
    reported = {r["id"]: r for r in json.loads(report.read_text(encoding="utf-8"))["requests"]}[rid]
    # the same action; the command line adds the command to run (Run: records-req followup N)
    assert reported["next_action"] == shown["next_action"]
    assert shown["next_step"] == f"{reported['next_step']} Run: records-req followup {rid}"

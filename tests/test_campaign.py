"""Campaigns: who gets a letter and who not, one tracked request and letter per agency, re-runs
and resumes that never duplicate, .eml drafts, and following the campaign up together."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from records_req.ice.sheets import read_sheet

from .cli_helpers import RUN_FORKED, Tracker
from .conftest import default_sigint, ice_sheet, sigint_ignored, subprocess_env
from .letter_helpers import docx_text, pdf_text, words
from .seeded_copies import Seeds

HOSTILE = 'Smith, Jones & <Co> "Police"'
NON_LATIN = "Policía de Ñuñoa 警察署"
SHEET = (
    "STATE,LAW ENFORCEMENT AGENCY,TYPE,COUNTY,SUPPORT TYPE,SIGNED,MOA,ADDENDUM\n"
    "TEXAS,Harris County Sheriff's Office,County,Harris County,Warrant Service Officer,06/18/2025,"
    "https://www.ice.gov/doclib/287gMOA/harris_wso.pdf,\n"
    "TEXAS,Harris County Sheriff's Office,County,Harris County,Task Force Model,05/01/2025,"
    "https://www.ice.gov/doclib/287gMOA/harris_tfm.pdf,\n"
    "TEXAS,Houston Police Department,Municipality,Harris,Warrant Service Officer,02/10/2026,,\n"
    "TEXAS,Texas Department of Public Safety,State Agency,#N/A,Task Force Model,2/1/2025,,\n"
    f'TEXAS,"{HOSTILE.replace(chr(34), chr(34) * 2)}",Municipality,Travis County,Warrant Service Officer,09/01/2025,,\n'
    f"TEXAS,{NON_LATIN},Municipality,Bexar County,Warrant Service Officer,10/01/2025,,\n"
    "TENNESSEE,Knox County Sheriff's Office,County,Knox County,Jail Enforcement Model,10/15/2019,,\n"
    "NEW YORK,Nassau County Police Department,County,Nassau County,Task Force Model,03/01/2025,,\n"
    "GUAM,Guam Customs and Quarantine Agency,State Agency,#N/A,Task Force Model,09/24/2025,,\n"
)
CO_REQUESTER = ("--co-requester", "Tom Ríos", "--co-requester-address", "1 Gay St, Knoxville, TN 37902")
REQUESTER = ("--requester-name", "Ana Núñez", "--requester-email", "ana@example.org", "--requester-state", "FL")
TX_WSO = ("Harris County Sheriff's Office", "Houston Police Department", HOSTILE, NON_LATIN)


def imported(tracker: Tracker) -> None:
    sheet = tracker.tmp / "participatingAgencies11302026am.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    tracker("agencies", "import", str(sheet), "--downloaded", "2026-11-30")


@pytest.fixture
def rr(db_url: str, tmp_path: Path, seeds: Seeds) -> Tracker:
    """The sheet imported: once per worker on SQLite (each test gets a copy), on PostgreSQL each time."""
    return seeds.on(db_url, tmp_path, imported)[0]


def campaign(rr: Tracker, *args: str, today: str = "2026-12-01") -> Any:
    return rr.json("campaign", *args, *REQUESTER, "--out", str(rr.tmp / "out"), today=today)


def plan_of(rr: Tracker, *args: str) -> dict[str, list[str]]:
    data = campaign(rr, *args, "--topic", "wso", "--dry-run")
    return {
        "letters": [r["agency"] for r in data["letters"]],
        "skipped": [f"{r['agency']}: {r['reason']}" for r in data["skipped"]],
    }


def test_the_selection_narrows_by_state_model_county_type_and_signing_date(rr: Tracker) -> None:
    assert sorted(plan_of(rr, "--state", "TX", "--model", "wso")["letters"]) == sorted(TX_WSO)
    assert sorted(plan_of(rr, "--state", "TX", "--county", "harris")["letters"]) == [
        "Harris County Sheriff's Office",
        "Houston Police Department",  # "Harris" and "Harris County" are one county
    ]
    assert sorted(plan_of(rr, "--state", "TX", "--type", "municipality", "--model", "wso")["letters"]) == sorted(
        ["Houston Police Department", HOSTILE, NON_LATIN]
    )
    assert plan_of(rr, "--state", "TX", "--type", "state")["letters"] == ["Texas Department of Public Safety"]
    assert sorted(plan_of(rr, "--state", "TX", "--signed-since", "2025-09-01")["letters"]) == sorted(
        ["Houston Police Department", HOSTILE, NON_LATIN]
    )


def test_a_dry_run_says_who_gets_no_letter_and_why_and_writes_nothing(rr: Tracker) -> None:
    data = campaign(rr, "--topic", "wso", "--dry-run")  # every state on the list
    why = {r["agency"]: (r["reason"], r["message"]) for r in data["skipped"]}
    assert why["Knox County Sheriff's Office"][0] == "residency"
    assert "Tenn. Code Ann." in why["Knox County Sheriff's Office"][1]  # the statute that limits it
    assert why["Nassau County Police Department"][0] == "state-bars-287g"
    assert why["Guam Customs and Quarantine Agency"][0] == "no-law"
    assert len(data["letters"]) == 5 and data["selected"] == 8
    harris = next(r for r in data["letters"] if r["agency"].startswith("Harris"))
    assert harris["since"] == "2025-02-01"  # three months before its earliest agreement (TFM, 2025-05-01)
    assert rr.json("list") == [] and not (rr.tmp / "out").exists()
    # A resident co-requester, and --include-barred, bring them in.
    more = campaign(rr, "--topic", "wso", "--dry-run", "--include-barred", *CO_REQUESTER)
    assert {r["agency"] for r in more["skipped"]} == {"Guam Customs and Quarantine Agency"}


def test_a_campaign_writes_one_request_and_letter_per_agency_and_a_rerun_writes_nothing(rr: Tracker) -> None:
    data = campaign(rr, "--state", "TX", "--model", "wso", "--topic", "wso", "--tag", "TX WSO 2026")
    assert data["summary"] == {"selected": 4, "created": 4, "skipped": {}}
    assert "Writing letters" in rr.stderr  # the progress bar is on stderr; stdout is the JSON above
    listed = rr.json("list", "--tag", "TX WSO 2026")
    assert sorted(r["agency"] for r in listed) == sorted(TX_WSO)
    by_agency = {r["agency"]: r for r in data["created"]}
    harris = by_agency["Harris County Sheriff's Office"]
    text = docx_text(Path(harris["files"]["docx"]))
    assert words(text) == words(pdf_text(Path(harris["files"]["pdf"])))
    assert "Tex. Gov't Code" in text and "https://www.ice.gov/doclib/287gMOA/harris_wso.pdf" in text
    assert "from February 1, 2025" in text  # three months before its first signing
    hostile = docx_text(Path(by_agency[HOSTILE]["files"]["docx"]))
    assert HOSTILE in hostile and NON_LATIN in docx_text(Path(by_agency[NON_LATIN]["files"]["docx"]))
    files = sorted(p for p in (rr.tmp / "out").rglob("*") if p.is_file())
    assert len(files) == 8

    again = campaign(rr, "--state", "TX", "--model", "wso", "--topic", "wso", "--tag", "TX WSO 2026", "--again")
    assert again["summary"] == {"selected": 4, "created": 0, "skipped": {"in-campaign": 4}}
    assert sorted(p for p in (rr.tmp / "out").rglob("*") if p.is_file()) == files
    assert len(rr.json("list")) == 4


def test_a_request_the_database_refuses_in_a_chunk_is_said_and_the_chunks_other_requests_are_made(
    rr: Tracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk's requests are inserted together; if the database refuses one (another writer made
    an open request for the same records after the plan, and the chunk's check did not see it),
    the chunk is recorded again letter by letter: the refused agency is skipped naming the request
    that holds it, the others get theirs, and no agency has two open requests."""
    from records_req.store.db import Store
    from records_req.tracker import campaign as campaigns
    from records_req.tracker import service
    from records_req.workspace import LetterOutput

    store = Store(rr.url)
    requester = dict(zip(("requester_name", "requester_email", "requester_state"), REQUESTER[1::2], strict=True))
    output = LetterOutput(out_dir=rr.tmp / "out", date=dt.date(2026, 12, 1))
    options = campaigns.Options(tag="R", topic_keys=("wso",), requester=requester, output=output)  # type: ignore[arg-type]
    with store.write() as session:
        targets = campaigns.select_targets(session, campaigns.Selection(states=("TX",), models=("wso",)))
        steps = campaigns.plan(session, targets, options, today=dt.date(2026, 12, 1))
    assert [s.action for s in steps] == ["create"] * 4
    holder = rr.new("TX", "Houston Police Department", *REQUESTER)  # after the plan, by another writer
    monkeypatch.setattr(service, "open_duplicates", lambda session, wanted: {})  # a check that sees nothing
    outcomes = campaigns.run(store, steps, options, profile_id=None, today=dt.date(2026, 12, 1))
    store.dispose()
    by_agency = {o.target.name: o for o in outcomes}
    houston = by_agency.pop("Houston Police Department")
    assert (houston.action, houston.reason, houston.request_id) == ("skipped", "already-requested", holder)
    assert f"Request #{holder} to Houston Police Department" in str(houston.message)
    assert sorted(by_agency) == sorted(set(TX_WSO) - {"Houston Police Department"})
    assert {o.action for o in by_agency.values()} == {"created"}
    listed = rr.json("list")
    assert [r["id"] for r in listed if r["agency"] == "Houston Police Department"] == [holder]
    assert sorted(r["agency"] for r in rr.json("list", "--tag", "R")) == sorted(by_agency)


def test_an_agency_already_asked_is_skipped_unless_again(rr: Tracker) -> None:
    rr(
        "new",
        "--state",
        "TX",
        "--agency",
        "Houston Police Department",
        "--topic",
        "wso",
        *REQUESTER,
        "--out",
        str(rr.tmp / "out"),
    )
    args = ("--state", "TX", "--model", "wso", "--topic", "wso", "--tag", "T")
    assert plan_of(rr, *args[:4])["skipped"] == ["Houston Police Department: already-requested"]
    made = campaign(rr, *args, "--date", "2026-12-02")
    assert made["summary"]["skipped"] == {"already-requested": 1} and made["summary"]["created"] == 3
    second = campaign(rr, *args, "--again", "--date", "2026-12-02")
    assert second["summary"]["created"] == 1 and second["summary"]["skipped"] == {"in-campaign": 3}


def test_a_campaign_needs_a_tag_and_a_topic(rr: Tracker) -> None:
    rr("campaign", "--state", "TX", "--topic", "wso", *REQUESTER, code=2)
    rr("campaign", "--state", "TX", "--tag", "T", *REQUESTER, code=2)
    rr("campaign", "--state", "ZZ", "--topic", "wso", "--tag", "T", *REQUESTER, code=2)
    assert rr.json("list") == []


def test_eml_drafts_parse_back_with_the_pdf_attached(rr: Tracker) -> None:
    rr("agencies", "set", "--state", "TX", "--name", HOSTILE, "--email", "records@smith-jones.example")
    rr("agencies", "set", "--state", "TX", "--name", NON_LATIN, "--email", "records@nunoa.example")
    data = campaign(rr, "--state", "TX", "--model", "wso", "--topic", "wso", "--tag", "T", "--eml")
    made = {r["agency"]: r["files"] for r in data["created"]}
    assert "eml" not in made["Houston Police Department"]  # no known email: no draft
    path = Path(made[HOSTILE]["eml"])
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["X-Unsent"] == "1"
    [to] = message["To"].addresses  # the comma in the name does not split the address
    assert (to.display_name, to.addr_spec) == (HOSTILE, "records@smith-jones.example")
    assert message["From"].addresses[0].addr_spec == "ana@example.org"
    assert "Texas Public Information Act" in message["Subject"]
    assert f"Re: {message['Subject']}" in docx_text(Path(made[HOSTILE]["docx"]))  # the letter's subject, intact
    assert path.read_bytes().isascii() and all(len(line) <= 998 for line in path.read_bytes().split(b"\r\n"))
    body = message.get_body(("plain",))
    assert body is not None and "Tex. Gov't Code" in body.get_content()
    other = email.message_from_bytes(Path(made[NON_LATIN]["eml"]).read_bytes(), policy=email.policy.default)
    assert other["To"].addresses[0].display_name == NON_LATIN
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == Path(made[HOSTILE]["pdf"]).read_bytes()


def test_followup_by_tag_writes_only_for_requests_past_their_statutory_date(rr: Tracker) -> None:
    # The letters are dated before they are sent (a 'sent' before its letter's date is refused).
    data = campaign(rr, "--state", "TX", "--model", "wso", "--topic", "wso", "--tag", "T", today="2026-11-02")
    ids = {r["agency"]: r["request_id"] for r in data["created"]}
    late, waiting = ids["Harris County Sheriff's Office"], ids["Houston Police Department"]
    rr("sent", str(late), "--on", "2026-11-02", today="2026-12-01")  # 10 business days: due 2026-11-16
    rr("sent", str(waiting), "--on", "2026-11-30", today="2026-12-01")
    results = rr.json("followup", "--tag", "T", "--out", str(rr.tmp / "out"), today="2026-12-01")
    written = {r["id"] for r in results if r["action"] == "follow-up"}
    assert written == {late}
    reasons = {r["id"]: r["reason"] for r in results if r["action"] == "none"}
    assert reasons[waiting].startswith("not yet due") and reasons[ids[NON_LATIN]] == "not sent yet"
    letter = next(r for r in results if r["id"] == late)["files"]["docx"]
    due = dt.date.fromisoformat(rr.json("show", str(late), today="2026-12-01")["due"])
    assert f"{due:%B} {due.day}, {due.year}" in docx_text(Path(letter))  # the date the agency missed
    again = rr.json("followup", "--tag", "T", "--out", str(rr.tmp / "out"), today="2026-12-01")
    assert all(r["action"] == "none" for r in again)  # followed up already: nothing new
    rr("followup", "1", "--tag", "T", code=2)


# --- resume after SIGKILL -----------------------------------------------------------------------

# Killed campaigns: each run is a real process, forked from one that has imported records-req once
# (a fresh interpreter's imports were two thirds of each run), given its kill point, and ended by
# SIGKILL there. The test writes a run's kill point and its stdout and stderr files on a line; the
# forking process answers with the run's exit code, as subprocess gives it (-9 for SIGKILL).
ZYGOTE = (
    RUN_FORKED
    + """
import signal
import records_req.output as output
import records_req.tracker.campaign as campaigns
from sqlalchemy.orm.session import SessionTransaction
campaigns.CHUNK = int(os.environ["RR_CHUNK"])
real_write, real_commit = output.write_atomic, SessionTransaction.commit
for line in sys.stdin:
    kill_at, out, err = line.rstrip("\\n").split("\\t")
    pid = os.fork()
    if pid:
        print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
        continue
    where, n = kill_at.split(":")
    count = [0]
    def point(here):
        if here == where:
            count[0] += 1
            if count[0] == int(n):
                os.kill(os.getpid(), signal.SIGKILL)
    def write_atomic(path, data, **staged):  # written ahead (output.stage), moved into place here
        point("before-write"); real_write(path, data, **staged); point("after-write")
    def commit(self, *args, **kwargs):
        point("before-commit"); result = real_commit(self, *args, **kwargs); point("after-commit"); return result
    output.write_atomic, SessionTransaction.commit = write_atomic, commit
    run_forked(sys.argv[1:], out, err)
"""
)
CHUNK = 2  # letters a transaction in the killed campaigns: five agencies make three chunks


def consistent(rr: Tracker) -> list[dict[str, Any]]:
    """Every request has its letter files, byte for byte; every letter file has its request."""
    requests = rr.json("list", "--tag", "K")
    owned = set()
    for r in requests:
        shown = rr.json("show", str(r["id"]))
        letters = [d for d in shown["documents"] if d["role"] == "letter"]
        assert {Path(d["path"]).suffix for d in letters} == {".docx", ".pdf"}
        for d in letters:
            path = Path(d["path"])
            assert hashlib.sha256(path.read_bytes()).hexdigest() == d["sha256"], path
            owned.add(path.resolve())
    on_disk = {p.resolve() for p in (rr.tmp / "out").rglob("*.*") if not p.name.startswith(".")}
    return [{"orphans": sorted(map(str, on_disk - owned)), "requests": len(requests)}]


# Where a letter can be cut short, and at which occurrence: each point once per backend, at a
# different letter each time (a letter writes two files, and commits once).
KILLS = (("before-write", 2), ("after-write", 3), ("before-commit", 2), ("after-commit", 1))


@pytest.mark.serial
def test_a_campaign_killed_anywhere_resumes_without_loss_or_duplicates(rr: Tracker) -> None:
    args = ["--db", rr.url, "--as-of", "2026-12-01", "campaign", "--state", "TX", "--topic", "wso", "--tag", "K"]
    args += [*REQUESTER, "--out", str(rr.tmp / "out"), "--jobs", "1"]
    env = subprocess_env(RECORDS_REQ_HOME=str(rr.tmp / "home"), RR_CHUNK=str(CHUNK))
    out, err = rr.tmp / "run.out", rr.tmp / "run.err"
    with subprocess.Popen(
        [sys.executable, "-c", ZYGOTE, *args], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as runs:
        to_runs, from_runs = runs.stdin, runs.stdout
        assert to_runs is not None and from_runs is not None

        def run(kill_at: str) -> tuple[int, str]:
            to_runs.write(f"{kill_at}\t{out}\t{err}\n")
            to_runs.flush()
            return int(from_runs.readline()), err.read_text(encoding="utf-8")

        for where, n in KILLS:
            code, stderr = run(f"{where}:{n}")
            assert code == -signal.SIGKILL, (where, n, code, stderr)
            [state] = consistent(rr)
            # A kill between a chunk's files and its commit leaves at most that chunk's files (two
            # each), which the next run adopts (same bytes) rather than writing second requests.
            assert len(state["orphans"]) <= 2 * CHUNK, (where, n, state)
        code, stderr = run("never:1")
        to_runs.close()
    assert code == 0, stderr
    [state] = consistent(rr)
    assert state == {"orphans": [], "requests": 5}  # the five TX agencies, once each


CTRL_C = """
import os, signal, sys
import records_req.output as output
real_write = output.write_atomic
count = [0]
def write_atomic(path, data, **staged):
    real_write(path, data, **staged)
    count[0] += 1
    if count[0] == 3:  # Ctrl-C in a terminal: SIGINT to every process of the group, workers too
        os.killpg(os.getpgid(0), signal.SIGINT)
output.write_atomic = write_atomic
from records_req.cli import main
sys.argv = ["records-req", *sys.argv[1:]]
main()
"""


@pytest.mark.serial
def test_ctrl_c_stops_a_parallel_campaign_cleanly_and_it_resumes(rr: Tracker) -> None:
    args = ["--db", rr.url, "--as-of", "2026-12-01", "campaign", "--state", "TX", "--topic", "wso", "--tag", "K"]
    args += [*REQUESTER, "--out", str(rr.tmp / "out"), "--jobs", "2"]
    env = subprocess_env(RECORDS_REQ_HOME=str(rr.tmp / "home"))
    with sigint_ignored():  # as under a runner started with SIGINT ignored (nohup, a background job)
        stopped = subprocess.run(
            [sys.executable, "-c", CTRL_C, *args],
            env=env,
            capture_output=True,
            text=True,
            start_new_session=True,
            preexec_fn=default_sigint,  # the user's Ctrl-C: a terminal's campaign does not ignore it
        )
    assert stopped.returncode == 130, stopped.stderr
    assert "Run the same command again to resume" in stopped.stderr and "Traceback" not in stopped.stderr
    resumed = subprocess.run([sys.executable, "-m", "records_req", *args], env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    [state] = consistent(rr)
    assert state == {"orphans": [], "requests": 5}


# --- the real list ------------------------------------------------------------------------------

NEWEST = ice_sheet("participatingAgencies05182026am.xlsx")
PENDING = ice_sheet("pendingAgencies02272026am.xlsx")  # shipped in tests/fixtures: always there
OLDER = ice_sheet("participatingAgencies05192025pm.xlsx")
needs_shared = pytest.mark.skipif(not NEWEST.exists(), reason="ICE's larger sheets are not in ../shared/data/ice-287g")


@needs_shared
def test_on_the_real_list_every_texas_wso_agency_is_selected_once(db_url: str, tmp_path: Path) -> None:
    from records_req.names import agency_key as name_key

    rr = Tracker(db_url, tmp_path)
    rr("agencies", "import", str(NEWEST), "--downloaded", "2026-05-18")
    expected = {name_key(a.agency) for a in read_sheet(NEWEST).agreements if a.state == "TX" and a.model == "WSO"}
    data = campaign(rr, "--state", "TX", "--model", "wso", "--topic", "wso", "--dry-run")
    assert {name_key(r["agency"]) for r in data["letters"]} == expected and not data["skipped"]
    assert len(data["letters"]) == len(expected)


@needs_shared
def test_pending_selects_applications_a_later_signed_list_does_not_show_signed(db_url: str, tmp_path: Path) -> None:
    rr = Tracker(db_url, tmp_path)
    rr("agencies", "import", str(PENDING), "--downloaded", "2026-02-27")
    pending = read_sheet(PENDING).agreements
    franklin = rr.json("agencies", "show", "Franklin County Sheriff's Office", "--state", "AR")
    assert {a["pending_since"] for a in franklin["agreements"]} == {"2026-02-27"}
    first = campaign(rr, "--topic", "wso", "--pending", "--dry-run", "--include-barred", *CO_REQUESTER)
    assert first["selected"] == len({(a.state, a.agency.lower()) for a in pending})
    rr("agencies", "import", str(NEWEST), "--downloaded", "2026-05-18")
    later = campaign(rr, "--topic", "wso", "--pending", "--dry-run", "--include-barred", *CO_REQUESTER)
    signed = {(a.state, a.agency.strip().lower(), a.model) for a in read_sheet(NEWEST).agreements}
    still = {(a.state, a.agency.lower()) for a in pending if (a.state, a.agency.strip().lower(), a.model) not in signed}
    assert later["selected"] == len(still) < first["selected"]


def test_the_default_since_is_three_months_before_the_first_signing() -> None:
    from records_req.letters.compose import ListedAgreement
    from records_req.letters.request import since_from_agreements

    def listed(signed: str | None, pending: bool = False) -> ListedAgreement:
        return ListedAgreement(
            "WSO", dt.date.fromisoformat(signed) if signed else None, None, pending, dt.date(2026, 5, 18)
        )

    assert since_from_agreements([]) is None
    assert since_from_agreements([listed("2026-02-10"), listed("2025-03-31")])[0] == dt.date(2024, 12, 1)  # type: ignore[index]
    assert since_from_agreements([listed(None, pending=True)])[0] == dt.date(2026, 2, 1)  # type: ignore[index]


def test_sent_by_tag_starts_every_draft_clock_once(rr: Tracker) -> None:
    # The letters are dated before they are sent (a 'sent' before its letter's date is refused).
    data = campaign(rr, "--state", "TX", "--model", "wso", "--topic", "wso", "--tag", "T", today="2026-11-02")
    first = data["created"][0]["request_id"]
    rr("sent", str(first), "--on", "2026-11-20", today="2026-12-01")
    results = rr.json("sent", "--tag", "T", "--on", "2026-12-02", "--via", "email", today="2026-12-02")
    sent = {r["id"]: r["due"] for r in results if r["action"] == "sent"}
    assert len(sent) == 3 and first not in sent
    for request_id, due in sent.items():  # each due date is the one `show` computes
        assert rr.json("show", str(request_id), today="2026-12-02")["due"] == due
    assert rr.json("show", str(first), today="2026-12-02")["sent"] == "2026-11-20"  # untouched
    again = rr.json("sent", "--tag", "T", "--on", "2026-12-03", today="2026-12-03")
    assert all(r["action"] == "none" for r in again)
    rr("sent", "--tag", "nobody", today="2026-12-03", code=1)


def test_a_whole_process_import_reads_the_sheet_beside_the_database_start_and_says_the_same(
    db_url: str, tmp_path: Path
) -> None:
    """`agencies import` as a user runs it reads the sheet in a forked child while SQLAlchemy
    loads (ice.sheets.read_in_background); the answer is the in-process one, errors included."""
    sheet = tmp_path / "participatingAgencies11302026am.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    env = subprocess_env(RECORDS_REQ_HOME=str(tmp_path / "home"))

    def whole(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "records_req", "--db", db_url, "agencies", "import", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    done = whole(str(sheet), "--downloaded", "2026-11-30", "--json")
    assert done.returncode == 0, done.stderr
    alone = Tracker(f"sqlite:///{tmp_path / 'other.db'}", tmp_path)
    expected = alone.json("agencies", "import", str(sheet), "--downloaded", "2026-11-30")
    assert json.loads(done.stdout) == expected  # the same agreements, agencies and skipped rows
    again = whole(str(sheet), "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["new"] is False
    other = tmp_path / "other.csv"
    other.write_text("NAME,EMAIL\nA,a@example.org\n", encoding="utf-8")
    refused = whole(str(other))
    assert refused.returncode == 1 and "no STATE column" in refused.stderr and "Traceback" not in refused.stderr
    assert len(Tracker(db_url, tmp_path).json("agencies", "imports")) == 1


def test_the_plan_and_the_summary_name_the_list_they_are_built_from(rr: Tracker) -> None:
    expected = {"file": "participatingAgencies11302026am.csv", "kind": "participating", "listed_on": "2026-11-30"}
    expected |= {"dated_by": "file name", "downloaded_on": "2026-11-30"}
    plan = campaign(rr, "--state", "TX", "--model", "wso", "--topic", "wso", "--dry-run")
    assert {k: plan["list"][k] for k in expected} == expected
    text = rr(
        "campaign", "--state", "TX", "--model", "wso", "--topic", "wso", "--dry-run", *REQUESTER, today="2026-12-01"
    )
    assert text.splitlines()[0].startswith(
        "From ICE's participating list of 2026-11-30 (ICE's date): participatingAgencies11302026am.csv, import #"
    )
    done = campaign(rr, "--state", "TX", "--model", "wso", "--topic", "wso", "--tag", "T")
    assert {k: done["list"][k] for k in expected} == expected and done["summary"]["created"] == 4
    again = rr("campaign", "--state", "TX", "--model", "wso", "--topic", "wso", "--tag", "T", *REQUESTER,
               "--out", str(rr.tmp / "out"), today="2026-12-01")  # fmt: skip
    assert "From ICE's participating list of 2026-11-30" in again


def test_letters_recorded_together_are_recorded_as_one_at_a_time_records_them(
    db_url: str, tmp_path: Path, seeds: Seeds, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk's requests, tags and documents inserted a statement a table (campaign._insert_requests)
    are the rows the ORM makes recording each letter in its own transaction: the same requests
    with the same cached schedules, tags, documents in the same order, and kept counts."""
    from sqlalchemy import create_engine, text

    from records_req.tracker import campaign as campaigns

    if not db_url.startswith("sqlite"):
        pytest.skip("two seeded copies of the database: SQLite's")
    tables = {
        "requests": "SELECT * FROM requests ORDER BY id",
        "request_tags": "SELECT * FROM request_tags ORDER BY request_id, tag",
        "documents": "SELECT * FROM documents ORDER BY id",
        "request_kept": "SELECT * FROM request_kept ORDER BY request_id",
        "request_counts": "SELECT * FROM request_counts ORDER BY name",
    }
    stored: dict[int, dict[str, list[dict[str, Any]]]] = {}
    for chunk in (1, campaigns.CHUNK):
        monkeypatch.setattr(campaigns, "CHUNK", chunk)
        folder = tmp_path / f"chunk-{chunk}"
        folder.mkdir()
        rr, _ = seeds.on(db_url, folder, imported)
        made = campaign(rr, "--topic", "wso", "--state", "TX", "--tag", "T")["summary"]["created"]
        assert made >= 4
        engine = create_engine(rr.url)
        with engine.connect() as connection:
            stored[chunk] = {
                table: [
                    {k: str(v).replace(str(folder), "") for k, v in row.items() if k != "created_at"}
                    for row in connection.execute(text(query)).mappings()
                ]
                for table, query in tables.items()
            }
        engine.dispose()
    alone, together = stored.values()
    assert alone["requests"] and alone == together

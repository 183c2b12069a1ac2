"""One Workspace and each use case once (issue 18): the command line, the dashboard and the Python
API start a request, attach a file and run a campaign through the same functions, so they follow
the same rules; the Python API does what the command line does."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from records_req import api
from records_req.errors import RecordsReqError, UsageError
from records_req.paths import data_home
from records_req.web import Settings, create_app

from .cli_helpers import Tracker
from .test_web import Browser

ANA = ("--requester-name", "Ana Núñez", "--requester-email", "ana@example.org", "--requester-state", "VA")


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    return Tracker(db_url, tmp_path)


def dashboard(rr: Tracker, today: dt.date) -> Browser:
    settings = Settings(db_url=rr.url, out_dir=rr.tmp / "out", today=today, secret_key=b"k" * 32)
    return Browser(create_app(settings).test_client())


def sent_request(rr: Tracker) -> int:
    request_id = rr.new("VA", "Fairfax County Sheriff's Office", "--topic", "wso", *ANA)
    rr("sent", str(request_id), "--via", "email", "--on", "2026-11-16")
    return request_id


# --- attach: one use case, the checks of log and the integrity check -------------------------------


def test_attach_refuses_a_control_character_in_its_note_as_log_does(rr: Tracker) -> None:
    request_id = sent_request(rr)
    received = rr.tmp / "resp.pdf"
    received.write_bytes(b"%PDF-1.4 the agency's answer")
    red = "see \x1b[31mRED"
    rr("log", str(request_id), "note", "--note", red, code=2)
    logged = rr.stderr
    rr("attach", str(request_id), str(received), "--event", "acknowledged", "--note", red, code=2)
    assert "control character (U+001B)" in logged and "control character (U+001B)" in rr.stderr
    shown = rr.json("show", str(request_id))
    assert [e["kind"] for e in shown["events"]] == ["sent"]  # nothing logged, nothing kept
    assert not list((data_home() / "files").rglob("*.pdf"))
    # The dashboard's upload goes through the same use case, and is refused the same way.
    web = dashboard(rr, dt.date(2026, 11, 27))
    form = {"file": (io.BytesIO(received.read_bytes()), "resp.pdf"), "event": "acknowledged", "note": red}
    page = web.post(
        f"/requests/{request_id}/attach", form, token_page=f"/requests/{request_id}", content_type="multipart/form-data"
    )
    assert page.status_code == 422 and "control character" in page.get_data(as_text=True)
    assert [e["kind"] for e in rr.json("show", str(request_id))["events"]] == ["sent"]
    # Without the escape, both doors keep the file and log the event.
    assert "attached resp.pdf" in rr("attach", str(request_id), str(received), "--event", "acknowledged")


def test_the_api_attaches_through_the_same_use_case(rr: Tracker) -> None:
    request_id = sent_request(rr)
    received = rr.tmp / "resp.pdf"
    received.write_bytes(b"%PDF-1.4 records")
    with api.connect(rr.url, out_dir=rr.tmp / "out", as_of=dt.date(2026, 11, 27)) as tracker:
        with pytest.raises(UsageError, match="control character"):
            tracker.attach(request_id, received, event="released", note="\x1b[2J")
        view = tracker.attach(request_id, received, event="released")
    assert view.status == "completed"
    assert received.read_bytes() == b"%PDF-1.4 records"  # copied, never moved


# --- campaigns: the dashboard decides as the command line does --------------------------------------


def _import_sheet(rr: Tracker) -> None:
    from .test_campaign import SHEET

    sheet = rr.tmp / "participating.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    rr("agencies", "import", str(sheet), "--downloaded", "2026-11-30", today="2026-11-30")


def _run_from_the_dashboard(web: Browser, form: dict[str, Any]) -> dict[str, Any]:
    started = web.post("/campaign", form | {"action": "run"}, token_page="/campaign")
    assert started.status_code == 303, started.get_data(as_text=True)
    for thread in threading.enumerate():
        if thread.name.startswith("campaign-"):
            thread.join(timeout=120)
    progress: dict[str, Any] = web.get(started.headers["Location"] + "?format=json").get_json()
    assert progress["finished"] and progress["error"] is None
    return progress


def test_a_dashboard_campaign_keeps_its_first_date_and_remembers_who_signed(rr: Tracker) -> None:
    _import_sheet(rr)
    form = {"state": "TX", "model": "wso", "topic": "wso", "tag": "TX WSO", "requester_name": "Ana Núñez"}
    form |= {"requester_email": "ana@example.org", "requester_state": "FL"}
    first = _run_from_the_dashboard(dashboard(rr, dt.date(2026, 11, 30)), form | {"county": "Harris"})
    assert first["summary"]["created"] == 2  # the sheriff and Houston's police, in Harris County
    # Who signed is kept as the profile, as the command line's campaign does, for the follow-ups.
    profile = rr.json("profile", "show")
    assert profile["name"] == "Ana Núñez" and profile["email"] == "ana@example.org"
    # Resumed the next day for the whole state: the new letters keep the campaign's first date.
    second = _run_from_the_dashboard(dashboard(rr, dt.date(2026, 12, 1)), form)
    assert second["summary"]["created"] == 2
    letters = sorted((rr.tmp / "out").rglob("*.pdf"))
    assert len(letters) == 4 and all(p.name.startswith("2026-11-30-") for p in letters), letters


def test_a_dashboard_campaign_signs_with_the_profile_when_the_form_leaves_it_empty(rr: Tracker) -> None:
    _import_sheet(rr)
    rr("profile", "set", "--name", "Ana Núñez", "--email", "ana@example.org", "--state", "FL")
    form = {"state": "TX", "model": "wso", "topic": "wso", "tag": "TX WSO", "county": "Harris"}
    done = _run_from_the_dashboard(dashboard(rr, dt.date(2026, 11, 30)), form)
    assert done["summary"]["created"] == 2


# --- the new-request form's preview is the use case without writes ----------------------------------


def test_the_new_request_preview_writes_and_remembers_nothing(rr: Tracker) -> None:
    web = dashboard(rr, dt.date(2026, 11, 27))
    form = {"state": "VA", "agency": "Fairfax County Sheriff's Office", "topic": "wso", "action": "preview"}
    form |= {"requester_name": "Ana Núñez", "requester_email": "ana@example.org", "requester_state": "VA"}
    form |= {"agency_email": "foia@fairfax.example"}
    page = web.post("/new", form)
    assert page.status_code == 200 and "Fairfax County Sheriff" in page.get_data(as_text=True)
    assert rr.json("list") == [] and rr.json("agencies", "list") == []
    created = web.post("/new", form | {"action": "create", "tag": "  VA  "})
    assert created.status_code == 303
    [row] = rr.json("list")
    assert row["tags"] == ["VA"]  # the tag is cleaned as the command line cleans it


# --- the Python API grows what the command line can do ----------------------------------------------


def test_the_api_lists_what_is_due_and_reports_as_the_command_line(rr: Tracker) -> None:
    request_id = sent_request(rr)
    rr("remind", str(request_id), "--on", "2026-11-28", "call the records officer")
    with api.connect(rr.url, out_dir=rr.tmp / "out", as_of=dt.date(2026, 11, 27)) as tracker:
        rows = tracker.list(status="overdue")
        due = tracker.due(within=7)
        report = json.loads(tracker.report("json"))
        with pytest.raises(UsageError, match="Unknown status"):
            tracker.list(status="late")
    cli_list = rr.json("list", "--status", "overdue")
    assert [r.id for r in rows] == [r["id"] for r in cli_list] == [request_id]
    assert rows[0].due_on == dt.date.fromisoformat(cli_list[0]["due"])
    cli_due = rr.json("due", "--within", "7")
    commands = [{"command": c["command"]} if "command" in c else {} for c in cli_due]
    assert [d.to_dict() | c for d, c in zip(due, commands, strict=True)] == cli_due
    assert [d.what for d in due] == ["deadline", "reminder"] and due[0].overdue and due[0].days_late > 0
    assert report == json.loads(rr.report("json").read_text(encoding="utf-8"))


def test_the_api_computes_a_deadline_as_the_command_line(rr: Tracker) -> None:
    result = api.Tracker.deadline("VA", received=dt.date(2026, 11, 25))
    assert result.to_dict() == rr.json("deadline", "VA", "--received", "2026-11-25")
    with pytest.raises(UsageError):
        api.Tracker.deadline("VA")


def test_the_api_imports_ice_lists_and_runs_a_campaign(rr: Tracker) -> None:
    from .test_campaign import SHEET

    sheet = rr.tmp / "participatingAgencies11302026.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    requester = {"requester_name": "Ana Núñez", "requester_email": "ana@example.org", "requester_state": "FL"}
    with api.Tracker.open(rr.url, out_dir=rr.tmp / "out", as_of=dt.date(2026, 11, 30)) as tracker:
        imported = tracker.import_agencies(sheet, downloaded=dt.date(2026, 11, 30))
        assert imported.agreements == 9 or imported.agreements > 0
        plan = tracker.campaign("TX WSO", states=["TX"], models=["wso"], requester=requester, dry_run=True)
        assert plan.outcomes == () and sum(1 for s in plan.steps if s.action == "create") == 4
        assert rr.json("list") == []
        done = tracker.campaign("TX WSO", states=["TX"], models=["wso"], requester=requester)
        assert done.summary is not None and done.summary["created"] == 4
        again = tracker.campaign("TX WSO", states=["TX"], models=["wso"], requester=requester)
        assert again.summary is not None and again.summary["created"] == 0  # resumes: nothing new
        assert len(tracker.list(tags=["TX WSO"])) == 4
    assert rr.json("profile", "show")["name"] == "Ana Núñez"


def test_api_open_is_kept_beside_connect() -> None:
    assert api.open is api.connect and "open" not in api.__all__ and "connect" in api.__all__


def test_a_refused_request_leaves_nothing_behind_through_the_api(rr: Tracker) -> None:
    with api.connect(rr.url, out_dir=rr.tmp / "out") as tracker, pytest.raises(RecordsReqError):
        tracker.new_request("VA", "Fairfax County Sheriff's Office", topics=["wso"])  # no requester, no profile
    assert rr.json("list") == [] and not (rr.tmp / "out").exists()


def test_the_api_fills_the_requester_from_the_profile_and_splits(rr: Tracker) -> None:
    rr("profile", "set", "--name", "Ana Núñez", "--email", "ana@example.org", "--state", "VA")
    with api.connect(rr.url, out_dir=rr.tmp / "out", as_of=dt.date(2026, 11, 27)) as tracker:
        view = tracker.new_request("VA", "Fairfax County Sheriff's Office", topics=["wso", "costs"], split=True)
        assert view.status == "draft"
        # one request per topic (Virginia's 2026 law adds its own topic to a wso request)
        assert sorted(tuple(r.topics) for r in tracker.list()) == [("costs",), ("state-law",), ("wso",)]

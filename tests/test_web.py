"""The web dashboard through Flask's test client: every page, the same numbers as the CLI, the
same validation and messages, and its locks (Host header, CSRF, login beyond localhost)."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pytest
from flask.testing import FlaskClient

from records_req.labels import long_date, status_label
from records_req.web import Settings, create_app

from .backend_marks import on_sqlite_only
from .cli_helpers import Tracker
from .letter_helpers import docx_text

TODAY = dt.date(2026, 12, 1)
HOST = {"Host": "127.0.0.1:8765"}
HOSTILE = 'Smith & <Co> "Police" 警察署'
ANA = ("--requester-name", "Ana Núñez", "--requester-email", "ana@example.org", "--requester-state", "VA")


class Browser:
    """A test client that sends the Host a browser would, and the form's CSRF token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=kw.pop("headers", HOST), **kw)

    def token(self, url: str = "/") -> str:
        return self.token_on(url, HOST)

    def token_on(self, url: str, headers: dict[str, str]) -> str:
        page = self.get(url, headers=headers).get_data(as_text=True)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert found, f"no CSRF token on {url}"
        return found.group(1)

    def post(self, url: str, data: dict[str, Any] | None = None, *, token: bool = True, **kw: Any) -> Any:
        form = dict(data or {})
        if token:
            form["csrf_token"] = self.token(kw.pop("token_page", "/new"))
        return self.client.post(url, data=form, headers=kw.pop("headers", HOST), **kw)


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    return Tracker(db_url, tmp_path)


def app_for(rr: Tracker, **settings: Any) -> Any:
    return create_app(Settings(db_url=rr.url, out_dir=rr.tmp / "out", today=TODAY, secret_key=b"k" * 32, **settings))


def browser(rr: Tracker, **settings: Any) -> Browser:
    return Browser(app_for(rr, **settings).test_client())


def two_requests(rr: Tracker) -> tuple[int, int]:
    """One request overdue on TODAY (sent 2026-11-02 in VA: 5 working days) and one still waiting."""
    late = rr.new("VA", "Fairfax County Sheriff's Office", *ANA)
    rr("sent", str(late), "--on", "2026-11-02", today="2026-11-02")
    waiting = rr.new("VA", "Arlington County Police Department", *ANA)
    rr("sent", str(waiting), "--on", "2026-11-30", today="2026-11-30")
    return late, waiting


def test_every_page_answers(rr: Tracker) -> None:
    late, _ = two_requests(rr)
    web = browser(rr)
    for url in ("/", "/requests", f"/requests/{late}", "/new", "/agencies", "/campaign", "/reports", "/states/VA.json"):
        page = web.get(url)
        assert page.status_code == 200, url
        assert (
            page.headers["X-Frame-Options"] == "DENY"
            and "default-src 'self'" in page.headers["Content-Security-Policy"]
        )
    assert web.get("/requests/999").status_code == 404
    assert web.get("/states/ZZ.json").status_code == 404


@on_sqlite_only  # the templates, not the database, are what is tested
def test_a_second_app_reuses_the_compiled_templates_and_an_edited_one_is_compiled_again(
    rr: Tracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jinja2

    compiled: list[str | None] = []
    original = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: Any, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiled.append(name)
        return original(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    first = browser(rr).get("/requests").get_data(as_text=True)
    compiled.clear()
    assert browser(rr).get("/requests").get_data(as_text=True) == first and compiled == []  # a new app: no compiling
    # The same template name with other source (an edited file): Jinja's checksum sees it.
    app = app_for(rr)
    edited = jinja2.DictLoader({"requests.html": "edited {{ 1 + 1 }}"})
    app.jinja_loader = edited
    app.jinja_env.loader = edited
    assert app.jinja_env.get_template("requests.html").render() == "edited 2" and compiled == ["requests.html"]


def test_the_dashboard_shows_the_numbers_of_due_list_and_report(rr: Tracker) -> None:
    late, waiting = two_requests(rr)
    page = browser(rr).get("/").get_data(as_text=True)
    due = rr.json("due", "--within", "14", today=TODAY.isoformat())
    overdue = [d for d in due if d["overdue"]]
    assert [d["id"] for d in overdue] == [late]
    overdue_part = page.split('id="overdue"')[1].split('id="soon"')[0]
    assert f">{late}</a>" in overdue_part and f">{waiting}</a>" not in overdue_part
    days_late = f'<td data-label="Days late" role="cell">{overdue[0]["days_late"]}</td>'
    assert days_late in overdue_part  # the same days late as `due`
    soon_part = page.split('id="soon"')[1]
    waiting_due = next(d for d in due if d["id"] == waiting)["date"]
    assert f">{waiting}</a>" in soon_part and waiting_due in soon_part
    report = rr.tmp / "r.json"
    rr("report", "--format", "json", "-o", str(report), "--as-of", TODAY.isoformat())
    summary = json.loads(report.read_text())["summary"]
    for status, n in summary["by_status"].items():
        assert f'<th scope="row">{status_label(status)}</th><td>{n}</td>' in page
    assert "<svg" in page  # the report's charts, inline


# SQLite only: the Host check runs before any page reads the database.
@on_sqlite_only
def test_a_foreign_host_header_is_refused_before_anything_is_read(rr: Tracker) -> None:
    web = browser(rr)
    assert web.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert web.get("/", headers={"Host": "records.evil.example:8765"}).status_code == 400
    assert web.get("/", headers={"Host": "localhost:8765"}).status_code == 200


# SQLite only: the CSRF check refuses before anything is written.
@on_sqlite_only
def test_a_form_without_this_sessions_token_changes_nothing(rr: Tracker) -> None:
    late, _ = two_requests(rr)
    web = browser(rr)
    before = rr.json("show", str(late))["events"]
    refused = web.post(f"/requests/{late}/event", {"kind": "acknowledged"}, token=False)
    assert refused.status_code == 403
    forged = web.post(f"/requests/{late}/event", {"kind": "acknowledged", "csrf_token": "x" * 43}, token=False)
    assert forged.status_code == 403
    assert rr.json("show", str(late))["events"] == before


def test_events_from_the_request_page_move_the_deadline_as_the_cli_does(rr: Tracker, tmp_path: Path) -> None:
    late, _ = two_requests(rr)
    web = browser(rr)
    done = web.post(f"/requests/{late}/event", {"kind": "acknowledged", "on": "2026-11-03"})
    assert done.status_code == 303
    extended = web.post(f"/requests/{late}/event", {"kind": "extended", "on": "2026-11-05", "days": "7"})
    assert extended.status_code == 303
    page = web.get(f"/requests/{late}").get_data(as_text=True)
    shown = rr.json("show", str(late), today=TODAY.isoformat())
    assert [e["kind"] for e in shown["events"]] == ["sent", "acknowledged", "extended"]
    assert f"<strong>{long_date(shown['due'])}</strong>" in page  # the CLI's due date, after the extension
    for line in shown["explanation"]:
        assert line.replace("'", "&#39;").replace('"', "&#34;") in page
    # The CLI's refusal, in the dashboard's words: an extension needs a number of days or a date.
    wrong = web.post(f"/requests/{late}/event", {"kind": "extended", "on": "2026-11-06"})
    said = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "needs the number of days or the date" in said and "--days" not in said
    bad_date = web.post(f"/requests/{late}/event", {"kind": "acknowledged", "on": "2026-02-30"})
    assert bad_date.status_code == 422 and "2026-02-30" in bad_date.get_data(as_text=True)
    assert len(rr.json("show", str(late))["events"]) == 3


def test_a_new_request_with_hostile_input_is_previewed_created_and_escaped(rr: Tracker) -> None:
    web = browser(rr)
    form = {
        "state": "VA",
        "agency": HOSTILE,
        "topic": "wso",
        "requester_name": "Ana <b>Núñez</b>",
        "requester_email": "ana@example.org",
        "requester_state": "VA",
    }
    preview = web.post("/new", form | {"action": "preview"})
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Va. Code" in text
    assert "<b>Núñez</b>" not in text and "&lt;b&gt;Núñez&lt;/b&gt;" in text
    assert "&lt;Co&gt;" in text and "<Co>" not in text
    pdf = web.post("/new", form | {"action": "pdf"})
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert rr.json("list") == []  # a preview and a download track nothing
    created = web.post("/new", form | {"action": "create"})
    assert created.status_code == 303
    [made] = rr.json("list")
    assert made["agency"] == HOSTILE and created.headers["Location"].endswith(f"/requests/{made['id']}")
    page = web.get(f"/requests/{made['id']}").get_data(as_text=True)
    assert "&lt;Co&gt;" in page and "<Co>" not in page
    shown = rr.json("show", str(made["id"]))
    letter = next(d for d in shown["documents"] if d["path"].endswith(".docx"))
    download = web.get(f"/documents/{letter['id']}")
    assert download.status_code == 200 and HOSTILE in docx_text(download.data)
    # The preview's download is named as the saved letter is: its state, its folder and its name.
    saved = Path(next(d for d in shown["documents"] if d["path"].endswith(".pdf"))["path"])
    offered = pdf.headers["Content-Disposition"].split('filename="')[1].rstrip('"')
    assert offered == f"VA-{saved.parent.name}-{saved.name}"
    # A bad date keeps what was typed, and creates nothing.
    again = web.post("/new", form | {"action": "create", "since": "31/31/2026", "agency": "Other PD"})
    assert again.status_code == 422 and "31/31/2026" in again.get_data(as_text=True)
    assert 'value="Other PD"' in again.get_data(as_text=True) and len(rr.json("list")) == 1


# SQLite only: the upload's checks and the file store are the subject (a 26 MB body), not the database.
@on_sqlite_only
def test_uploads_are_checked_by_content_and_stored_by_hash(rr: Tracker) -> None:
    import io

    late, _ = two_requests(rr)
    web = browser(rr)
    pdf = b"%PDF-1.4\n% a response\n"
    sent = web.post(
        f"/requests/{late}/attach",
        {"file": (io.BytesIO(pdf), "../../etc/response.pdf"), "event": "released", "on": "2026-11-20"},
        token_page=f"/requests/{late}",
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    shown = rr.json("show", str(late))
    [received] = [d for d in shown["documents"] if d["role"] == "received"]
    assert received["name"] == "response.pdf" and "/files/" in received["path"]  # no user path reaches the disk
    assert shown["status"] == "completed"  # the released event, recorded with the file
    program = web.post(
        f"/requests/{late}/attach",
        {"file": (io.BytesIO(b"\x7fELF\x02\x01\x01" + bytes(64)), "response.pdf")},
        content_type="multipart/form-data",
    )
    assert program.status_code == 422 and "not accepted" in program.get_data(as_text=True)
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    huge = FileStorage(io.BytesIO(b"%PDF" + bytes(26 * 2**20)), filename="big.pdf")
    boundary, body = encode_multipart({"csrf_token": web.token("/new"), "file": huge})  # in memory
    assert len(body) > 26 * 2**20
    big = web.client.post(
        f"/requests/{late}/attach",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=HOST,
    )
    assert big.status_code == 413 and "larger than 25 MB" in big.get_data(as_text=True)
    assert len([d for d in rr.json("show", str(late))["documents"] if d["role"] == "received"]) == 1


# SQLite only: the lifecycle's rule and the letter are the subject; test_parity holds the dates on both.
@on_sqlite_only
def test_follow_up_letters_are_refused_early_and_written_late(rr: Tracker) -> None:
    late, waiting = two_requests(rr)
    web = browser(rr)
    early = web.post(f"/requests/{waiting}/letter", {"kind": "follow-up"})
    assert early.status_code == 422 and "No follow-up" in early.get_data(as_text=True)
    written = web.post(f"/requests/{late}/letter", {"kind": "follow-up"})
    assert written.status_code == 303
    assert "followed-up" in [e["kind"] for e in rr.json("show", str(late))["events"]]
    bundle = web.get(f"/requests/{late}/bundle.zip")
    assert bundle.status_code == 200 and bundle.data.startswith(b"PK")


# SQLite only: the report's formats are the subject; test_parity holds the report's numbers on both.
@on_sqlite_only
def test_reports_download_and_the_calendar_feed_needs_its_token(rr: Tracker) -> None:
    two_requests(rr)
    web = browser(rr)
    for fmt in ("csv", "json", "ics", "html", "xlsx", "pdf"):
        got = web.get(f"/reports/report.{fmt}")
        assert got.status_code == 200 and got.data, fmt
    cli_csv = rr.report("csv", "--as-of", TODAY.isoformat()).read_bytes()
    assert web.get("/reports/report.csv").data == cli_csv  # the same bytes as `records-req report`
    feed = re.search(r"http://[^<]+\.ics", web.get("/reports").get_data(as_text=True))
    assert feed is not None
    assert web.get(feed.group(0).replace("http://127.0.0.1:8765", "")).data.startswith(b"BEGIN:VCALENDAR")
    assert web.get("/calendar/" + "0" * 32 + ".ics").status_code == 404


@pytest.mark.usefixtures("cheap_passwords")  # sessions, not the hash
def test_beyond_localhost_every_page_needs_a_login_and_sessions_expire(rr: Tracker) -> None:
    rr("users", "add", "ana", "--password-stdin", input_text="correct horse battery staple\n")
    team = {"Host": "10.0.0.5:8765"}
    web = browser(rr, host="10.0.0.5")
    first = web.get("/", headers=team)
    assert first.status_code == 302 and "/login" in first.headers["Location"]
    assert web.get("/reports/report.csv", headers=team).status_code == 302
    token = web.token_on("/login", team)
    wrong = web.client.post("/login", data={"name": "ana", "password": "nope", "csrf_token": token}, headers=team)
    assert wrong.status_code == 401
    token = web.token_on("/login", team)
    right = web.client.post(
        "/login", data={"name": "ana", "password": "correct horse battery staple", "csrf_token": token}, headers=team
    )
    assert right.status_code == 303
    assert web.get("/", headers=team).status_code == 200
    with web.client.session_transaction(headers=team) as session:  # thirteen hours later
        session["login_at"] = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=13)).isoformat()
    assert web.get("/", headers=team).status_code == 302
    assert web.get("/", headers={"Host": "127.0.0.1:8765"}).status_code == 400  # not a name this server has


def test_users_are_stored_as_scrypt_hashes_and_serve_refuses_to_open_up_without_them(rr: Tracker) -> None:
    rr("serve", "--host", "0.0.0.0", "--no-browser", code=2)
    assert "create an account first" in rr.stderr
    rr("users", "add", "ana", "--password-stdin", input_text="short\n", code=2)
    rr("users", "add", "ana", "--password-stdin", input_text="correct horse battery staple\n")
    rr("users", "add", "ana", "--password-stdin", input_text="correct horse battery staple\n", code=2)
    assert [u["name"] for u in rr.json("users", "list")] == ["ana"]
    from records_req.accounts import verify_password
    from records_req.store.db import open_store
    from records_req.store.models import User

    with open_store(rr.url).read() as session:
        [user] = session.query(User).all()
        assert user.password_hash.startswith("scrypt:32768:8:1$") and "horse" not in user.password_hash
        assert verify_password("correct horse battery staple", user.password_hash)
        assert not verify_password("correct horse battery stapl", user.password_hash)
    rr("users", "remove", "ana")
    assert rr.json("users", "list") == []


# SQLite only: the page's language is the subject.
@on_sqlite_only
def test_the_dashboard_speaks_spanish(rr: Tracker) -> None:
    two_requests(rr)
    web = browser(rr)
    web.get("/lang/es")
    page = web.get("/").get_data(as_text=True)
    assert '<html lang="es">' in page and "Vencidas" in page and "Nueva solicitud" in page


def test_a_campaign_runs_from_the_browser_with_its_progress(rr: Tracker) -> None:
    from .test_campaign import SHEET

    web = browser(rr)
    import io

    imported = web.post(
        "/agencies/import",
        {"sheet": (io.BytesIO(SHEET.encode()), "participating.csv"), "downloaded": "2026-11-30"},
        token_page="/agencies",
        content_type="multipart/form-data",
    )
    assert imported.status_code == 200 and "1843" not in imported.get_data(as_text=True)
    form = {"state": "TX", "model": "wso", "topic": "wso", "tag": "TX WSO", "requester_name": "Ana"}
    form |= {"requester_email": "ana@example.org", "requester_state": "FL"}
    plan = web.post("/campaign", form | {"action": "plan"}, token_page="/campaign")
    assert plan.status_code == 200 and plan.get_data(as_text=True).count("a letter</td>") == 4
    assert rr.json("list") == []
    started = web.post("/campaign", form | {"action": "run"}, token_page="/campaign")
    assert started.status_code == 303
    for thread in threading.enumerate():
        if thread.name.startswith("campaign-"):
            thread.join(timeout=120)
    progress = web.get(started.headers["Location"] + "?format=json").get_json()
    assert progress["finished"] and progress["done"] == 4 and progress["summary"]["created"] == 4
    assert len(rr.json("list", "--tag", "TX WSO")) == 4


def test_the_new_request_form_finds_agencies_with_their_agreements(rr: Tracker) -> None:
    from .test_campaign import SHEET

    sheet = rr.tmp / "participating.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    rr("agencies", "import", str(sheet), "--downloaded", "2026-11-30")
    web = browser(rr)
    found = web.get("/agencies/search.json?state=TX&q=harris").get_json()
    assert [a["name"] for a in found] == ["Harris County Sheriff's Office"]
    assert {g["model"] for g in found[0]["agreements"]} == {"Warrant Service Officer", "Task Force Model"}
    assert web.get("/agencies/search.json?state=TX&q=%25").get_json() == []  # a wildcard is a character
    assert web.get("/agencies/search.json?state=FL&q=harris").get_json() == []


HOSTILE_VALUES = {
    "script": "<script>alert(1)</script>",
    "markup": 'a & b < c > d "e"',
    "non-latin": "Ñuñoa 警察署 عربى",
    "path": "../../etc/passwd",
    "nul": "\x00nul",
    "long": "x" * 5000,
}


# What PostgreSQL stores or compares differently from SQLite: a NUL byte it cannot store, a long
# value, text beyond Latin. Markup and paths are the pages' escaping, the same on either backend.
HOSTILE_ON_POSTGRESQL = ("nul", "long", "non-latin")


def test_hostile_input_in_every_field_gets_a_message_or_is_kept_escaped_never_a_crash(rr: Tracker) -> None:
    """Each hostile value in every field of every form, in turn on one seeded database (a failure
    names the value and the field). Every value on SQLite; on PostgreSQL the values whose storing
    or searching differs there (HOSTILE_ON_POSTGRESQL)."""
    late, _ = two_requests(rr)
    web = browser(rr)
    token = web.token("/new")  # the session's one token: every form below sends it
    before = rr.json("show", str(late))
    event_fields = ("kind", "on", "days", "until", "amount", "exemptions", "outcome", "tracking_number", "note", "via")
    new_fields: tuple[str, ...] = (
        "state",
        "agency",
        "agency_email",
        "agency_address",
        "since",
        "until",
        "requester_name",
    )
    new_fields += ("requester_email", "requester_address", "requester_org", "requester_state", "co_requester", "tag")
    base = {"state": "VA", "agency": "Fairfax PD", "topic": "wso", "requester_name": "Ana", "requester_state": "VA"}
    base["requester_email"] = "ana@example.org"
    on_postgresql = not rr.url.startswith("sqlite")
    for label, value in HOSTILE_VALUES.items():
        if on_postgresql and label not in HOSTILE_ON_POSTGRESQL:
            continue
        for name in event_fields:
            form = {"kind": "note", "on": "2026-11-20", name: value, "csrf_token": token}
            got = web.post(f"/requests/{late}/event", form, token=False)
            assert got.status_code in (303, 422), (label, "event", name, got.status_code)
            assert "<script>alert(1)</script>" not in got.get_data(as_text=True), (label, "event", name)
        for name in new_fields:
            got = web.post("/new", base | {name: value, "action": "preview", "csrf_token": token}, token=False)
            assert got.status_code in (200, 422), (label, "new", name, got.status_code)
            assert "<script>alert(1)</script>" not in got.get_data(as_text=True), (label, "new", name)
        for url in ("/requests", "/agencies"):
            got = web.get(
                url, query_string={"status": value, "state": value, "tag": value, "agency": value, "q": value}
            )
            assert got.status_code == 200, (label, url, got.status_code)
            assert "<script>alert(1)</script>" not in got.get_data(as_text=True), (label, url)
        page = web.get(f"/requests/{late}").get_data(as_text=True)
        assert page.count("<script") == 1, label  # our own script tag, nothing typed
        after = rr.json("show", str(late))
        assert after["status"] == before["status"] and after["due"] == before["due"], label  # notes change no date


def test_the_requests_list_pages_through_many_requests(rr: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    from records_req.web import pages

    monkeypatch.setattr(pages, "PAGE_ROWS", 2)
    late, waiting = two_requests(rr)
    third = rr.new("VA", "Loudoun County Sheriff's Office", *ANA)
    web = browser(rr)
    first = web.get("/requests?state=VA").get_data(as_text=True)
    assert f">{late}</a>" in first and f">{waiting}</a>" in first and f">{third}</a>" not in first
    assert "(2 / 3)" in first and 'rel="prev"' not in first
    next_link = first.split('rel="next"')[0].rsplit("href", 1)[1]
    assert f"after={waiting}" in next_link and "state=VA" in next_link  # the filters carry to the next page
    second = web.get(f"/requests?state=VA&after={waiting}").get_data(as_text=True)
    assert f">{third}</a>" in second and f">{late}</a>" not in second and 'rel="next"' not in second
    assert "(1 / 3)" in second
    back_link = second.split('rel="prev"')[0].rsplit("href", 1)[1]
    assert f"before={third}" in back_link and "state=VA" in back_link
    back = web.get(f"/requests?state=VA&before={third}").get_data(as_text=True)
    assert f">{late}</a>" in back and f">{waiting}</a>" in back and f">{third}</a>" not in back
    assert 'rel="next"' in back and 'rel="prev"' not in back  # the first page again
    for bad in ("after=999999", "after=x", "before=-1", "after=99999999999999999999999", "after=%C2%B2"):
        assert web.get(f"/requests?{bad}").status_code == 200


# SQLite only: the server's start and Ctrl-C are the subject (a serial test: its time is the suite's).
@on_sqlite_only
@pytest.mark.serial
def test_serve_listens_on_localhost_answers_and_stops_on_ctrl_c(rr: Tracker) -> None:
    import http.client
    import os
    import signal
    import socket
    import subprocess
    import sys

    from .conftest import default_sigint, sigint_ignored, subprocess_env

    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = subprocess_env(RECORDS_REQ_HOME=str(rr.tmp / "home"))
    command = [sys.executable, "-m", "records_req", "--db", rr.url, "serve", "--port", str(port), "--no-browser"]
    with sigint_ignored():  # as under a runner started with SIGINT ignored (nohup, a background job)
        # preexec_fn: the user's Ctrl-C; a server started from a terminal does not ignore it.
        server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    try:
        assert server.stderr is not None
        lines = []
        for line in server.stderr:  # the startup message comes once it listens: no timed sleep
            lines.append(line)
            if "dashboard at" in line:
                break
        assert any(f"http://127.0.0.1:{port}/" in line for line in lines), lines
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/", headers={"Host": f"127.0.0.1:{port}"})
        response = connection.getresponse()
        assert response.status == 200 and b"records-req" in response.read()
        connection.close()
        server.send_signal(signal.SIGINT)  # Ctrl-C
        assert server.wait(timeout=30) == 0
        assert "Traceback" not in server.stderr.read()
    finally:
        if server.poll() is None:
            os.kill(server.pid, signal.SIGKILL)
            server.wait()
        if server.stderr is not None:
            server.stderr.close()


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/requests?tag=TX%20WSO", True),
        ("/%09/evil.com", False),
        ("//evil.com", False),
        ("/\\evil.com", False),
        ("https://evil.com/", False),
        ("/\r\n/evil.com", False),
        ("/requests//evil", False),
    ],
)
def test_after_login_only_a_path_on_this_server_is_followed(target: str, safe: bool) -> None:
    from records_req.web.pages import local_path

    assert (local_path(target) == target) is safe


@pytest.mark.usefixtures("cheap_passwords")  # sessions, not the hash
def test_removing_an_account_ends_its_sessions_and_odd_tokens_are_refused_not_crashed(rr: Tracker) -> None:
    rr("users", "add", "ana", "--password-stdin", input_text="correct horse battery staple\n")
    team = {"Host": "10.0.0.5:8765"}
    web = browser(rr, host="10.0.0.5")
    token = web.token_on("/login", team)
    signed = web.client.post(
        "/login?next=/%09/evil.com",
        data={"name": "ana", "password": "correct horse battery staple", "csrf_token": token},
        headers=team,
    )
    assert signed.status_code == 303 and signed.headers["Location"] == "/"  # never another site
    assert web.get("/", headers=team).status_code == 200
    assert web.client.post("/logout", data={"csrf_token": "é"}, headers=team).status_code == 403
    assert web.get("/calendar/é.ics", headers=team).status_code == 404
    rr("users", "remove", "ana")
    assert web.get("/", headers=team).status_code == 302  # the cookie no longer opens anything


# SQLite only: the download's headers are the subject.
@on_sqlite_only
def test_a_stored_file_is_never_served_as_a_page(rr: Tracker) -> None:
    import io

    late, _ = two_requests(rr)
    web = browser(rr)
    sent = web.post(
        f"/requests/{late}/attach",
        {"file": (io.BytesIO(b"<html><script>alert(1)</script></html>"), "reply.html")},
        token_page=f"/requests/{late}",
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    [stored] = [d for d in rr.json("show", str(late))["documents"] if d["role"] == "received"]
    got = web.get(f"/documents/{stored['id']}")
    assert got.mimetype == "application/octet-stream" and "sandbox" in got.headers["Content-Security-Policy"]
    assert got.headers["Content-Disposition"].startswith("attachment")


# SQLite only: the letter's wording is the subject.
@on_sqlite_only
def test_the_preview_is_the_letter_create_writes(rr: Tracker) -> None:
    from .test_campaign import SHEET

    sheet = rr.tmp / "participating.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    rr("agencies", "import", str(sheet), "--downloaded", "2026-11-30")
    rr("agencies", "set", "--state", "TX", "--name", "Harris County Sheriff's Office", "--email", "pia@hcso.example")
    web = browser(rr)
    form = {"state": "TX", "agency": "Harris County Sheriff's Office", "topic": "wso", "requester_name": "Ana"}
    form |= {"requester_email": "ana@example.org", "requester_state": "TX"}
    preview = web.post("/new", form | {"action": "preview"}).get_data(as_text=True)
    # the directory's start date (three months before the first signing) and email, as create uses them
    assert "from February 1, 2025" in preview and "pia@hcso.example" in preview
    assert web.post("/new", form | {"action": "create"}).status_code == 303
    [made] = rr.json("list")
    letter = next(d for d in rr.json("show", str(made["id"]))["documents"] if d["path"].endswith(".docx"))
    text = docx_text(Path(letter["path"]))
    assert "from February 1, 2025" in text and "pia@hcso.example" in text


# SQLite only: the timeline's wording is the subject.
@on_sqlite_only
def test_the_request_page_names_a_reconsideration_request_as_the_cli_does(rr: Tracker) -> None:
    """South Carolina's only route is a court: the letter after a denial asks the agency to
    reconsider. The page's timeline says so, as `show` does (one rule, below both doors)."""
    rid = rr.new("SC", "Charleston County Sheriff's Office", "--requester-name", "Ana Núñez",
                 "--requester-email", "ana@example.org", "--requester-state", "SC")  # fmt: skip
    rr("sent", str(rid), "--on", "2026-10-28", today="2026-10-28")
    rr("log", str(rid), "denied", "--on", "2026-11-09", today="2026-11-09")
    rr("appeal", str(rid), "--out", str(rr.tmp / "out"), today="2026-11-16")
    shown = rr("show", str(rid), today="2026-11-20")
    assert "You asked the agency to reconsider" in shown and "You appealed" not in shown
    page = browser(rr).get(f"/requests/{rid}").get_data(as_text=True)
    assert "<strong>You asked the agency to reconsider</strong>" in page
    assert "<strong>appealed</strong>" not in page and "reconsideration: True" not in page


class _StackTables(HTMLParser):
    """The table.stack tables of a page: for each, its elements' (tag, role) and its rows' roles."""

    ROLES: ClassVar[dict[str, str]] = {
        "table": "table",
        "thead": "rowgroup",
        "tbody": "rowgroup",
        "tr": "row",
        "th": "columnheader",
    }

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, Any]] = []
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and "stack" in (found.get("class") or "").split():
            self.inside = True
            self.tables.append({"wrong": [], "headers": 0, "rows": []})
        if not self.inside or tag not in (*self.ROLES, "td"):
            return
        table = self.tables[-1]
        if found.get("role") != self.ROLES.get(tag, "cell"):
            table["wrong"].append((tag, found.get("role")))
        if tag == "th":
            table["headers"] += 1
        elif tag == "tr":
            table["rows"].append(0)
        elif tag == "td":
            table["rows"][-1] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False


def test_the_phone_tables_name_their_roles_explicitly(rr: Tracker) -> None:
    """The lists restyled as cards on a phone (table.stack) keep table semantics where a browser
    drops them under CSS display changes (Safari): each element has the WAI role of its part, and
    each row as many cells as the table has column headers."""
    two_requests(rr)
    rr("agencies", "set", "--state", "VA", "--name", "Fairfax County Sheriff's Office", "--email", "foia@fcso.example")
    web = browser(rr)
    seen = 0
    for url in ("/", "/requests", "/agencies"):
        parser = _StackTables()
        parser.feed(web.get(url).get_data(as_text=True))
        assert parser.tables, url
        for table in parser.tables:
            assert table["wrong"] == [], url
            header_row, *rows = table["rows"]
            assert header_row == 0 and rows and all(cells == table["headers"] for cells in rows), url
            seen += len(rows)
    assert seen >= 5  # the overdue and due-soon rows, the two requests, the agency

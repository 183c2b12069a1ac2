"""The dashboard's long jobs (issue 19): a campaign's letters written or sent by email run in a
thread of the server, kept in the database, followed on a page that refreshes itself; a second
start of the same job is refused with a sentence; a job whose server stopped is shown interrupted
and resumed without writing or sending anything twice. A real SMTP server (aiosmtpd) receives the
letters; one test crashes a real ``records-req serve`` in the middle of a campaign's sending."""

from __future__ import annotations

import datetime as dt
import http.client
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

from records_req.store.db import open_store
from records_req.store.models import Job, utcnow
from records_req.tracker.jobs import STALE, Runner, active_key
from records_req.web import Settings, create_app

from .cli_helpers import Tracker
from .conftest import default_sigint, subprocess_env
from .mail_server import PASSWORD, Server, smtp_server
from .test_mail_send import request_to, rows, set_up
from .test_serve_limits import DEADLINE, free_port

TAG = "TX WSO"
HOST = {"Host": "127.0.0.1:8765"}
OTHER_SERVER = "records.example.org/4242/0123456789abcdef"  # another server process on the same database


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    monkeypatch.setenv("RECORDS_REQ_SMTP_PASSWORD", PASSWORD)
    with smtp_server(tmp_path) as running:
        yield running


def dashboard(url: str, tmp_path: Path) -> Flask:
    return create_app(Settings(db_url=url, out_dir=tmp_path / "out", secret_key=b"k" * 32))


def token(client: FlaskClient, url: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url, headers=HOST).get_data(as_text=True))
    assert found, f"no form on {url}"
    return found.group(1)


def wait_for(app: Flask, job_id: int) -> dict[str, Any]:
    """The job's state once this server's thread for it has ended."""
    app.extensions["records_req_jobs"].wait(job_id, timeout=120)
    state: dict[str, Any] = app.test_client().get(f"/jobs/{job_id}?format=json", headers=HOST).get_json()
    return state


def two_letters(t: Tracker, server: Server) -> tuple[int, int]:
    set_up(t, server)
    first = request_to(t, "Harris County Sheriff's Office", "records@hcso.example", "--tag", TAG)
    second = request_to(t, "Travis County Sheriff's Office", "pir@tcso.example", "--tag", TAG)
    return first, second


def test_a_second_start_is_refused_while_the_job_runs_and_a_silent_server_s_job_is_resumed(
    db_url: str, tmp_path: Path, server: Server
) -> None:
    """Another server process on the same database is sending the campaign: this one refuses to
    start it again (the database's unique ``active`` key), and shows that job running, refreshing
    itself; once that server has given no sign of life for STALE, the job is interrupted, and
    resuming it here sends each letter once."""
    t = Tracker(db_url, tmp_path)
    first, second = two_letters(t, server)
    with open_store(db_url).write() as session:
        job = Job(
            kind="send", tag=TAG, params={"rate": 6000.0}, status="running", done=0, total=2,
            runner=OTHER_SERVER, active=active_key("send", TAG), beat_at=utcnow(),
        )  # fmt: skip
        session.add(job)
        session.flush()
        job_id = job.id
    app = dashboard(db_url, tmp_path)
    client = app.test_client()
    form = {"csrf_token": token(client, f"/send?tag={TAG}"), "tag": TAG, "rate": "6000"}
    refused = client.post("/send", data=form, headers=HOST)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "already being sent by email" in text
    assert f'href="/jobs/{job_id}"' in text and server.received == []
    listed = client.get(f"/send?tag={TAG}", headers=HOST).get_data(as_text=True)
    assert f'<li data-status="running"><a href="/jobs/{job_id}">' in listed  # the campaign's send page finds it

    page = client.get(f"/jobs/{job_id}", headers=HOST).get_data(as_text=True)
    assert 'data-status="running"' in page and "you may close this page" in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page  # follows itself without script
    assert "Resume</button>" not in page
    assert (
        client.post(f"/jobs/{job_id}/resume", data={"csrf_token": form["csrf_token"]}, headers=HOST).status_code == 303
    )
    assert server.received == []  # a running job is not resumed

    with open_store(db_url).write() as session:  # that server stopped answering
        silent = session.get(Job, job_id)
        assert silent is not None
        silent.beat_at = utcnow() - STALE - dt.timedelta(seconds=1)
    page = client.get(f"/jobs/{job_id}", headers=HOST).get_data(as_text=True)
    assert 'data-status="interrupted"' in page and "Resume</button>" in page and "http-equiv" not in page
    resumed = client.post(f"/jobs/{job_id}/resume", data={"csrf_token": form["csrf_token"]}, headers=HOST)
    assert resumed.status_code == 303 and resumed.headers["Location"] == f"/jobs/{job_id}"
    state = wait_for(app, job_id)
    assert state["status"] == "finished" and state["error"] is None and (state["done"], state["total"]) == (2, 2)
    assert [(o["request_id"], o["status"]) for o in state["outcomes"]] == [(first, "accepted"), (second, "accepted")]
    assert sorted(r for m in server.received for r in m.recipients) == ["pir@tcso.example", "records@hcso.example"]
    shown = client.get(f"/jobs/{job_id}", headers=HOST).get_data(as_text=True)
    assert f'<tr data-status="accepted"><td>{first}</td>' in shown and "Finished." in shown

    again = client.post("/send", data=form, headers=HOST)
    assert again.status_code == 409 and "Nothing to send" in again.get_data(as_text=True)
    assert len(server.received) == 2 and [r["status"] for r in rows(db_url)] == ["accepted", "accepted"]


def test_a_campaign_interrupted_halfway_writes_only_what_is_left_when_resumed(db_url: str, tmp_path: Path) -> None:
    """The server stopped after writing Harris County's two letters of Texas's four: resuming the
    job (its selection and options as kept in the database) writes the other two, each once."""
    from .test_campaign import SHEET

    t = Tracker(db_url, tmp_path)
    sheet = tmp_path / "participating.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    t("agencies", "import", str(sheet), "--downloaded", "2026-11-30")
    app = dashboard(db_url, tmp_path)
    client = app.test_client()
    form = {"state": "TX", "model": "wso", "topic": "wso", "tag": TAG, "requester_name": "Ana Núñez"}
    form |= {"requester_email": "ana@example.org", "requester_state": "FL", "action": "run"}
    started = client.post(
        "/campaign", data=form | {"county": "Harris", "csrf_token": token(client, "/campaign")}, headers=HOST
    )
    assert started.status_code == 303
    job_id = int(started.headers["Location"].rsplit("/", 1)[1])
    harris = wait_for(app, job_id)
    assert harris["summary"]["created"] == 2 and len(t.json("list", "--tag", TAG)) == 2
    with open_store(db_url).write() as session:  # as if it had been started for all of Texas
        job = session.get(Job, job_id)
        assert job is not None
        job.params = job.params | {"selection": job.params["selection"] | {"counties": []}}
        job.status, job.active, job.runner, job.total = "running", active_key("campaign", TAG), OTHER_SERVER, 4
        job.beat_at, job.result, job.finished_at = utcnow() - STALE - dt.timedelta(seconds=1), None, None

    restarted = dashboard(db_url, tmp_path)
    client = restarted.test_client()
    listed = client.get("/campaign", headers=HOST).get_data(as_text=True)
    assert f'<li data-status="interrupted"><a href="/jobs/{job_id}">' in listed  # the campaign page finds it
    resumed = client.post(f"/jobs/{job_id}/resume", data={"csrf_token": token(client, "/campaign")}, headers=HOST)
    assert resumed.status_code == 303
    state = wait_for(restarted, job_id)
    assert state["status"] == "finished" and (state["done"], state["total"]) == (4, 4)
    assert state["summary"]["created"] == 2 and state["summary"]["skipped"] == {"in-campaign": 2}
    requests = t.json("list", "--tag", TAG)
    assert len(requests) == 4 and len({r["agency"] for r in requests}) == 4
    page = client.get(f"/jobs/{job_id}", headers=HOST).get_data(as_text=True)
    assert "already in this campaign" in page and "Letters written: 2" in page


def test_a_second_campaign_run_is_refused_while_the_first_runs(db_url: str, tmp_path: Path) -> None:
    t = Tracker(db_url, tmp_path)
    with open_store(db_url).write() as session:
        job = Job(
            kind="campaign", tag=TAG, params={}, status="running", done=1, total=4,
            runner=OTHER_SERVER, active=active_key("campaign", TAG), beat_at=utcnow(),
        )  # fmt: skip
        session.add(job)
        session.flush()
        job_id = job.id
    from .test_campaign import SHEET

    sheet = tmp_path / "participating.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    t("agencies", "import", str(sheet), "--downloaded", "2026-11-30")
    client = dashboard(db_url, tmp_path).test_client()
    client.get("/lang/es", headers=HOST)
    form = {"state": "TX", "topic": "wso", "tag": TAG, "requester_name": "Ana", "requester_state": "FL"}
    refused = client.post(
        "/campaign", data=form | {"action": "run", "csrf_token": token(client, "/campaign")}, headers=HOST
    )
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "ya se están escribiendo" in text and f'href="/jobs/{job_id}"' in text
    assert t.json("list", "--tag", TAG) == []


@pytest.mark.parametrize(
    ("runner", "beat_age", "runs"),
    [
        pytest.param("this", 0, False, id="this-process-built-again"),
        pytest.param(OTHER_SERVER, 5, True, id="another-host-alive"),
        pytest.param(OTHER_SERVER, STALE.total_seconds() + 1, False, id="another-host-silent"),
        pytest.param("dead", 5, False, id="this-host-process-gone"),
        pytest.param("parent", 5, True, id="this-host-process-alive"),
        pytest.param("ours-starting", 5, True, id="ours-claimed-its-thread-about-to-start"),
        pytest.param("ours-ended", 5, False, id="ours-its-thread-ended-without-closing-the-row"),
    ],
)
def test_whose_runner_is_alive(runner: str, beat_age: float, runs: bool) -> None:
    import os
    import socket

    here = Runner()
    if runner == "this":
        runner = f"{here.host}/{here.pid}/another-token"
    elif runner == "dead":
        child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        runner = f"{socket.gethostname()}/{int(child.stdout)}/token"  # exited (and reaped) already
    elif runner == "parent":
        runner = f"{socket.gethostname()}/{os.getppid()}/token"
    elif runner.startswith("ours"):
        if runner == "ours-ended":
            ended = threading.Thread(target=lambda: None)
            ended.start()
            ended.join()
            here.threads[1] = ended
        runner = here.name
    now = utcnow()
    job = Job(id=1, runner=runner, beat_at=now - dt.timedelta(seconds=beat_age))
    assert here.runs(job, now) is runs


# --- a real server, crashed in the middle of sending -----------------------------------------------


def http_request(port: int, method: str, path: str, *, cookie: str = "", form: dict[str, str] | None = None) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
    headers = {"Host": f"127.0.0.1:{port}", "Cookie": cookie}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def until(condition: Any, what: str) -> None:
    """Wait for ``condition()`` to hold (a state, not a duration: fails only after DEADLINE)."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.05)


@pytest.mark.slow
def test_a_crashed_server_s_job_is_shown_interrupted_and_resumed_without_sending_twice(
    tmp_path: Path, server: Server
) -> None:
    """A real ``records-req serve`` sends a campaign at one message a minute; the browser leaves;
    the server is killed (SIGKILL) while it waits to send the second letter. The next server
    shows the job interrupted at once (its process is gone) and resumes it: the second letter
    goes, the first is not sent again."""
    url = f"sqlite:///{tmp_path / 'records.db'}"
    t = Tracker(url, tmp_path)
    first, second = two_letters(t, server)
    port = free_port()
    env = subprocess_env(RECORDS_REQ_HOME=str(tmp_path / "home"), RECORDS_REQ_SMTP_PASSWORD=PASSWORD)
    command = [sys.executable, "-m", "records_req", "--db", url, "serve", "--port", str(port), "--no-browser"]
    proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    lines: list[str] = []
    assert proc.stderr is not None
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr or []), daemon=True)
    reader.start()
    try:
        until(lambda: any("dashboard at" in line for line in lines) or proc.poll() is not None, "the server listens")
        status, headers, page = http_request(port, "GET", f"/send?tag={TAG.replace(' ', '+')}")
        assert status == 200
        cookie = headers["Set-Cookie"].split(";", 1)[0]
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert found
        form = {"csrf_token": found.group(1), "tag": TAG, "rate": "1"}  # one a minute: a minute's wait after the first
        status, headers, _ = http_request(port, "POST", "/send", cookie=cookie, form=form)
        assert status == 303
        job_id = int(headers["Location"].rsplit("/", 1)[1])
        # The browser is gone; the job goes on: the first letter is accepted and its progress kept.
        until(lambda: len(server.received) == 1, "the first letter arrives")
        until(lambda: _job(url, job_id).done == 1, "the job records its first letter")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reader.join(timeout=DEADLINE)
        proc.stderr.close()
    assert _job(url, job_id).status == "running"  # as the dead server left it

    app = dashboard(url, tmp_path)
    client = app.test_client()
    page = client.get(f"/jobs/{job_id}", headers=HOST).get_data(as_text=True)
    assert 'data-status="interrupted"' in page and ">1</span> / 2" in page and "Resume</button>" in page
    resumed = client.post(f"/jobs/{job_id}/resume", data={"csrf_token": token(client, f"/jobs/{job_id}")}, headers=HOST)
    assert resumed.status_code == 303
    state = wait_for(app, job_id)
    assert state["status"] == "finished" and (state["done"], state["total"]) == (2, 2)
    assert [(o["request_id"], o["status"]) for o in state["outcomes"]] == [(first, "accepted"), (second, "accepted")]
    assert [m.recipients for m in server.received] == [["records@hcso.example"], ["pir@tcso.example"]]
    assert [(r["request_id"], r["status"], r["attempts"]) for r in rows(url)] == [
        (first, "accepted", 1),
        (second, "accepted", 1),
    ]


def _job(url: str, job_id: int) -> Job:
    with open_store(url).read() as session:
        job = session.get(Job, job_id)
        assert job is not None
        session.expunge(job)
        return job


def test_a_send_that_cannot_reach_the_server_stops_with_its_reason_and_is_tried_again(
    db_url: str, tmp_path: Path, server: Server
) -> None:
    """The mail account names a port nobody listens on: the job stops on that error, says it,
    and offers to try again; once the account is corrected, trying again sends each letter."""
    t = Tracker(db_url, tmp_path)
    first, second = two_letters(t, server)
    t("mail", "set", "--port", str(free_port()))  # the wrong port
    app = dashboard(db_url, tmp_path)
    client = app.test_client()
    form = {"csrf_token": token(client, f"/send?tag={TAG}"), "tag": TAG, "rate": "6000"}
    started = client.post("/send", data=form, headers=HOST)
    assert started.status_code == 303
    job_id = int(started.headers["Location"].rsplit("/", 1)[1])
    state = wait_for(app, job_id)
    assert state["status"] == "failed" and "Cannot reach the mail server" in state["error"]
    page = client.get(f"/jobs/{job_id}", headers=HOST).get_data(as_text=True)
    assert 'data-status="failed"' in page and "Try again</button>" in page and "nothing was sent" in page
    assert server.received == [] and rows(db_url) == []

    t("mail", "set", "--port", str(server.port))
    again = client.post(f"/jobs/{job_id}/resume", data={"csrf_token": form["csrf_token"]}, headers=HOST)
    assert again.status_code == 303
    state = wait_for(app, job_id)
    assert state["status"] == "finished" and state["error"] is None and (state["done"], state["total"]) == (2, 2)
    assert [(o["request_id"], o["status"]) for o in state["outcomes"]] == [(first, "accepted"), (second, "accepted")]
    assert len(server.received) == 2

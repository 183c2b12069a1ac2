"""Sending letters from the user's own mailbox, to a real SMTP server (aiosmtpd, tests/mail_server.py)
over STARTTLS or implicit TLS with a certificate made by the test: what arrives (body, PDF,
reference token, Message-ID), what is recorded (the sent event at acceptance, the outgoing row),
idempotence, refusals, the dry run, and that the password is never stored or printed."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from records_req.cli import cli

from .cli_helpers import Tracker
from .mail_server import PASSWORD, USER, Server, smtp_server

AGENCY = "Harris County Sheriff's Office"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with smtp_server(tmp_path) as running:
        yield running


def set_up(t: Tracker, server: Server, *extra: str) -> None:
    t(
        "profile",
        "set",
        "--name",
        "Ana Núñez",
        "--email",
        "ana@example.org",
        "--address",
        "1 Main St\\nHouston, TX 77002",
    )
    t(
        "mail", "set", "--host", server.host, "--port", str(server.port), "--security", "starttls",
        "--user", USER, "--from", "ana@example.org", "--cafile", str(server.cafile), *extra,
    )  # fmt: skip


def request_to(t: Tracker, agency: str, email: str, *extra: str) -> int:
    return t.new("TX", agency, "--agency-email", email, *extra)


def rows(url: str) -> list[dict[str, Any]]:
    from sqlalchemy import create_engine, text

    from records_req.store.db import normalize_url

    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text("SELECT * FROM outgoing_messages ORDER BY id"))]
    finally:
        engine.dispose()


@pytest.fixture
def password_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECORDS_REQ_SMTP_PASSWORD", PASSWORD)


def test_the_letter_arrives_with_its_pdf_token_and_message_id_and_is_recorded_as_sent_when_accepted(
    db_url: str, tmp_path: Path, server: Server, password_env: None
) -> None:
    t = Tracker(db_url, tmp_path)
    set_up(t, server)
    rid = request_to(t, AGENCY, "records@hcso.example")
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    outcome = t.json("send", str(rid), "--rate", "6000/min")[0]
    after = dt.datetime.now(dt.UTC)

    assert outcome["status"] == "accepted"
    [got] = server.received
    assert server.logins == [(USER, PASSWORD)]  # signed in, after STARTTLS (aiosmtpd refuses AUTH before it)
    assert got.recipients == ["records@hcso.example"]
    assert got.sender == "ana@example.org"
    message = got.message
    assert message["To"].addresses[0].addr_spec == "records@hcso.example"
    assert message["From"].addresses[0].display_name == "Ana Núñez"
    subject = str(message["Subject"])
    assert (
        subject.startswith("[rr-")
        and f"-{rid}] Public records request under the Texas Public Information Act" in subject
    )
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content().replace("\r\n", "\n")
    assert text.startswith("Dear Officer for Public Information:")
    assert "1. The executed Warrant Service Officer (WSO) Memorandum of Agreement" in text
    assert "Sincerely,\n\nAna Núñez\n1 Main St\nHouston, TX 77002\nana@example.org" in text
    [attachment] = list(message.iter_attachments())
    pdf = next((tmp_path / "out").rglob("*.pdf"))
    assert attachment.get_filename() == pdf.name
    assert attachment.get_content() == pdf.read_bytes()

    [row] = rows(db_url)
    assert row["message_id"] == message["Message-ID"] == outcome["message_id"]
    assert row["status"] == "accepted" and row["to_address"] == "records@hcso.example"
    stamp = row["accepted_at"]  # SQLite returns the text, PostgreSQL a datetime
    accepted = (dt.datetime.fromisoformat(stamp) if isinstance(stamp, str) else stamp).replace(tzinfo=dt.UTC)
    assert before <= accepted <= after
    shown = t.json("show", str(rid))
    sent = [e for e in shown["events"] if e["kind"] == "sent"]
    assert len(sent) == 1
    assert sent[0]["on"] == accepted.astimezone().date().isoformat() == outcome["sent_on"]
    assert row["message_id"] in json.dumps(sent[0])  # the note names the Message-ID

    # Running it again sends nothing and says so.
    again = t("send", str(rid), "--rate", "6000/min")
    assert len(server.received) == 1
    assert "already sent" in again
    assert len(rows(db_url)) == 1


def test_a_campaign_sends_each_letter_once_records_a_refusal_and_retries_only_a_deferral(
    db_url: str, tmp_path: Path, server: Server, password_env: None
) -> None:
    t = Tracker(db_url, tmp_path)
    set_up(t, server)
    ok = request_to(t, AGENCY, "records@hcso.example", "--tag", "TX")
    refused = request_to(t, "Galveston County Sheriff's Office", "nobody@gcso.example", "--tag", "TX")
    deferred = request_to(t, "Montgomery County Sheriff's Office", "busy@mcso.example", "--tag", "TX")
    no_email = t.new("TX", "Brazoria County Sheriff's Office", "--tag", "TX")

    result = CliRunner().invoke(cli, ["--db", db_url, "send", "--tag", "TX", "--rate", "6000/min", "--json"])
    assert result.exit_code == 1, result.stderr  # something was refused: a script can tell
    by_id = {o["request_id"]: o for o in json.loads(result.stdout)}
    assert by_id[ok]["status"] == "accepted"
    assert by_id[refused]["status"] == "refused" and by_id[refused]["error"].startswith("550 5.1.1")
    assert by_id[deferred]["status"] == "failed" and by_id[deferred]["error"].startswith("451")
    assert by_id[no_email]["status"] == "skipped" and by_id[no_email]["reason"] == "no-email"
    assert [r.recipients for r in server.received] == [["records@hcso.example"]]
    assert "[1/3]" in result.stderr and "REFUSED" in result.stderr  # progress on stderr
    statuses = {r["request_id"]: r["status"] for r in rows(db_url)}
    assert statuses == {ok: "accepted", refused: "refused", deferred: "failed"}
    assert t.json("show", str(refused))["status"] == "draft"  # a refused letter was not sent

    # The next run sends only the deferred letter (the server takes it now); the refused one is reported.
    second = CliRunner().invoke(cli, ["--db", db_url, "send", "--tag", "TX", "--rate", "6000/min"])
    assert [r.recipients for r in server.received] == [["records@hcso.example"], ["busy@mcso.example"]]
    assert "refused by the server: 550 5.1.1" in second.stdout
    assert 'records-req agencies set --state TX --name "Brazoria County Sheriff\'s Office"' in second.stdout
    assert {r["request_id"]: r["status"] for r in rows(db_url)}[deferred] == "accepted"
    assert {r["request_id"]: r["attempts"] for r in rows(db_url)}[deferred] == 2
    assert t.json("show", str(deferred))["status"] != "draft"


def test_the_dry_run_shows_what_would_go_where_and_sends_nothing(
    db_url: str, tmp_path: Path, server: Server, password_env: None
) -> None:
    t = Tracker(db_url, tmp_path)
    set_up(t, server)
    rid = request_to(t, AGENCY, "records@hcso.example")
    text = t("send", str(rid), "--dry-run")
    pdf = next((tmp_path / "out").rglob("*.pdf"))
    assert "to:       Harris County Sheriff's Office <records@hcso.example>" in text
    assert "from:     Ana Núñez <ana@example.org>" in text
    assert f"attached: {pdf.name} ({pdf.stat().st_size:,} bytes)" in text
    [plan] = t.json("send", str(rid), "--dry-run")
    assert plan["action"] == "send" and plan["subject"].startswith(plan["reference"])
    assert plan["attachments"] == [{"name": pdf.name, "size": pdf.stat().st_size, "changed": False}]
    assert server.received == [] and server.logins == []  # not even a connection that signs in
    assert rows(db_url) == []
    assert t.json("show", str(rid))["status"] == "draft"


def test_the_password_is_never_stored_or_printed(
    db_url: str, tmp_path: Path, server: Server, password_env: None, isolated_home: Path
) -> None:
    t = Tracker(db_url, tmp_path)
    set_up(t, server)
    rid = request_to(t, AGENCY, "records@hcso.example")
    printed = [t("mail", "show"), t("mail", "show", "--json"), t("send", str(rid), "--json", "--rate", "6000/min")]
    printed.append(t.stderr)
    assert json.loads(printed[1])["password"] == "environment"
    assert all(PASSWORD not in out for out in printed)
    assert all(PASSWORD.encode() not in p.read_bytes() for p in isolated_home.rglob("*") if p.is_file())
    t("db", "export", str(tmp_path / "backup.json"))
    assert PASSWORD not in (tmp_path / "backup.json").read_text(encoding="utf-8")
    if db_url.startswith("sqlite"):
        assert PASSWORD.encode() not in Path(db_url.split("///", 1)[1]).read_bytes()


def test_a_wrong_password_an_untrusted_certificate_and_plain_text_are_refused_in_one_line(
    tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'records.db'}"
    t = Tracker(url, tmp_path)
    set_up(t, server)
    rid = request_to(t, AGENCY, "records@hcso.example")
    monkeypatch.setenv("RECORDS_REQ_SMTP_PASSWORD", "not-it")
    out = t("send", str(rid), code=1)
    assert "refused the user name or password for ana@example.org (535" in t.stderr
    assert "Traceback" not in t.stderr and "not-it" not in out + t.stderr
    monkeypatch.delenv("RECORDS_REQ_SMTP_PASSWORD")
    t("send", str(rid), code=1)
    assert "No password for ana@example.org" in t.stderr and "records-req mail password" in t.stderr

    monkeypatch.setenv("RECORDS_REQ_SMTP_PASSWORD", PASSWORD)
    (tmp_path / "settings-ca.pem").write_bytes(b"")
    t("mail", "set", "--cafile", str(tmp_path / "other-ca.pem"), code=2)  # no such file
    assert "does not exist" in t.stderr
    from .mail_server import make_certificates

    (tmp_path / "other").mkdir()
    other_ca = make_certificates(tmp_path / "other")[0]
    t("mail", "set", "--cafile", str(other_ca))
    t("send", str(rid), code=1)
    assert "certificate of the mail server" in t.stderr and "cannot be verified" in t.stderr

    t("mail", "set", "--security", "plain", code=2)
    assert "without encryption" in t.stderr
    assert server.received == [] and rows(url) == []
    assert t.json("show", str(rid))["status"] == "draft"


# aiosmtpd cannot tell that an implicit-TLS connection is encrypted, and warns about AUTH over it.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_implicit_tls_and_the_password_from_the_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyrings.alt.file import PlaintextKeyring  # type: ignore[import-untyped]

    monkeypatch.delenv("RECORDS_REQ_SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    previous = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())  # a file keyring in tmp_path: the keyring library's own calls
    try:
        (tmp_path / "tls").mkdir()
        with smtp_server(tmp_path / "tls", implicit_tls=True) as server:
            url = f"sqlite:///{tmp_path / 'records.db'}"
            t = Tracker(url, tmp_path)
            set_up(t, server, "--security", "tls")
            assert t.json("mail", "show")["password"] == "missing"
            t("mail", "password", "--stdin", input_text=PASSWORD + "\n")
            assert t.json("mail", "show")["password"] == "keyring"
            rid = request_to(t, AGENCY, "records@hcso.example")
            assert t.json("send", str(rid))[0]["status"] == "accepted"
            assert server.logins == [(USER, PASSWORD)]
            assert len(server.received) == 1
    finally:
        keyring.set_keyring(previous)


@pytest.mark.serial
def test_a_campaign_killed_mid_way_resumes_and_sends_only_what_is_left(
    tmp_path: Path, server: Server, isolated_home: Path, password_env: None
) -> None:
    """A real process sending at 1 a minute is killed (SIGKILL) while it waits after its first
    message; the next run sends the other two, and no letter arrives twice."""
    url = f"sqlite:///{tmp_path / 'records.db'}"
    t = Tracker(url, tmp_path)
    set_up(t, server)
    for name, email in [
        (AGENCY, "a@hcso.example"),
        ("Galveston County", "b@gc.example"),
        ("Waller County", "c@wc.example"),
    ]:
        request_to(t, name, email, "--tag", "TX")
    env = {**os.environ, "RECORDS_REQ_HOME": str(isolated_home), "RECORDS_REQ_SMTP_PASSWORD": PASSWORD}
    child = subprocess.Popen(
        [sys.executable, "-m", "records_req", "--db", url, "send", "--tag", "TX", "--rate", "1/min"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert child.stderr is not None
        line = child.stderr.readline().decode()  # the progress line of the first message, once recorded
        assert line.startswith("[1/3]") and "accepted" in line
        assert [r["status"] for r in rows(url)] == ["accepted"]
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        if child.stderr is not None:
            child.stderr.close()
    t("send", "--tag", "TX", "--rate", "6000/min")
    assert sorted(r.recipients[0] for r in server.received) == ["a@hcso.example", "b@gc.example", "c@wc.example"]
    assert [r["status"] for r in rows(url)] == ["accepted"] * 3


def test_deliver_keeps_to_the_rate(tmp_path: Path, server: Server) -> None:
    """Three messages at 6 a minute: two pauses, each the rest of a ten-second interval."""
    from records_req.mail import send as mail
    from records_req.mail.settings import required
    from records_req.store.db import open_store

    url = f"sqlite:///{tmp_path / 'records.db'}"
    t = Tracker(url, tmp_path)
    set_up(t, server)
    for name, email in [
        (AGENCY, "a@hcso.example"),
        ("Galveston County", "b@gc.example"),
        ("Waller County", "c@wc.example"),
    ]:
        request_to(t, name, email, "--tag", "TX")
    pauses: list[float] = []
    settings = required()
    store = open_store(url)
    plans = mail.plan(store, settings, tag="TX")
    outcomes = mail.deliver(store, plans, settings, PASSWORD, today=dt.date.today(), rate=6, pause=pauses.append)
    assert [o.status for o in outcomes] == ["accepted"] * 3
    assert len(pauses) == 2 and all(0 < p <= 10 for p in pauses)


def test_the_dashboard_shows_the_message_then_sends_it_on_confirmation(
    tmp_path: Path, server: Server, password_env: None
) -> None:
    import re

    from records_req.web import Settings, create_app

    url = f"sqlite:///{tmp_path / 'records.db'}"
    t = Tracker(url, tmp_path)
    set_up(t, server)
    rid = request_to(t, AGENCY, "records@hcso.example")
    client = create_app(Settings(db_url=url, out_dir=tmp_path / "out", secret_key=b"k" * 32)).test_client()
    host = {"Host": "127.0.0.1:8765"}
    page = client.get(f"/requests/{rid}", headers=host).get_data(as_text=True)
    assert f'href="/requests/{rid}/send"' in page  # the button on the request page
    confirm = client.get(f"/requests/{rid}/send", headers=host).get_data(as_text=True)
    assert "records@hcso.example" in confirm and "[rr-" in confirm and ".pdf (" in confirm
    assert server.received == []  # showing it sends nothing
    forged = client.post(f"/requests/{rid}/send", data={"csrf_token": "x" * 43}, headers=host)
    assert forged.status_code == 403 and server.received == []
    found = re.search(r'name="csrf_token" value="([^"]+)"', confirm)
    assert found
    sent = client.post(f"/requests/{rid}/send", data={"csrf_token": found.group(1)}, headers=host)
    assert sent.status_code == 303
    assert len(server.received) == 1
    after = client.get(f"/requests/{rid}", headers=host).get_data(as_text=True)
    assert "accepted at" in after and t.json("show", str(rid))["status"] != "draft"
    again = client.post(f"/requests/{rid}/send", data={"csrf_token": found.group(1)}, headers=host)
    assert again.status_code == 409 and "already sent" in again.get_data(as_text=True)
    assert len(server.received) == 1

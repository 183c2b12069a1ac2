"""Sending a request's later letters by email (issue 20): ``send`` sends the newest letter not yet
sent, the initial one, or the follow-up or appeal written since, each with its own outgoing row,
to its own addressee; an appeal to the appeal body's address (from the law data, else the
agencies list), or one line naming what is missing. A real SMTP server (aiosmtpd) receives them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .cli_helpers import Tracker
from .mail_server import PASSWORD, Server, smtp_server
from .test_mail_send import request_to, rows, set_up

AGENCY = "Harris County Sheriff's Office"
AG = "Office of the Attorney General, Open Records Division"  # Texas's appeal body (data/state_pra.yaml)


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    monkeypatch.setenv("RECORDS_REQ_SMTP_PASSWORD", PASSWORD)
    with smtp_server(tmp_path) as running:
        yield running


def _attached(server: Server, n: int) -> str:
    [attachment] = list(server.received[n].message.iter_attachments())
    return str(attachment.get_filename())


def test_a_follow_up_and_an_appeal_are_sent_each_once_to_their_own_addressee(
    db_url: str, tmp_path: Path, server: Server
) -> None:
    t = Tracker(db_url, tmp_path)
    set_up(t, server)
    rid = request_to(t, AGENCY, "records@hcso.example")
    t("sent", str(rid), "--on", "2026-10-01")  # the initial letter went by hand
    refused = t("send", str(rid), code=1)
    assert "it was sent another way" in refused and server.received == []

    out = str(tmp_path / "out")
    t("followup", str(rid), "--out", out, today="2026-11-27")
    plan = t.json("send", str(rid), "--dry-run", today="2026-11-27")[0]
    assert plan["action"] == "send" and plan["letter_kind"] == "follow-up"
    assert plan["to_email"] == "records@hcso.example"
    t("send", str(rid), "--rate", "6000/min", today="2026-11-27")
    [got] = server.received
    assert got.recipients == ["records@hcso.example"]
    assert "Follow-up" in str(got.message["Subject"]) and f"-{rid}]" in str(got.message["Subject"])
    follow_pdf = next(Path(out).rglob("*ollow*.pdf"))
    assert _attached(server, 0) == follow_pdf.name
    assert "already sent" in t("send", str(rid), today="2026-11-27")
    assert len(server.received) == 1

    t("log", str(rid), "denied", "--on", "2026-12-01", today="2026-12-01")
    t("appeal", str(rid), "--out", out, today="2026-12-02")
    missing = t("send", str(rid), today="2026-12-02", code=1)
    assert f"no email address is known for {AG}, where request #{rid}'s appeal goes" in missing
    assert "agencies set --state TX" in missing and len(server.received) == 1

    t("agencies", "set", "--state", "TX", "--name", AG, "--email", "openrecords@oag.example")
    t("send", str(rid), "--rate", "6000/min", today="2026-12-02")
    assert len(server.received) == 2
    appeal = server.received[1]
    assert appeal.recipients == ["openrecords@oag.example"]
    assert appeal.message["To"].addresses[0].display_name == AG
    assert _attached(server, 1) != follow_pdf.name and _attached(server, 1).endswith(".pdf")
    assert "already sent" in t("send", str(rid), today="2026-12-02")

    sent = rows(db_url)
    assert [(r["letter_kind"], r["to_address"], r["status"]) for r in sent] == [
        ("follow-up", "records@hcso.example", "accepted"),
        ("appeal", "openrecords@oag.example", "accepted"),
    ]
    assert len({r["document_id"] for r in sent}) == 2 and len({r["message_id"] for r in sent}) == 2
    kinds = [e["kind"] for e in t.json("show", str(rid), today="2026-12-02")["events"]]
    assert kinds.count("sent") == 1  # the later letters' own events stand; no second 'sent'


def test_an_appeal_goes_to_the_body_named_in_the_law_data(db_url: str, tmp_path: Path, server: Server) -> None:
    """New Jersey's Government Records Council has its address in the law data."""
    t = Tracker(db_url, tmp_path)
    set_up(t, server)
    rid = t.new("NJ", "Monmouth County Sheriff's Office", "--agency-email", "opra@mcso.example")
    t("sent", str(rid), "--on", "2026-10-01")
    t("log", str(rid), "denied", "--on", "2026-10-09", today="2026-10-09")
    t("appeal", str(rid), "--out", str(tmp_path / "out"), today="2026-10-12")
    t("send", str(rid), "--rate", "6000/min", today="2026-10-12")
    [got] = server.received
    assert got.recipients == ["Government.Records@dca.nj.gov"]
    assert [r["letter_kind"] for r in rows(db_url)] == ["appeal"]


def test_the_dashboard_sends_a_campaign_after_showing_what_would_go_where(tmp_path: Path, server: Server) -> None:
    """The same plan as the command line's dry run, then one confirmed POST sends what is left at
    the rate given, as a job whose page says what happened to each letter; a request with no
    address is named and not sent; a second POST sends nothing."""
    import re

    from markupsafe import escape

    from records_req.web import Settings, create_app

    url = f"sqlite:///{tmp_path / 'records.db'}"
    t = Tracker(url, tmp_path)
    set_up(t, server)
    first = request_to(t, AGENCY, "records@hcso.example", "--tag", "TX WSO")
    second = t.new("TX", "Galveston County Sheriff's Office", "--tag", "TX WSO")  # no address known
    request_to(t, "Travis County Sheriff's Office", "pir@tcso.example")  # not in the campaign
    dry = t.json("send", "--tag", "TX WSO", "--dry-run")
    client = create_app(Settings(db_url=url, out_dir=tmp_path / "out", secret_key=b"k" * 32)).test_client()
    host = {"Host": "127.0.0.1:8765"}
    listed = client.get("/requests?tag=TX+WSO", headers=host).get_data(as_text=True)
    assert 'href="/send?tag=TX+WSO"' in listed
    page = client.get("/send?tag=TX+WSO", headers=host).get_data(as_text=True)
    assert server.received == []  # showing it sends nothing
    for p in dry:  # the dashboard shows the command line's plan
        assert f"<td>{p['request_id']}</td>" in page
        if p["action"] == "send":
            assert p["to_email"] in page and escape(p["subject"]) in page
        else:
            assert escape(p["detail"]) in page
    assert [p["action"] for p in dry] == ["send", "skip"] and "pir@tcso.example" not in page
    assert "Send them now</button>" not in page and "Send them now (1)</button>" in page

    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    form = {"csrf_token": token.group(1), "tag": "TX WSO", "rate": "6000"}
    forged = client.post("/send", data=form | {"csrf_token": "x" * 43}, headers=host)
    assert forged.status_code == 403 and server.received == []
    bad = client.post("/send", data=form | {"rate": "0"}, headers=host)
    assert bad.status_code == 409 and "more than zero" in bad.get_data(as_text=True) and server.received == []

    started = client.post("/send", data=form, headers=host)  # a job of the server, followed on its page
    assert started.status_code == 303 and started.headers["Location"].startswith("/jobs/")
    job_id = int(started.headers["Location"].rsplit("/", 1)[1])
    client.application.extensions["records_req_jobs"].wait(job_id, timeout=120)
    [got] = server.received
    assert got.recipients == ["records@hcso.example"]
    shown = client.get(started.headers["Location"], headers=host).get_data(as_text=True)
    assert f'<tr data-status="accepted"><td>{first}</td>' in shown
    assert f'<tr data-status="skipped"><td>{second}</td>' in shown
    assert t.json("show", str(first))["status"] != "draft" and t.json("show", str(second))["status"] == "draft"

    again = client.post("/send", data=form, headers=host)
    assert again.status_code == 409 and "Nothing to send" in again.get_data(as_text=True)
    assert len(server.received) == 1 and len(rows(url)) == 1

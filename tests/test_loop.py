"""The whole loop (issue 20, "Done when"), from a fresh database, through the real parts: ICE's page
served over HTTP (tests/test_ice_update.py's IceSite and the shipped pending sheet), a watch, a
request started from the watch's command, sent to a real SMTP server (aiosmtpd, tests/mail_server.py),
the agency's extension notice answered to that very message and put in a real IMAP folder (Dovecot,
tests/imap_server.py), `inbox fetch`, the proposal confirmed and the deadline moved; then a release
with a two-page PDF (reportlab) fetched, and `search` finding a word on its second page.
On SQLite and PostgreSQL.

The letter is sent now (the `sent` event is the moment the server accepted it), so the whole story
is dated from the real today: the replies are dated today and the extension runs two weeks on."""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from .cli_helpers import Tracker
from .mail_server import PASSWORD as SMTP_PASSWORD
from .mail_server import USER as SMTP_USER
from .mail_server import Server, smtp_server
from .test_ice_update import PENDING, IceSite, pending_only
from .test_search import pdf

AGENCY = "Franklin County Sheriff's Office"
RECORDS = "foi@franklin-so.example"
WORD = "quokka"  # on the release's second page only


@pytest.fixture
def site() -> Iterator[IceSite]:
    served = IceSite()
    yield served
    served.close()


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[Server]:
    with smtp_server(tmp_path) as running:
        yield running


@pytest.fixture
def imap() -> Iterator[Any]:
    from .imap_server import dovecot

    with dovecot() as server:  # skips, saying why, where Dovecot is not installed
        yield server


def answer(sent: EmailMessage, body: str, *, on: dt.date, n: int, files: dict[str, bytes] | None = None) -> bytes:
    """The agency's reply to the message it received: Re: its subject, In-Reply-To its Message-ID."""
    reply = EmailMessage()
    reply["From"] = f"Records Custodian <{RECORDS}>"
    reply["To"] = str(sent["From"])
    reply["Subject"] = f"RE: {sent['Subject']}"
    reply["Date"] = format_datetime(dt.datetime.combine(on, dt.time(9, 30), dt.timezone(dt.timedelta(hours=-6))))
    reply["Message-ID"] = f"<reply-{n}.{on.isoformat()}@franklin-so.example>"
    reply["In-Reply-To"] = str(sent["Message-ID"])
    reply["References"] = str(sent["Message-ID"])
    reply.set_content(body)
    for name, data in (files or {}).items():
        reply.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return reply.as_bytes()


def test_the_whole_loop_from_ices_list_to_a_word_on_page_two_of_the_release(
    db_url: str, tmp_path: Path, site: IceSite, smtp: Server, imap: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .imap_server import PASSWORD as IMAP_PASSWORD
    from .imap_server import USER as IMAP_USER

    today = dt.date.today()  # the day the SMTP server accepts the letter
    t = Tracker(db_url, tmp_path)

    def run(*args: str, code: int = 0) -> str:
        return t(*args, today=today.isoformat(), code=code)

    def data(*args: str) -> Any:
        return t.json(*args, today=today.isoformat())

    # 1. ICE's page is updated; the watch matches the new agreement
    run("watch", "add", "--state", "AR", "--county", "Franklin County", "--model", "tfm")
    site.page(pending_only())
    site.sheet(PENDING)
    updated = data("agencies", "update", "--url", site.url)
    [match] = updated["matches"]
    assert (match["agreement"]["agency"], match["agreement"]["model"]) == (AGENCY, "TFM")

    # 2. the request the match offers is created, and sent to the SMTP server
    run(
        "profile",
        "set",
        "--name",
        "Ana Núñez",
        "--email",
        "ana@example.org",
        "--address",
        "1 Main St\\nLittle Rock, AR",
    )
    words = shlex.split(match["command"])
    assert words[:2] == ["records-req", "new"]
    made = data(*words[1:], "--agency-email", RECORDS, "--requester-state", "AR", "--out", str(tmp_path / "out"))
    rid = int(made["id"])
    run(
        "mail", "set", "--host", smtp.host, "--port", str(smtp.port), "--security", "starttls",
        "--user", SMTP_USER, "--from", "ana@example.org", "--cafile", str(smtp.cafile),
    )  # fmt: skip
    monkeypatch.setenv("RECORDS_REQ_SMTP_PASSWORD", SMTP_PASSWORD)
    [outcome] = data("send", str(rid), "--rate", "6000/min")
    assert outcome["status"] == "accepted"
    [delivered] = smtp.received
    assert delivered.recipients == [RECORDS]
    sent = delivered.message
    due_before = data("show", str(rid))["due"]
    assert data("show", str(rid))["status"] == "awaiting-ack" and due_before is not None

    # 3. the agency's extension notice arrives in the IMAP folder; fetch matches and reads it
    until = today + dt.timedelta(days=14)
    said = until.strftime("%B %d, %Y").replace(" 0", " ")
    extension = answer(
        sent,
        "Ms. Núñez,\n\nThe records you requested are in active use. Pursuant to Ark. Code Ann. "
        f"§ 25-19-105(e), we need additional time: the records will be available on or before {said}.\n\n"
        "Records Custodian\nFranklin County Sheriff's Office\n",
        on=today,
        n=1,
    )
    imap.append(extension, "INBOX")
    run(
        "inbox", "account", "set", "--host", imap.host, "--port", str(imap.port), "--security", "starttls",
        "--user", IMAP_USER, "--folder", "INBOX", "--cafile", str(imap.cafile),
    )  # fmt: skip
    monkeypatch.setenv("RECORDS_REQ_IMAP_PASSWORD", IMAP_PASSWORD)
    fetched = data("inbox", "fetch")
    [message] = fetched["messages"]
    assert (message["request_id"], message["matched_by"]) == (rid, "in-reply-to")
    [proposal] = message["proposals"]
    assert (proposal["kind"], proposal["data"]) == ("extended", {"until": until.isoformat()})
    assert data("show", str(rid))["due"] == due_before  # nothing moves before it is confirmed

    # 4. the extension is confirmed: the deadline moves
    confirmed = data("inbox", "confirm", str(proposal["id"]))
    assert confirmed["due_on"] == until.isoformat() != due_before
    shown = data("show", str(rid))
    assert shown["due"] == until.isoformat() and shown["status"] == "awaiting-response"  # the agency answered

    # 5. the release arrives with a two-page PDF; fetch takes it; search finds the word on page 2
    release = pdf(
        "Franklin County Sheriff's Office\nTask Force Model: monthly activity, January",
        f"Encounters referred to ICE: 12\nThe {WORD} protocol memo is attached to the agreement.",
    )
    imap.append(
        answer(sent, "Please find the responsive records attached.", on=today, n=2,
               files={"FCSO-287g-release.pdf": release}),
        "INBOX",
    )  # fmt: skip
    [taken] = data("inbox", "fetch")["messages"]
    assert taken["request_id"] == rid and [p["kind"] for p in taken["proposals"]] == ["released"]
    assert taken["attachments"][0]["pages"] == 2
    found = data("search", WORD)
    [hit] = found["hits"]
    assert (hit["request"], hit["file"], hit["page"], hit["agency"]) == (rid, "FCSO-287g-release.pdf", 2, AGENCY)
    assert [hit["snippet"][a:b] for a, b in hit["marks"]] == [WORD]
    # once the release is confirmed, the file is also the request's: still one hit, now with its document
    run("inbox", "confirm", str(taken["proposals"][0]["id"]))
    [again] = data("search", WORD, "--state", "AR")["hits"]
    assert (again["request"], again["page"], again["document"] is not None) == (rid, 2, True)
    assert data("search", WORD, "--state", "TX")["hits"] == []

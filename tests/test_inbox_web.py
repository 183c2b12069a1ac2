"""The inbox in the dashboard (issue 20, section 3): reply files dropped or chosen on /inbox and
taken in as ``inbox import`` takes them, the queue answered with a form, proposals confirmed (with
the user's changes) or rejected on /inbox or on the request page, a message's text shown escaped
and its attachments downloaded as attachments; on SQLite and PostgreSQL, and the drop form in a
real Chromium at a phone's width.

The replies are tests/fixtures/replies (test_inbox.reply fills in the letter's Message-ID and
token); nothing is recorded on a request until a form confirms it."""

from __future__ import annotations

import datetime as dt
import io
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from records_req.web import Settings, create_app

from . import test_inbox, test_web_browser
from .cli_helpers import Tracker
from .test_inbox import MESSAGE_ID, reply, sent_by_email
from .test_web import HOST, Browser
from .test_web_browser import Tab

site, tab = test_web_browser.site, test_web_browser.tab  # the dashboard served for real, a Chromium tab
imap_server = test_inbox.imap_server  # a real Dovecot (tests/imap_server.py)

TODAY = dt.date(2027, 1, 25)


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    return Tracker(db_url, tmp_path)


def dashboard(rr: Tracker) -> Browser:
    app = create_app(Settings(db_url=rr.url, out_dir=rr.tmp / "out", today=TODAY, secret_key=b"k" * 32))
    return Browser(app.test_client())


def drop(web: Browser, *files: tuple[str, bytes]) -> Any:
    """The reply-files form, sent with these files (what a drop or the file input sends)."""
    data: dict[str, Any] = {
        "csrf_token": web.token("/inbox"),
        "files": [(io.BytesIO(raw), name) for name, raw in files],
    }
    return web.client.post("/inbox/import", data=data, headers=HOST, content_type="multipart/form-data")


def due(rr: Tracker, rid: int) -> str:
    found: str = rr.json("show", str(rid), today=TODAY.isoformat())["due"]
    return found


def text(response: Any) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_a_confirmed_proposal_moves_the_due_date_and_a_rejected_one_does_not(rr: Tracker, tmp_path: Path) -> None:
    rid, token = sent_by_email(rr, rr.url)
    before = due(rr, rid)
    web = dashboard(rr)
    ack = reply(tmp_path, "01-acknowledgment", token).read_bytes()
    extension = reply(tmp_path, "02-extension", token).read_bytes()
    taken = drop(web, ("acknowledgment.eml", ack), ("extension.eml", extension))
    assert taken.status_code == 200
    said = text(taken)
    assert "acknowledgment.eml : message 1 (November 30, 2026) from records@hcso.example" in said, said
    assert "extension.eml : message 2" in said and f"Request #{rid}" in said
    assert due(rr, rid) == before  # taken in and read: nothing recorded yet
    proposals = {p["kind"]: p["id"] for p in rr.json("inbox", "review", today=TODAY.isoformat())}
    assert set(proposals) == {"acknowledged", "extended"}
    # /inbox shows each proposal with the sentence it was read from, highlighted.
    page = web.get("/inbox").get_data(as_text=True)
    assert (
        "<mark>We require additional time to locate and review the records. "
        "The information will be available on or before January 15, 2027.</mark>"
    ) in page
    assert "cannot produce the requested information within ten business days. <mark>" in page  # its context
    # Rejected: nothing recorded, the clock where it was.
    rejected = web.post(f"/inbox/proposals/{proposals['acknowledged']}/reject", {"back": "/inbox"}, token_page="/inbox")
    assert rejected.status_code == 303 and rejected.headers["Location"] == "/inbox"
    assert "set aside; nothing was recorded" in text(web.get("/inbox"))
    assert due(rr, rid) == before
    assert [e["kind"] for e in rr.json("show", str(rid), today=TODAY.isoformat())["events"]] == ["sent"]
    # The request page lists its replies and the proposal still waiting, with its confirm form.
    page = web.get(f"/requests/{rid}").get_data(as_text=True)
    assert 'href="/inbox/messages/2"' in page and "by the reference in its subject" in page
    assert f'action="/inbox/proposals/{proposals["extended"]}/confirm"' in page
    assert f'action="/inbox/proposals/{proposals["acknowledged"]}/confirm"' not in page
    # Confirmed there, with the date the user corrects: the clock moves to it, and back to the page.
    back = f"/requests/{rid}#inbox"
    done = web.post(
        f"/inbox/proposals/{proposals['extended']}/confirm",
        {"on": "2026-12-11", "until": "2027-01-20", "days": "", "note": "", "back": back},
        token_page=f"/requests/{rid}",
    )
    assert done.status_code == 303 and done.headers["Location"] == back
    assert due(rr, rid) == "2027-01-20" != before
    shown = text(web.get(f"/requests/{rid}"))
    assert f"Recorded on request #{rid}" in shown and "Due" in shown
    assert "Waiting for your confirmation" not in shown
    # Confirming twice is one clear line, not a second event.
    again = web.post(f"/inbox/proposals/{proposals['extended']}/confirm", {}, token_page="/inbox")
    assert again.status_code == 422 and "was already confirmed" in text(again)
    rr("undo", str(rid), today=TODAY.isoformat())  # a confirmed event is a normal event
    assert due(rr, rid) == before


def test_a_forged_form_changes_nothing(rr: Tracker, tmp_path: Path) -> None:
    rid, token = sent_by_email(rr, rr.url)
    before = due(rr, rid)
    web = dashboard(rr)
    drop(web, ("extension.eml", reply(tmp_path, "02-extension", token).read_bytes()))
    [proposal] = rr.json("inbox", "review", today=TODAY.isoformat())
    forged = web.post(f"/inbox/proposals/{proposal['id']}/confirm", {"csrf_token": "x" * 43}, token=False)
    assert forged.status_code == 403
    no_token = web.client.post(
        "/inbox/import",
        data={"files": [(io.BytesIO(reply(tmp_path, "01-acknowledgment", token).read_bytes()), "a.eml")]},
        headers=HOST,
        content_type="multipart/form-data",
    )
    assert no_token.status_code == 403
    assert (
        web.post("/inbox/messages/1/match", {"request_id": str(rid), "csrf_token": ""}, token=False).status_code == 403
    )
    assert due(rr, rid) == before
    assert len(rr.json("inbox", "list", today=TODAY.isoformat())) == 1  # the forged import took nothing in


def test_an_unmatched_reply_is_assigned_from_the_queue_and_each_file_gets_its_line(rr: Tracker, tmp_path: Path) -> None:
    rid, token = sent_by_email(rr, rr.url)
    web = dashboard(rr)
    clarification = reply(tmp_path, "08-clarification", token).read_bytes()
    taken = drop(
        web,
        ("clarification.eml", clarification),
        ("notes.txt", b"Call the records office on Monday."),
        ("broken.eml", b"this is not an email message\n"),
    )
    assert taken.status_code == 200
    said = text(taken)
    assert "notes.txt : not taken in: only .eml, .mbox and .msg files are taken in here." in said
    assert "broken.eml : not taken in: not an email message (no header lines at its start)." in said
    assert "clarification.eml" in said and "Not matched" in said
    [queued] = rr.json("inbox", "list", "--unmatched", today=TODAY.isoformat())
    page = web.get("/inbox")
    queue = page.get_data(as_text=True).split('id="queue"')[1].split('id="review"')[0]
    assert "openrecords@dallascounty.example" in queue and "How far matching got" in queue
    assert f'action="/inbox/messages/{queued["id"]}/match"' in queue
    # Not matched yet: its proposals offer no confirm form.
    assert "Match the message to its request first" in page.get_data(as_text=True)
    refused = web.post(f"/inbox/messages/{queued['id']}/match", {"request_id": "999"}, token_page="/inbox")
    assert refused.status_code == 422 and "999" in text(refused)
    assigned = web.post(f"/inbox/messages/{queued['id']}/match", {"request_id": str(rid)}, token_page="/inbox")
    assert assigned.status_code == 303
    assert f"Message {queued['id']} is now matched to request #{rid}." in text(web.get("/inbox"))
    assert rr.json("inbox", "list", "--unmatched", today=TODAY.isoformat()) == []
    page = web.get(f"/requests/{rid}").get_data(as_text=True)
    assert "Clarification" in page or "clarification" in page
    assert "by you" in page
    pending = rr.json("inbox", "review", today=TODAY.isoformat())
    assert all(f'action="/inbox/proposals/{p["id"]}/confirm"' in page for p in pending) and pending


def hostile_reply(token: str) -> bytes:
    """A reply whose text carries markup, with a PDF and an HTML file attached."""
    msg = EmailMessage()
    msg["From"] = "Open Records <records@hcso.example>"
    msg["To"] = "ana@example.org"
    msg["Subject"] = f"RE: {token} <script>alert('subject')</script>"
    msg["Date"] = "Tue, 19 Jan 2027 09:00:00 -0600"
    msg["Message-ID"] = "<hostile.test@agency.example>"
    msg["In-Reply-To"] = MESSAGE_ID
    msg.set_content(
        "Dear Ms. Nunez,\n\n<script>alert('body')</script> <img src=\"https://tracker.example/p.gif\">\n"
        "Please find the records attached.\n"
    )
    pdf = b"%PDF-1.4\n% the sheriff's records\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="records.pdf")
    page = b"<html><body><script>alert('attachment')</script>Hi</body></html>"
    msg.add_attachment(page, maintype="text", subtype="html", filename="page.html")
    return bytes(msg)


def test_a_message_is_shown_as_escaped_text_and_its_attachments_download_as_attachments(
    rr: Tracker, tmp_path: Path
) -> None:
    rid, token = sent_by_email(rr, rr.url)
    web = dashboard(rr)
    assert drop(web, ("hostile.eml", hostile_reply(token))).status_code == 200
    [message] = rr.json("inbox", "list", today=TODAY.isoformat())
    page = web.get(f"/inbox/messages/{message['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;body&#39;)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt;" in html
    assert "<script>alert" not in html and "<img" not in html  # nothing the agency wrote is markup
    assert "https://tracker.example" not in html.split("</pre>")[1]  # only as text inside <pre>
    assert "Content-Security-Policy" in page.headers and "default-src 'self'" in page.headers["Content-Security-Policy"]
    links = re.findall(r'href="(/inbox/messages/\d+/attachments/\d+)"', html)
    assert len(links) == 2
    pdf, html_file = (web.get(link) for link in links)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith('attachment; filename="records.pdf"')
    assert pdf.data.startswith(b"%PDF-1.4")
    assert html_file.status_code == 200 and "html" not in html_file.mimetype
    assert html_file.headers["Content-Disposition"].startswith('attachment; filename="page.html"')
    assert html_file.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in html_file.headers["Content-Security-Policy"]
    assert web.get(f"/inbox/messages/{message['id']}/attachments/9").status_code == 404
    assert web.get("/inbox/messages/999").status_code == 404
    # The request page lists the reply, its subject escaped too.
    request_page = web.get(f"/requests/{rid}").get_data(as_text=True)
    assert f'href="/inbox/messages/{message["id"]}"' in request_page and "<script>alert" not in request_page


def test_fetch_now_without_a_mailbox_is_one_clear_line(rr: Tracker) -> None:
    web = dashboard(rr)
    page = web.post("/inbox/fetch", {}, token_page="/inbox")
    assert page.status_code == 409
    said = text(page)
    assert "No mailbox is set up for reading replies" in said and "README" in said
    assert "Traceback" not in said and "--" not in said.split("Not done:")[1].split(".")[0]


def test_fetch_now_reads_the_mailbox_set_up_for_the_command_line(
    rr: Tracker, tmp_path: Path, imap_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .imap_server import PASSWORD, USER

    rid, token = sent_by_email(rr, rr.url)
    imap_server.append(reply(tmp_path, "02-extension", token).read_bytes(), "INBOX")
    rr(
        "inbox", "account", "set", "--host", imap_server.host, "--port", str(imap_server.port),
        "--security", "starttls", "--user", USER, "--cafile", str(imap_server.cafile),
    )  # fmt: skip
    monkeypatch.setenv("RECORDS_REQ_IMAP_PASSWORD", PASSWORD)
    web = dashboard(rr)
    fetched = web.post("/inbox/fetch", {}, token_page="/inbox")
    assert fetched.status_code == 200
    said = text(fetched)
    assert "Read INBOX (ana@example.org" in said and "up to message 1" in said
    assert "message 1 (December 11, 2026) from mlopez@hcso.example" in said and f"Request #{rid}" in said
    assert "1 proposed event(s) to review below." in said
    again = text(web.post("/inbox/fetch", {}, token_page="/inbox"))
    assert "No new messages." in again  # nothing is read twice
    assert due(rr, rid) != "2027-01-15"  # proposed, not recorded


def test_an_empty_drop_or_too_much_at_once_is_refused_with_one_line(rr: Tracker) -> None:
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    web = dashboard(rr)
    huge = FileStorage(io.BytesIO(b"From: a@example.org\n\n" + bytes(26 * 2**20)), filename="big.eml")
    boundary, body = encode_multipart({"csrf_token": web.token("/inbox"), "files": huge})  # in memory
    big = web.client.post(
        "/inbox/import", data=body, content_type=f"multipart/form-data; boundary={boundary}", headers=HOST
    )
    assert big.status_code == 413
    assert "The files sent at once may be up to 25 MB in all: send fewer at a time." in text(big)
    assert rr.json("inbox", "list", today=TODAY.isoformat()) == []
    empty = web.client.post(
        "/inbox/import", data={"csrf_token": web.token("/inbox")}, headers=HOST, content_type="multipart/form-data"
    )
    assert empty.status_code == 422 and "Choose or drop one or more .eml, .mbox or .msg files." in text(empty)


# --- the drop form in a real browser, at a phone's width ------------------------------------------


@pytest.fixture
def viewport() -> str:
    """The browser tests' tab (tests/test_web_browser.py), at a phone's width only."""
    return "phone"


def test_files_chosen_and_dropped_at_a_phones_width_are_listed_then_taken_in(tab: Tab, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page, rr = tab.page, tab.site.rr
    rid, token = sent_by_email(rr, rr.url)
    chosen = [reply(tmp_path, "01-acknowledgment", token), tmp_path / "notes.txt"]
    chosen[1].write_text("Call the records office on Monday.")
    extension = reply(tmp_path, "02-extension", token).read_text()
    tab.open("/inbox")
    expect(page.get_by_text("Or drop the files here.")).to_be_visible()  # the script runs, under the CSP
    page.get_by_label("Email files (.eml, .mbox, Outlook .msg; up to 25 MB in all)").set_input_files(chosen)
    listed = page.locator(".drop-list li")
    expect(listed).to_have_count(2)
    expect(listed.nth(1)).to_contain_text("notes.txt (1 kB): not a .eml, .mbox or .msg file")
    # A file dropped on the form joins the ones chosen.
    page.evaluate(
        """(text) => {
            const files = new DataTransfer();
            files.items.add(new File([text], "extension.eml", {type: "message/rfc822"}));
            const form = document.querySelector("form[data-drop]");
            form.dispatchEvent(new DragEvent("dragover", {dataTransfer: files, bubbles: true, cancelable: true}));
            form.dispatchEvent(new DragEvent("drop", {dataTransfer: files, bubbles: true, cancelable: true}));
        }""",
        extension,
    )
    expect(listed).to_have_count(3)
    expect(listed.nth(2)).to_contain_text("extension.eml")
    wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wide <= 0, f"the inbox is {wide}px wider than a phone's screen"
    page.get_by_role("button", name="Take them in").click()
    results = page.locator("ul.results li")
    expect(results).to_have_count(3)
    expect(results.nth(0)).to_contain_text("notes.txt: not taken in: only .eml, .mbox and .msg files")
    expect(results.nth(1)).to_contain_text("01-acknowledgment.eml: message 1")
    expect(results.nth(2)).to_contain_text("extension.eml: message 2")
    expect(results.nth(2)).to_contain_text(f"Request #{rid}")
    assert [p["kind"] for p in rr.json("inbox", "review", today="2026-12-15")] == ["acknowledged", "extended"]
    # The pages the inbox adds pass the dashboard's accessibility and layout audit at this width.
    problems = [f"/inbox (after the files): {p}" for p in page.evaluate(test_web_browser.AUDIT)]
    for path in ("/inbox", "/inbox/messages/2", f"/requests/{rid}"):
        tab.open(path)
        problems += [f"{path}: {p}" for p in page.evaluate(test_web_browser.AUDIT)]
        problems += [f"{path}: {p}" for p in test_web_browser.keyboard_problems(page)]
    assert problems == [], "\n".join(problems)

"""Taking in the agency's replies (issue 20, section 3): matching, reading, confirming, bad input,
files of every kind, and a real IMAP server (Dovecot, tests/imap_server.py).

The replies are fixtures that read like real agencies' answers (tests/fixtures/replies/README.md);
``%MESSAGE_ID%`` and ``%TOKEN%`` in them are replaced by the sent letter's Message-ID and the
request's reference token of the database under test."""

from __future__ import annotations

import io
import json
import mailbox
from pathlib import Path
from typing import Any

import pytest

from .cli_helpers import Tracker
from .conftest import FIXTURES
from .ole_helpers import compound_file

REPLIES = FIXTURES / "replies"
AGENCY = "Harris County Sheriff's Office"
MESSAGE_ID = "<rr-test-1.17000@example.org>"


def _sql(url: str, query: str, **params: Any) -> list[Any]:
    from sqlalchemy import create_engine, text

    from records_req.store.db import normalize_url

    engine = create_engine(normalize_url(url))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(query), params)
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


def sent_by_email(t: Tracker, url: str) -> tuple[int, str]:
    """A request to the Harris County Sheriff, sent by email on 2026-11-27 with MESSAGE_ID, as
    records_req.mail keeps it (its outgoing_messages row); returns the request and its token."""
    t(
        "profile",
        "set",
        "--name",
        "Ana Nunez",
        "--email",
        "ana@example.org",
        "--address",
        "1 Main St\\nHouston, TX 77002",
    )
    rid = t.new("TX", AGENCY, "--agency-email", "records@hcso.example")
    t("sent", str(rid), "--on", "2026-11-27", "--via", "email")
    [(document,)] = _sql(url, "SELECT id FROM documents WHERE request_id = :r AND path LIKE '%.pdf'", r=rid)
    _sql(
        url,
        "INSERT INTO outgoing_messages (request_id, document_id, letter_kind, letter_path, to_address, from_address, "
        "subject, message_id, status, attempts, created_at, updated_at) VALUES (:r, :d, 'initial', 'x.pdf', "
        "'records@hcso.example', 'ana@example.org', 's', :m, 'accepted', 1, '2026-11-27', '2026-11-27')",
        r=rid, d=document, m=MESSAGE_ID,
    )  # fmt: skip
    [(database,)] = _sql(url, "SELECT value FROM settings WHERE key = 'database_id'")
    return rid, f"[rr-{database[:8]}-{rid}]"


def reply(tmp_path: Path, name: str, token: str, message_id: str = MESSAGE_ID) -> Path:
    raw = (REPLIES / f"{name}.eml").read_bytes()
    path = tmp_path / f"{name}.eml"
    path.write_bytes(raw.replace(b"%MESSAGE_ID%", message_id.encode()).replace(b"%TOKEN%", token.encode()))
    return path


def take(t: Tracker, path: Path, *extra: str, code: int = 0) -> list[dict[str, Any]]:
    out = t("inbox", "import", str(path), "--json", *extra, today="2027-01-25", code=code)
    return list(json.loads(out))


# What each fixture must give: the request it matches (True: ours), how, and its proposals.
EXPECTED: dict[str, tuple[bool, str | None, list[tuple[str, dict[str, Any]]]]] = {
    "01-acknowledgment": (True, "in-reply-to", [("acknowledged", {"tracking_number": "W012345-113026"})]),
    "02-extension": (True, "token", [("extended", {"until": "2027-01-15"})]),
    "03-fee-estimate": (True, "tracking-number", [("fee-estimate", {"amount": 108.9})]),
    "04-denial": (
        True,
        "in-reply-to",
        [("denied", {"exemptions": "Tex. Gov't Code § 552.101; Tex. Gov't Code § 552.108(a)(1)"})],
    ),
    "05-release": (True, "in-reply-to", [("released", {"attachments": 1})]),
    "06-out-of-office": (True, "in-reply-to", []),
    "07-bounce": (True, "bounce", []),
    "08-clarification": (False, None, [("acknowledged", {}), ("clarification-requested", {})]),
}


def test_the_fixture_replies_are_matched_read_and_confirmed_and_the_clock_moves_only_on_confirmation(
    db_url: str, tmp_path: Path
) -> None:
    t = Tracker(db_url, tmp_path)
    rid, token = sent_by_email(t, db_url)
    due_before = t.json("show", str(rid), today="2027-01-25")["due"]
    right = 0
    for name, (ours, how, proposals) in EXPECTED.items():
        [got] = take(t, reply(tmp_path, name, token))
        assert got["status"] == "new"
        assert got["request_id"] == (rid if ours else None), (name, got)
        assert got["matched_by"] == how, (name, got)
        assert [(p["kind"], p["data"]) for p in got["proposals"]] == proposals, name
        right += 1
        if name == "01-acknowledgment":  # the tracking number the fee estimate is matched by
            assert t.json("show", str(rid), today="2027-01-25")["due"] == due_before  # nothing recorded yet
            t("inbox", "confirm", str(got["proposals"][0]["id"]), today="2027-01-25")
        if name == "02-extension":
            shown = t("inbox", "review", today="2027-01-25")
            assert "The agency took more time on Fri 2026-12-11 (Until: Fri 2027-01-15)" in shown
            assert "extended on" not in shown and "(until" not in shown  # people's words, never the tokens
            assert "The information will be available on or before January 15, 2027." in shown
            assert t.json("show", str(rid), today="2027-01-25")["due"] == due_before
            done = t.json("inbox", "confirm", str(got["proposals"][0]["id"]), today="2027-01-25")
            assert done["due_on"] == "2027-01-15" != due_before
            assert t.json("show", str(rid), today="2027-01-25")["due"] == "2027-01-15"
            t("undo", str(rid), today="2027-01-25")  # a confirmed event is a normal event
            assert t.json("show", str(rid), today="2027-01-25")["due"] == due_before
        if name == "05-release":
            [pdf] = got["attachments"]
            assert pdf["status"] == "stored" and pdf["kind"] == "pdf" and pdf["pages"] == 2
            pages = _sql(
                db_url, "SELECT page, text FROM received_pages WHERE sha256 = :s ORDER BY page", s=pdf["sha256"]
            )
            assert [p[0] for p in pages] == [1, 2] and "Quota language" in pages[1][1]
            done = t.json("inbox", "confirm", str(got["proposals"][0]["id"]), today="2027-01-25")
            assert done["documents"] == ["HCSO-287g-records.pdf"] and done["status"] == "completed"
        if name == "06-out-of-office":
            assert "out-of-office reply: nothing to record" in got["notes"]
        if name == "07-bounce":
            assert any("not delivered to records@hcso.example: 550 5.1.1" in n for n in got["notes"])
    assert right == len(EXPECTED) == 8
    # The clarification from another agency waits in the queue until the user matches it.
    queue = t.json("inbox", "list", "--unmatched", today="2027-01-25")
    assert [m["from_address"] for m in queue] == ["openrecords@dallascounty.example"]
    proposal = t.json("inbox", "review", today="2027-01-25")
    pending = [p for p in proposal if p["message"] == queue[0]["id"]]
    result = t("inbox", "confirm", str(pending[0]["id"]), today="2027-01-25", code=1)
    assert result == ""  # refused: not matched yet (the reason is on stderr)
    t("inbox", "match", str(queue[0]["id"]), str(rid), today="2027-01-25")
    assert t.json("inbox", "list", "--unmatched", today="2027-01-25") == []
    # The same message again is recognised, not stored twice.
    [again] = take(t, reply(tmp_path, "01-acknowledgment", token))
    assert again["status"] == "duplicate"
    assert len(_sql(db_url, "SELECT id FROM inbound_messages")) == len(EXPECTED)


def _encrypted_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _with_attachment(tmp_path: Path, name: str, data: bytes, filename: str, token: str) -> Path:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "records@hcso.example"
    message["To"] = "ana@example.org"
    message["Subject"] = f"RE: {token} records"
    message["Message-ID"] = f"<{name}@hcso.example>"
    message["Date"] = "Fri, 22 Jan 2027 10:00:00 -0600"
    message.set_content("Please find attached the records responsive to your request.")
    message.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    path = tmp_path / f"{name}.eml"
    path.write_bytes(message.as_bytes())
    return path


def test_bad_input_is_stored_or_refused_with_one_clear_line_and_nothing_else_is_lost(
    db_url: str, tmp_path: Path, isolated_home: Path
) -> None:
    t = Tracker(db_url, tmp_path)
    rid, token = sent_by_email(t, db_url)

    [none] = take(t, reply(tmp_path, "10-no-text-part", token))
    assert "no text part: nothing to read; kept raw" in none["notes"]
    assert none["attachments"][0]["status"] == "stored" and none["request_id"] == rid

    [html] = take(t, reply(tmp_path, "11-html-script", token))
    shown = t.json("inbox", "show", str(html["id"]))
    assert shown["body_from"] == "html"
    assert "assigned tracking number HC-2027-0042" in shown["body"]
    for live in ("<script", "document.cookie", "alert", "onload", "<img", "javascript:", "<p>"):
        assert live not in shown["body"]
    assert [p["data"] for p in html["proposals"]] == [{"tracking_number": "HC-2027-0042"}]

    [zipped] = take(t, reply(tmp_path, "12-zip", token))
    [archive] = zipped["attachments"]
    assert archive["status"] == "stored" and archive["kind"] == "archive"
    assert "zip of 2 files, not expanded: records/report-1.pdf" in archive["note"]
    assert "../../etc/evil.sh" in archive["note"]
    assert not list(isolated_home.rglob("evil.sh")) and not (tmp_path / "etc").exists()

    [forged] = take(t, reply(tmp_path, "13-forged", token))
    assert forged["request_id"] is None and forged["matched_by"] is None
    assert any(
        n.startswith("possibly forged: its In-Reply-To names the letter sent to records@hcso.example")
        and "helpful.person@gmail.com" in n
        for n in forged["notes"]
    )
    assert [m["id"] for m in t.json("inbox", "list", "--unmatched")] == [forged["id"]]

    [broken] = take(t, reply(tmp_path, "14-broken-mime", token))
    assert any(n.startswith("broken MIME structure (") for n in broken["notes"])
    assert broken["request_id"] == rid

    big = _with_attachment(tmp_path, "big", b"%PDF-1.4\n" + b"0" * 40_000, "scan.pdf", token)
    [capped] = take(t, big, "--max-attachment-mb", "0.02")
    [refused] = capped["attachments"]
    assert refused["status"] == "refused" and refused["sha256"] is None
    assert "over the 20 KB cap: not stored apart (it stays in the raw message)" in refused["note"]
    text = t("inbox", "import", str(big), "--max-attachment-mb", "0.02", today="2027-01-25")
    assert "taken in before" in text

    locked = _with_attachment(tmp_path, "locked", _encrypted_pdf(), "locked.pdf", token)
    [secret] = take(t, locked)
    assert secret["attachments"][0]["status"] == "stored"
    assert secret["attachments"][0]["note"] == "password-protected PDF: stored, its text not extracted"

    # Files that are not messages: one line each, the others still taken in; exit 1.
    (tmp_path / "notes.txt").write_bytes(b"\x00\x01 not a message")
    result = t(
        "inbox", "import", str(tmp_path / "notes.txt"), str(tmp_path / "missing.eml"),
        str(reply(tmp_path, "08-clarification", token)), today="2027-01-25", code=1,
    )  # fmt: skip
    assert f"{tmp_path / 'notes.txt'}: not taken in: not an email message" in result
    assert f"{tmp_path / 'missing.eml'}: not taken in: no such file or folder." in result
    assert "Traceback" not in result + t.stderr
    # Every message's raw bytes are kept, under their hash.
    for raw_path, size in _sql(db_url, "SELECT raw_path, size FROM inbound_messages"):
        assert Path(raw_path).stat().st_size == size


def test_mbox_maildir_and_outlook_msg_files_are_taken_in(db_url: str, tmp_path: Path) -> None:
    t = Tracker(db_url, tmp_path)
    rid, token = sent_by_email(t, db_url)
    box = mailbox.mbox(tmp_path / "export.mbox")
    for name in ("01-acknowledgment", "04-denial"):
        box.add(reply(tmp_path, name, token).read_bytes())
    box.flush()
    box.close()
    maildir = mailbox.Maildir(tmp_path / "Maildir", create=True)
    maildir.add(reply(tmp_path, "02-extension", token).read_bytes())
    headers = "From: Open Records <records@hcso.example>\r\nDate: Thu, 07 Jan 2027 09:00:00 -0600\r\n"
    headers += f"Message-ID: <outlook-1@hcso.example>\r\nIn-Reply-To: {MESSAGE_ID}\r\n"
    body = "We have determined that no responsive records exist for item 3 of your request."
    msg = tmp_path / "reply.msg"
    msg.write_bytes(
        compound_file(
            {
                "__substg1.0_0037001F": f"RE: {token} Public Information Request".encode("utf-16-le"),
                "__substg1.0_1000001F": body.encode("utf-16-le"),
                "__substg1.0_007D001F": headers.encode("utf-16-le"),
                "__properties_version1.0": b"\x00" * 32,
            }
        )
    )
    got = take(t, tmp_path / "export.mbox")
    got += take(t, tmp_path / "Maildir")
    got += take(t, msg)
    assert [(g["request_id"], g["matched_by"]) for g in got] == [
        (rid, "in-reply-to"), (rid, "in-reply-to"), (rid, "token"), (rid, "in-reply-to"),
    ]  # fmt: skip
    assert [[p["kind"] for p in g["proposals"]] for g in got] == [
        ["acknowledged"], ["denied"], ["extended"], ["no-records"],
    ]  # fmt: skip
    assert got[3]["subject"] == f"RE: {token} Public Information Request" and got[3]["date"] == "2027-01-07"
    raw = _sql(db_url, "SELECT raw_path FROM inbound_messages WHERE id = :i", i=got[3]["id"])[0][0]
    assert raw.endswith(".msg") and Path(raw).read_bytes() == msg.read_bytes()


# --- a real IMAP server -------------------------------------------------------------------------------


@pytest.fixture
def imap_server() -> Any:
    from .imap_server import dovecot

    with dovecot() as server:
        yield server


def test_fetch_reads_each_message_once_over_starttls_and_reads_again_after_renumbering(
    db_url: str, tmp_path: Path, imap_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .imap_server import PASSWORD, USER

    t = Tracker(db_url, tmp_path)
    rid, token = sent_by_email(t, db_url)
    folder = "Records requests"
    for name in ("01-acknowledgment", "02-extension"):
        imap_server.append(reply(tmp_path, name, token).read_bytes(), folder)
    t(
        "inbox", "account", "set", "--host", imap_server.host, "--port", str(imap_server.port),
        "--security", "starttls", "--user", USER, "--folder", folder, "--cafile", str(imap_server.cafile),
    )  # fmt: skip
    failed = t("inbox", "fetch", today="2027-01-25", code=1)
    assert failed == "" and "No password for ana@example.org" in t.stderr
    monkeypatch.setenv("RECORDS_REQ_IMAP_PASSWORD", "wrong")
    t("inbox", "fetch", today="2027-01-25", code=1)
    assert "refused the user name or password" in t.stderr and "Traceback" not in t.stderr
    monkeypatch.setenv("RECORDS_REQ_IMAP_PASSWORD", PASSWORD)

    first = t.json("inbox", "fetch", today="2027-01-25")
    assert [(m["request_id"], m["matched_by"], [p["kind"] for p in m["proposals"]]) for m in first["messages"]] == [
        (rid, "in-reply-to", ["acknowledged"]),
        (rid, "token", ["extended"]),
    ]
    assert first["messages"][1]["proposals"][0]["data"] == {"until": "2027-01-15"}
    assert t.json("inbox", "fetch", today="2027-01-25")["messages"] == []  # nothing is read twice
    imap_server.append(reply(tmp_path, "04-denial", token).read_bytes(), folder)
    third = t.json("inbox", "fetch", today="2027-01-25")
    assert [m["status"] for m in third["messages"]] == ["new"] and third["last_uid"] == 3

    imap_server.recreate(folder)  # a new UIDVALIDITY: the folder is read from the start
    imap_server.append(reply(tmp_path, "01-acknowledgment", token).read_bytes(), folder)
    imap_server.append(reply(tmp_path, "05-release", token).read_bytes(), folder)
    fourth = t.json("inbox", "fetch", today="2027-01-25")
    assert fourth["renumbered"] is True
    assert [m["status"] for m in fourth["messages"]] == ["duplicate", "new"]
    assert len(_sql(db_url, "SELECT id FROM inbound_messages")) == 4
    # The messages are left as they were: fetch never marks them read.
    imap = imap_server.connect()
    try:
        imap.select(f'"{folder}"', readonly=True)
        _, data = imap.search(None, "UNSEEN")
        assert len(data[0].split()) == 2
    finally:
        imap.logout()

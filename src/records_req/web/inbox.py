"""The dashboard's inbox (``/inbox``): the agency's replies, as ``records-req inbox`` handles them
(records_req.inbox.intake and .imap): files dropped or chosen and taken in, "Fetch now" from the
mailbox, the queue of unmatched replies with a form to say which request each answers, and the
proposed events with the sentence each was read from, confirmed (with the user's changes) or
rejected. Nothing here decides anything: each form calls the command line's use case.

What an agency wrote is only ever shown as text: the message page shows the text the inbox kept
(never a message's HTML, never anything remote), a proposal's sentence is highlighted by escaped
segments, and attachments download as attachments (``Content-Disposition: attachment``, a type
from what their bytes are, never HTML, and a sandbox)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, abort, redirect, request, session, url_for

from records_req.errors import RecordsReqError, UsageError
from records_req.wording import _

if TYPE_CHECKING:
    from records_req.inbox.intake import Failed, Taken

bp = Blueprint("inbox", __name__)

DROPPED = (".eml", ".mbox", ".msg")  # what the drop zone takes (a Maildir is a folder: the command line)
HOW = {  # how a message was matched, in the dashboard's words
    "in-reply-to": _("by its In-Reply-To header (a reply to the letter sent by email)"),
    "references": _("by its References header"),
    "token": _("by the reference in its subject"),
    "tracking-number": _("by a tracking number"),
    "agency-address": _("by the agency's address"),
    "agency-domain": _("by the agency's domain"),
    "bounce": _("by the letter it returns"),
    "user": _("by you"),
}
BODY_FROM = {
    "text": _("its text part"),
    "html": _("the text of its HTML part (never shown as HTML)"),
    "none": _("no text"),
}


@bp.app_context_processor
def inbox_words() -> dict[str, Any]:
    """For the inbox's parts on any page: how a message was matched, and the facts each proposed
    event takes (lifecycle.EVENTS) for its confirm form."""
    from records_req.lifecycle import EVENTS

    return {"inbox_how": HOW, "event_fields": {kind: event.fields for kind, event in EVENTS.items()}}


def _inbox_page(status: int = 200, **shown: Any) -> tuple[str, int]:
    from records_req.inbox.intake import messages, review
    from records_req.web.pages import render, workspace

    ws = workspace()
    return render(
        "inbox.html",
        status,
        queue=messages(ws, unmatched=True),
        pending=review(ws),
        accepted=",".join(DROPPED),
        limit=_limit(),
        notice=session.pop("notice", None),
        **{"results": None, "error": None, "fetched": None} | shown,
    )


def _limit() -> int:
    from flask import current_app

    found: int = current_app.config["MAX_CONTENT_LENGTH"]
    return found


def _back(default: str) -> Any:
    """Back where the form was (a path on this server only, and a plain #fragment), else ``default``."""
    from records_req.web.pages import local_path

    path, _, fragment = (request.form.get("back") or "").partition("#")
    here = local_path(path)
    if here is None:
        return redirect(default, 303)
    return redirect(here + (f"#{fragment}" if fragment.replace("-", "").isalnum() else ""), 303)


@bp.get("/inbox")
def inbox_page() -> tuple[str, int]:
    """The queue, the proposals to review, the drop zone and "Fetch now"."""
    return _inbox_page()


@bp.post("/inbox/import")
def import_dropped() -> tuple[str, int]:
    """The files dropped or chosen, taken in as ``inbox import`` takes them (one transaction);
    each file gets its own line: what it held, or why it was not taken in."""
    from records_req.inbox.intake import Failed, import_files
    from records_req.web.pages import workspace

    uploads = [u for u in request.files.getlist("files") if u.filename]
    if not uploads:
        return _inbox_page(422, error="Choose or drop one or more .eml, .mbox or .msg files.")
    refused: list[Taken | Failed] = []
    with tempfile.TemporaryDirectory(prefix="records-req-inbox-") as folder:
        paths, names = [], []
        for n, upload in enumerate(uploads):
            name = Path((upload.filename or "").replace("\\", "/")).name
            suffix = Path(name).suffix.lower()
            if suffix not in DROPPED:
                refused.append(Failed(name, "only .eml, .mbox and .msg files are taken in here"))
                continue
            path = Path(folder) / f"{n}{suffix}"  # named by us: the user's name is only a label
            upload.save(path)
            paths.append(path)
            names.append(name)
        try:
            results = import_files(workspace(), paths, names=names) if paths else []
        except RecordsReqError as exc:
            from records_req.web.pages import said

            return _inbox_page(422, error=said(exc))
    lines = [_line(r) for r in [*refused, *results]]
    taken = sum(not isinstance(r, Failed) for r in results)
    return _inbox_page(200 if taken else 422, results=lines)


def _line(r: Taken | Failed) -> dict[str, Any]:
    """One file's or message's outcome, for the page."""
    from records_req.inbox.intake import Failed

    if isinstance(r, Failed):
        return {"source": r.source, "error": r.error}
    return {"source": r.source, "taken": r}


@bp.errorhandler(413)
def too_large(_error: Any) -> tuple[str, int]:
    """Files over the dashboard's limit, refused before they are read: said on the inbox page."""
    from records_req.web.pages import translator

    limit = f"{_limit() // 2**20} MB"
    return _inbox_page(
        413,
        error=translator()("The files sent at once may be up to {limit} in all: send fewer at a time.").format(
            limit=limit
        ),
    )


@bp.post("/inbox/fetch")
def fetch_now() -> tuple[str, int]:
    """New messages from the mailbox over IMAP, as ``inbox fetch`` reads them (the account set up
    on the command line; the password from the environment or the keyring)."""
    from records_req.inbox import imap
    from records_req.web.pages import said, workspace

    try:
        settings = imap.required()
        secret = imap.password(settings)[0]
    except RecordsReqError as exc:
        return _inbox_page(
            409,
            error=f"{said(exc)} The mailbox is set up on the command line (see the README, \u201cReplies\u201d).",
        )
    try:
        fetched = imap.fetch(workspace(), settings, secret)
    except RecordsReqError as exc:
        return _inbox_page(502, error=said(exc))
    return _inbox_page(fetched=fetched, results=[_line(t) for t in fetched.taken])


@bp.post("/inbox/messages/<int:message_id>/match")
def match(message_id: int) -> Any:
    """Say which request a message answers (``inbox match``)."""
    from records_req.inbox.intake import match_to
    from records_req.web.pages import form_number, said, translator, workspace

    try:
        request_id = form_number("request_id", int)
        if request_id is None or request_id < 1:
            raise UsageError("Give the number of the request this message answers.")
        match_to(workspace(), message_id, int(request_id))
    except RecordsReqError as exc:
        return _inbox_page(422, error=said(exc))
    session["notice"] = translator()("Message {message} is now matched to request #{request}.").format(
        message=message_id, request=request_id
    )
    return _back(url_for("inbox.inbox_page"))


@bp.post("/inbox/proposals/<int:proposal_id>/confirm")
def confirm(proposal_id: int) -> Any:
    """Record a proposal as its event, with the user's changes (``inbox confirm``): the only way
    a reply changes a request's clock."""
    from records_req.inbox.intake import confirm as confirm_proposal
    from records_req.labels import event_label, long_date
    from records_req.web.pages import form_date, form_number, lang, said, translator, workspace

    try:
        changes = {
            "days": form_number("days", int),
            "until": form_date("until"),
            "amount": form_number("amount", float),
            "exemptions": (request.form.get("exemptions") or "").strip() or None,
            "tracking_number": (request.form.get("tracking_number") or "").strip() or None,
        }
        done = confirm_proposal(
            workspace(),
            proposal_id,
            on=form_date("on"),
            changes=changes,
            note=(request.form.get("note") or "").strip() or None,
            force=request.form.get("force") == "1",
        )
    except RecordsReqError as exc:
        return _inbox_page(422, error=said(exc))
    t = translator()
    words = [
        t("Recorded on request #{request}: {event}, on {date}.").format(
            request=done.request_id, event=event_label(done.kind, lang()), date=long_date(done.on, lang())
        )
    ]
    if done.documents:
        words.append(t("Kept with it: {files}.").format(files=", ".join(done.documents)))
    if done.due_on:
        words.append(t("Due {date}.").format(date=long_date(done.due_on, lang())))
    session["notice"] = " ".join([*words, *map(said, done.warnings)])
    return _back(url_for("pages.request_page", request_id=done.request_id))


@bp.post("/inbox/proposals/<int:proposal_id>/reject")
def reject(proposal_id: int) -> Any:
    """Set a proposal aside (``inbox reject``): nothing is recorded."""
    from records_req.inbox.intake import reject as reject_proposal
    from records_req.web.pages import said, translator, workspace

    try:
        line = reject_proposal(workspace(), proposal_id)
    except RecordsReqError as exc:
        return _inbox_page(422, error=said(exc))
    session["notice"] = translator()("Proposal {proposal} set aside; nothing was recorded.").format(proposal=line.id)
    return _back(url_for("inbox.inbox_page"))


@bp.get("/inbox/messages/<int:message_id>")
def message_page(message_id: int) -> tuple[str, int]:
    """One message as text (``inbox show``): never its HTML, never anything remote."""
    from records_req.inbox.intake import InboxError, show
    from records_req.web.pages import render, workspace

    try:
        shown = show(workspace(), message_id)
    except InboxError as exc:
        abort(404, description=str(exc))
    return render("message.html", m=shown.taken, body=shown.body, body_from=BODY_FROM[shown.body_from])


@bp.get("/inbox/messages/<int:message_id>/attachments/<int:position>")
def attachment(message_id: int, position: int) -> Response:
    """An attachment, downloaded (never shown in the page): its type from what its bytes are."""
    from urllib.parse import quote

    from records_req.inbox.intake import InboxError
    from records_req.inbox.intake import attachment as stored
    from records_req.web.pages import SERVED_TYPES, workspace

    try:
        found = stored(workspace(), message_id, position)
    except InboxError as exc:
        abort(404, description=str(exc))
    ascii_name = found.name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    headers = {
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(found.name)}",
        "Content-Security-Policy": "sandbox; default-src 'none'",
    }
    kind = SERVED_TYPES.get(found.extension.lower(), "application/octet-stream")
    return Response(found.data, mimetype=kind, headers=headers)

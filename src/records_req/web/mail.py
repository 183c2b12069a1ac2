"""The dashboard's "Send by email": the message shown first (records_req.mail.send.plan, the
command line's dry run), then sent on confirmation (deliver), as ``records-req send`` does."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, session, url_for

from records_req.errors import RecordsReqError

bp = Blueprint("mail", __name__)


@bp.get("/requests/<int:request_id>/send")
def confirm(request_id: int) -> tuple[str, int]:
    """What would go where: to, from, subject, attachment; a button to send it."""
    from records_req.mail.send import plan
    from records_req.mail.settings import required
    from records_req.web.pages import render, said, store

    try:
        [planned] = plan(store(), required(), request_ids=[request_id])
    except RecordsReqError as exc:
        return render("send.html", 200, request_id=request_id, error=said(exc), p=None)
    return render("send.html", 200, request_id=request_id, error=None, p=planned)


@bp.post("/requests/<int:request_id>/send")
def send(request_id: int) -> Any:
    """Send it (the guard has checked the form's CSRF token), then back to the request."""
    from records_req.mail.send import deliver, plan
    from records_req.mail.settings import password, required
    from records_req.web.pages import render, said, store, today, translator

    try:
        settings = required()
        plans = plan(store(), settings, request_ids=[request_id])
        if not plans[0].will_send:
            return render("send.html", 409, request_id=request_id, error=plans[0].detail, p=plans[0])
        [outcome] = deliver(store(), plans, settings, password(settings)[0], today=today())
    except RecordsReqError as exc:
        return render("send.html", 502, request_id=request_id, error=said(exc), p=None)
    if outcome.status != "accepted":
        return render("send.html", 502, request_id=request_id, error=f"{outcome.status}: {outcome.error}", p=None)
    session["notice"] = translator()("Sent to {to}; accepted at {at} (Message-ID {message_id}).").format(
        to=outcome.to_email, at=outcome.accepted_at, message_id=outcome.message_id
    )
    return redirect(url_for("pages.request_page", request_id=request_id), code=303)


@bp.get("/send")
def confirm_tag() -> tuple[str, int]:
    """A campaign's letters as they would go (the command line's ``send --tag --dry-run``), with
    the rate to send them at and one button to send them all; and the campaign's sending jobs."""
    from flask import request

    from records_req.mail.send import DEFAULT_RATE, plan
    from records_req.mail.settings import required
    from records_req.tracker import jobs
    from records_req.web.pages import render, runner, said, store

    tag = (request.args.get("tag") or "").strip()
    shown: dict[str, Any] = {"tag": tag, "plans": [], "rate": DEFAULT_RATE}
    shown["jobs"] = [j for j in jobs.recent(store(), runner(), tag=tag) if j.kind == "send"] if tag else []
    try:
        shown["plans"] = plan(store(), required(), tag=tag) if tag else []
    except RecordsReqError as exc:
        return render("send_tag.html", 200, error=said(exc), **shown)
    return render("send_tag.html", 200, error=None, **shown)


@bp.post("/send")
def send_tag() -> Any:
    """Send the campaign's letters that are still to go, at most ``rate`` a minute, as a job of
    this server (the guard has checked the form's CSRF token): its page shows how far it is and
    what happened to each letter."""
    from flask import request

    from records_req.mail.send import DEFAULT_RATE
    from records_req.tracker import jobs
    from records_req.web.pages import render, runner, running_words, said, started_by, workspace

    tag = (request.form.get("tag") or "").strip()
    shown: dict[str, Any] = {"tag": tag, "plans": [], "rate": DEFAULT_RATE, "jobs": []}
    try:
        rate = _rate(request.form.get("rate"))
        shown["rate"] = rate
        job = jobs.start_send(workspace(), runner(), tag, rate=rate, started_by=started_by())
    except jobs.JobRunning as exc:
        return render("send_tag.html", 409, error=running_words(exc), running=exc.job_id, **shown)
    except RecordsReqError as exc:
        return render("send_tag.html", 409, error=said(exc), **shown)
    return redirect(url_for("jobs.job_page", job_id=job), 303)


def _rate(value: str | None) -> float:
    from records_req.mail.send import MailError

    try:
        rate = float(value or "")
    except ValueError:
        rate = 0.0
    if not rate > 0 or rate == float("inf"):
        raise MailError("The rate must be a number of messages a minute, more than zero.")
    return rate

"""The dashboard's long jobs (records_req.tracker.jobs): a campaign's letters written or sent by
email in a thread of the server, followed on a page that refreshes itself (a small script, or
without one a meta refresh), and resumed after a restart."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, redirect, request, session, url_for

from records_req.errors import NotFoundError

bp = Blueprint("jobs", __name__)


@bp.get("/jobs/<int:job_id>")
def job_page(job_id: int) -> Any:
    """How far the job is, and its result: the campaign's counts, or what happened to each letter."""
    from records_req.tracker import jobs
    from records_req.web.pages import lang, render, runner, store
    from records_req.wording import reason_words

    try:
        job = jobs.get(store(), runner(), job_id)
    except NotFoundError:
        abort(404)
    if request.args.get("format") == "json":
        return jsonify(job.to_json())
    result = job.result or {}
    skipped = [(reason_words(r, lang()), n) for r, n in (result.get("skipped") or {}).items()]
    outcomes = result.get("outcomes") or []
    return render("job.html", job=job, skipped=skipped, outcomes=outcomes, notice=session.pop("notice", None))


@bp.post("/jobs/<int:job_id>/resume")
def resume(job_id: int) -> Any:
    """Run an interrupted (or failed) job again in this server; it does only what is left."""
    from records_req.tracker import jobs
    from records_req.web.pages import runner, running_words, workspace

    try:
        jobs.resume(workspace(), runner(), job_id)
    except NotFoundError:
        abort(404)
    except jobs.JobRunning as exc:
        session["notice"] = running_words(exc)
        return redirect(url_for("jobs.job_page", job_id=exc.job_id), 303)
    except jobs.JobNotResumable:
        pass  # running or finished already: its page says which
    return redirect(url_for("jobs.job_page", job_id=job_id), 303)

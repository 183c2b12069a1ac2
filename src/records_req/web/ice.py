"""The dashboard's page for ICE's 287(g) lists: what the newest lists changed, the watches' matches
with a "Start a request" button (the new-request form, filled in), and "Update now", which does what
``records-req agencies update`` does (records_req.agencies.update) behind a CSRF-checked form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from records_req.errors import RecordsReqError

bp = Blueprint("ice", __name__)


@bp.get("/ice")
def ice_page() -> tuple[str, int]:
    """The newest lists' changes and the watches' matches, as ``watch check`` gives them."""
    from records_req.agencies.update import check
    from records_req.web.pages import render, store

    with store().read() as s:
        report = check(s)
    return render("ice.html", report=report.to_dict(), updated=False, error=None)


@bp.post("/ice/update")
def update_now() -> tuple[str, int]:
    """Fetch ICE's page (RECORDS_REQ_ICE_URL or ICE's own) and import its sheets (the guard has
    checked the form's CSRF token); the page then shows what changed."""
    from records_req.agencies.update import fetch_lists, page_url, update
    from records_req.web.pages import render, said, store, today

    report: dict[str, Any] | None = None
    try:
        found, sheets = fetch_lists(page_url())
        with store().write() as s:
            report = update(s, found, sheets, today=today()).to_dict()
    except RecordsReqError as exc:
        return render("ice.html", 502, report=None, updated=False, error=said(exc))
    return render("ice.html", report=report, updated=True, error=None)

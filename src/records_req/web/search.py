"""The dashboard's search (``/search``): words across what the agencies sent, as ``records-req
search`` finds them (records_req.search), filtered the same way. Snippets come as segments of text;
the template escapes each one and puts only the matched ones in ``<mark>``, so nothing an agency
wrote is ever rendered as HTML."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint

from records_req.errors import UsageError

bp = Blueprint("search", __name__)


@bp.get("/search")
def search_page() -> tuple[str, int]:
    """The search box and, with ``q``, the hits (a query with nothing to find: 400, one line)."""
    from records_req.search import search
    from records_req.web.pages import query_arg, render, said, workspace

    q = query_arg("q")
    chosen = {k: query_arg(k) for k in ("state", "agency", "tag", "since", "until")}
    if not q:
        return render("search.html", found=None, q="", chosen=chosen, error=None)
    try:
        state = chosen["state"]
        if state:
            from records_req.laws import load_laws

            state = load_laws().get_or_raise(state).code
        found = search(
            workspace(), q, state=state, agency_text=chosen["agency"], tags=(chosen["tag"],) if chosen["tag"] else (),
            since=_day(chosen["since"]), until=_day(chosen["until"]),
        )  # fmt: skip
    except UsageError as exc:
        return render("search.html", 400, found=None, q=q, chosen=chosen, error=said(exc))
    return render("search.html", found=found, q=q, chosen=chosen, error=None)


def _day(text: str | None) -> dt.date | None:
    from records_req.dates import parse_date

    return parse_date(text) if text else None

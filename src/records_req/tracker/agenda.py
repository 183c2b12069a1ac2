"""The requests as listed, and what falls due (the open requests whose date falls by a horizon,
and the user's reminders, overdue first): the command line's ``list`` and ``due`` and the Python
API's ``Tracker.list`` and ``Tracker.due`` read them here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from records_req.views import RequestRow, status_filter

if TYPE_CHECKING:
    from records_req.store.reader import Reader


class DueItem(NamedTuple):
    """One thing that falls due: a request's deadline (``what`` "deadline") or a reminder."""

    id: int  # the request
    jurisdiction: str
    agency: str
    status: str
    date: dt.date
    what: Literal["deadline", "reminder"]
    statutory: bool
    overdue: bool
    days_late: int
    next_action: str | None = None  # a deadline's next action (its kind: follow-up, appeal...)
    text: str | None = None  # a reminder's text

    def to_dict(self) -> dict[str, Any]:
        data = self._asdict() | {"date": self.date.isoformat()}
        if self.what == "reminder":
            del data["next_action"]
        else:
            del data["text"]
        return data


def due_items(
    view: Reader,
    today: dt.date,
    *,
    within: int = 7,
    state: str | None = None,
    tags: Sequence[str] = (),
    what: Sequence[Literal["deadline", "reminder"]] = ("deadline", "reminder"),
) -> list[DueItem]:
    """Open requests due by ``today + within`` days (the overdue ones too) and reminders falling
    by then (the earlier ones too: a reminder stays until its request closes or it is undone), in
    one list: overdue first, then by date. ``what`` narrows it to the deadlines or the reminders
    (the dashboard lists its reminders apart)."""
    horizon = today + dt.timedelta(days=within)
    items: list[DueItem] = []
    found = _due_deadlines(view, today, horizon, state, tags) if "deadline" in what else []
    for r in found:
        on = r.due_on or today
        items.append(
            DueItem(
                id=r.id,
                jurisdiction=r.jurisdiction,
                agency=r.agency,
                status=r.status,
                date=on,
                what="deadline",
                statutory=r.due_statutory,
                overdue=r.overdue,
                days_late=r.days_late,
                next_action=r.next_kind or None,
            )
        )
    for e in view.reminders(horizon) if "reminder" in what else ():
        if state and e["jurisdiction"] != state.upper():
            continue
        if tags and not set(tags) <= set(e["tags"]):
            continue
        items.append(
            DueItem(
                id=e["request_id"],
                jurisdiction=e["jurisdiction"],
                agency=e["agency"],
                status=e["status"],
                date=e["on"],
                what="reminder",
                statutory=False,
                overdue=False,
                days_late=0,
                text=e["data"].get("text"),
            )
        )
    items.sort(key=lambda x: (not x.overdue, x.date, x.id))
    return items


def _due_deadlines(
    view: Reader, today: dt.date, horizon: dt.date, state: str | None, tags: Sequence[str]
) -> list[RequestRow]:
    """The open requests due by ``horizon`` (overdue ones too): from the kept stages (the spans
    with a due date by then, in force on ``today``) while every stored schedule is current, else
    from every open request."""
    if not view.all_fresh():
        return view.requests(status="open", state=state, tags=tags, agency_text=None, today=today, due_before=horizon)
    code = state.upper() if state else None
    return [
        r
        for r in view.due_by(today, horizon)
        if not r.closed
        and r.due_on is not None
        and r.due_on <= horizon
        and (code is None or r.jurisdiction == code)
        and set(tags) <= set(r.tags)
    ]


def listed(
    view: Reader,
    today: dt.date,
    *,
    status: str | None = None,
    state: str | None = None,
    tags: Sequence[str] = (),
    agency_text: str | None = None,
) -> list[RequestRow]:
    """The requests ``list`` shows: by status (a status such as awaiting-response, or open, closed
    or overdue), state, tags (all of them) and a piece of the agency's name, as on ``today``."""
    return view.requests(status=status_filter(status), state=state, tags=tags, agency_text=agency_text, today=today)


class Page(NamedTuple):
    """One page of the requests ``list`` shows, by id: its rows, how many match in all, and the
    ids to read after (the next page) or before (the previous one); None where there is none."""

    rows: list[RequestRow]
    total: int
    next_after: int | None
    previous_before: int | None


def listed_page(
    view: Reader,
    today: dt.date,
    *,
    status: str | None = None,
    state: str | None = None,
    tags: Sequence[str] = (),
    agency_text: str | None = None,
    after: int | None = None,
    before: int | None = None,
    limit: int = 200,
) -> Page:
    """A page of :func:`listed` (keyset pagination by id: ``after`` one id, or ``before`` one),
    read through the indexes a page at a time, with the total from the kept counts (or a count
    by the database where a tag or an agency's name is asked). While a stored schedule is stale,
    the whole list is computed (as :func:`listed`) and the page cut from it."""
    status = status_filter(status)
    if not view.all_fresh():
        rows = listed(view, today, status=status, state=state, tags=tags, agency_text=agency_text)
        total = len(rows)
        if before is not None:
            earlier = [r for r in rows if r.id < before]
            more, rows = len(earlier) > limit, earlier[-limit:]
        else:
            later = [r for r in rows if after is None or r.id > after]
            more, rows = len(later) > limit, later[:limit]
    else:
        rows, more = view.requests_page(
            status=status,
            state=state,
            tags=tags,
            agency_text=agency_text,
            today=today,
            after=after,
            before=before,
            limit=limit,
        )
        total = count_listed(view, today, status=status, state=state, tags=tags, agency_text=agency_text)
    if before is not None:
        return Page(rows, total, rows[-1].id if rows else None, rows[0].id if more and rows else None)
    return Page(rows, total, rows[-1].id if more and rows else None, rows[0].id if after is not None and rows else None)


def count_listed(
    view: Reader,
    today: dt.date,
    *,
    status: str | None = None,
    state: str | None = None,
    tags: Sequence[str] = (),
    agency_text: str | None = None,
) -> int:
    """How many requests :func:`listed` gives (``status`` as views.status_filter leaves it), from
    the kept counts where only a status and a state are asked; only while every stored schedule
    is current (Reader.all_fresh)."""
    if tags or agency_text:
        return view.count_requests(status=status, state=state, tags=tags, agency_text=agency_text, today=today)
    code = state.upper() if state else None
    if status == "overdue":
        by_state = view.overdue_on(today, 0)[1]
        return by_state.get(code, 0) if code else sum(by_state.values())
    statuses, _months = view.kept_counts()
    return sum(
        n
        for jurisdiction, kind, closed, n in statuses
        if (code is None or jurisdiction == code)
        and (
            status is None
            or (status == "open" and not closed)
            or (status == "closed" and closed)
            or (status not in ("open", "closed") and kind == status)
        )
    )

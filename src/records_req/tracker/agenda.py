"""The requests as listed, and what falls due (the open requests whose date falls by a horizon,
and the user's reminders, overdue first): the command line's ``list`` and ``due`` and the Python
API's ``Tracker.list`` and ``Tracker.due`` read them here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:
    from records_req.store.reader import Reader
    from records_req.views import RequestRow


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
    found = (
        view.requests(status="open", state=state, tags=tags, agency_text=None, today=today, due_before=horizon)
        if "deadline" in what
        else []
    )
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
    from records_req.views import status_filter

    return view.requests(status=status_filter(status), state=state, tags=tags, agency_text=agency_text, today=today)

"""ICS: a calendar of open deadlines, one event per deadline, written with ``icalendar``.

What a calendar program needs to keep such a calendar right, week after week:

- a UID per deadline that stays when its date moves (request number + which clock), and that no
  other database shares (it carries the database's own random id, migration 0014): a calendar
  subscribed to a team's feed and a personal one keeps both, and a moved date replaces the event
  instead of adding another;
- SEQUENCE, which grows whenever a date may have moved: the number of the request's recorded
  events that can move a date (every event but notes and reminders; an undone event and its
  undoing both count), so it is computed from the history alone and never goes down; and
  LAST-MODIFIED, when the last of them was recorded;
- DTSTAMP at midnight (UTC) of the report's day (``--as-of``), so the same database on the same
  day gives the same bytes;
- reminders (VALARM), by default one day before, and a URL back to the request on the dashboard
  when its address is known.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from records_req.reports.data import Report
from records_req.views import RequestDetails

PRODID = "-//records-req//deadlines//EN"
CLOSED = ("draft", "completed", "no-records", "withdrawn")
DEFAULT_REMINDERS = (1,)  # days before the date


def request_link(dashboard: str) -> Callable[[int], str]:
    """A request's page on the dashboard at ``dashboard`` (its address, e.g. a team server's)."""
    root = dashboard.rstrip("/")
    return lambda request_id: f"{root}/requests/{request_id}"


def uid(r: RequestDetails, database_id: str) -> str:
    """The event's UID: which request, which clock and which database."""
    clock = "appeal" if "appeal" in r.due_label or "court" in r.due_label else "response"
    return f"request-{r.id}-{clock}-{database_id or 'local'}@records-req"


def _utc(moment: dt.datetime) -> dt.datetime:
    """A stored time (naive UTC, as the database keeps it) as an aware UTC time."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def to_ics(
    report: Report,
    link: Callable[[int], str] | None = None,
    reminders: Sequence[int] = DEFAULT_REMINDERS,
) -> bytes:
    """The open deadlines as an RFC 5545 calendar. ``link``: a request's address on the
    dashboard, when known; ``reminders``: days before each date to remind (an alarm each)."""
    from icalendar import Alarm, Calendar, Event

    stamp = dt.datetime.combine(report.as_of, dt.time(0), tzinfo=dt.UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "records-req deadlines")
    for r in report.requests:
        if r.due_on is None or r.status in CLOSED:
            continue
        kind = "statutory" if r.due_statutory else "suggested"
        summary = f"#{r.id} {r.agency}: {r.due_label or 'deadline'}"
        description = (
            f"Request #{r.id} to {r.agency} ({r.jurisdiction_name}) under the {r.law}, "
            f"{r.law_citation}. Status: {r.status}. This date is {kind}. Next: {r.next_step}"
        )
        url = link(r.id) if link else None
        if url:
            description += f"\n{url}"
        event = Event()
        event.add("uid", uid(r, report.database_id))
        event.add("dtstamp", stamp)
        event.add("sequence", r.revision)
        if r.revised_at is not None:
            event.add("last-modified", _utc(r.revised_at))
        event.add("dtstart", r.due_on)
        event.add("dtend", r.due_on + dt.timedelta(days=1))
        event.add("summary", summary)
        event.add("description", description)
        event.add("categories", [r.jurisdiction, kind])
        event.add("transp", "TRANSPARENT")
        if url:
            event.add("url", url)
        for days in sorted(set(reminders)):
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary)
            alarm.add("trigger", dt.timedelta(days=-days))
            event.add_component(alarm)
        calendar.add_component(event)
    return bytes(calendar.to_ical())

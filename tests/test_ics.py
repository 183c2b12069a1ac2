"""The calendar (.ics) as calendar programs read it: imported back with ``icalendar``, with its
reminders, a SEQUENCE that grows when a date moves, a URL back to the request, a reproducible
DTSTAMP, and UIDs that no other database shares."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .cli_helpers import Tracker

AS_OF = "2026-11-27"


def _events(path: Path) -> dict[str, Any]:
    from icalendar import Calendar

    return {str(e["UID"]): e for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT")}


def _one(events: dict[str, Any], request_id: int) -> Any:
    (found,) = [e for uid, e in events.items() if uid.startswith(f"request-{request_id}-response-")]
    return found


def _sent_request(d: Tracker, agency: str = "Cobb County Sheriff") -> int:
    d("profile", "set", "--name", "Ana Núñez", "--email", "ana@example.org", "--state", "GA")
    number = d.new("GA", agency)
    d("sent", str(number), "--on", "2026-11-25")  # Georgia: 3 business days -> due 2026-12-02
    return number


def test_alarms_sequence_and_last_modified_follow_the_history(db_url: str, tmp_path: Path) -> None:
    d = Tracker(db_url, tmp_path)
    number = _sent_request(d)
    first = _one(_events(d.report("ics")), number)
    assert first.decoded("DTSTART") == dt.date(2026, 12, 2)
    # one reminder by default, a day before
    (alarm,) = first.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY" and alarm.decoded("TRIGGER") == dt.timedelta(days=-1)
    # DTSTAMP is midnight (UTC) of the report's day, so the file is the same all day
    assert first.decoded("DTSTAMP") == dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    assert isinstance(first.decoded("LAST-MODIFIED"), dt.datetime)
    before = int(first["SEQUENCE"])

    d("log", str(number), "extended", "--until", "2026-12-10")
    moved = _one(_events(d.report("ics", name="moved.ics")), number)
    assert moved.decoded("DTSTART") == dt.date(2026, 12, 10)
    assert str(moved["UID"]) == str(first["UID"])  # the same event, replaced...
    assert int(moved["SEQUENCE"]) > before  # ...because its sequence grew
    assert moved.decoded("LAST-MODIFIED") >= first.decoded("LAST-MODIFIED")

    # Undoing the extension moves the date back: the sequence still grows, never goes back.
    d("undo", str(number))
    back = _one(_events(d.report("ics", name="back.ics")), number)
    assert back.decoded("DTSTART") == dt.date(2026, 12, 2)
    assert int(back["SEQUENCE"]) > int(moved["SEQUENCE"])

    # A reminder of one's own moves no date: the calendar's event is unchanged.
    d("remind", str(number), "--on", "2026-12-01", "call the clerk")
    same = _one(_events(d.report("ics", name="same.ics")), number)
    assert int(same["SEQUENCE"]) == int(back["SEQUENCE"])


def test_reminders_and_link_back_to_the_request(db_url: str, tmp_path: Path) -> None:
    d = Tracker(db_url, tmp_path)
    number = _sent_request(d)
    event = _one(
        _events(
            d.report("ics", "--remind", "0", "--remind", "3", "--dashboard-url", "https://records.example.org/team/")
        ),
        number,
    )
    assert sorted(a.decoded("TRIGGER") for a in event.walk("VALARM")) == [dt.timedelta(days=-3), dt.timedelta(0)]
    assert str(event["URL"]) == f"https://records.example.org/team/requests/{number}"
    assert f"https://records.example.org/team/requests/{number}" in str(event["DESCRIPTION"])
    # Without a dashboard address there is no link (127.0.0.1 would open nothing elsewhere).
    assert "URL" not in _one(_events(d.report("ics", name="plain.ics")), number)
    d("report", "--format", "ics", "--dashboard-url", "records.example.org", code=2)
    assert "https://" in d.stderr


def test_two_databases_never_share_a_uid(tmp_path: Path) -> None:
    """A team's database and a personal one, with the same requests: a calendar subscribed to both
    keeps both sets of events (the same UID would make one replace the other)."""
    feeds = []
    for name in ("team", "personal"):
        d = Tracker(f"sqlite:///{tmp_path / name}.db", tmp_path / name)
        _sent_request(d)
        feeds.append(set(_events(d.report("ics"))))
    team, personal = feeds
    assert len(team) == len(personal) == 1
    assert team.isdisjoint(personal)
    # and each database keeps its own: the same database gives the same UIDs every time
    d = Tracker(f"sqlite:///{tmp_path / 'team'}.db", tmp_path / "team")
    assert set(_events(d.report("ics", name="again.ics"))) == team


def test_the_calendar_is_on_standard_output_with_dash(db_url: str, tmp_path: Path) -> None:
    from icalendar import Calendar

    d = Tracker(db_url, tmp_path)
    number = _sent_request(d)
    out = d("report", "--format", "ics", "-o", "-")
    events = Calendar.from_ical(out).walk("VEVENT")
    assert [str(e["UID"]).split("-")[1] for e in events] == [str(number)]
    assert "1 requests" in d.stderr
    assert not Path("-").exists()

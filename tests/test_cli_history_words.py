"""The command line tells a request's history in people's words (issue 19): `show`'s timeline names
each event by its label with its facts ('The agency took more time (Days: 10)'), and `sent`, `log`,
`edit` and `undo` say the new state the same way ('Now: Awaiting acknowledgement, due Tue 2026-12-08.');
dates stay the terminal's 'Tue 2026-12-01'; `--json` keeps the tokens."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .cli_helpers import Tracker


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    tracker = Tracker(db_url, tmp_path)
    tracker("profile", "set", "--name", "Ana Núñez", "--email", "ana@example.org", "--state", "VA")
    tracker.new("VA", "Fairfax County Sheriff", "--date", "2026-11-27")
    return tracker


def _timeline(text: str) -> list[str]:
    return [line.strip() for line in text.split("Timeline:\n", 1)[1].split("\n\n", 1)[0].splitlines()]


def test_sent_log_edit_and_undo_say_the_event_and_the_new_state_in_words(rr: Tracker) -> None:
    sent = rr("sent", "1", "--via", "email", "--on", "2026-12-01", today="2026-12-01")
    # Virginia: 5 business days from receipt (the email's day), so Tue 2026-12-08
    assert sent.startswith("#1: Request sent on Tue 2026-12-01. Now: Awaiting acknowledgement, due Tue 2026-12-08."), (
        sent
    )
    assert "awaiting-ack" not in sent

    extended = rr("log", "1", "extended", "--days", "7", "--on", "2026-12-04", today="2026-12-04")
    assert extended.startswith("#1: The agency took more time on Fri 2026-12-04. Now: Awaiting response, due "), (
        extended
    )
    assert "extended on" not in extended and "Now awaiting" not in extended

    ack = rr("log", "1", "acknowledged", "--tracking-number", "R-7", "--on", "2026-12-05", today="2026-12-05")
    assert ack.startswith("#1: The agency acknowledged the request on Sat 2026-12-05. Now: Awaiting response")

    events = rr.json("show", "1", today="2026-12-05")["events"]
    extension = next(e["id"] for e in events if e["kind"] == "extended")
    edited = rr("edit", "1", "--event", str(extension), "--days", "10", today="2026-12-06")
    assert edited.strip() == f"#1: corrected event #{extension} (The agency took more time). Now: Awaiting response."

    undone = rr("undo", "1", today="2026-12-07")  # the extension was an answer already
    assert undone.strip() == (
        "#1: undid 'The agency acknowledged the request' of Sat 2026-12-05. Now: Awaiting response."
    )

    timeline = _timeline(rr("show", "1", today="2026-12-07"))
    assert timeline[0].startswith("Tue 2026-12-01  #") and timeline[0].endswith("Request sent (How: by email)")
    assert timeline[1].endswith(f"#{extension} The agency took more time (Days: 10)")
    assert "The agency acknowledged the request (Tracking number: R-7) (undone on Mon 2026-12-07" in timeline[2]
    assert f"Changed #{extension}: Days 7 -> 10" in timeline[3] and timeline[3].startswith("Sun 2026-12-06")
    shown = "\n".join(timeline)
    assert not re.search(r"#\d+ (sent|extended|acknowledged|edit of)\b|via:|days:", shown), shown  # the old tokens

    # --json keeps the tokens
    data = rr.json("show", "1", today="2026-12-07")
    assert data["status"] == "awaiting-response"
    assert [e["kind"] for e in data["events"]] == ["sent", "extended", "acknowledged", "edit", "undo"]
    assert rr.json("log", "1", "note", "--note", "called", today="2026-12-07")["event"]["kind"] == "note"


def test_an_until_date_is_written_the_terminal_way(rr: Tracker) -> None:
    rr("sent", "1", "--via", "email", "--on", "2026-12-01", today="2026-12-01")
    rr("log", "1", "estimate", "--until", "2026-12-18", "--on", "2026-12-03", today="2026-12-03")
    timeline = _timeline(rr("show", "1", today="2026-12-03"))
    assert timeline[1].endswith("The agency promised a date (Until: Fri 2026-12-18)"), timeline

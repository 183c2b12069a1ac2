"""The request lifecycle, pure: events in, status, deadline and next step out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from records_req.calendars import calendar_for
from records_req.laws import load_laws
from records_req.lifecycle import Recorded, Tracked, effective, track

D = dt.date
LAWS = load_laws()


def run(code: str, events: list[tuple[str, dt.date, dict[str, Any]]], today: dt.date) -> Tracked:
    recorded = [Recorded(i + 1, kind, on, None, data) for i, (kind, on, data) in enumerate(events)]
    j = LAWS[code]
    return track(recorded, j, calendar_for(j), today)


def test_illinois_repeated_extensions_stay_within_the_one_statutory_extension() -> None:
    # 5 ILCS 140/3: 5 business days, one extension of 5 more. Sent Mon 03-02 -> 03-09 -> 03-16 at most.
    events: list[tuple[str, dt.date, dict[str, Any]]] = [("sent", D(2026, 3, 2), {"via": "email"})]
    events += [("extended", D(2026, 3, 9 + 7 * i), {"days": 5}) for i in range(3)]
    tracked = run("IL", events, D(2026, 3, 10))
    assert tracked.due_on == D(2026, 3, 16)


def test_a_clarification_request_does_not_hide_a_running_clock() -> None:
    # Illinois does not stop the clock for clarification: the request stays due, and goes overdue.
    tracked = run(
        "IL",
        [("sent", D(2026, 3, 2), {"via": "email"}), ("clarification-requested", D(2026, 3, 4), {})],
        D(2026, 4, 20),
    )
    assert tracked.state.status == "fix-required"
    assert tracked.due_on == D(2026, 3, 9) and tracked.overdue
    assert tracked.next_action.kind == "follow-up" and tracked.next_action.case == "overdue"
    early = run(
        "IL", [("sent", D(2026, 3, 2), {"via": "email"}), ("clarification-requested", D(2026, 3, 4), {})], D(2026, 3, 5)
    )
    assert "does not stop the clock" in early.next_step and early.due_on == D(2026, 3, 9)


def test_the_agency_waits_for_a_fix_or_a_payment_and_each_is_its_own_status() -> None:
    # What was one status ("awaiting-requester") says what the agency waits for (MuckRock's
    # "Fix required", "Payment required"); answering one leaves the other in force.
    sent = ("sent", D(2026, 3, 2), {"via": "email"})
    fee = ("fee-estimate", D(2026, 3, 4), {"amount": 40})
    ask: tuple[str, dt.date, dict[str, Any]] = ("clarification-requested", D(2026, 3, 5), {})
    assert run("US", [sent, fee], D(2026, 3, 6)).state.status == "payment-required"
    assert run("US", [sent, ask], D(2026, 3, 6)).state.status == "fix-required"
    both = run("US", [sent, fee, ask], D(2026, 3, 6))
    assert both.state.status == "fix-required" and both.next_action.kind == "answer-agency"
    assert both.next_action.facts["status"] == "fix-required"
    answered = run("US", [sent, fee, ask, ("clarified", D(2026, 3, 9), {})], D(2026, 3, 10))
    assert answered.state.status == "payment-required"
    paid = run(
        "US", [sent, fee, ask, ("clarified", D(2026, 3, 9), {}), ("fee-paid", D(2026, 3, 10), {})], D(2026, 3, 11)
    )
    assert paid.state.status == "awaiting-response"


def test_a_court_action_puts_the_request_in_litigation_until_the_records_come() -> None:
    sent = ("sent", D(2026, 3, 2), {"via": "email"})
    denied: tuple[str, dt.date, dict[str, Any]] = ("denied", D(2026, 3, 6), {})
    sued = ("sued", D(2026, 4, 1), {"court": "Circuit Court for Fairfax County"})
    tracked = run("VA", [sent, denied, sued], D(2026, 4, 2))
    assert tracked.state.status == "in-litigation" and not tracked.state.closed
    assert tracked.next_action.kind == "await-court" and tracked.due_on is None and not tracked.overdue
    assert tracked.next_action.facts == {"court": "Circuit Court for Fairfax County"}
    won = run("VA", [sent, denied, sued, ("released", D(2026, 6, 1), {})], D(2026, 6, 2))
    assert won.state.status == "completed"


def test_a_clarification_request_stops_the_clock_where_the_law_says_so() -> None:
    tracked = run(
        "US",
        [("sent", D(2026, 3, 2), {"via": "email"}), ("clarification-requested", D(2026, 3, 4), {})],
        D(2026, 4, 20),
    )
    assert tracked.due_on is None and not tracked.overdue


def test_oregon_second_clock_counts_an_extension_once() -> None:
    # ORS 192.329: 10 business days after the date acknowledgment was due (5 business days).
    base = [("sent", D(2026, 3, 2), {"via": "email"}), ("acknowledged", D(2026, 3, 4), {})]
    plain = run("OR", base, D(2026, 3, 5))
    extended = run("OR", [*base, ("extended", D(2026, 3, 10), {"days": 5})], D(2026, 3, 5))
    assert plain.due_on == D(2026, 3, 23)  # 03-09 + 10 business days
    assert extended.due_on == D(2026, 3, 30)  # + 5 business days, once


def test_after_a_deemed_denial_the_appeal_window_is_what_runs() -> None:
    events = [("sent", D(2026, 3, 2), {"via": "email"}), ("followed-up", D(2026, 3, 12), {})]
    tracked = run("IL", events, D(2026, 3, 20))
    assert not tracked.overdue, "the due date shown is the appeal window, which is not past"
    assert tracked.due_label == "appeal deadline" and tracked.due_on is not None
    assert tracked.due_on > D(2026, 3, 20)


def test_calendar_day_appeal_windows_roll_off_a_weekend() -> None:
    # 5 ILCS 140/9.5: 60 days to ask the Public Access Counselor; 2026-03-09 + 60 = Fri 05-08.
    # A denial on 04-01 + 60 = Sun 05-31 -> Mon 06-01 (5 ILCS 70/1.11).
    tracked = run("IL", [("sent", D(2026, 3, 2), {"via": "email"}), ("denied", D(2026, 4, 1), {})], D(2026, 4, 2))
    assert tracked.due_on == D(2026, 6, 1)


def test_edits_accumulate_and_an_edit_can_switch_days_and_until() -> None:
    events = [
        Recorded(1, "sent", D(2026, 3, 2), None, {"via": "email"}),
        Recorded(2, "extended", D(2026, 3, 9), None, {"until": "2026-03-20"}),
        Recorded(3, "edit", D(2026, 3, 10), None, {"target": 2, "on": "2026-03-08"}),
        Recorded(4, "edit", D(2026, 3, 10), None, {"target": 2, "note": "letter of 3/8"}),
        Recorded(5, "edit", D(2026, 3, 10), None, {"target": 2, "data": {"days": 3}}),
    ]
    (_sent, extended) = effective(events)
    assert extended.on == D(2026, 3, 8) and extended.note == "letter of 3/8"
    assert extended.data == {"days": 3}


def test_a_no_number_law_after_a_follow_up_points_to_the_next_remedy() -> None:
    events = [("sent", D(2026, 3, 2), {"via": "email"}), ("followed-up", D(2026, 3, 20), {})]
    tracked = run("FL", events, D(2026, 4, 10))
    assert "Followed up on" in tracked.next_step and "follow up if nothing arrives by" not in tracked.next_step

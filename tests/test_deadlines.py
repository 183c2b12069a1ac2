"""The deadline engine on a small, fixed calendar: every rule of counting, one test each."""

from __future__ import annotations

import datetime as dt

import pytest

from records_req.calendars import ClosureCalendar
from records_req.deadlines import (
    Extended,
    Paused,
    ResponseRule,
    assume_received,
    due,
)
from records_req.laws import Clock, Extension, Receipt, Unit, load_laws

D = dt.date
CLOSURES = {
    D(2026, 11, 26): "Thanksgiving Day",
    D(2026, 11, 27): "Day After Thanksgiving",
    D(2026, 12, 25): "Christmas Day",
    D(2027, 1, 1): "New Year's Day",
    D(2027, 12, 24): "Christmas Day (observed)",
    D(2027, 12, 31): "New Year's Day (observed)",
}
CAL = ClosureCalendar("XX", lambda year: {d: n for d, n in CLOSURES.items() if d.year == year})


def rule(
    days: int | None = 5,
    unit: Unit | None = "business",
    *,
    counts_receipt_day: bool = False,
    roll_forward: bool = True,
    received_when_closed: bool = False,
    extension: Extension | None = None,
    pauses: frozenset[str] = frozenset(),
) -> ResponseRule:
    clock = Clock(
        days=days,
        unit=unit,
        trigger="receipt",
        counts_receipt_day=counts_receipt_day,
        duty="response",
        standard="promptly" if days is None else f"within {days} days",
        binds=None,
        citation="Test Code § 1",
    )
    return ResponseRule(
        jurisdiction="XX",
        clock=clock,
        extension=extension,
        pauses=frozenset(pauses),  # type: ignore[arg-type]
        roll_forward=roll_forward,
        received_when_closed=received_when_closed,
        citations={"roll_forward": "Test Code § 9", "pause:clarification": "Test Code § 3"},
    )


def test_business_days_skip_thanksgiving_and_weekend() -> None:
    deadline = due(rule(5), D(2026, 11, 25), CAL)
    assert deadline.date == D(2026, 12, 4)
    text = "\n".join(deadline.lines)
    assert "Thanksgiving Day" in text and "Day After Thanksgiving" in text
    assert "Sat 2026-11-28" in text
    assert "not counted" in text


def test_receipt_day_counted_when_the_law_says_so() -> None:
    # Mon 11-23 is day 1; 11-26, 11-27 closed; 11-28, 11-29 weekend: 23, 24, 25, 30, 12-01.
    assert due(rule(5, counts_receipt_day=True), D(2026, 11, 23), CAL).date == D(2026, 12, 1)
    assert due(rule(5), D(2026, 11, 23), CAL).date == D(2026, 12, 2)


def test_calendar_days_roll_forward_over_new_year_observed_in_previous_year() -> None:
    # 10 calendar days from 2027-12-21 ends Fri 2027-12-31, New Year's Day 2028 observed.
    deadline = due(rule(10, "calendar"), D(2027, 12, 21), CAL)
    assert deadline.date == D(2028, 1, 3)
    assert any("New Year's Day (observed)" in line for line in deadline.lines)


def test_calendar_days_without_roll_forward_stay_put_and_say_so() -> None:
    deadline = due(rule(10, "calendar", roll_forward=False), D(2027, 12, 21), CAL)
    assert deadline.date == D(2027, 12, 31)
    assert any("stays on that day" in line for line in deadline.lines)


def test_request_received_on_a_holiday_counts_from_next_business_day_where_law_says() -> None:
    with_rule = due(rule(3, received_when_closed=True), D(2026, 11, 27), CAL)
    without = due(rule(3), D(2026, 11, 27), CAL)
    # Received Fri (closed) -> counts as received Mon 11/30 -> Tue, Wed, Thu.
    assert with_rule.received == D(2026, 11, 30)
    assert with_rule.date == D(2026, 12, 3)
    # Without the rule, receipt stays Friday and Mon is day 1.
    assert without.date == D(2026, 12, 2)


def test_mail_assumption_is_explained() -> None:
    j = load_laws()["FL"]
    received, said = assume_received(j, CAL, D(2026, 11, 20), "mail", 3)
    assert received == D(2026, 11, 23)
    note = said.text
    assert "mail" in note and "3 calendar days" in note
    same, said2 = assume_received(j, CAL, D(2026, 11, 20), "email")
    assert same == D(2026, 11, 20) and "same day" in said2.text


@pytest.mark.parametrize("via", ["email", "fax", "portal"])
def test_a_law_that_receives_electronic_requests_later_moves_receipt(via: str) -> None:
    """MI's rule (MCL 15.235(1)) as data: any jurisdiction with the same receipt rule gets it."""
    j = load_laws()["FL"]._replace(receipt=Receipt("1 business day after sending", "§ 1", 1, "business"))
    received, note = assume_received(j, CAL, D(2026, 11, 20), via)  # type: ignore[arg-type]
    assert received == D(2026, 11, 23)  # Friday -> the next business day, Monday
    assert "§ 1" in note.text and "received Mon 2026-11-23" in note.text
    mailed, _ = assume_received(j, CAL, D(2026, 11, 20), "mail", 3)
    assert mailed == D(2026, 11, 23)  # mail keeps its own assumption
    handed, _ = assume_received(j, CAL, D(2026, 11, 20), "hand")
    assert handed == D(2026, 11, 20)
    deadline = due(rule(5), received, CAL, received_note=note)
    assert deadline.lines[0] == note.text


def test_no_number_gives_labelled_followup_not_a_deadline() -> None:
    deadline = due(rule(None, None), D(2026, 11, 25), CAL, followup_days=10)
    assert deadline.date is None
    assert deadline.statutory is False
    assert deadline.followup == D(2026, 12, 11)
    assert "not a statutory deadline" in deadline.lines[-1]


def test_extension_by_days_counts_from_the_original_deadline() -> None:
    ext = Extension(7, "business", "busy", True, "Test Code § 2")
    deadline = due(rule(5, extension=ext), D(2026, 11, 25), CAL, [Extended(D(2026, 12, 1), days=7)])
    # 12-04 + 7 business days = 12-15
    assert deadline.date == D(2026, 12, 15)


def test_extension_longer_than_the_law_allows_is_capped_with_a_warning() -> None:
    ext = Extension(7, "business", "busy", True, "Test Code § 2")
    deadline = due(rule(5, extension=ext), D(2026, 11, 25), CAL, [Extended(D(2026, 12, 1), days=10)])
    assert deadline.date == D(2026, 12, 15)
    assert any("at most 7" in line for line in deadline.lines)


def test_extension_where_law_has_none_is_tracked_with_a_warning() -> None:
    deadline = due(rule(5), D(2026, 11, 25), CAL, [Extended(D(2026, 12, 1), days=3)])
    assert deadline.date == D(2026, 12, 9)
    assert any("provides no extension" in line for line in deadline.lines)


def test_extension_to_an_earlier_date_is_ignored() -> None:
    deadline = due(rule(5), D(2026, 11, 25), CAL, [Extended(D(2026, 12, 1), until=D(2026, 12, 2))])
    assert deadline.date == D(2026, 12, 4)
    later = due(rule(5), D(2026, 11, 25), CAL, [Extended(D(2026, 12, 1), until=D(2027, 1, 8))])
    assert later.date == D(2027, 1, 8)


def test_calendar_extension_rolls_forward_off_christmas() -> None:
    ext = Extension(14, "calendar", "unusual circumstances", True, "Test Code § 2")
    # 10 calendar days from 12-01 = 12-11 (Fri); +14 = 12-25 Christmas -> Sat, Sun -> Mon 12-28.
    deadline = due(
        rule(10, "calendar", extension=ext),
        D(2026, 12, 1),
        CAL,
        [Extended(D(2026, 12, 5), days=14)],
    )
    assert deadline.date == D(2026, 12, 28)


def test_pause_where_law_allows_it_moves_the_deadline() -> None:
    r = rule(5, pauses=frozenset({"clarification"}))
    # Paused Mon 11-30 (day 1 counted), answered Thu 12-03: 12-01..12-03 not counted.
    deadline = due(r, D(2026, 11, 25), CAL, [Paused("clarification", D(2026, 11, 30), D(2026, 12, 3))])
    assert deadline.date == D(2026, 12, 9)
    assert any("3 days after the stop not counted" in line for line in deadline.lines)


def test_pause_the_law_does_not_recognise_is_ignored_and_said() -> None:
    deadline = due(rule(5), D(2026, 11, 25), CAL, [Paused("clarification", D(2026, 11, 30), D(2026, 12, 3))])
    assert deadline.date == D(2026, 12, 4)
    assert any("does not stop the clock" in line for line in deadline.lines)


def test_open_pause_means_no_deadline_until_the_requester_answers() -> None:
    r = rule(5, pauses=frozenset({"clarification"}))
    deadline = due(r, D(2026, 11, 25), CAL, [Paused("clarification", D(2026, 11, 30))])
    assert deadline.date is None and deadline.paused
    assert deadline.statutory is True


def test_open_pause_after_the_deadline_does_not_revive_it() -> None:
    r = rule(5, pauses=frozenset({"clarification"}))
    deadline = due(r, D(2026, 11, 25), CAL, [Paused("clarification", D(2026, 12, 10))])
    assert deadline.date == D(2026, 12, 4)


def test_events_validate_themselves() -> None:
    with pytest.raises(ValueError):
        Extended(D(2026, 1, 1))
    with pytest.raises(ValueError):
        Extended(D(2026, 1, 1), days=0)
    with pytest.raises(ValueError):
        Paused("clarification", D(2026, 1, 5), D(2026, 1, 1))


def test_json_shape() -> None:
    data = due(rule(5), D(2026, 11, 25), CAL).to_dict()
    assert data["due"] == "2026-12-04"
    assert data["received"] == "2026-11-25"
    assert data["statutory"] is True
    assert isinstance(data["explanation"], list) and all(isinstance(x, str) for x in data["explanation"])


def test_extension_counted_from_receipt_caps_the_total_not_the_addition() -> None:
    # "no later than 10 working days after the request": 3 days, then at most 10 in all.
    ext = Extension(10, "business", "written notice", True, "Test Code § 2", "receipt")
    base = due(rule(3, extension=ext), D(2027, 12, 20), CAL)
    assert base.date == D(2027, 12, 23)
    full = due(rule(3, extension=ext), D(2027, 12, 20), CAL, [Extended(D(2027, 12, 22), maximum=True)])
    # 12-21..12-23 (3), 12-24 closed, 12-27..12-30 (7), 12-31 closed, 01-03..01-05 (10)
    assert full.date == D(2028, 1, 5)
    claimed = due(rule(3, extension=ext), D(2027, 12, 20), CAL, [Extended(D(2027, 12, 22), days=10)])
    assert claimed.date == D(2028, 1, 5)
    assert any("later than the law allows" in line for line in claimed.lines)


def test_full_extension_where_the_law_has_no_fixed_length_changes_nothing() -> None:
    ext = Extension(None, None, "a reasonable time", False, "Test Code § 2")
    deadline = due(rule(5, extension=ext), D(2026, 11, 25), CAL, [Extended(D(2026, 12, 1), maximum=True)])
    assert deadline.date == D(2026, 12, 4)
    assert any("no fixed length" in line for line in deadline.lines)


def test_after_hours_moves_receipt_only_where_the_law_says_so() -> None:
    moved = due(rule(3, received_when_closed=True), D(2026, 11, 24), CAL, after_hours=True)
    # Tue after hours -> Wed 11-25 -> Mon 11-30, Tue, Wed.
    assert moved.received == D(2026, 11, 25)
    assert moved.date == D(2026, 12, 2)
    kept = due(rule(3), D(2026, 11, 24), CAL, after_hours=True)
    assert kept.received == D(2026, 11, 24)
    assert kept.date == D(2026, 12, 1)  # Wed 11-25, Mon 11-30, Tue 12-01
    assert "does not move receipt" in kept.lines[0]


def test_repeated_extensions_cannot_pass_the_statutory_maximum() -> None:
    ext = Extension(5, "business", "listed reasons", True, "Test Code § 2")
    events = [Extended(D(2026, 3, 9), days=5), Extended(D(2026, 3, 16), days=5), Extended(D(2026, 3, 23), days=5)]
    deadline = due(rule(5, extension=ext), D(2026, 3, 2), CAL, events)
    # 03-09 + at most 5 business days = 03-16, however many extensions are logged.
    assert deadline.date == D(2026, 3, 16)
    assert sum("later than the law allows" in line for line in deadline.lines) == 2
    calendar_ext = Extension(14, "calendar", "unusual", True, "Test Code § 2")
    three = [Extended(D(2026, 3, 12), days=7), Extended(D(2026, 3, 19), days=7), Extended(D(2026, 3, 26), days=7)]
    capped = due(rule(10, "calendar", extension=calendar_ext), D(2026, 3, 2), CAL, three)
    assert capped.date == D(2026, 3, 26)  # 03-12 + 14 calendar days

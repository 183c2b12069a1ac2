"""Properties every deadline must have, for every jurisdiction in the real law data."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from records_req.calendars import calendar_for
from records_req.deadlines import Extended, ResponseRule, due
from records_req.laws import load_laws

LAWS = load_laws()
CODES = sorted(LAWS)
CALENDARS = {code: calendar_for(LAWS[code]) for code in CODES}
NUMERIC = sorted(code for code in CODES if LAWS[code].response.days is not None)

codes = st.sampled_from(CODES)
numeric_codes = st.sampled_from(NUMERIC)
days = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2039, 10, 1))


def first(code: str, received: dt.date, events: tuple[Extended, ...] = ()) -> dt.date | None:
    rule = ResponseRule.for_jurisdiction(LAWS[code])
    return due(rule, received, CALENDARS[code], events).date


@settings(max_examples=300, deadline=None)
@given(codes, days)
def test_due_is_never_before_receipt(code: str, received: dt.date) -> None:
    deadline = due(ResponseRule.for_jurisdiction(LAWS[code]), received, CALENDARS[code])
    later = deadline.date or deadline.followup
    assert later is not None and later >= received


@settings(max_examples=300, deadline=None)
@given(numeric_codes, days)
def test_business_day_deadline_never_falls_on_a_closed_day(code: str, received: dt.date) -> None:
    j = LAWS[code]
    date = first(code, received)
    assert date is not None
    if j.response.unit == "business" or j.roll_forward:
        assert CALENDARS[code].closure(date) is None, f"{code} due on {date}"


@settings(max_examples=300, deadline=None)
@given(numeric_codes, days, st.integers(min_value=1, max_value=40))
def test_due_is_monotonic_in_the_received_date(code: str, received: dt.date, gap: int) -> None:
    earlier, later = first(code, received), first(code, received + dt.timedelta(days=gap))
    assert earlier is not None and later is not None
    assert earlier <= later


@settings(max_examples=300, deadline=None)
@given(numeric_codes, days, st.integers(min_value=1, max_value=30), st.booleans())
def test_an_extension_never_makes_the_deadline_earlier(code: str, received: dt.date, extra: int, to_date: bool) -> None:
    base = first(code, received)
    assert base is not None
    event = Extended(on=base, until=base + dt.timedelta(days=extra - 10)) if to_date else Extended(on=base, days=extra)
    extended = first(code, received, (event,))
    assert extended is not None and extended >= base


EXTENDABLE = sorted(
    c
    for c in NUMERIC
    if LAWS[c].extension and LAWS[c].extension.days and LAWS[c].extension.clock == "response"  # type: ignore[union-attr]
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(EXTENDABLE), days, st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=4))
def test_any_number_of_extensions_stays_within_the_statutory_maximum(
    code: str, received: dt.date, lengths: list[int]
) -> None:
    base = first(code, received)
    assert base is not None
    cap = first(code, received, (Extended(on=base, maximum=True),))
    extended = first(code, received, tuple(Extended(on=base, days=n) for n in lengths))
    assert cap is not None and extended is not None
    assert base <= extended <= cap

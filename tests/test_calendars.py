"""Closure calendars: the rule grammar, observed days across years, and the shipped table."""

from __future__ import annotations

import datetime as dt
import json
from importlib.metadata import version

import pytest

from records_req.calendars import (
    TABLE_FILE,
    TABLE_YEARS,
    build_table,
    calendar_for,
    compute_closures,
)
from records_req.holiday_rules import parse_rule
from records_req.laws import HolidayRule, HolidaySpec, load_laws
from records_req.resources import data_dir

D = dt.date


@pytest.mark.parametrize(
    ("rule", "year", "expected"),
    [
        ("12-24", 2026, D(2026, 12, 24)),
        ("07-04 observed", 2026, D(2026, 7, 3)),  # Saturday -> Friday
        ("07-04 observed", 2027, D(2027, 7, 5)),  # Sunday -> Monday
        ("07-04 observed-sunday", 2026, D(2026, 7, 4)),  # Saturday stays
        ("07-04 observed-sunday", 2027, D(2027, 7, 5)),
        ("07-04 observed-monday", 2026, D(2026, 7, 6)),  # Saturday -> Monday
        ("07-04 observed-monday", 2027, D(2027, 7, 5)),
        ("07-04 observed-monday", 2028, D(2028, 7, 4)),
        ("thanksgiving+1", 2026, D(2026, 11, 27)),
        ("thanksgiving+1", 2027, D(2027, 11, 26)),
        ("easter-2", 2026, D(2026, 4, 3)),  # Good Friday
        ("easter-2", 2027, D(2027, 3, 26)),
        ("nth:4:thu:11", 2026, D(2026, 11, 26)),
        ("nth:-1:mon:5", 2026, D(2026, 5, 25)),
        ("nth:3:mon:4", 2026, D(2026, 4, 20)),  # Patriots' Day
        ("nth:1:mon:11+1", 2026, D(2026, 11, 3)),  # general election day
        ("nth:1:mon:11+1 even-years", 2026, D(2026, 11, 3)),
        ("nth:1:mon:11+1 even-years", 2027, None),
    ],
)
def test_rule_grammar(rule: str, year: int, expected: dt.date | None) -> None:
    assert parse_rule(rule)(year) == expected


@pytest.mark.parametrize("rule", ["13-01", "02-30", "christmas", "nth:6:mon:5", "nth:1:mon:13"])
def test_bad_rules_are_refused_with_a_reason(rule: str) -> None:
    with pytest.raises(ValueError, match=rule.split(":")[0][:3]):
        parse_rule(rule)


def test_observed_new_year_2028_falls_in_2027() -> None:
    spec = HolidaySpec(subdiv=None, categories=("government",), remove=(), add=(), citation=None)
    closures = compute_closures(spec, 2027)
    assert "New Year's Day" in closures[D(2027, 12, 31)]
    assert D(2028, 1, 1) not in closures


def test_added_observed_rule_reaches_into_the_previous_year() -> None:
    spec = HolidaySpec(
        subdiv=None,
        categories=("government",),
        remove=("New Year's Day",),
        add=(HolidayRule("New Year (ours)", "01-01 observed"),),
        citation=None,
    )
    assert compute_closures(spec, 2027)[D(2027, 12, 31)] == "New Year (ours)"


def test_removed_days_disappear_with_their_observed_twin() -> None:
    spec = HolidaySpec("TX", ("public",), ("Independence Day",), (), None)
    closures = compute_closures(spec, 2026)
    assert D(2026, 7, 3) not in closures and D(2026, 7, 4) not in closures


def test_state_only_closures_from_the_real_data() -> None:
    laws = load_laws()
    assert "Patriots' Day" in (calendar_for(laws["MA"]).holiday(D(2026, 4, 20)) or "")
    assert "Cesar Chavez" in (calendar_for(laws["CA"]).holiday(D(2026, 3, 31)) or "")
    assert calendar_for(laws["US"]).holiday(D(2027, 12, 31)) is not None
    assert calendar_for(laws["US"]).holiday(D(2026, 11, 27)) is None  # federal offices open


def test_shipped_table_is_current() -> None:
    """data/closures.json must equal a live computation from the law data.

    Regenerate with `python -m records_req.calendars` after editing holidays in the YAML.
    """
    shipped = json.loads((data_dir() / TABLE_FILE).read_text(encoding="utf-8"))
    if shipped["holidays_version"] != version("holidays"):
        pytest.skip(
            f"table built with holidays {shipped['holidays_version']}, "
            f"installed {version('holidays')}: a live comparison would test the package, not us"
        )
    assert shipped["years"] == list(TABLE_YEARS)
    fresh = build_table(load_laws().values())
    assert shipped["jurisdictions"] == fresh["jurisdictions"]


def test_table_and_live_computation_agree_for_every_jurisdiction() -> None:
    """Whatever the installed holidays version, fingerprints match the law data."""
    shipped = json.loads((data_dir() / TABLE_FILE).read_text(encoding="utf-8"))
    laws = load_laws()
    assert sorted(shipped["jurisdictions"]) == sorted(laws)
    for code, j in laws.items():
        assert shipped["jurisdictions"][code]["fingerprint"] == j.holidays.fingerprint(), code


def test_texas_january_holiday_has_its_statutory_name() -> None:
    # Tex. Gov't Code § 662.003(b)(1): "Confederate Heroes Day, January 19"
    from records_req.laws import load_laws

    cal = calendar_for(load_laws()["TX"])
    name = cal.closure(dt.date(2026, 1, 19)) or ""
    assert "Confederate Heroes Day" in name and "Memorial" not in name


def test_federal_executive_order_closures_are_counted_and_named() -> None:
    from records_req.deadlines import ResponseRule, due
    from records_req.laws import load_laws

    us = load_laws()["US"]
    cal = calendar_for(us)
    assert cal.closure(dt.date(2024, 12, 24)) is None  # not a legal public holiday
    assert cal.noted(dt.date(2024, 12, 24)) == "Christmas Eve"
    result = due(ResponseRule.for_jurisdiction(us), dt.date(2024, 12, 20), cal)
    notes = [s.text for s in result.explanation if s.kind == "note"]
    # Christmas Eve 2024 and the Jan. 9 2025 day of mourning both fall in the 20 working days
    assert len(notes) == 2 and all("may claim" in n for n in notes)
    assert "Christmas Eve" in notes[0] and "Jimmy Carter" in notes[1]
    assert result.date == dt.date(2025, 1, 22)  # 12/23-1/22 less 12/25, 1/1, 1/20; the two closures count


def test_a_state_that_makes_presidential_days_holidays_skips_them() -> None:
    from records_req.laws import load_laws

    cal = calendar_for(load_laws()["VA"])  # Va. Code § 2.2-3300
    assert cal.closure(dt.date(2025, 1, 9)) is not None
    assert calendar_for(load_laws()["TX"]).closure(dt.date(2025, 1, 9)) is None

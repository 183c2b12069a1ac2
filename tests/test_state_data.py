"""The shipped law data: complete, cited, and right on the facts the product depends on."""

from __future__ import annotations

import datetime as dt

import pytest

from records_req.laws import Jurisdiction, load_laws

LAWS = load_laws()
STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
]


def test_every_state_dc_and_the_federal_foia() -> None:
    assert sorted(LAWS) == sorted([*STATES, "DC", "US"])
    assert len(LAWS) == 52


@pytest.mark.parametrize("code", sorted(LAWS))
def test_every_fact_is_cited(code: str) -> None:
    j: Jurisdiction = LAWS[code]
    assert j.law.citation and j.response.citation and j.appeal.citation and j.fees.citation
    assert j.sources, "no sources"
    assert j.verified_on <= dt.date(2026, 11, 27)
    if j.verified_on < dt.date(2020, 1, 1):
        assert j.review, "a text read before 2020 may predate amendments: say so in review"
    if j.code != "US":
        assert j.law.short_name != "FOIA", "a state law is never just 'FOIA'"


@pytest.mark.parametrize(
    ("code", "restricted"),
    [
        ("VA", True),
        ("TN", True),
        ("AR", True),
        ("KY", True),
        ("DE", True),
        ("AL", True),
        ("CA", False),
        ("TX", False),
        ("US", False),
        ("FL", False),
    ],
)
def test_residency_limits(code: str, restricted: bool) -> None:
    value = LAWS[code].residency.restricted
    assert (value is not False) == restricted, f"{code}: {value}"


@pytest.mark.parametrize(
    ("code", "stances"),
    [
        ("CA", {"prohibits", "restricts"}),
        ("IL", {"prohibits", "restricts"}),
        ("NJ", {"prohibits", "restricts"}),
        ("WA", {"prohibits", "restricts"}),
        ("VT", {"prohibits", "restricts"}),
        ("FL", {"requires"}),
        ("TX", {"requires"}),
        ("GA", {"requires"}),
        ("US", {"none"}),
    ],
)
def test_287g_stance(code: str, stances: set[str]) -> None:
    imm = LAWS[code].immigration
    assert imm.stance in stances
    if imm.stance != "none":
        assert imm.law and imm.citation and imm.year


@pytest.mark.parametrize(
    ("code", "days", "unit"),
    [
        ("US", 20, "business"),  # 5 U.S.C. § 552(a)(6)(A)(i)
        ("VA", 5, "business"),  # Va. Code § 2.2-3704(B)
        ("TX", 10, "business"),  # Tex. Gov't Code § 552.221(d)
        ("CA", 10, "calendar"),  # Cal. Gov. Code § 7922.535(a)
        ("GA", 3, "business"),  # O.C.G.A. § 50-18-71(b)(1)(A)
        ("IL", 5, "business"),  # 5 ILCS 140/3(d)
        ("NJ", 7, "business"),  # N.J.S.A. 47:1A-5(i)
        ("FL", None, None),  # Fla. Stat. § 119.07(1)(c): "promptly"
    ],
)
def test_well_known_clocks(code: str, days: int | None, unit: str | None) -> None:
    clock = LAWS[code].response
    assert (clock.days, clock.unit) == (days, unit)


def test_no_number_states_quote_their_standard() -> None:
    for j in LAWS.values():
        if j.response.days is None:
            assert len(j.response.standard) > 3, j.code

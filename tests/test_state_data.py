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
    assert j.verified_on <= dt.date.today()  # no fact is dated after the day it could be read
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
        # Laws that only tell a state official to negotiate a state-level agreement (Okla. Stat. tit. 74
        # § 20j; Utah Code § 67-5-28; S.C. Code § 23-3-80, SLED; Ala. Code § 31-13-4) bind no sheriff.
        ("OK", {"state_agreement"}),
        ("UT", {"state_agreement"}),
        ("SC", {"state_agreement"}),
        ("AL", {"state_agreement"}),
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
        ("IA", None, None),  # Iowa Code ch. 22 is silent (IPIB 22AO:0004); § 22.8(4)(d) caps one delay only
    ],
)
def test_well_known_clocks(code: str, days: int | None, unit: str | None) -> None:
    clock = LAWS[code].response
    assert (clock.days, clock.unit) == (days, unit)


def test_no_number_states_quote_their_standard() -> None:
    for j in LAWS.values():
        if j.response.days is None:
            assert len(j.response.standard) > 3, j.code


def test_california_cites_the_287g_clause_of_sb54() -> None:
    # (a)(1)(F) is border-area searches under 8 U.S.C. § 1357(a)(3); the 287(g) bar is (a)(1)(G) and (a)(2).
    imm = LAWS["CA"].immigration
    assert "(a)(1)(G)" in (imm.letter_citation or "") and "(a)(1)(F)" not in f"{imm.law} {imm.citation}"


def test_wyoming_counts_from_acknowledged_receipt() -> None:
    # Wyo. Stat. § 16-4-202(c)(iii): "thirty (30) calendar days from the date of acknowledged receipt"
    assert LAWS["WY"].response.trigger == "acknowledgment"


def test_montana_state_agency_clock_binds_state_agencies_only() -> None:
    # Mont. Code Ann. § 2-6-1006(3) (2025 HB 100): executive-branch agencies; local governments "timely manner"
    mt = LAWS["MT"]
    assert (mt.response.days, mt.response.unit, mt.response.applies_to) == (5, "business", "state_agencies")
    assert mt.response.note and "timely manner" in mt.response.note


def test_texas_duty_is_certify_or_ask_the_attorney_general_not_deny() -> None:
    # Tex. Gov't Code §§ 552.221(d), 552.301(b), 552.302: certify a date, or seek an AG ruling to withhold.
    tx = LAWS["TX"]
    assert "deny" not in tx.response.duty_words and "certify" in tx.response.duty_words
    points = " ".join(p.text + " " + p.citation for p in tx.letter_points)
    assert "Attorney General" in points and "presumed public" in points and "552.302" in points


def test_new_jersey_both_routes_have_45_days() -> None:
    # N.J.S.A. 47:1A-6 as amended by P.L. 2024, c. 16: GRC complaint or, in lieu of it, Superior Court.
    appeal = LAWS["NJ"].appeal
    routes = {a.route: a.deadline_days for a in (appeal, *appeal.also)}
    assert routes == {"review_board": 45, "court": 45}


def test_unconfirmed_287g_entries_say_so() -> None:
    # NY's Exec. Law § 170-k: no chapter law found (law audit, 2026-12-06); the letters must not
    # state it as law. DE's HB 182 (signed 2025-07-14, 11 Del. C. § 8402B) was read in its
    # enacted text and is no longer flagged.
    assert LAWS["NY"].immigration.unverified
    assert not LAWS["DE"].immigration.unverified


def test_virginia_notes_executive_directive_one() -> None:
    imm = LAWS["VA"].immigration
    assert "Executive Directive One" in f"{imm.summary} {imm.citation}"


def test_new_hampshire_ombudsman_status_is_flagged() -> None:
    assert "vacant" in (LAWS["NH"].appeal.note or "")


def test_one_off_closures_follow_each_law() -> None:
    # FOIA excepts only legal public holidays (5 U.S.C. §§ 552(a)(6)(A)(i), 6103(a)): count EO closures.
    assert LAWS["US"].holidays.one_off == "count"
    assert "government" not in LAWS["US"].holidays.categories
    for j in LAWS.values():
        if j.holidays.one_off is not None:
            assert j.holidays.one_off_citation, j.code

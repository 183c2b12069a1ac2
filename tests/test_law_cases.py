"""Deadlines for real jurisdictions against dates computed by hand from the statutes.

Each row of law_cases.yaml was counted on a calendar by a researcher reading the statute and the
state's holiday law, independently of the engine, and names the sections it relies on.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from records_req.calendars import calendar_for
from records_req.deadlines import Extended, ResponseRule, compute_for, due, first_clock
from records_req.laws import load_laws

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "law_cases.yaml").read_text(encoding="utf-8"))
LAWS = load_laws()


def case_id(case: dict[str, Any]) -> str:
    start = case.get("received") or f"sent-{case['sent']}-{case['via']}"
    return f"{case['code']}-{case['clock']}-{start}-[{case['citation']}]"


def test_cases_cover_at_least_20_jurisdictions_and_the_hard_holidays() -> None:
    assert len({c["code"] for c in CASES}) >= 20
    spans = [(c.get("received") or c["sent"], c["expected_due"]) for c in CASES if c["expected_due"] is not None]

    def crosses(day: dt.date) -> bool:
        return any(start < day <= end for start, end in spans)

    assert crosses(dt.date(2026, 11, 26)), "Thanksgiving 2026"
    assert crosses(dt.date(2027, 12, 31)), "New Year 2028 observed on 2027-12-31"
    assert crosses(dt.date(2026, 7, 3)), "July 4 2026 (a Saturday) observed on 2026-07-03"
    assert crosses(dt.date(2026, 4, 20)) or crosses(dt.date(2027, 4, 19)), "Patriots' Day (MA)"
    assert crosses(dt.date(2026, 3, 31)) or crosses(dt.date(2027, 3, 31)), "Cesar Chavez (CA)"
    assert crosses(dt.date(2027, 2, 12)), "Lincoln's Birthday (CT, IL, MO, NY)"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_hand_computed_deadline(case: dict[str, Any]) -> None:
    j = LAWS[case["code"]]
    calendar = calendar_for(j)
    if "sent" in case:  # the law's own receipt rule decides when the request was received
        report = compute_for(j, calendar, sent=case["sent"], via=case["via"])
        assert report.first.received == case["expected_received"], "\n".join(report.first.lines)
        assert report.first.date == case["expected_due"], f"{case['reasoning']}\n" + "\n".join(report.first.lines)
        return
    if case["clock"] == "second_response":
        rule = ResponseRule.for_jurisdiction(j, "second_response")
        start = case.get("acknowledged", case["received"])
        if rule.clock.trigger == "first_deadline":
            start = due(ResponseRule.for_jurisdiction(j), case["received"], calendar).date
        result = due(rule, start, calendar)
    else:
        rule = ResponseRule.for_jurisdiction(j)
        result = first_clock(j, calendar, case["received"], acknowledged=case.get("acknowledged"))
        if case["clock"] == "extension":
            assert result.date == case["base_due"], "\n".join(result.lines)
            result = due(rule, case["received"], calendar, [Extended(result.date, maximum=True)])
    assert result.date == case["expected_due"], f"{case['reasoning']}\n--- engine ---\n" + "\n".join(result.lines)
    if case["expected_due"] is None:  # no statutory date: the engine must say so, and offer no date as law
        assert not result.statutory
        assert result.followup is not None

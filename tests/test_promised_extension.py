"""An extension where the law sets no number of days (FL, OH, WI...): the agency's own promise.

The dates below were counted by hand on a calendar, independently of the engine. Florida's state
holidays (Fla. Stat. § 110.117) include Thanksgiving and the Friday after it. An extension 'by N
days' counts business days from the day the agency extended, unless it names a date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from records_req.calendars import calendar_for
from records_req.deadlines import Extended, ResponseRule, due
from records_req.laws import load_laws
from records_req.lifecycle import Recorded, Tracked, track

D = dt.date
LAWS = load_laws()


def run(code: str, events: list[tuple[str, dt.date, dict[str, Any]]], today: dt.date) -> Tracked:
    recorded = [Recorded(i + 1, kind, on, None, data) for i, (kind, on, data) in enumerate(events)]
    j = LAWS[code]
    return track(recorded, j, calendar_for(j), today)


HAND_COUNTED = [
    # (law, received, extension, promised date, the counting)
    pytest.param(
        "FL",
        D(2026, 3, 2),
        Extended(D(2026, 3, 10), days=10),
        D(2026, 3, 24),
        id="FL-10-business-days-from-Tue-03-10",
        # 3/11(1) 3/12(2) 3/13(3), weekend, 3/16-3/20(4-8), weekend, 3/23(9) 3/24(10)
    ),
    pytest.param(
        "FL",
        D(2026, 11, 16),
        Extended(D(2026, 11, 23), days=10),
        D(2026, 12, 9),
        id="FL-10-business-days-across-Thanksgiving-and-the-Friday-after",
        # 11/24(1) 11/25(2), skip Thu 11/26 and Fri 11/27 (state holidays), weekend,
        # 11/30(3) 12/1(4) 12/2(5) 12/3(6) 12/4(7), weekend, 12/7(8) 12/8(9) 12/9(10)
    ),
    pytest.param(
        "OH",
        D(2026, 6, 29),
        Extended(D(2026, 7, 1), days=3),
        D(2026, 7, 7),
        id="OH-3-business-days-across-July-4-observed-on-Fri-07-03",
        # 7/2(1), skip Fri 7/3 (Independence Day observed), weekend, 7/6(2) 7/7(3)
    ),
    pytest.param(
        "FL",
        D(2026, 3, 2),
        Extended(D(2026, 3, 4), until=D(2026, 4, 15)),
        D(2026, 4, 15),
        id="FL-until-a-date",
    ),
]


@pytest.mark.parametrize(("code", "received", "extension", "promised"), HAND_COUNTED)
def test_the_engine_moves_the_follow_up_to_the_promised_date(
    code: str, received: dt.date, extension: Extended, promised: dt.date
) -> None:
    j = LAWS[code]
    calendar = calendar_for(j)
    plain = due(ResponseRule.for_jurisdiction(j), received, calendar)
    extended = due(ResponseRule.for_jurisdiction(j), received, calendar, [extension])
    assert plain.date is None and not plain.statutory and plain.promised is None
    assert extended.date is None and not extended.statutory  # still no statutory date
    assert extended.promised == promised
    assert extended.followup == promised, "\n".join(extended.lines)
    words = f"the agency promised {promised:%a} {promised.isoformat()}; follow up after {promised:%a} {promised}"
    assert any(words in line for line in extended.lines), "\n".join(extended.lines)
    assert extended.to_dict()["promised"] == promised.isoformat()


def test_the_latest_of_two_promises_counts() -> None:
    j = LAWS["FL"]
    rule = ResponseRule.for_jurisdiction(j)
    # 3/3 + 5 business days = 3/10; 3/4 until 3/20
    result = due(
        rule,
        D(2026, 3, 2),
        calendar_for(j),
        [Extended(D(2026, 3, 4), until=D(2026, 3, 20)), Extended(D(2026, 3, 3), days=5)],
    )
    assert result.promised == D(2026, 3, 20) and result.followup == D(2026, 3, 20)


def test_a_florida_extension_moves_the_suggested_follow_up_and_says_why() -> None:
    sent: tuple[str, dt.date, dict[str, Any]] = ("sent", D(2026, 3, 2), {"via": "email"})
    # Without it: 10 business days after receipt on 3/2 = 3/16 (3/3-3/6, 3/9-3/13, 3/16).
    before = run("FL", [sent], D(2026, 3, 17))
    assert before.due_on == D(2026, 3, 16) and before.next_action.kind == "follow-up"

    events: list[tuple[str, dt.date, dict[str, Any]]] = [sent, ("extended", D(2026, 3, 10), {"days": 10})]
    waiting = run("FL", events, D(2026, 3, 17))
    assert waiting.due_on == D(2026, 3, 24) and not waiting.statutory and not waiting.overdue
    assert waiting.next_action.kind == "wait" and waiting.next_action.case == "promised"
    assert waiting.next_step == (
        "The law sets no number of days; the agency promised Tue 2026-03-24; follow up after Tue 2026-03-24."
    )
    assert "promised" in waiting.due_label

    late = run("FL", events, D(2026, 3, 25))
    assert late.next_action.kind == "follow-up" and late.next_action.facts["promised"] == D(2026, 3, 24)
    assert "the agency promised Tue 2026-03-24 and nothing came" in late.next_step
    assert not late.overdue  # a promise missed is not a statutory deadline missed


def test_the_spanish_words_of_the_promise() -> None:
    from records_req.wording import action_words

    waiting = run(
        "FL", [("sent", D(2026, 3, 2), {"via": "email"}), ("extended", D(2026, 3, 10), {"days": 10})], D(2026, 3, 17)
    )
    assert action_words(waiting.next_action, "es") == (
        "La ley no fija un número de días; la agencia prometió el martes 24 de marzo de 2026; "
        "haga un seguimiento después del martes 24 de marzo de 2026."
    )


def test_a_statutory_clock_is_unchanged() -> None:
    # Illinois: 5 business days + one extension of 5: sent Mon 3/2 -> due 3/9, extended -> 3/16.
    tracked = run(
        "IL", [("sent", D(2026, 3, 2), {"via": "email"}), ("extended", D(2026, 3, 9), {"days": 5})], D(2026, 3, 10)
    )
    assert tracked.due_on == D(2026, 3, 16) and tracked.statutory
    assert tracked.deadline is not None and tracked.deadline.promised is None

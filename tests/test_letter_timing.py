"""Letters never contradict the engine: follow-ups and appeals, for every jurisdiction, random dates.

Built from the rule, not from the engine's output: a follow-up is allowed exactly when the letter's
date is after the statutory date (or there is no statutory date), and an appeal claims to be timely
exactly when the letter's date is within the appeal period counted from the denial.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from records_req.calendars import calendar_for
from records_req.deadlines import appeal_window, running_clock
from records_req.laws import load_laws
from records_req.letters.check import sample_request
from records_req.letters.compose import compose
from records_req.letters.timing import LetterTimingError, plan

from .cli_helpers import run_out

LAWS = load_laws()
CODES = sorted(LAWS)
DAYS = st.dates(dt.date(2026, 1, 5), dt.date(2027, 12, 1))


@settings(max_examples=150, deadline=None)
@given(code=st.sampled_from(CODES), sent=DAYS, gap=st.integers(0, 80))
def test_follow_up_is_refused_before_the_due_date_and_allowed_after(code: str, sent: dt.date, gap: int) -> None:
    j = LAWS[code]
    cal = calendar_for(j)
    on = sent + dt.timedelta(days=gap)
    clock = running_clock(j, cal, sent, on=on)
    due_on = clock.date
    if due_on is not None and on <= due_on:
        with pytest.raises(LetterTimingError, match=due_on.isoformat()):
            plan("follow-up", j, cal, received=sent, letter_date=on)
        assert plan("follow-up", j, cal, received=sent, letter_date=on, force=True).status_inquiry
    else:
        timing = plan("follow-up", j, cal, received=sent, letter_date=on)
        # With no statutory date, a letter before the suggested follow-up is only a status inquiry.
        soon = due_on is None and clock.followup is not None and on < clock.followup
        assert timing.status_inquiry == soon


@settings(max_examples=150, deadline=None)
@given(code=st.sampled_from(CODES), denied=DAYS, gap=st.integers(0, 200))
def test_appeal_claims_timeliness_if_and_only_if_in_time(code: str, denied: dt.date, gap: int) -> None:
    j = LAWS[code]
    cal = calendar_for(j)
    on = denied + dt.timedelta(days=gap)
    sent = denied - dt.timedelta(days=10)
    last = appeal_window(j, cal, denied).last_day
    in_time = last is None or on <= last
    if not in_time:
        with pytest.raises(LetterTimingError):
            plan("appeal", j, cal, received=sent, letter_date=on, denied_on=denied)
    timing = plan("appeal", j, cal, received=sent, letter_date=on, denied_on=denied, force=True)
    assert timing.appeal_in_time is (None if last is None else in_time)
    req = sample_request(code, "appeal", letter_date=on, denied_on=denied)
    text = " ".join(compose(req).plain_text().split())
    # Where the only route is court, the letter asks the agency to reconsider: the suit period is not
    # an "appeal" period, so the letter never claims to be an appeal made in time.
    claims = last is not None and in_time and j.appeal.route != "court"
    assert ("This appeal is made within" in text) == claims, text[:300]


def test_pennsylvania_appeal_window_counts_business_days() -> None:
    # 65 P.S. § 67.1101(a)(1): 15 business days from the denial of Mon 2026-11-16; Thanksgiving 11/26
    # and the day after (11/27) are closed: 11/17-11/20 (4), 11/23-11/25 (7), 11/30-12/4 (12), 12/7-12/9 (15).
    window = appeal_window(LAWS["PA"], calendar_for(LAWS["PA"]), dt.date(2026, 11, 16))
    assert window.last_day == dt.date(2026, 12, 9)
    assert any("Thanksgiving" in step.text for step in window.explanation)


def test_alabama_missed_acknowledgment_is_not_a_deemed_denial() -> None:
    # Ala. Code § 36-12-44(a)(5): the presumption runs from the acknowledgment, not from the 10-day clock.
    al = LAWS["AL"]
    timing = plan("follow-up", al, calendar_for(al), received=dt.date(2026, 11, 2), letter_date=dt.date(2026, 12, 1))
    assert timing.clock == "response" and not timing.deemed_denial
    acked = plan(
        "follow-up",
        al,
        calendar_for(al),
        received=dt.date(2026, 11, 2),
        acknowledged=dt.date(2026, 11, 5),
        letter_date=dt.date(2027, 1, 15),
    )
    # 30 business days after Thu 11/5: 11/6 ... skipping 11/11, 11/26-27, 12/25 -> Tue 2026-12-22
    assert acked.deemed_denied_on == dt.date(2026, 12, 22)


def test_follow_up_after_a_lawful_extension_cites_the_extended_date() -> None:
    from records_req.deadlines import Extended

    pa = LAWS["PA"]
    cal = calendar_for(pa)
    sent = dt.date(2026, 11, 2)  # due 11/9; extended by the agency to 12/9 (65 P.S. § 67.902(b))
    ext = [Extended(on=dt.date(2026, 11, 9), until=dt.date(2026, 12, 9))]
    with pytest.raises(LetterTimingError, match="2026-12-09"):
        plan("follow-up", pa, cal, received=sent, letter_date=dt.date(2026, 11, 20), events=ext)
    assert plan("follow-up", pa, cal, received=sent, letter_date=dt.date(2026, 12, 10), events=ext).missed.date == (
        dt.date(2026, 12, 9)
    )


BASE = [
    "letter",
    "--requester-name",
    "Ana Núñez",
    "--requester-email",
    "ana@example.org",
    "--requester-state",
    "PA",
    "--agency",
    "Example County Sheriff's Office",
    "--topic",
    "wso",
    "--state",
    "PA",
]


def test_cli_refuses_an_early_follow_up_and_forces_a_status_inquiry(tmp_path: Path) -> None:
    args = [*BASE, "--kind", "follow-up", "--request-date", "2026-11-20", "--date", "2026-11-24", "--json"]
    code, out, err = run_out(tmp_path, *args)
    assert code == 1 and "2026-12-01" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists(), "nothing is written when the letter is refused"
    code, out, err = run_out(tmp_path, *args, "--force")
    assert code == 0, err
    pdf = Path(json.loads(out)["files"]["pdf"])
    text = " ".join(pdf_words(pdf))
    assert "has passed" not in text and "how the request is progressing" in text


def test_cli_late_appeal_is_refused_then_written_without_the_timeliness_claim(tmp_path: Path) -> None:
    args = [*BASE, "--kind", "appeal", "--request-date", "2026-10-01", "--denied-on", "2026-10-10"]
    code, _, err = run_out(tmp_path, *args, "--date", "2026-12-01")
    # 65 P.S. § 67.1101(a)(1): 15 business days after Sat 10-10; Columbus Day 10-12 closed: 10-13 ... 11-02
    assert code == 1 and "closed" in err and "2026-11-02" in err
    code, out, err = run_out(tmp_path, *args, "--date", "2026-12-01", "--force", "--json")
    assert code == 0 and "does not claim to be timely" in err
    text = " ".join(pdf_words(Path(json.loads(out)["files"]["pdf"])))
    assert "This appeal is made within" not in text
    assert "through October 1, 2026" in text  # the request as it was sent, not widened to the letter's date


def test_global_as_of_works_after_the_sub_command(tmp_path: Path) -> None:
    args = [*BASE, "--kind", "follow-up", "--request-date", "2026-11-20", "--json"]
    code, out, err = run_out(tmp_path, *args, "--as-of", "2026-12-10")
    assert code == 0, err
    assert "2026-12-10" in json.loads(out)["files"]["pdf"]  # the letter's default date is --as-of


def pdf_words(path: Path) -> list[str]:
    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(path).pages).split()


def test_maryland_follow_up_after_thirty_days_cites_the_thirty_day_clock_and_the_denial() -> None:
    # Md. Code, Gen. Prov. § 4-203(a)-(b): notice within 10 working days, decision within 30 days of
    # receipt (both from receipt); failure to produce in time is a denial (§ 4-203(b)(3)).
    md = LAWS["MD"]
    cal = calendar_for(md)
    sent = dt.date(2026, 3, 2)
    early = plan("follow-up", md, cal, received=sent, letter_date=dt.date(2026, 3, 20))
    assert early.clock == "response" and early.deemed_denied_on == dt.date(2026, 4, 1)  # pending
    late = plan("appeal", md, cal, received=sent, letter_date=dt.date(2026, 4, 15))
    assert late.clock == "second_response" and late.missed.date == dt.date(2026, 4, 1)
    assert late.deemed_denied_on == dt.date(2026, 4, 1)


def test_foia_silence_is_exhaustion_and_starts_no_appeal_period() -> None:
    # 5 U.S.C. § 552(a)(6)(C)(i); 6 C.F.R. § 5.8(a)(1) counts the 90 working days from a response.
    us = LAWS["US"]
    timing = plan("appeal", us, calendar_for(us), received=dt.date(2026, 1, 5), letter_date=dt.date(2026, 11, 30))
    assert timing.windows == () and timing.appeal_in_time is None


def test_dates_out_of_order_are_usage_errors() -> None:
    from records_req.errors import UsageError

    va = LAWS["VA"]
    cal = calendar_for(va)
    sent = dt.date(2026, 3, 2)
    with pytest.raises(UsageError):
        plan("appeal", va, cal, received=sent, letter_date=dt.date(2026, 4, 1), denied_on=dt.date(2026, 2, 1))
    with pytest.raises(UsageError):
        plan("follow-up", va, cal, received=sent, letter_date=dt.date(2026, 4, 1), acknowledged=dt.date(2026, 5, 1))


def test_a_follow_up_with_a_denial_date_is_still_checked_against_the_due_date() -> None:
    va = LAWS["VA"]
    with pytest.raises(LetterTimingError):
        plan(
            "follow-up",
            va,
            calendar_for(va),
            received=dt.date(2026, 3, 2),
            letter_date=dt.date(2026, 3, 4),
            denied_on=dt.date(2026, 3, 3),
        )


def test_grounds_match_the_ground_not_a_word_inside_another() -> None:
    from records_req.letters.grounds import grounds_for

    assert [g.key for g in grounds_for("withheld Social Security numbers", federal=False)] == []
    assert [g.key for g in grounds_for("see our reference number", federal=False)] == []
    assert "security" in [g.key for g in grounds_for("65 P.S. 67.708(b)(2) public safety", federal=False)]
    assert [g.key for g in grounds_for("(b)(7)(E)", federal=True)] == ["foia-techniques"]


def test_alabama_extends_the_substantive_response_not_the_acknowledgment() -> None:
    # Ala. Code § 36-12-44(a)(4): the 15-business-day response may be extended in 15-business-day
    # increments; the 10-day acknowledgment of (a)(3) has no extension.
    from records_req.deadlines import Extended, compute_for

    al = LAWS["AL"]
    cal = calendar_for(al)
    report = compute_for(al, cal, received=dt.date(2026, 11, 2), acknowledged=dt.date(2026, 11, 5))
    assert report.with_extension is None  # nothing extends the acknowledgment
    second = report.second
    # 11/6 (1), 11/9-11/10 (3), skip 11/11 Veterans Day, 11/12-11/25 (13), skip 11/26-11/27, 11/30-12/1 (15)
    assert second is not None and second.date == dt.date(2026, 12, 1)
    ext = running_clock(
        al,
        cal,
        dt.date(2026, 11, 2),
        acknowledged=dt.date(2026, 11, 5),
        events=[Extended(on=dt.date(2026, 11, 25), days=15)],
    )
    # 15 business days after Tue 12/1: 12/2-12/4 (3), 12/7-12/11 (8), 12/14-12/18 (13), 12/21-12/22 (15)
    assert ext.date == dt.date(2026, 12, 22)

"""Golden letters: the full text of five letters that matter, reviewed by a person.

A change in wording, law data or templates that alters one of these letters fails here; if the
change is intended, read the new text and regenerate with RECORDS_REQ_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from records_req.calendars import calendar_for
from records_req.laws import load_laws
from records_req.letters.compose import Agency, LetterRequest, Requester, compose, ice_foia_office
from records_req.letters.timing import plan
from records_req.topics import load_topics

GOLDEN = Path(__file__).parent / "golden"
D = dt.date(2026, 11, 27)


def request(code: str, topics: list[str], **extra: object) -> LetterRequest:
    laws, all_topics = load_laws(), load_topics()
    fields: dict[str, object] = {
        "kind": "initial",
        "jurisdiction": laws[code],
        "agency": Agency("Example County Sheriff's Office", "100 Main St\nExample, ST 00000"),
        "requester": Requester("Ana Núñez", "ana@example.org", "1 Elm St\nTown, ST 00000", state=code),
        "topics": tuple(all_topics[t] for t in topics),
        "since": dt.date(2025, 1, 1),
        "until": D,
        "date": D,
    }
    fields.update(extra)
    return LetterRequest(**fields)  # type: ignore[arg-type]


def later(
    kind: str,
    code: str,
    sent: dt.date,
    on: dt.date,
    *,
    denied_on: dt.date | None = None,
    acknowledged: dt.date | None = None,
    force: bool = False,
    exemptions: str | None = None,
) -> LetterRequest:
    """A follow-up or appeal, with the dates the engine allows it to state."""
    j = load_laws()[code]
    timing = plan(
        kind,  # type: ignore[arg-type]
        j,
        calendar_for(j),
        received=sent,
        letter_date=on,
        acknowledged=acknowledged,
        denied_on=denied_on,
        force=force,
    )
    return request(
        code,
        ["wso"],
        kind=kind,
        until=sent,  # the request as it was sent
        date=on,
        request_date=sent,
        deadline=timing.missed,
        denied_on=denied_on,
        exemptions=exemptions,
        timing=timing,
    )


CASES = {
    "VA-residency": lambda: request("VA", ["wso"]),
    "CA-prohibition": lambda: request("CA", ["wso", "detainers", "state-law"]),
    "FL-mandate": lambda: request("FL", ["wso", "state-mandate"]),
    "TX-jail-model": lambda: request("TX", ["jail-model", "costs", "state-mandate"]),
    "TX-omnibus": lambda: request("TX", ["wso", "jail-model", "task-force", "costs", "state-mandate"]),
    "US-federal": lambda: request(
        "US",
        ["wso"],
        requester=Requester("Ana Núñez", "ana@example.org", "1 Elm St\nTown, ST 00000", organization="The Ledger"),
        about="Example County Sheriff's Office",
        fee_category="news-media",
        expedite=True,
        agency=ice_foia_office(),
    ),
    # Appeals to an outside body: short addressee and salutation from the law data's letter fields.
    "KY-appeal": lambda: later("appeal", "KY", dt.date(2026, 11, 2), D, denied_on=dt.date(2026, 11, 16)),
    "PA-appeal": lambda: later(
        "appeal",
        "PA",
        dt.date(2026, 11, 2),
        D,
        denied_on=dt.date(2026, 11, 16),
        exemptions="65 P.S. § 67.708(b)(2) (public safety) and 8 C.F.R. § 236.6",
    ),
    "NY-appeal": lambda: later("appeal", "NY", dt.date(2026, 11, 2), D, denied_on=dt.date(2026, 11, 16)),
    "TX-appeal": lambda: later("appeal", "TX", dt.date(2026, 11, 2), D),
    "NJ-appeal": lambda: later("appeal", "NJ", dt.date(2026, 11, 2), D, denied_on=dt.date(2026, 11, 12)),
    "IL-appeal": lambda: later("appeal", "IL", dt.date(2026, 11, 2), D, denied_on=dt.date(2026, 11, 10)),
    # 52 days after a denial of 2026-10-10: N.Y. Pub. Off. Law § 89(4)(a) gives 30; written only with force.
    "NY-appeal-late": lambda: later(
        "appeal", "NY", dt.date(2026, 9, 28), dt.date(2026, 12, 1), denied_on=dt.date(2026, 10, 10), force=True
    ),
    # Written on 11-24 for a request of 11-20 due 12-01 (65 P.S. § 67.901): a status inquiry, not a complaint.
    "PA-followup-early": lambda: later("follow-up", "PA", dt.date(2026, 11, 20), dt.date(2026, 11, 24), force=True),
    # Ala. Code § 36-12-44(a)(3): acknowledgment within 10 days, missed; no deemed denial on that clock.
    "AL-followup-no-ack": lambda: later("follow-up", "AL", dt.date(2026, 11, 2), D),
    # Tex. Gov't Code §§ 552.301-.302: past the 10 business days with no AG ruling request, presumed public.
    "TX-followup": lambda: later("follow-up", "TX", dt.date(2026, 11, 2), D),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_letter(name: str) -> None:
    text = compose(CASES[name]()).plain_text()
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("RECORDS_REQ_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}; run with RECORDS_REQ_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def test_golden_letters_say_what_each_state_requires() -> None:
    va = (GOLDEN / "VA-residency.txt").read_text(encoding="utf-8")
    assert "I am a citizen of the Commonwealth of Virginia." in va
    assert "within 5 working days" in va and "Va. Code Ann. § 2.2-3704(B)" in va  # the statute's own words
    ca = (GOLDEN / "CA-prohibition.txt").read_text(encoding="utf-8")
    assert "California Public Records Act" in ca and "whether or not an agreement was signed" in ca
    fl = (GOLDEN / "FL-mandate.txt").read_text(encoding="utf-8")
    assert "State Board of Immigration Enforcement" in fl and "promptly" in fl and "Cannella" in fl
    assert "whatever the date they were created" in fl and "§ 119.07(1)(d)-(f)" in fl
    tx = (GOLDEN / "TX-jail-model.txt").read_text(encoding="utf-8")
    assert "Texas Public Information Act" in tx and "within 10 business days" in tx
    us = (GOLDEN / "US-federal.txt").read_text(encoding="utf-8")
    assert "Freedom of Information Act Office" in us and "5 U.S.C. § 552" in us
    assert "expedited processing" in us and "news media" in us
    for text in (va, ca, fl, tx):
        assert "5 U.S.C. § 552" not in text, "a state letter cites state law, not the federal FOIA"


def test_golden_follow_ups_and_appeals_say_only_what_is_true() -> None:
    def read(name: str) -> str:
        return " ".join((GOLDEN / f"{name}.txt").read_text(encoding="utf-8").split())

    for name in ("KY-appeal", "PA-appeal", "TX-appeal", "NJ-appeal", "IL-appeal"):
        text = (GOLDEN / f"{name}.txt").read_text(encoding="utf-8")
        salutation = next(line for line in text.splitlines() if line.startswith("Dear "))
        assert len(salutation) <= 60 and "(" not in salutation and ";" not in salutation, salutation
    assert "Office of the Attorney General" in read("KY-appeal")
    assert "Office of Open Records" in read("PA-appeal")
    assert "within the 15 business days" in read("PA-appeal")  # 11-16 + 15 business days = 12-08
    assert "Government Records Council" in read("NJ-appeal") and "within the 45 calendar days" in read("NJ-appeal")
    ny = read("NY-appeal-late")
    assert "This appeal is made within" not in ny
    pa = read("PA-followup-early")
    assert "has passed" not in pa and "December 1, 2026" in pa
    al = read("AL-followup-no-ack")
    assert "I have not received an acknowledgment" in al
    assert "may be treated as a denial" not in al and "complete response" not in al
    assert "presumed public" in read("TX-followup") and "552.302" in read("TX-followup")
    tx = read("TX-jail-model")
    assert "presumed public" in tx and "552.302" in tx and "deny them" not in tx
    ca = read("CA-prohibition")
    assert "(a)(1)(F)" not in ca and "prohibits such agreements" not in ca  # no characterization of state law
    assert "§ 7283.1(c)" in ca and "TRUTH Act" in ca

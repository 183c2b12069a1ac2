"""Golden letters: the full text of five letters that matter, reviewed by a person.

A change in wording, law data or templates that alters one of these letters fails here; if the
change is intended, read the new text and regenerate with RECORDS_REQ_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from records_req.laws import load_laws
from records_req.letters.compose import Agency, LetterRequest, Requester, compose, ice_foia_office
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


CASES = {
    "VA-residency": lambda: request("VA", ["wso"]),
    "CA-prohibition": lambda: request("CA", ["detainers", "ice-communications"]),
    "FL-mandate": lambda: request("FL", ["wso", "state-mandate"]),
    "TX-jail-model": lambda: request("TX", ["jail-model", "costs", "state-mandate"]),
    "US-federal": lambda: request(
        "US",
        ["wso"],
        about="Example County Sheriff's Office",
        fee_category="news-media",
        expedite=True,
        agency=ice_foia_office(),
    ),
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
    assert "I am a resident of Virginia." in va
    assert "within 5 business days" in va and "Va. Code Ann. § 2.2-3704(B)" in va
    ca = (GOLDEN / "CA-prohibition.txt").read_text(encoding="utf-8")
    assert "California Public Records Act" in ca and "prohibits" in ca
    fl = (GOLDEN / "FL-mandate.txt").read_text(encoding="utf-8")
    assert "Fla. Stat. § 908.11" in fl and "promptly" in fl
    tx = (GOLDEN / "TX-jail-model.txt").read_text(encoding="utf-8")
    assert "Texas Public Information Act" in tx and "within 10 business days" in tx
    us = (GOLDEN / "US-federal.txt").read_text(encoding="utf-8")
    assert "Freedom of Information Act Office" in us and "5 U.S.C. § 552" in us
    assert "expedited processing" in us and "news media" in us
    for text in (va, ca, fl, tx):
        assert "5 U.S.C. § 552" not in text, "a state letter cites state law, not the federal FOIA"

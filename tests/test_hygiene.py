"""Every free-text value passes through hygiene.clean: control characters, a NUL above all (which
PostgreSQL refuses in text and which truncates C strings), are refused by name, through the
Python API and the dashboard as through the command line, and nothing is written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from records_req import api
from records_req.errors import RecordsReqError, UsageError
from records_req.hygiene import clean

CONTROLS = {"NUL": "\x00", "escape": "\x1b", "bell": "\x07", "C1": "\x85", "bidi override": "\u202e"}


@pytest.mark.parametrize("name", CONTROLS)
def test_a_control_character_is_refused_by_its_code_point(name: str) -> None:
    char = CONTROLS[name]
    with pytest.raises(UsageError, match=rf"note contains a control character \(U\+{ord(char):04X}\)"):
        clean("note", f"called{char}them")


def test_ordinary_text_is_kept_normalised() -> None:
    assert clean("note", "  Policía\tde  Ñuñoa\r\n ") == "Policía de  Ñuñoa"
    assert clean("note", "   ") is None


def test_a_nul_in_a_note_writes_nothing_through_the_api(db_url: str, tmp_path: Path) -> None:
    with api.connect(db_url, out_dir=tmp_path / "out") as tracker:
        view = tracker.new_request(
            "VA",
            "Fairfax County Sheriff's Office",
            topics=["wso"],
            requester_name="Ana Núñez",
            requester_email="ana@example.org",
            requester_state="VA",
            letter_date=dt.date(2026, 11, 2),
        )
        before = tracker.view(view.id).events
        with pytest.raises(RecordsReqError, match=r"U\+0000"):
            tracker.log(view.id, "note", on=dt.date(2026, 11, 3), note="called\x00them")
        assert tracker.view(view.id).events == before

"""The Python API gives the same answers as the command line, from the same functions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from records_req import api
from records_req.letters.timing import LetterTimingError


def test_a_script_can_run_a_request_through_its_life(tmp_path: Path) -> None:
    with api.open(f"sqlite:///{tmp_path / 'records.db'}", out_dir=tmp_path / "out") as tracker:
        view = tracker.new_request(
            "PA",
            "Bucks County Sheriff's Office",
            topics=["wso"],
            requester_name="Ana Núñez",
            requester_email="ana@example.org",
            letter_date=dt.date(2026, 11, 20),
        )
        assert view.status == "draft" and view.letters and all(p.exists() for p in view.letters)
        tracker.log(view.id, "sent", on=dt.date(2026, 11, 20), via="email")
        # 65 P.S. § 67.901: 5 business days; Thanksgiving and the day after are closed -> Dec 1.
        assert tracker.view(view.id, today=dt.date(2026, 11, 24)).due_on == dt.date(2026, 12, 1)
        with pytest.raises(LetterTimingError, match="2026-12-01"):
            tracker.follow_up(view.id, on=dt.date(2026, 11, 24))
        later = tracker.follow_up(view.id, on=dt.date(2026, 12, 3))
        assert any(p.name.endswith("-follow-up.pdf") for p in later.letters)
        # After the follow-up, the deemed denial (§ 67.901) runs the 15-business-day appeal window.
        assert later.appeal_window and "Office of Open Records" in later.appeal_window.describe()
        assert later.due_on == dt.date(2026, 12, 22) and later.due_label == "appeal deadline"


def test_the_api_letter_uses_the_agency_directory_like_the_cli(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from records_req.cli import cli

    from .letter_helpers import docx_text

    url = f"sqlite:///{tmp_path / 'records.db'}"
    set_agency = [
        *("--db", url, "agencies", "set", "--state", "TX", "--name", "Harris County Sheriff's Office"),
        *("--email", "openrecords@hcso.example", "--address", "1200 Baker St\\nHouston, TX 77002"),
    ]
    assert CliRunner().invoke(cli, set_agency).exit_code == 0
    with api.open(url, out_dir=tmp_path / "out") as tracker:
        view = tracker.new_request(
            "TX",
            "Harris County Sheriff's Office",
            topics=["wso"],
            requester_name="Ana Núñez",
            requester_email="ana@example.org",
            letter_date=dt.date(2026, 11, 20),
        )
        text = docx_text(next(p for p in view.letters if p.suffix == ".docx"))
    assert "openrecords@hcso.example" in text and "1200 Baker St" in text


def test_the_api_log_checks_like_the_cli_and_answers_for_today(tmp_path: Path) -> None:
    from records_req.errors import RecordsReqError

    with api.open(f"sqlite:///{tmp_path / 'records.db'}", out_dir=tmp_path / "out") as tracker:
        view = tracker.new_request(
            "PA",
            "Bucks County Sheriff's Office",
            topics=["wso"],
            requester_name="Ana Núñez",
            requester_email="ana@example.org",
            letter_date=dt.date(2026, 10, 1),
        )
        # Sent long ago: the answer returned is today's (overdue), not the answer on the day logged.
        sent = tracker.log(view.id, "sent", on=dt.date(2026, 10, 1), via="email", note="by email to the RTK officer")
        assert sent.overdue is True and sent.overdue == tracker.view(view.id).overdue
        with pytest.raises(RecordsReqError, match="days must be"):
            tracker.log(view.id, "extended", on=dt.date(2026, 10, 2), days=-5)
        with pytest.raises(RecordsReqError, match="days must be"):
            tracker.log(view.id, "extended", on=dt.date(2026, 10, 2), days="30")
        assert tracker.view(view.id).due_on == sent.due_on, "a refused extension records nothing"

"""The command line's `list`, `due` and `show` name a status as people know it ("Awaiting
acknowledgement", "Payment required"); `--json` keeps the token (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .cli_helpers import Tracker


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    tracker = Tracker(db_url, tmp_path)
    tracker("profile", "set", "--name", "Ana Núñez", "--email", "ana@example.org", "--state", "VA")
    tracker.new("VA", "Fairfax County Sheriff")  # 1: never acknowledged, overdue by 2026-11-27
    tracker("sent", "1", "--on", "2026-11-02")
    tracker.new("GA", "Cobb County Sheriff")  # 2: the agency asked for a fee
    tracker("sent", "2", "--on", "2026-11-20")
    tracker("log", "2", "fee-estimate", "--on", "2026-11-23", "--amount", "120")
    return tracker


def test_show_and_list_print_the_status_label_and_json_keeps_the_token(
    rr: Tracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: each row on one line
    shown = rr("show", "2")
    assert "Status: Payment required" in shown and "payment-required" not in shown
    assert "Status: Awaiting acknowledgement (OVERDUE)" in rr("show", "1")
    listed = rr("list")
    assert "Awaiting acknowledgement (OVERDUE)" in listed and "Payment required" in listed
    assert "awaiting-ack" not in listed and "payment-required" not in listed
    due = rr("due", "--within", "30")
    assert "Awaiting acknowledgement" in due and "awaiting-ack" not in due
    # the machine's side: the tokens, as the filters take them
    assert rr.json("show", "2")["status"] == "payment-required"
    assert [r["status"] for r in rr.json("list")] == ["awaiting-ack", "payment-required"]
    assert "Payment required" in rr("list", "--status", "payment-required")

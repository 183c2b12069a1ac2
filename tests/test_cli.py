"""The `states` and `deadline` commands as a user types them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from records_req.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_states_table_lists_every_jurisdiction(mini_laws: Path) -> None:
    code, out, _ = run("states")
    assert code == 0
    assert "VFOIA" in out and "residents only" in out
    assert "3 jurisdictions" in out


def test_states_detail_cites_the_law(mini_laws: Path) -> None:
    code, out, _ = run("states", "va")
    assert code == 0
    assert "Va. Code § 2.2-3704(B)" in out
    assert "residents only" in out
    assert "Appeal: court" in out


def test_states_json_has_the_documented_keys(mini_laws: Path) -> None:
    code, out, _ = run("states", "--json")
    assert code == 0
    data = json.loads(out)
    assert [d["code"] for d in data] == ["VA", "CA", "FL"]
    first = data[0]
    assert {"code", "name", "law", "response", "residency", "appeal", "immigration"} <= set(first)
    assert {"name", "citation"} <= set(first["law"])
    assert {"days", "unit", "duty", "standard"} <= set(first["response"])
    assert first["residency"]["restricted"] is True
    assert data[1]["immigration"]["stance"] == "prohibits"


def test_deadline_json_has_the_documented_keys(mini_laws: Path) -> None:
    code, out, _ = run("deadline", "va", "--received", "2026-11-25", "--json")
    assert code == 0
    data = json.loads(out)
    required = {
        "jurisdiction",
        "received",
        "due",
        "unit",
        "days",
        "duty",
        "statutory",
        "explanation",
    }
    assert required <= set(data)
    assert data["jurisdiction"] == "VA"
    assert data["due"] == "2026-12-04"
    assert data["with_extension"]["due"] == "2026-12-15"


def test_deadline_null_due_where_law_sets_no_number(mini_laws: Path) -> None:
    code, out, _ = run("deadline", "FL", "--received", "2026-11-25", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["due"] is None and data["statutory"] is False
    # 11-26 and 11-27 closed in Florida, then 11-30..12-04 and 12-07..12-11.
    assert data["followup"] == "2026-12-11"


@pytest.mark.parametrize("text", ["2026-11-25", "11/25/2026", "Nov 25 2026", "November 25, 2026"])
def test_dates_in_common_forms(mini_laws: Path, text: str) -> None:
    code, out, _ = run("deadline", "VA", "--received", text, "--json")
    assert code == 0, out
    assert json.loads(out)["received"] == "2026-11-25"


def test_explain_lists_the_skipped_holidays(mini_laws: Path) -> None:
    code, out, _ = run("deadline", "VA", "--received", "2026-11-25", "--explain")
    assert code == 0
    assert "Skipped Thu 2026-11-26: Thanksgiving Day" in out
    assert "Due: Fri 2026-12-04" in out


def test_mailed_request_assumes_delivery_and_says_so(mini_laws: Path) -> None:
    code, out, _ = run("deadline", "VA", "--sent", "2026-11-20", "--via", "mail", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["received"] == "2026-11-23"
    assert "assumed received 3 calendar days later" in data["explanation"][0]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ["deadline", "XX", "--received", "2026-11-25"],
            "Unknown state 'XX'. Valid codes: CA, FL, VA",
        ),
        (["deadline", "VA", "--received", "2026-02-30"], "Invalid date '2026-02-30'"),
        (["deadline", "VA", "--received", "next tuesday"], "no four-digit year"),
        (["deadline", "VA", "--received", "13/45/2026"], "Invalid date"),
        (["deadline", "VA", "--received", "02/30/2026"], "day is out of range"),
        (["deadline", "VA"], "Give either --received DATE or --sent DATE"),
        (["states", "ZZ"], "Unknown state 'ZZ'"),
    ],
)
def test_bad_input_is_a_usage_error_with_exit_2(mini_laws: Path, args: list[str], needle: str) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err and out == ""


def test_python_dash_m_runs_the_cli() -> None:
    import subprocess
    import sys

    from .conftest import subprocess_env

    result = subprocess.run(
        [sys.executable, "-m", "records_req", "--help"],
        capture_output=True,
        text=True,
        env=subprocess_env(),
    )
    assert result.returncode == 0
    assert "records-req deadline VA" in result.stdout

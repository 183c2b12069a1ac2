"""Agencies' contact details loaded from a user's CSV: what is loaded, what is refused and why, and
that nothing a user entered is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from .cli_helpers import Tracker

CSV = """State,Agency,Email,Portal,Address,Officer,Phone
FL,Lee County Sheriff's Office,records@sheriffleefl.org,https://leeso.example/records,\
14750 Six Mile Cypress Pkwy\\nFort Myers FL 33912,Records Unit,239-477-1000
Texas,"Harris County Sheriff's Office, Records & Files",,https://hcso.example,,,
ZZ,Nowhere PD,a@b.example,,,,
TX,Bad Email SO,not an email,,,,
TX,Bad Portal SO,,ftp://hcso.example,,,
TX,,x@y.example,,,,
"""


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    return Tracker(db_url, tmp_path)


def test_contacts_load_skip_bad_rows_and_never_erase(rr: Tracker, tmp_path: Path) -> None:
    rr("agencies", "set", "--state", "FL", "--name", "Lee County Sheriff's Office", "--officer", "Old Unit")
    rr("agencies", "set", "--state", "TX", "--name", "Harris County Sheriff's Office, Records & Files", "--phone", "1")
    source = tmp_path / "contacts.csv"
    source.write_text(CSV, encoding="utf-8")
    result = rr.json("agencies", "import-contacts", str(source))
    assert (result["rows"], result["created"], result["updated"]) == (6, 0, 2)
    assert [(s["row"], s["reason"].split()[0]) for s in result["skipped"]] == [
        (4, "unknown"),
        (5, "email"),
        (6, "portal"),
        (7, "no"),
    ], "each bad row is named by its CSV line"
    lee = rr.json("agencies", "show", "Lee County Sheriff's Office", "--state", "FL")
    assert lee["email"] == "records@sheriffleefl.org"
    assert lee["officer"] == "Records Unit", "the CSV's value replaces the old one"
    assert lee["address"] == "14750 Six Mile Cypress Pkwy\nFort Myers FL 33912"
    harris = rr.json("agencies", "show", "Harris County Sheriff's Office, Records & Files", "--state", "TX")
    assert harris["portal"] == "https://hcso.example"
    listed = rr.json("agencies", "list", "--state", "TX")
    assert [a["name"] for a in listed] == ["Harris County Sheriff's Office, Records & Files"], "no bad row was added"
    assert harris["phone"] == "1", "an empty cell never erases a known detail"
    again = rr.json("agencies", "import-contacts", str(source))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2), "a re-run changes nothing"


def test_contacts_file_without_the_needed_columns_is_refused(rr: Tracker, tmp_path: Path) -> None:
    source = tmp_path / "contacts.csv"
    source.write_text("agency,e-mail\nLee County Sheriff's Office,x@y.example\n", encoding="utf-8")
    rr("agencies", "import-contacts", str(source), code=2)
    assert "'state'" in rr.stderr and "contacts.csv" in rr.stderr and "Traceback" not in rr.stderr
    source.write_bytes(b"state,agency\nFL,Caf\xe9 PD\n")
    rr("agencies", "import-contacts", str(source), code=2)
    assert "UTF-8" in rr.stderr
    assert rr.json("agencies", "list") == [], "a refused file loads nothing"

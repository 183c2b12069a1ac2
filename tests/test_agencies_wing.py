"""The agencies' wing (issue 18): one place answers who an agency is, and every door asks it. A
name that misses by a letter is offered the directory's close names, `agencies list` filters by
name as the dashboard does (with the same answer), a contacts CSV never silently adds a near miss
of a known agency as a second one, and ICE's sheet can be imported from its bytes."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from records_req.web import Settings, create_app

from .cli_helpers import Tracker
from .conftest import ice_sheet

PENDING = ice_sheet("pendingAgencies02272026am.xlsx")  # shipped in tests/fixtures: always there


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    return Tracker(db_url, tmp_path)


def test_an_agency_not_found_is_offered_the_close_names(rr: Tracker) -> None:
    rr("agencies", "set", "--state", "TX", "--name", "Galveston County Sheriff's Office")
    rr("agencies", "set", "--state", "TX", "--name", "Harris County Sheriff's Office")
    rr("agencies", "show", "Galveston Cnty Sherif Office", "--state", "TX", code=1)
    assert "No agency 'Galveston Cnty Sherif Office' in TX." in rr.stderr
    assert 'Did you mean "Galveston County Sheriff\'s Office"?' in rr.stderr, rr.stderr
    assert "Harris" not in rr.stderr and "Traceback" not in rr.stderr
    shown = rr.json("agencies", "show", "the galveston county sheriffs office", "--state", "TX")
    assert shown["name"] == "Galveston County Sheriff's Office", "the one key finds a respelling outright"
    rr("agencies", "show", "Nowhere Police Department", "--state", "TX", code=1)
    assert "'records-req agencies list --state TX' lists them." in rr.stderr, "nothing close: where to look"


def test_agencies_list_filters_by_name_as_the_dashboard_does(rr: Tracker) -> None:
    for state, name in (
        ("FL", "Lee County Sheriff's Office"),
        ("FL", "Leon County Sheriff's Office"),
        ("TX", "Lee County Sheriff's Office"),
        ("FL", "Collier County Sheriff's Office"),
    ):
        rr("agencies", "set", "--state", state, "--name", name, "--email", "records@example.gov")
    both = rr.json("agencies", "list", "--name", "lee county")
    assert [(a["state"], a["name"]) for a in both] == [
        ("FL", "Lee County Sheriff's Office"),
        ("TX", "Lee County Sheriff's Office"),
    ]
    assert set(both[0]) == {"id", "state", "name", "email", "portal", "address", "officer", "phone", "models"}
    florida = rr.json("agencies", "list", "--state", "fl", "--name", "THE Lee County Sheriffs")
    assert [a["name"] for a in florida] == ["Lee County Sheriff's Office"], "case, 'The' and apostrophes do not matter"
    assert rr.json("agencies", "list", "--name", "%") == [], "a wildcard is a character; no letter finds nothing"
    assert "No agency matches." in rr("agencies", "list", "--name", "Miami")
    web = create_app(Settings(db_url=rr.url, out_dir=rr.tmp / "out", today=dt.date(2026, 11, 27), secret_key=b"k" * 32))
    page = web.test_client().get("/agencies?q=lee+county", headers={"Host": "127.0.0.1"}).get_data(as_text=True)
    shown = re.findall(r'<a href="/agencies/\d+">([^<]+)</a>', page)
    assert [n.replace("&#39;", "'") for n in shown] == [a["name"] for a in both], "the dashboard gives the same rows"


CONTACTS = """state,agency,email
TX,Galveston County Sherif Office,records@galveston.example
TX,Harris County Sheriffs Office,records@hcso.example
FL,Bay County Sheriff's Office,records@bay.example
TX,Harris County Constable Precinct 2,records@pct2.example
"""


def test_a_contacts_row_that_is_a_near_miss_of_a_known_agency_is_reported_not_added(
    rr: Tracker, tmp_path: Path
) -> None:
    rr("agencies", "set", "--state", "TX", "--name", "Galveston County Sheriff's Office")
    rr("agencies", "set", "--state", "TX", "--name", "Harris County Sheriff's Office")
    rr("agencies", "set", "--state", "FL", "--name", "Clay County Sheriff's Office")
    rr("agencies", "set", "--state", "TX", "--name", "Harris County Constable Precinct 1")
    source = tmp_path / "contacts.csv"
    source.write_text(CONTACTS, encoding="utf-8")
    result = rr.json("agencies", "import-contacts", str(source))
    known = "Galveston County Sheriff's Office"
    assert result["probable_duplicates"] == [
        {"line": 2, "state": "TX", "name": "Galveston County Sherif Office", "known": known}
    ]
    assert (result["rows"], result["created"], result["updated"]) == (4, 2, 1), "Bay is not Clay; precinct 2 is not 1"
    texas = [a["name"] for a in rr.json("agencies", "list", "--state", "TX")]
    assert "Galveston County Sherif Office" not in texas and len(texas) == 4
    harris = rr.json("agencies", "show", "Harris County Sheriff's Office", "--state", "TX")
    assert harris["email"] == "records@hcso.example", "the same agency under the one key is updated"
    said = rr("agencies", "import-contacts", str(source))
    assert "1 probable duplicates" in said
    assert "line 2: 'Galveston County Sherif Office' looks like \"Galveston County Sheriff's Office\" (TX)" in said
    assert "--create" in said
    created = rr.json("agencies", "import-contacts", str(source), "--create")
    assert (created["created"], created["probable_duplicates"]) == (1, []), "--create adds it as a new agency"
    assert rr.json("agencies", "show", "Galveston County Sherif Office", "--state", "TX")["email"] == (
        "records@galveston.example"
    )


def test_ice_s_sheet_can_be_imported_from_its_bytes(rr: Tracker) -> None:
    from records_req.agencies.ice_lists import import_sheet, newest_import
    from records_req.store.db import open_store

    rr("agencies", "list")  # the database, made
    data = PENDING.read_bytes()
    with open_store(rr.url).write() as session:
        first = import_sheet(session, data, file_name=PENDING.name)
    assert first.new and first.agreements > 0
    assert (first.dated.listed_on, first.dated.dated_by) == (dt.date(2026, 2, 27), "file name")
    with open_store(rr.url).write() as session:
        again = import_sheet(session, data, file_name="ice-pending.xlsx", downloaded_on=dt.date(2026, 3, 1))
        newest = newest_import(session, "pending")
        assert newest is not None and newest.id == first.import_id
    assert not again.new and again.import_id == first.import_id, "the same sheet twice changes nothing"
    listed = rr.json("agencies", "imports")
    assert [(i["kind"], i["listed_on"], i["newest"]) for i in listed] == [("pending", "2026-02-27", True)]
    with pytest.raises(ValueError, match="file_name"), open_store(rr.url).write() as session:
        import_sheet(session, data)

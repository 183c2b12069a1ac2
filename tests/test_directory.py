"""The agency directory from ICE's lists: import, re-import, what changed, an agency's agreements."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .cli_helpers import Tracker
from .conftest import SHARED
from .letter_helpers import docx_text, pdf_text

DATA = SHARED / "data" / "ice-287g"
NEWEST = DATA / "participatingAgencies05182026am.xlsx"
OLDER = DATA / "participatingAgencies05192025pm.xlsx"
PENDING = DATA / "pendingAgencies02272026am.xlsx"
pytestmark = pytest.mark.skipif(not NEWEST.exists(), reason="ICE's sheets are not in ../shared/data/ice-287g")


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    return Tracker(db_url, tmp_path)


def new_letter(rr: Tracker, state: str, agency: str, *extra: str) -> dict[str, Any]:
    """``records-req new --json`` for one agency's WSO request, as Ana."""
    data: dict[str, Any] = rr.json(
        *("new", "--state", state, "--agency", agency, "--topic", "wso", "--out", str(rr.tmp / "out")),
        *("--date", "2026-11-27", "--requester-name", "Ana", "--requester-email", "ana@example.org", *extra),
    )
    return data


def test_import_changes_and_the_directory(rr: Tracker) -> None:
    older = rr.json("agencies", "import", str(OLDER), "--downloaded", "2025-05-19")
    assert (older["kind"], older["agreements"], older["skipped"]) == ("participating", 588, [])
    # Contact details a user added survive every import.
    rr(
        "agencies",
        "set",
        "--state",
        "FL",
        "--name",
        "Lee County Sheriff's Office",
        "--email",
        "records@sheriffleefl.org",
    )
    newest = rr.json("agencies", "import", str(NEWEST), "--downloaded", "2026-05-18")
    assert (newest["agreements"], newest["agencies"]) == (1843, 1551)
    again = rr.json("agencies", "import", str(NEWEST))
    assert again["new"] is False and again["import_id"] == newest["import_id"], "re-importing changes nothing"
    pending = rr.json("agencies", "import", str(PENDING), "--downloaded", "2026-02-27")
    assert pending["kind"] == "pending" and pending["agreements"] == 2

    listed = rr.json("agencies", "imports")
    assert [(i["kind"], i["agreements"]) for i in listed] == [
        ("participating", 588),
        ("participating", 1843),
        ("pending", 2),
    ], "the re-import added no import"

    diff = rr.json("agencies", "changes")
    assert diff["from"]["import_id"] == older["import_id"] and diff["to"]["import_id"] == newest["import_id"]
    assert len(diff["added"]) + len(diff["renamed"]) + (588 - len(diff["removed"]) - len(diff["renamed"])) == 1843
    renamed = {(r["from"]["agency"], r["to"]["agency"]) for r in diff["renamed"]}
    assert ("Ft. Myers Police Department", "Fort Myers Police Department") in renamed
    assert not any(r["from"]["state"] != r["to"]["state"] for r in diff["renamed"]), "another state is another agency"
    assert any(r["state"] == "MD" for r in diff["removed"]), "Maryland's agreements ended in 2026"
    from records_req.store.db import open_store
    from records_req.tracker.directory import changes

    with open_store(rr.url).read() as session:  # the library's answer is the command's, to the byte
        assert json.dumps(changes(session)) == json.dumps(diff)

    lee = rr.json("agencies", "show", "Lee County Sheriff's Office", "--state", "FL")
    assert lee["email"] == "records@sheriffleefl.org"
    assert {a["model"] for a in lee["agreements"]} == {"JEM", "TFM", "WSO"}
    assert all(a["moa_url"].startswith("https://www.ice.gov/") for a in lee["agreements"])
    franklin = rr.json("agencies", "show", "Franklin County Sheriff's Office", "--state", "AR")
    # Pending on the February list, signed on the May list: no longer shown as pending.
    assert not any(a["pending"] for a in franklin["agreements"])
    assert {"TFM", "WSO"} <= {a["model"] for a in franklin["agreements"]}

    # The letter names the agreements ICE lists for the agency, and asks for every executed copy.
    lee_letter = new_letter(rr, "FL", "Lee County Sheriff's Office")
    text = " ".join(docx_text(Path(lee_letter["files"]["docx"])).split())
    assert "as downloaded on May 18, 2026" in text
    assert "a Warrant Service Officer agreement signed on February 26, 2025" in text
    assert "a Task Force Model agreement signed on February 24, 2025" in text
    assert "leeCountySheriffsOffice_WSO_MOA_03122025.pdf" in text
    # The PDF wraps a long URL within the line, so compare the letters without spaces.
    in_pdf = "".join(pdf_text(Path(lee_letter["files"]["pdf"])).split())
    assert text.replace(" ", "") == in_pdf, "the PDF says the same"
    applied = new_letter(rr, "AR", "Franklin County Sheriff's Office", "--requester-state", "AR")
    text = " ".join(docx_text(Path(applied["files"]["docx"])).split())
    # Pending on February 27, 2026 and signed on the May 18 list: the letter asks for the signed
    # agreements and never calls them pending.
    signed_models = {a["model_name"] for a in franklin["agreements"] if not a["pending"]}
    assert {"Task Force Model", "Warrant Service Officer"} <= signed_models, "the real sheets have this case"
    assert all(f"a {m} agreement signed on" in text for m in signed_models)
    assert "pending 287(g) agreements" not in text
    unlisted = new_letter(rr, "FL", "Nowhere Police Department")
    assert "ICE's published list" not in docx_text(Path(unlisted["files"]["docx"]))

    tx_wso = rr.json("agencies", "list", "--state", "TX", "--model", "wso")
    assert tx_wso and all("WSO" in (a["models"] or "") for a in tx_wso)


def test_a_file_that_is_not_an_ice_list_is_refused_and_nothing_is_stored(rr: Tracker, tmp_path: Path) -> None:
    other = tmp_path / "contacts.csv"
    other.write_text("NAME,EMAIL\nA,a@example.org\n", encoding="utf-8")
    out = rr("agencies", "import", str(other), code=1)
    assert "no STATE column" in rr.stderr + out
    listed = json.loads(rr("agencies", "list", "--json"))
    assert listed == []

"""The agency directory from ICE's lists: import, re-import, what changed, an agency's agreements."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from records_req.names import agency_key as name_key

from .cli_helpers import Tracker
from .conftest import ice_sheet
from .letter_helpers import docx_text, pdf_text
from .sheet_cache import read_each_sheet_once, read_once

NEWEST = ice_sheet("participatingAgencies05182026am.xlsx")
OLDER = ice_sheet("participatingAgencies05192025pm.xlsx")
PENDING = ice_sheet("pendingAgencies02272026am.xlsx")  # shipped in tests/fixtures: always there
# The participating lists are only in ../shared; the tests that need them are skipped without it.
needs_shared = pytest.mark.skipif(
    not (NEWEST.exists() and OLDER.exists()), reason="ICE's larger sheets are not in ../shared/data/ice-287g"
)


@pytest.fixture
def rr(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tracker:
    """The directory's tests are about what an import does with a sheet: each of ICE's sheets is
    read once per run (tests/sheet_cache.py); tests/test_ice_sheets.py tests the reading."""
    read_each_sheet_once(monkeypatch)
    return Tracker(db_url, tmp_path)


def new_letter(rr: Tracker, state: str, agency: str, *extra: str) -> dict[str, Any]:
    """``records-req new --json`` for one agency's WSO request, as Ana."""
    data: dict[str, Any] = rr.json(
        *("new", "--state", state, "--agency", agency, "--topic", "wso", "--out", str(rr.tmp / "out")),
        *("--date", "2026-11-27", "--requester-name", "Ana", "--requester-email", "ana@example.org", *extra),
    )
    return data


@needs_shared
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
    # "Ft. Myers Police Department" (2025) and "Fort Myers Police Department" (2026) are one agency
    # under the one agency key: neither a rename nor an agreement added and another removed
    assert not any("Myers Police" in old for old, _new in renamed)
    assert not any("Fort Myers Police" in str(a.get("agency")) for a in diff["added"])
    assert not any("Ft. Myers Police" in str(a.get("agency")) for a in diff["removed"])
    assert not any(r["from"]["state"] != r["to"]["state"] for r in diff["renamed"]), "another state is another agency"
    assert any(r["state"] == "MD" for r in diff["removed"]), "Maryland's agreements ended in 2026"
    from records_req.agencies.ice_lists import changes
    from records_req.store.db import open_store

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
    assert "ICE's published list of agencies with 287(g) agreements, dated May 18, 2026, shows" in text
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


# --- which list is the newest, and what the letters say of its date -------------------------------


def letter_text(rr: Tracker, state: str, agency: str, *extra: str) -> str:
    return " ".join(docx_text(Path(new_letter(rr, state, agency, *extra)["files"]["docx"])).split())


@needs_shared
def test_a_copied_old_sheet_is_dated_by_ice_s_file_name_not_by_today(rr: Tracker, tmp_path: Path) -> None:
    """The newcomer's case: a May 2025 sheet copied today (its file's date is today) was taken as
    downloaded today, and so as the newest list; letters then quoted the 2025 list as downloaded
    in December 2026."""
    import shutil

    rr("agencies", "import", str(NEWEST), "--downloaded", "2026-05-18")
    copy = tmp_path / OLDER.name
    shutil.copy(OLDER, copy)  # the copy's modification time is now
    older = rr.json("agencies", "import", str(copy))
    assert (older["listed_on"], older["dated_by"], older["downloaded_on"]) == ("2025-05-19", "file name", None)
    assert older["newest"] is False
    listed = rr.json("agencies", "imports")
    assert [(i["file"], i["listed_on"], i["newest"]) for i in listed] == [
        (NEWEST.name, "2026-05-18", True),
        (OLDER.name, "2025-05-19", False),
    ]
    # Harrison County, TX: WSO on both lists, TFM (signed 2026-04-13) only on the May 2026 one.
    text = letter_text(rr, "TX", "Harrison County Sheriff's Office")
    assert "ICE's published list of agencies with 287(g) agreements, dated May 18, 2026, shows" in text
    assert "a Task Force Model agreement signed on April 13, 2026" in text
    assert "May 19, 2025" not in text and "downloaded on December" not in text


@needs_shared
def test_a_list_without_ice_s_date_in_its_name_is_dated_as_the_user_says(rr: Tracker, tmp_path: Path) -> None:
    import os
    import shutil

    renamed = tmp_path / "ice-list.xlsx"
    shutil.copy(NEWEST, renamed)
    os.utime(renamed, (1_780_000_000, 1_780_000_000))  # 2026-05-28
    data = rr.json("agencies", "import", str(renamed))
    assert (data["listed_on"], data["dated_by"], data["downloaded_on"]) == ("2026-05-28", "file date", None)
    text = rr("agencies", "import", str(renamed))
    assert "nothing changed" in text
    # A file's date is only a guess: the letter names the list without a date.
    letter = letter_text(rr, "FL", "Lee County Sheriff's Office")
    assert "ICE's published list of agencies with 287(g) agreements shows your agency with" in letter
    other = tmp_path / "ice-list.csv"
    other.write_text(
        "STATE,LAW ENFORCEMENT AGENCY,TYPE,COUNTY,SUPPORT TYPE,SIGNED,MOA\n"
        "FLORIDA,Lee County Sheriff's Office,County,Lee County,Warrant Service Officer,2025-02-26,\n",
        encoding="utf-8",
    )
    said = rr("agencies", "import", str(other), "--downloaded", "2026-06-02")
    assert "list of 2026-06-02" in said and "Dated by the day you downloaded it" in said
    letter = letter_text(rr, "FL", "Lee County Sheriff's Office", "--again")
    assert "ICE's published list of agencies with 287(g) agreements, as downloaded on June 2, 2026, shows" in letter


@needs_shared
def test_imported_in_reverse_order_every_command_and_the_letter_agree_on_the_newest_list(
    rr: Tracker, tmp_path: Path
) -> None:
    """`agencies list` (last import), `campaign` (newest download date) and `agencies changes`
    (import number) each had their own "newest list"; now all read ICE's date."""
    rr("agencies", "import", str(NEWEST), "--downloaded", "2026-05-20")
    rr("agencies", "import", str(OLDER), "--downloaded", "2026-12-06")  # an old list, downloaded last
    rr("agencies", "import", str(PENDING))
    may_2026 = {a.agency for a in read_once(NEWEST).agreements if a.state == "TX" and a.model == "WSO"}

    tx_wso = rr.json("agencies", "list", "--state", "TX", "--model", "wso")
    assert len(tx_wso) == 141 == len({name_key(n) for n in may_2026})
    plan = rr.json(
        *("campaign", "--state", "TX", "--model", "wso", "--topic", "wso", "--dry-run"),
        *("--requester-name", "Ana", "--requester-email", "ana@example.org"),
    )
    assert sorted(r["agency"] for r in plan["letters"]) == sorted(a["name"] for a in tx_wso)
    assert plan["list"]["file"] == NEWEST.name and plan["list"]["listed_on"] == "2026-05-18"
    autauga = rr.json("agencies", "show", "Autauga County Sheriff's Office", "--state", "AL")
    on_2026 = {a.model for a in read_once(NEWEST).agreements if a.agency == "Autauga County Sheriff's Office"}
    assert {a["model"] for a in autauga["agreements"]} == on_2026 and "JEM" in on_2026
    assert autauga["lists"]["participating"]["file"] == NEWEST.name
    al_jem = rr.json("agencies", "list", "--state", "AL", "--model", "jem")
    assert "Autauga County Sheriff's Office" in {a["name"] for a in al_jem}
    diff = rr.json("agencies", "changes")
    assert (diff["from"]["file"], diff["to"]["file"]) == (OLDER.name, NEWEST.name)
    assert diff["to"]["listed_on"] == "2026-05-18" and diff["to"]["downloaded_on"] == "2026-05-20"
    text = letter_text(rr, "TX", "Carson County Sheriff's Office")
    assert "dated May 18, 2026, shows your agency with a Warrant Service Officer agreement signed on" in text
    # The pending list of February 27 dates the application, whenever it was downloaded.
    franklin = rr.json("agencies", "show", "Franklin County Sheriff's Office", "--state", "AR")
    assert not any(a["pending"] for a in franklin["agreements"])

    from .test_web import browser

    web = browser(rr)
    pages = [web.get("/agencies?state=TX&model=WSO").get_data(as_text=True)]  # the agencies page pages
    while 'rel="next"' in pages[-1]:
        pages.append(web.get(f"/agencies?state=TX&model=WSO&page={len(pages) + 1}").get_data(as_text=True))
    assert all(any(a["name"].replace("'", "&#39;") in page for page in pages) for a in tx_wso)
    agency_id = next(a["id"] for a in al_jem if a["name"] == "Autauga County Sheriff's Office")
    assert "Jail Enforcement Model" in web.get(f"/agencies/{agency_id}").get_data(as_text=True)
    # The dashboard's upload dates a sheet as the CLI does: by ICE's date in the name it was saved under.
    import io

    uploaded = web.post(
        "/agencies/import",
        {"sheet": (io.BytesIO(OLDER.read_bytes()), "participatingAgencies05192025pm (1).xlsx"), "downloaded": ""},
        token_page="/agencies",
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "nothing changed" in uploaded  # the same bytes as import #2
    renamed = tmp_path / "participatingAgencies05202025am_2.xlsx"
    from openpyxl import load_workbook

    book = load_workbook(OLDER)
    book.save(renamed)
    page = web.post(
        "/agencies/import",
        {"sheet": (io.BytesIO(renamed.read_bytes()), renamed.name), "downloaded": "2026-12-07"},
        token_page="/agencies",
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "2025-05-20" in page and "a newer list of this kind stays the newest" in page
    assert (
        rr.json("agencies", "show", "Autauga County Sheriff's Office", "--state", "AL")["lists"]["participating"][
            "file"
        ]
        == NEWEST.name
    )


@needs_shared
def test_berrian_a_misspelling_of_ice_s_is_a_warning_at_import_and_in_show(rr: Tracker) -> None:
    data = rr.json("agencies", "import", str(NEWEST))
    berrian = [w for w in data["warnings"] if w["agency"] == "Berrian County Sheriff's Office"]
    assert len(berrian) == 1 and "spells 'Berrien' where ICE's sheet has 'Berrian'" in berrian[0]["warning"]
    names = [w for w in data["warnings"] if "suggests" not in w["warning"]]
    assert len(names) == 17  # measured: every one a real disagreement (test_ice_sheets)
    shown = rr("agencies", "show", "Berrian County Sheriff's Office", "--state", "MI")
    assert "warning: the MOA's file name (BerrienCoSheriffsOfficeMI_WSO_MOA_05.05.25.pdf) spells 'Berrien'" in shown
    rr.stderr = ""
    said = rr("agencies", "import", str(OLDER))
    assert "7 warnings: the MOA link's file name and the sheet disagree" in said


@pytest.mark.parametrize("suffix", [".xls", ".ods", ".numbers"])
def test_a_sheet_that_is_not_xlsx_or_csv_is_one_clear_line(rr: Tracker, tmp_path: Path, suffix: str) -> None:
    old = tmp_path / f"participatingAgencies05182026am{suffix}"
    old.write_bytes(PENDING.read_bytes())  # a real sheet's bytes under another suffix
    out = rr("agencies", "import", str(old), code=1)
    assert out == "" and "Traceback" not in rr.stderr
    assert rr.stderr.strip().splitlines() == [
        f"Error: {old.name} is a {suffix} file: open it in Excel or LibreOffice and save it as .xlsx or .csv."
    ]


@pytest.mark.empty_db
def test_existing_imports_are_dated_by_their_stored_file_name_on_upgrade(db_url: str, tmp_path: Path) -> None:
    """Migration 0008 on a database from 0007 (SQLite and PostgreSQL): each import's date comes
    from its stored file name, else from its download date, which it keeps."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from records_req.store.db import Store, _sqlite_setup, alembic_config, close_all, normalize_url
    from records_req.store.models import IceImport

    engine = create_engine(normalize_url(db_url))
    if engine.dialect.name == "sqlite":
        _sqlite_setup(engine)
    with engine.connect() as conn:
        command.upgrade(alembic_config(conn), "0007")
        conn.commit()
    with engine.begin() as conn:
        for i, (name, downloaded) in enumerate(
            [
                (OLDER.name, "2026-12-06"),
                ("participatingAgencies05182026am (1).xlsx", "2026-05-20"),
                ("ice.csv", "2026-05-01"),
            ],
            start=1,
        ):
            conn.execute(
                text(
                    "INSERT INTO ice_imports (id, file_name, sha256, kind, downloaded_on, rows, skipped, created_at) "
                    "VALUES (:id, :name, :sha, 'participating', :on, 0, '[]', '2026-12-06 00:00:00')"
                ),
                {"id": i, "name": name, "sha": f"{i:064d}", "on": downloaded},
            )
    engine.dispose()
    store = Store(db_url)  # upgrades to head on open
    with store.read() as session:
        rows = [
            (i.listed_on.isoformat(), i.dated_by, i.downloaded_on)
            for i in session.query(IceImport).order_by(IceImport.id)
        ]
        from records_req.agencies.ice_lists import newest_import

        latest = newest_import(session)
        assert latest is not None and latest.id == 2
    assert [(on, by) for on, by, _ in rows] == [
        ("2025-05-19", "file name"),
        ("2026-05-18", "file name"),
        ("2026-05-01", "downloaded"),
    ]
    assert [str(d) for _, _, d in rows] == ["2026-12-06", "2026-05-20", "2026-05-01"]
    store.dispose()
    close_all()

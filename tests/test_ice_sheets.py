"""Reading ICE's real 287(g) sheets (shared/data/ice-287g, see its SOURCE.md) and the quirks of
every layout seen, on a synthetic sheet that holds them all."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from pathlib import Path

import pytest

from records_req.ice.sheets import (
    MOA_NOTE,
    ListDate,
    Sheet,
    SheetError,
    date_in_file_name,
    date_in_list_name,
    list_date,
    model_code,
    name_disagreement,
    normalize_url,
    read_sheet,
    signed_date,
    state_code,
)

from .conftest import ice_sheet

NEWEST = ice_sheet("participatingAgencies05182026am.xlsx")
OLDER = ice_sheet("participatingAgencies05192025pm.xlsx")
PENDING = ice_sheet("pendingAgencies02272026am.xlsx")  # shipped in tests/fixtures: always there
# The participating lists are only in ../shared; the tests that need them are skipped without it.
needs_data = pytest.mark.skipif(
    not (NEWEST.exists() and OLDER.exists()), reason="ICE's larger sheets are not in ../shared/data/ice-287g"
)


@functools.cache
def real_sheet(path: Path) -> Sheet:
    """ICE's sheet at ``path`` as read_sheet reads it, read once per run: the tests below each
    check another part of the same reading (a Sheet is immutable)."""
    return read_sheet(path)


@needs_data
def test_the_newest_list_reads_whole() -> None:
    sheet = real_sheet(NEWEST)
    assert sheet.kind == "participating" and sheet.sheet == "Sheet1" and not sheet.skipped
    # SOURCE.md: 1,843 agreements; 1,557 (state, agency) pairs after trimming, of which 6 TX
    # sheriffs are written both with ’ and with ' (one agency each): 1,551 agencies.
    assert len(sheet.agreements) == 1843
    assert len({(a.state, a.agency) for a in sheet.agreements}) == 1557
    assert sheet.agencies == 1551
    assert Counter(a.model for a in sheet.agreements) == {"TFM": 1162, "WSO": 499, "JEM": 182}
    states = {a.state for a in sheet.agreements}
    assert len(states) == 40 and {"GU", "MP"} <= states
    urls = [a.moa_url for a in sheet.agreements if a.moa_url]
    assert len(urls) == 1680  # 163 'link pending' cells have none
    assert all(u.startswith("https://www.ice.gov/") for u in urls)  # SafeLinks, viewer prefix, https:/ fixed
    assert sum(1 for a in sheet.agreements if a.addendum_url) == 45
    assert all(a.signed is not None for a in sheet.agreements)
    counties = {a.county for a in sheet.agreements}
    assert "#N/A" not in counties and "Lake County" in counties and "Lake Conty" not in counties
    mohawk = next(a for a in sheet.agreements if a.agency.startswith("Mohawk Village"))
    assert mohawk.signed == dt.date(2016, 3, 19) and any("2026-03-19" in n for n in mohawk.notes)


@needs_data
def test_the_older_seven_column_list_and_its_typed_date() -> None:
    sheet = real_sheet(OLDER)
    assert "ADDENDUM" not in sheet.columns and len(sheet.agreements) == 588 and not sheet.skipped
    campbell = next(a for a in sheet.agreements if a.row == 560)
    assert campbell.signed == dt.date(2025, 5, 8) and "read as 2025-05-08" in campbell.notes[0]
    nbsp = [a for a in sheet.agreements if a.row in (467, 515, 518)]
    assert nbsp and all(a.moa_url is None for a in nbsp)  # 'link | addendum' cells carry no link


def test_the_pending_list_is_told_apart_by_its_header() -> None:
    sheet = read_sheet(PENDING)
    assert sheet.kind == "pending" and sheet.sheet == "Sheet 1"
    assert [(a.state, a.model, a.pending) for a in sheet.agreements] == [("AR", "TFM", True), ("AR", "WSO", True)]


def test_every_quirk_seen_is_normalized_or_reported(tmp_path: Path) -> None:
    sheet_csv = tmp_path / "list.csv"
    sheet_csv.write_text(
        "STATE ,LAW ENFORCEMENT AGENCY,TYPE,COUNTY,SUPPORT TYPE,SIGNED,MOA,ADDENDUM\n"
        "PENNSLYVANIA,Adams County Sheriff’s Office ,County ,#N/A,Warrant Services Officer,7/72025,"
        "chrome-extension://efaidnbmnnnibpcajpcglclefindmkaj/https:/www.ice.gov/doclib/287gMOA/a.pdf,\n"
        'UTAHJ,Utah County Sheriff,Muncipality,"\nUtah County  ",Jail Enforcment Model ,8/282025,http://www.ice.gov/b.pdf,\n'
        "TEXAS,Harris County Sheriff,County,Harris County,Task Force Officer ,5025-07-07,link pending,\n"
        "NARNIA,Somewhere PD,Municipality,,Task Force Model,01/02/2026,,\n"
        "TEXAS,Nowhere PD,Municipality,,Border Model,01/02/2026,,\n"
        ",,,,,,,\n",
        encoding="utf-8",
    )
    sheet = read_sheet(sheet_csv)
    assert sheet.kind == "participating"
    first, second, third = sheet.agreements
    assert (first.state, first.model, first.agency, first.county) == (
        "PA",
        "WSO",
        "Adams County Sheriff’s Office",
        None,
    )
    assert first.signed == dt.date(2025, 7, 7) and first.moa_url == "https://www.ice.gov/doclib/287gMOA/a.pdf"
    assert (second.state, second.model, second.agency_type, second.county) == (
        "UT",
        "JEM",
        "Municipality",
        "Utah County",
    )
    assert second.moa_url == "https://www.ice.gov/b.pdf"
    assert third.model == "TFM" and third.signed is None and any("impossible year" in n for n in third.notes)
    assert [(s.row, s.reason) for s in sheet.skipped] == [
        (5, "unknown state 'NARNIA'"),
        (6, "unknown support type 'Border Model'"),
    ]


def test_a_file_that_is_not_an_ice_list_is_a_clear_error(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("NAME,EMAIL\nA,a@example.org\n", encoding="utf-8")
    with pytest.raises(SheetError, match="no STATE column"):
        read_sheet(other)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(SheetError, match="not an Excel workbook"):
        read_sheet(broken)


@pytest.mark.parametrize(
    ("text", "code"),
    [("PENNSLYVANIA", "PA"), ("UTAHJ", "UT"), ("WEST VIRIGINIA", "WV"), ("GUAM", "GU"),
     ("NORTHERN MARIANA ISLANDS", "MP"), ("Louisiana ", "LA"), ("ATLANTIS", None)],
)  # fmt: skip
def test_state_names(text: str, code: str | None) -> None:
    assert state_code(text) == code


def test_models_dates_and_links() -> None:
    assert [model_code(t) for t in ("Warrant Service Office", "Task Force Officer ", "Jail Enforcment", None)] == [
        "WSO",
        "TFM",
        "JEM",
        None,
    ]
    assert signed_date("05/082025") == (
        dt.date(2025, 5, 8),
        "signing date typed as text '05/082025', read as 2025-05-08",
    )
    assert signed_date(dt.datetime(2014, 1, 1))[1] is not None  # before any agreement: flagged, kept
    wrapped = "https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fdoclib%2Fx.pdf&data=abc"
    assert normalize_url(wrapped) == "https://www.ice.gov/doclib/x.pdf"
    assert normalize_url("https:/www.ice.gov/y.pdf") == "https://www.ice.gov/y.pdf"
    assert normalize_url("link pending") is None
    assert date_in_file_name("https://www.ice.gov/doclib/287gMOA/georgiaDPS_TFM_MOA_03.10.25.pdf") == dt.date(
        2025, 3, 10
    )
    assert date_in_file_name("https://www.ice.gov/doclib/287gMOA/X_MOA_030625.pdf") == dt.date(2025, 3, 6)


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_an_excel_sheet_with_every_quirk_is_read_by_its_header_and_its_cells(tmp_path: Path) -> None:
    header: list[object] = [
        "STATE",
        "LAW ENFORCEMENT AGENCY",
        "TYPE",
        "COUNTY",
        "SUPPORT TYPE",
        "SIGNED",
        "MOA",
        "ADDENDUM",
        None,
    ]
    path = _workbook(
        tmp_path / "participatingAgencies12012026am.xlsx",
        {
            "Sheet2": [["Total", "JEM", "TFM", "WSO"], [3, 1, 1, 1]],  # a stray summary sheet, first
            "Sheet1": [
                header,
                ["PENNSLYVANIA", " Adams County Sheriff's Office\n", "County ", "#N/A", "Warrant Services Officer ",
                 dt.datetime(2025, 7, 7), "link ", None],
                [None, None, None, None, None, None, None, None],  # an interior blank row
                ["TEXAS", "Harris County Sheriff's Office", "County", "Harris County", "Jail Enforcment Model ",
                 dt.datetime(5025, 7, 7), "link", None],
                ["TEXAS", "Katy Police Department", "Muncipality", "Harris", "Task Force Model", "7/72025", "link",
                 None],
            ],
        },
    )  # fmt: skip
    from openpyxl import load_workbook

    book = load_workbook(path)
    rows = book["Sheet1"]
    safelink = (
        "https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fdoclib%2F287gMOA%2F"
        "AdamsCoPA_WSO_MOA_07072025.pdf&data=05%7C02&reserved=0"
    )
    rows["G2"].hyperlink = safelink
    rows["G4"].hyperlink = "chrome-extension://efaidnbmnnnibpcajpcglclefindmkaj/https:/www.ice.gov/doclib/h.pdf"
    rows["G5"].hyperlink = "http://www.ice.gov/doclib/katy.pdf"
    assert rows["D2"].data_type == "e"  # a real Excel error cell, as ICE's files hold
    book.save(path)

    sheet = read_sheet(path)
    assert sheet.kind == "participating" and not sheet.skipped
    adams, harris, katy = sheet.agreements
    assert (adams.state, adams.agency, adams.agency_type, adams.county, adams.model) == (
        "PA",
        "Adams County Sheriff's Office",
        "County",
        None,
        "WSO",
    )
    assert adams.moa_url == "https://www.ice.gov/doclib/287gMOA/AdamsCoPA_WSO_MOA_07072025.pdf"
    assert adams.signed == dt.date(2025, 7, 7)
    assert harris.model == "JEM" and harris.signed is None and any("impossible year" in n for n in harris.notes)
    assert harris.moa_url == "https://www.ice.gov/doclib/h.pdf"
    assert (katy.agency_type, katy.signed, katy.moa_url) == (
        "Municipality",
        dt.date(2025, 7, 7),
        "https://www.ice.gov/doclib/katy.pdf",
    )


def test_a_pending_list_saved_under_the_participating_name_is_read_as_pending(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "participatingAgencies09222025pm.xlsx",  # the name says participating; the header does not
        {
            "Sheet 1": [
                ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE"],
                ["FLORIDA", "Lee County Sheriff's Office", "County", "Lee County", "Warrant Service Officer"],
            ]
        },
    )
    sheet = read_sheet(path)
    assert sheet.kind == "pending"
    [lee] = sheet.agreements
    assert (lee.state, lee.model, lee.pending, lee.signed) == ("FL", "WSO", True, None)


@needs_data
@pytest.mark.parametrize("path", [NEWEST, OLDER], ids=["2026-05", "2025-05"])
def test_links_read_from_the_sheet_xml_are_those_openpyxl_reads_in_full_mode(path: Path) -> None:
    import zipfile

    from openpyxl import load_workbook

    from records_req.ice.sheets import _sheet_links

    ws = load_workbook(path).worksheets[0]  # full mode: openpyxl's own reading of the hyperlinks
    expected = {
        (c.column, c.row): c.hyperlink.target
        for row in ws.iter_rows()
        for c in row
        if c.hyperlink is not None and c.hyperlink.target
    }
    assert len(expected) > 400 and {column for column, _ in expected} <= {7, 8}  # MOA, ADDENDUM
    with zipfile.ZipFile(path) as archive:
        assert _sheet_links(archive, ws.title, {7, 8}, path) == expected


# --- a list's date, and what its MOA links' file names say ---------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("participatingAgencies05182026am.xlsx", (dt.date(2026, 5, 18), "am")),
        ("participatingAgencies05192025pm.xlsx", (dt.date(2025, 5, 19), "pm")),
        ("participatingAgencies05182026am_2.xlsx", (dt.date(2026, 5, 18), "am")),
        ("participatingAgencies05182026am (1).xlsx", (dt.date(2026, 5, 18), "am")),
        ("pendingAgencies02272026am.xlsx", (dt.date(2026, 2, 27), "am")),
        ("participatingAgencies10092026.xlsx", (dt.date(2026, 10, 9), "")),  # newer names have no am/pm
        ("participatingAgencies05182026am.csv", (dt.date(2026, 5, 18), "am")),
        ("participatingAgencies13452026am.xlsx", None),  # no such day
        ("participating.csv", None),
        ("my copy of participatingAgencies05182026am.xlsx", None),
    ],
)
def test_a_list_is_dated_by_the_date_in_ice_s_file_name(name: str, expected: tuple[dt.date, str] | None) -> None:
    assert date_in_list_name(name) == expected


def test_the_file_name_comes_first_then_the_download_date_then_the_file_s_date() -> None:
    today, may = dt.date(2026, 12, 6), dt.date(2026, 6, 1)
    # A copy of the May 2025 list, made today, downloaded in June 2026: ICE's date is the list's.
    assert list_date("participatingAgencies05192025pm.xlsx", may, today, "file date") == ListDate(
        dt.date(2025, 5, 19), "file name", may
    )
    assert list_date("participatingAgencies05192025pm.xlsx", None, today, "file date") == ListDate(
        dt.date(2025, 5, 19), "file name", None
    )
    assert list_date("ice.xlsx", may, today, "file date") == ListDate(may, "downloaded", may)
    assert list_date("ice.xlsx", None, today, "file date") == ListDate(today, "file date", None)


@pytest.mark.parametrize("name", ["participatingAgencies05182026am.xls", "list.ods", "participatingAgencies"])
def test_a_file_that_is_not_xlsx_or_csv_is_one_clear_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0 an old Excel file")
    with pytest.raises(SheetError, match=r"save it as \.xlsx or \.csv"):
        read_sheet(path)


MOA = "https://www.ice.gov/doclib/287gMOA/"


@pytest.mark.parametrize(
    ("agency", "state", "file_name", "warning"),
    [
        # defect 29: ICE's sheet misspells the county; the MOA's file name has it right
        ("Berrian County Sheriff's Office", "MI", "BerrienCoSheriffsOfficeMI_WSO_MOA_05.05.25.pdf", "'Berrien'"),
        ("Stamford Police Department", "TX", "StanfordPoliceDeptTX_TFM_MOA_01262026.pdf", "'Stanford'"),
        ("Coral Gables Police Department", "FL", "coralCablesPoliceDeptFL_TFM_MOA_03.05.25.pdf", "'Cables'"),
        # another agency's MOA behind the link
        ("Montour County Sheriff's Office", "PA", "ManheimBoroughPoliceDeptPA_TFM_MOA_06182025.pdf", "not name"),
        # ordinary abbreviations and omissions are no disagreement
        ("Berrien County Sheriff's Office", "MI", "BerrienCoSheriffsOfficeMI_WSO_MOA_05.05.25.pdf", None),
        ("Cache County Sheriff's Office", "UT", "CacheCountySOUT_WSO_MOA_080425.pdf", None),
        ("Bastrop County Sheriff's Office", "TX", "BastropCOSOTX_TFM_MOA_12082025.pdf", None),
        ("Gadsden County Sheriff's Office", "FL", "gadsdenCoSheriffDept_WSO_MOA_02.26.2025.pdf", None),
        ("Robertsdale Police Department", "AL", "RobertsdalePDAL_TFM_MOA_12172025.pdf", None),
        ("Hazleton Police Department", "PA", "HazletonPoliceDeptPA_TFM_MOA_03112026.pdf", None),
        ("Sewall's Point Police Department", "FL", "SewallsPointPoliceDeptFL_TFM_MOA_04152025.pdf", None),
        ("Luzerne County District Attorney's Office", "PA", "LuzerneCoDistrictAttorneyPA_TFM_MOA_07072025.pdf", None),
        ("Arizona Department of Corrections", "AZ", "287gJEM_ArizDOC_AZ_06-16-2020.pdf", None),  # Ariz.
        ("Alaska Department of Corrections", "AK", "287gWSO_DeptOfCorrectionsAK.pdf", None),  # AK for Alaska
        ("South Dakota Division of Criminal Investigation", "SD", "SouthDakotaDivCrimInv_TFM_MOA_0612.pdf", None),
        ("Doña Ana County Sheriff's Office", "NM", "DonaAnaCoSheriffsOfficeNM_TFM_MOA_01012026.pdf", None),
        ("Lee County Sheriff's Office", "FL", "287g_MOA_03122025.pdf", None),  # the file name names no one
    ],
)
def test_an_agency_name_its_moa_s_file_name_spells_otherwise_is_a_warning(
    agency: str, state: str, file_name: str, warning: str | None
) -> None:
    found = name_disagreement(agency, state, MOA + file_name)
    if warning is None:
        assert found is None
    else:
        assert found is not None and found.startswith(MOA_NOTE) and warning in found and file_name in found


@needs_data
def test_on_the_real_sheets_every_name_warning_is_a_real_disagreement() -> None:
    """Measured on ICE's May 2026 list: 17 of 1,680 MOA links (the May 2025 list: 7 of 425). Each
    is a misspelling on one side (15) or another agency's MOA behind the link (2); the
    abbreviations in the other 1,663 file names (Co, SO, Dept, PD, Div, a state's code) are not."""

    def warned(path: Path) -> dict[int, str]:
        return {
            a.row: note
            for a in real_sheet(path).agreements
            for note in a.notes
            if note.startswith(MOA_NOTE) and "suggests" not in note  # "suggests": the date check
        }

    newest = warned(NEWEST)
    spelled = {  # row: (the sheet's word, the file name's)
        73: ("Yavapai", "Yvapai"), 177: ("Belleair", "Bellaire"), 212: ("Gables", "Cables"),
        298: ("Indialantic", "Indiatlantic"), 396: ("Okeechobee", "Okechobee"), 417: ("Pembroke", "Penbroke"),
        472: ("Tallahassee", "Tallahasee"), 705: ("Calcasieu", "Calacasieu"), 746: ("Berrian", "Berrien"),
        1591: ("Neuces", "Nueces"), 1657: ("Stamford", "Stanford"), 1681: ("Trinity", "Trinty"),
        1757: ("Pittsylvania", "Pittsylvannia"), 1758: ("Rappahannock", "Rappahannok"),
        1812: ("Manitowoc", "Mantiowoc"),
    }  # fmt: skip
    elsewhere = {537: "georgiaDeptPublicSafety", 1156: "ManheimBoroughPoliceDept"}  # the same MOA as another row
    assert set(newest) == set(spelled) | set(elsewhere)
    for row, (sheet_word, file_word) in spelled.items():
        assert f"spells {file_word!r} where ICE's sheet has {sheet_word!r}" in newest[row]
    for row, file_name in elsewhere.items():
        assert file_name in newest[row] and "does not name this agency" in newest[row]
    assert set(warned(OLDER)) == {19, 31, 63, 197, 253, 387, 575}


def test_the_newest_list_is_the_one_with_ice_s_latest_date_not_the_last_imported() -> None:
    from records_req.ice.changes import ImportInfo, newest, pick

    may = dt.date(2026, 5, 18)
    am = ImportInfo(3, "participatingAgencies05182026am.xlsx", dt.date(2026, 5, 19), may, "file name")
    pm = ImportInfo(1, "participatingAgencies05182026pm.xlsx", None, may, "file name")
    old = ImportInfo(4, "participatingAgencies05192025pm.xlsx", dt.date(2026, 12, 6), dt.date(2025, 5, 19), "file name")
    assert newest([am, pm, old]) == pm  # the afternoon list of the same day, though imported first
    assert newest([am, old]) == am  # ICE's date, not the download date or the import number
    assert newest([]) is None
    assert pick([old, am, pm], None) == (am, pm)  # `agencies changes`: the list before the newest

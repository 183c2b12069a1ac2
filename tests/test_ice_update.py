"""Watching ICE's list (issue 20, section 1): `agencies update` reads a copy of ICE's 287(g) page from a
real local HTTP server (http.server in a thread), finds the current sheets by ICE's file names,
downloads and imports them (real sheets: the shipped pending list, and two participating lists from
../shared/data/ice-287g when present), says what changed, and lists what the watches match with the
command that starts each request. Offline, an HTTP error and a changed page are each one line.
On SQLite and PostgreSQL (the db_url fixture); the refusals made before anything is imported on
SQLite only."""

from __future__ import annotations

import re
import shlex
import socket
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from records_req.ice.page import PageChanged, find_sheets

from .backend_marks import on_sqlite_only
from .cli_helpers import Tracker
from .conftest import FIXTURES, ice_sheet
from .sheet_cache import read_each_sheet_once

PAGE = (FIXTURES / "ice-287g" / "ice-287g-page.html").read_text(encoding="utf-8")
PAGE_PATH = "/identify-and-arrest/287g"
FOLDER = "/doclib/about/offices/ero/287g/"
PENDING = ice_sheet("pendingAgencies02272026am.xlsx")  # shipped: always there
OLD = ice_sheet("participatingAgencies05192025pm.xlsx")  # ../shared only
NEW = ice_sheet("participatingAgencies05182026am.xlsx")  # ../shared only
TWO_LISTS = pytest.mark.skipif(
    not (OLD.exists() and NEW.exists()),
    reason="needs two participating sheets from ../shared/data/ice-287g (only the pending sheet ships)",
)


class IceSite:
    """A real HTTP server serving ICE's page and sheets from a dict the test changes."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}
        self.agents: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.agents.append(self.headers.get("User-Agent", ""))
                found = site.files.get(self.path)
                if found is None:
                    self.send_error(404, "Not Found")
                    return
                body, kind = found
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{PAGE_PATH}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def page(self, html: str) -> None:
        self.files[PAGE_PATH] = (html.encode("utf-8"), "text/html; charset=UTF-8")

    def sheet(self, path: Path, name: str | None = None) -> None:
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        self.files[FOLDER + (name or path.name)] = (path.read_bytes(), kind)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def site() -> Iterator[IceSite]:
    served = IceSite()
    yield served
    served.close()


@pytest.fixture
def rr(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tracker:
    """Each of ICE's sheets is read once per run (tests/sheet_cache.py): an update's download,
    import and report are the subject here, the reading is tests/test_ice_sheets.py's."""
    read_each_sheet_once(monkeypatch)
    return Tracker(db_url, tmp_path)


def pending_only() -> str:
    """ICE's page with its participating link taken out: the shipped pending sheet alone."""
    return re.sub(r'<p><a href="[^"]*participatingAgencies[^"]*">.*?</p>', "", PAGE, flags=re.DOTALL)


# --- the page ----------------------------------------------------------------------------------------


def test_the_parser_finds_the_current_sheets_on_the_pages_real_structure() -> None:
    found = find_sheets(PAGE, "https://www.ice.gov/identify-and-arrest/287g")
    assert found.participating is not None and found.pending is not None
    assert found.participating.url == "https://www.ice.gov" + FOLDER + "participatingAgencies05192025pm.xlsx"
    assert (found.participating.listed_on.isoformat(), found.participating.half) == ("2025-05-19", "pm")
    assert found.participating.text == "Participating Agencies"
    assert found.pending.url.endswith(FOLDER + "pendingAgencies02272026am.xlsx")
    assert found.links == 16, "the fact sheet, MOA PDFs and navigation are not sheets"
    # absolute links (as scrapers saw them), a suffixed re-upload and an older list beside the current one
    absolute = PAGE.replace('href="/doclib', 'href="https://www.ice.gov/doclib').replace(
        "participatingAgencies05192025pm.xlsx",
        'participatingAgencies05182026am_2.xlsx">new</a> <a href="/doclib/about/offices/ero/287g/'
        'participatingAgencies05182026am.xlsx">x</a> <a href="participatingAgencies05192025pm.xlsx',
    )
    again = find_sheets(absolute, "http://mirror.example/identify-and-arrest/287g")
    assert again.participating is not None
    assert again.participating.url == "https://www.ice.gov" + FOLDER + "participatingAgencies05182026am_2.xlsx"
    assert again.participating.suffix == 2
    with_base = PAGE.replace("<head>", '<head><base href="https://copy.example/a/">')
    moved = find_sheets(with_base, "https://www.ice.gov/identify-and-arrest/287g")
    assert moved.participating is not None and moved.participating.url.startswith("https://copy.example/doclib/")


# SQLite only: the page is refused before anything is imported.
@on_sqlite_only
def test_a_changed_page_fails_saying_what_it_looked_for(site: IceSite, rr: Tracker) -> None:
    changed = PAGE.replace("participatingAgencies05192025pm.xlsx", "participating-agencies.pdf").replace(
        "pendingAgencies02272026am.xlsx", "pending.html"
    )
    with pytest.raises(PageChanged, match=r"participatingAgencies<MMDDYYYY><am\|pm>\.xlsx"):
        find_sheets(changed, site.url)
    site.page(changed)
    rr("agencies", "update", "--url", site.url, code=1)
    lines = rr.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in rr.stderr, rr.stderr
    assert f"looked for links to {FOLDER}participatingAgencies<MMDDYYYY><am|pm>.xlsx" in lines[0]
    assert "among its 16 links" in lines[0]
    assert rr.json("agencies", "imports") == [], "nothing imported"


# SQLite only: the download fails before anything is imported.
@on_sqlite_only
def test_offline_or_an_http_error_is_one_line(site: IceSite, rr: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rr("agencies", "update", "--url", f"http://127.0.0.1:{port}{PAGE_PATH}", code=1)
    assert rr.stderr.count("\n") == 1 and "Traceback" not in rr.stderr, rr.stderr
    assert "Cannot reach 127.0.0.1 for ICE's 287(g) page" in rr.stderr and "Nothing was imported" in rr.stderr
    site.page(PAGE)  # the page is there, its sheets are not
    monkeypatch.setenv("RECORDS_REQ_ICE_URL", site.url)  # the address from the environment
    rr("agencies", "update", code=1)
    assert rr.stderr.count("\n") == 1, rr.stderr
    assert "127.0.0.1 answered HTTP 404 Not Found for ICE's participating list" in rr.stderr
    assert rr.json("agencies", "imports") == []


# --- updating and watching ---------------------------------------------------------------------------


def test_an_update_imports_the_pages_sheet_and_a_watch_matches_its_new_agreement(site: IceSite, rr: Tracker) -> None:
    site.page(pending_only())
    site.sheet(PENDING)
    assert "Watch #1: AR, Franklin County, TFM" in rr(
        "watch", "add", "--state", "ar", "--county", "Franklin County", "--model", "tfm"
    )
    assert "Already watching" in rr("watch", "add", "--state", "AR", "--county", "franklin", "--model", "TFM")
    rr("watch", "add", "--state", "TX", "--county", "Harris")
    assert [(w["id"], w["state"], w["county"], w["model"]) for w in rr.json("watch", "list")] == [
        (1, "AR", "Franklin County", "TFM"),
        (2, "TX", "Harris", None),
    ]
    data = rr.json("agencies", "update", "--url", site.url)
    assert site.agents and all(a.startswith("records-req/0.1.0 ") for a in site.agents), site.agents
    assert data["missing"] == ["participating"]
    [imported] = data["imports"]
    assert (imported["kind"], imported["file"], imported["listed_on"], imported["new"]) == (
        "pending",
        "pendingAgencies02272026am.xlsx",
        "2026-02-27",
        True,
    )
    [change] = data["changes"]
    assert change["first"] and [(a["agency"], a["model"]) for a in change["new_agreements"]] == [
        ("Franklin County Sheriff's Office", "TFM"),
        ("Franklin County Sheriff's Office", "WSO"),
    ]
    [match] = data["matches"]
    assert match["watch"]["id"] == 1 and match["topic"] == "task-force" and match["agreement"]["pending"]
    assert match["command"] == (
        'records-req new --state AR --agency "Franklin County Sheriff\'s Office" --topic task-force'
    )
    imports = rr.json("agencies", "imports")
    assert [(i["file"], i["dated_by"], i["downloaded"]) for i in imports] == [
        ("pendingAgencies02272026am.xlsx", "file name", "2026-11-27")
    ]
    text = rr("agencies", "update", "--url", site.url)  # the same sheet again: nothing new, nothing matched
    assert "imported before (#1), unchanged" in text and "have not changed since the last update" in text
    assert "Watches: no new agreements match." in text
    assert "Note: the page links no participating list" in text
    assert len(rr.json("agencies", "imports")) == 1
    checked = rr("watch", "check")  # the newest change, again, without fetching
    assert "watch #1 (AR, Franklin County, TFM): Franklin County Sheriff's Office, TFM (pending application)" in checked
    assert 'records-req new --state AR --agency "Franklin County Sheriff\'s Office" --topic task-force' in checked
    assert "Removed watch #1" in rr("watch", "remove", "1")
    rr("watch", "remove", "1", code=1)
    assert "No watch #1" in rr.stderr
    assert rr.json("watch", "check")["matches"] == []


@TWO_LISTS
def test_a_new_list_shows_what_changed_and_the_watch_starts_a_request(site: IceSite, rr: Tracker) -> None:
    site.page(PAGE)
    site.sheet(OLD)
    site.sheet(PENDING)
    first = rr.json("agencies", "update", "--url", site.url)
    assert [(c["kind"], c["first"]) for c in first["changes"]] == [("participating", True), ("pending", True)]
    rr("watch", "add", "--state", "TX", "--county", "Harris")
    site.page(PAGE.replace(OLD.name, NEW.name))  # ICE posts a new participating list
    site.sheet(NEW)
    data = rr.json("agencies", "update", "--url", site.url)
    assert [(i["kind"], i["file"], i["new"]) for i in data["imports"]] == [
        ("participating", NEW.name, True),
        ("pending", PENDING.name, False),
    ]
    [change] = data["changes"]
    assert (change["since"]["file"], change["to"]["file"]) == (OLD.name, NEW.name)
    assert len(change["new_agreements"]) > 500 and change["ended"] and change["models_added"]
    new_keys = {(a["state"], a["agency"]) for a in change["new_agreements"]}
    assert all((a["state"], a["agency"]) not in new_keys for a in change["models_added"])
    assert [(m["agreement"]["agency"], m["agreement"]["model"], m["change"]) for m in data["matches"]] == [
        ("Southside Place Police Department", "TFM", "new-agreement")
    ], "Harris County's new agreement; not Harrison County's"
    harris = rr.json("agencies", "update", "--url", site.url, "--state", "TX", "--county", "Harris County")
    assert harris["changes"] == [], "nothing new since the last update"
    narrowed = rr.json("watch", "check")
    assert [m["agreement"]["agency"] for m in narrowed["matches"]] == ["Southside Place Police Department"]
    text = rr("agencies", "update", "--url", site.url)
    assert "have not changed since the last update" in text
    # the match's command starts the request, and its letter names the agency's new agreement
    rr("profile", "set", "--name", "Ana Núñez", "--email", "ana@example.org", "--state", "TX")
    words = shlex.split(narrowed["matches"][0]["command"])
    assert words[:2] == ["records-req", "new"]
    made = rr.json(*words[1:], "--out", str(rr.tmp / "out"), "--date", "2026-11-27")
    shown = rr.json("show", str(made["id"]))
    assert shown["agency"] == "Southside Place Police Department" and "task-force" in shown["topics"]
    with zipfile.ZipFile(made["files"]["docx"]) as docx:
        letter = re.sub(r"<[^>]+>", "", docx.read("word/document.xml").decode("utf-8"))
    assert "dated May 18, 2026, shows your agency with a Task Force Model agreement signed on" in letter, (
        "the letter names the new agreement from ICE's new list"
    )


@TWO_LISTS
def test_update_narrows_its_report_to_a_state_and_county(site: IceSite, rr: Tracker) -> None:
    site.page(pending_only().replace('<h2 id="pending">', f'<a href="{FOLDER}{OLD.name}">P</a><h2 id="pending">'))
    site.sheet(OLD)
    site.sheet(PENDING)
    rr("agencies", "update", "--url", site.url)
    site.page(pending_only().replace('<h2 id="pending">', f'<a href="{FOLDER}{NEW.name}">P</a><h2 id="pending">'))
    site.sheet(NEW)
    data = rr.json("agencies", "update", "--url", site.url, "--state", "TX", "--county", "Harris")
    [change] = data["changes"]
    rows = change["new_agreements"] + change["models_added"] + change["ended"]
    assert rows and {(a["state"], a["county"]) for a in rows} == {("TX", "Harris County")}
    rr("agencies", "update", "--url", site.url, "--county", "Harris", code=2)
    assert "--county needs --state" in rr.stderr


# --- the dashboard -----------------------------------------------------------------------------------


def test_the_dashboards_update_now_button_imports_and_offers_to_start_the_matched_request(
    site: IceSite, rr: Tracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt
    import html

    from records_req.web import Settings, create_app

    site.page(pending_only())
    site.sheet(PENDING)
    monkeypatch.setenv("RECORDS_REQ_ICE_URL", site.url)
    rr("watch", "add", "--state", "AR", "--county", "Franklin")
    app = create_app(Settings(db_url=rr.url, out_dir=rr.tmp / "out", today=dt.date(2026, 11, 27), secret_key=b"k" * 32))
    client = app.test_client()
    host = {"Host": "127.0.0.1"}
    agencies = client.get("/agencies", headers=host).get_data(as_text=True)
    assert 'href="/ice"' in agencies
    page = client.get("/ice", headers=host).get_data(as_text=True)
    assert "Update now" in page and "No watches yet." not in page and "Start a request" not in page
    forged = client.post("/ice/update", data={"csrf_token": "x" * 43}, headers=host)
    assert forged.status_code == 403 and rr.json("agencies", "imports") == [], "a forged form imports nothing"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    done = client.post("/ice/update", data={"csrf_token": token.group(1)}, headers=host)
    shown = html.unescape(done.get_data(as_text=True))
    assert done.status_code == 200, shown
    assert "pendingAgencies02272026am.xlsx" in shown and "New agreements your watches match (2)" in shown
    assert [i["file"] for i in rr.json("agencies", "imports")] == ["pendingAgencies02272026am.xlsx"]
    starts = re.findall(r'<form method="get" action="/new">(.*?)</form>', shown)
    assert len(starts) == 2 and all("Start a request" in f for f in starts)
    fields = dict(re.findall(r'name="(state|agency|topic)" value="([^"]*)"', starts[0]))
    assert fields == {"state": "AR", "agency": "Franklin County Sheriff's Office", "topic": "task-force"}
    form = html.unescape(client.get("/new", query_string=fields, headers=host).get_data(as_text=True))
    assert 'value="Franklin County Sheriff\'s Office"' in form
    assert re.search(r'value="task-force" checked', form) and not re.search(r'value="wso" checked', form)
    site.files.clear()  # ICE unreachable: one line on the page, nothing else changes
    failed = client.post("/ice/update", data={"csrf_token": token.group(1)}, headers=host)
    assert failed.status_code == 502 and "answered HTTP 404" in failed.get_data(as_text=True)

"""Keeping up with ICE's 287(g) lists (``agencies update``, the dashboard's "Update now"): fetch ICE's
page, find its current participating and pending sheets (records_req.ice.page), download them
(records_req.ice.download), import them as any sheet is imported (agencies.ice_lists.import_sheet:
dated by ICE's file names, the same content never twice), and say what changed since the last list
(records_req.ice.changes), split the way a group reads it: agencies new to the list, models added
to an agency already on it, agreements ended, agencies renamed; then what the watches match.

Downloading happens before the database is opened, so a failed download leaves nothing behind and
the imports, the changes and the matches are one transaction.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING, Any, NamedTuple

from records_req.agencies.watches import Narrow, WatchMatch, WatchRow, list_watches, matches
from records_req.ice.page import PageSheets, SheetLink

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DEFAULT_URL = "https://www.ice.gov/identify-and-arrest/287g"
URL_ENV = "RECORDS_REQ_ICE_URL"
MAX_PAGE_BYTES = 5 * 2**20  # ICE's page is about 150 KB
KINDS = ("participating", "pending")
EVERYTHING = Narrow()


def page_url(url: str | None = None) -> str:
    """The page to read: ``url``, else ``RECORDS_REQ_ICE_URL``, else ICE's own."""
    return url or os.environ.get(URL_ENV) or DEFAULT_URL


class Fetched(NamedTuple):
    link: SheetLink
    body: bytes


def fetch_lists(url: str, timeout: float | None = None) -> tuple[PageSheets, list[Fetched]]:
    """ICE's page and the current sheets it links, downloaded (nothing is written anywhere)."""
    from records_req.ice.download import TIMEOUT, download
    from records_req.ice.page import find_sheets
    from records_req.ice.sheets import MAX_FILE_BYTES

    wait = timeout or TIMEOUT
    page = download(url, max_bytes=MAX_PAGE_BYTES, what="ICE's 287(g) page", timeout=wait)
    html = page.body.decode("utf-8", errors="replace")  # the links are ASCII whatever the page's charset
    found = find_sheets(html, page.url)
    sheets = [
        Fetched(link, download(link.url, max_bytes=MAX_FILE_BYTES, what=f"ICE's {link.kind} list", timeout=wait).body)
        for link in found.found
    ]
    return found, sheets


class ListImport(NamedTuple):
    """One sheet the update imported (or had imported before: ``new`` False)."""

    kind: str
    file: str
    url: str
    listed_on: dt.date
    import_id: int
    new: bool
    newest: bool  # it is ICE's newest list of its kind in the database

    def to_dict(self) -> dict[str, Any]:
        return self._asdict() | {"listed_on": self.listed_on.isoformat()}


class ListChanges(NamedTuple):
    """What ICE's newest list of one kind changed, against the list before it (``first``: there
    was none, and every agreement on it is new here)."""

    kind: str
    first: bool
    since: dict[str, Any] | None  # the older list (ImportInfo.to_dict)
    to: dict[str, Any]  # the newest
    new_agreements: list[dict[str, Any]]  # agencies not on the older list
    models_added: list[dict[str, Any]]  # a new model for an agency already on it
    ended: list[dict[str, Any]]
    renamed: list[dict[str, Any]]  # {"from": row, "to": row}
    changed: list[dict[str, Any]]  # {"agreement": row, "fields": {field: [old, new]}}

    def narrowed(self, narrow: Narrow) -> ListChanges:
        if narrow.empty:
            return self
        keep = narrow.matches
        return self._replace(
            new_agreements=[a for a in self.new_agreements if keep(a)],
            models_added=[a for a in self.models_added if keep(a)],
            ended=[a for a in self.ended if keep(a)],
            renamed=[r for r in self.renamed if keep(r["to"]) or keep(r["from"])],
            changed=[c for c in self.changed if keep(c["agreement"])],
        )

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


class Report(NamedTuple):
    """An update's (or a check's) answer: the page read, the sheets imported, what changed, and
    what the watches match among the new agreements."""

    page: str | None  # None: a check, nothing fetched
    missing: list[str]  # kinds of list the page did not link
    imports: list[ListImport]
    changes: list[ListChanges]  # for each kind whose newest list changed (narrowed)
    watches: list[WatchRow]
    matches: list[WatchMatch]

    def to_dict(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "missing": self.missing,
            "imports": [i.to_dict() for i in self.imports],
            "changes": [c.to_dict() for c in self.changes],
            "watches": [w.to_dict() for w in self.watches],
            "matches": [m.to_dict() for m in self.matches],
        }


def update(
    session: Session, found: PageSheets, sheets: list[Fetched], *, today: dt.date, narrow: Narrow = EVERYTHING
) -> Report:
    """Import the downloaded sheets; the changes of each kind whose newest list is now a new one,
    and the watches' matches among them."""
    from records_req.agencies.ice_lists import import_sheet

    imported = []
    for fetched in sheets:
        result = import_sheet(session, fetched.body, file_name=fetched.link.file_name, downloaded_on=today)
        kind = result.sheet.kind if result.sheet is not None else fetched.link.kind
        imported.append(
            ListImport(
                kind,
                fetched.link.file_name,
                fetched.link.url,
                result.dated.listed_on,
                result.import_id,
                result.new,
                result.newest,
            )
        )
    changed = [c for i in imported if i.new and i.newest and (c := latest_changes(session, i.kind)) is not None]
    return _report(session, found.url, found.missing, imported, changed, narrow)


def check(session: Session, narrow: Narrow = EVERYTHING) -> Report:
    """What the newest lists changed (against the lists before them) and what the watches match,
    without fetching anything."""
    changed = [c for kind in KINDS if (c := latest_changes(session, kind)) is not None]
    return _report(session, None, [], [], changed, narrow)


def _report(
    session: Session,
    page: str | None,
    missing: list[str],
    imported: list[ListImport],
    changed: list[ListChanges],
    narrow: Narrow,
) -> Report:
    watches = list_watches(session)
    return Report(page, missing, imported, [c.narrowed(narrow) for c in changed], watches, matches(watches, changed))


def latest_changes(session: Session, kind: str) -> ListChanges | None:
    """ICE's newest list of ``kind`` against the list before it (by ICE's dates); None before any."""
    from sqlalchemy import select

    from records_req.agencies.ice_lists import changes, import_infos
    from records_req.ice.changes import COLUMNS, AgreementRow, newest
    from records_req.names import agency_key
    from records_req.store.models import IceAgreement

    infos = import_infos(session, kind)
    latest = newest(infos)
    if latest is None:
        return None
    if len(infos) < 2:
        found = session.execute(
            select(*(getattr(IceAgreement, c) for c in COLUMNS))
            .where(IceAgreement.import_id == latest.import_id)
            .order_by(IceAgreement.row)
        )
        rows = [AgreementRow(*r).to_dict() for r in found]
        return ListChanges(kind, True, None, latest.to_dict(), rows, [], [], [], [])
    diff = changes(session, kind=kind)
    older = diff["from"]["import_id"]
    known = {
        (state, key)
        for state, key in session.execute(
            select(IceAgreement.state, IceAgreement.agency_key).where(IceAgreement.import_id == older)
        )
    }
    added = diff["added"]
    return ListChanges(
        kind,
        False,
        diff["from"],
        diff["to"],
        [a for a in added if (a["state"], agency_key(a["agency"])) not in known],
        [a for a in added if (a["state"], agency_key(a["agency"])) in known],
        diff["removed"],
        diff["renamed"],
        diff["changed"],
    )

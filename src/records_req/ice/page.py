"""ICE's 287(g) page: which of its links are the current participating and pending sheets. Pure:
the page's HTML and its address in, the sheets' addresses out (records_req.agencies.update fetches).

ICE links its sheets under ``/doclib/about/offices/ero/287g/`` as
``participatingAgencies<MMDDYYYY><am|pm>.xlsx`` and ``pendingAgencies<MMDDYYYY><am|pm>.xlsx``; a name
may carry a suffix (``_2``). Links may be absolute or relative to the page (or to its ``<base>``).
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import NamedTuple
from urllib.parse import unquote, urljoin, urlsplit

from records_req.errors import RecordsReqError

FOLDER = "/doclib/about/offices/ero/287g/"
LOOKED_FOR = (
    f"links to {FOLDER}participatingAgencies<MMDDYYYY><am|pm>.xlsx and {FOLDER}pendingAgencies<MMDDYYYY><am|pm>.xlsx"
)
_SHEET_NAME = re.compile(
    r"^(participating|pending)agencies(\d{2})(\d{2})(\d{4})(am|pm)?(?:[_-](\d{1,3}))?\.xlsx$", re.IGNORECASE
)


class PageChanged(RecordsReqError):
    """ICE's page links no sheet where one was expected: the page changed."""


class SheetLink(NamedTuple):
    """One of ICE's sheets as the page links it."""

    kind: str  # participating | pending
    url: str  # absolute
    file_name: str  # ICE's file name, which dates the list
    listed_on: dt.date
    half: str  # am | pm | "" (no half-day in the name)
    suffix: int  # the _2 of participatingAgencies05182026am_2.xlsx; 0 without one
    text: str  # the link's text on the page

    @property
    def order(self) -> tuple[dt.date, int, int]:
        """Newer lists sort later: by ICE's date, a morning's before an afternoon's, then the suffix."""
        return (self.listed_on, 1 if self.half == "pm" else 0, self.suffix)


class PageSheets(NamedTuple):
    """The current sheet of each kind the page links (the newest by ICE's date in its name)."""

    url: str
    participating: SheetLink | None
    pending: SheetLink | None
    links: int  # how many links the page has in all

    @property
    def found(self) -> list[SheetLink]:
        return [s for s in (self.participating, self.pending) if s is not None]

    @property
    def missing(self) -> list[str]:
        return [kind for kind in ("participating", "pending") if getattr(self, kind) is None]


class _Links(HTMLParser):
    """Every ``<a href>`` with its text, and the page's ``<base href>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.found: list[tuple[str, list[str]]] = []
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "base" and href and self.base is None:
            self.base = href.strip()
        elif tag == "a" and href is not None:
            link: tuple[str, list[str]] = (href.strip(), [])
            self.found.append(link)
            self._open.append(link)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][1].append(data)


def sheet_link(url: str, text: str = "") -> SheetLink | None:
    """The sheet an absolute address names, if its file name is one of ICE's sheets' (http or https only)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    name = unquote(parts.path.rsplit("/", 1)[-1])
    match = _SHEET_NAME.match(name)
    if match is None:
        return None
    try:
        day = dt.date(int(match[4]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    kind = match[1].lower()
    half = (match[5] or "").lower()
    return SheetLink(kind, url, name, day, half, int(match[6] or 0), " ".join(text.split()))


def find_sheets(html: str, page_url: str) -> PageSheets:
    """The current participating and pending sheets the page links (each kind's newest by ICE's
    date). A page that links neither raises :class:`PageChanged`, saying what was looked for."""
    parser = _Links()
    parser.feed(html)
    parser.close()
    base = urljoin(page_url, parser.base) if parser.base else page_url
    newest: dict[str, SheetLink] = {}
    for href, text in parser.found:
        link = sheet_link(urljoin(base, href), "".join(text))
        if link is not None and (link.kind not in newest or link.order > newest[link.kind].order):
            newest[link.kind] = link
    found = PageSheets(page_url, newest.get("participating"), newest.get("pending"), len(parser.found))
    if not found.found:
        raise PageChanged(
            f"ICE's page {page_url} links no 287(g) sheet: looked for {LOOKED_FOR} among its {found.links} links. "
            "The page may have changed; nothing was imported."
        )
    return found

"""The dashboard's lists read on a phone without sideways scrolling (issue 19): the dashboard's overdue
and due-soon tables, the requests list and the agencies list, in a real headless Chromium (Debian's)
at 390 px and at a desktop's width. On a phone each row is a small card, each cell named by its
column; the table stays a table for a screen reader (its column headers still name the cells).

With RECORDS_REQ_SCREENSHOTS=1 the pages are also written as PNGs in docs/screenshots/
(lists-*.png); a normal run takes no screenshot.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - the test extras bring it
    pytest.skip("Playwright for Python is not installed (pip install '.[test]')", allow_module_level=True)

from .cli_helpers import Tracker
from .seeded_copies import Seeds
from .test_web_browser import ANA, VIEWPORTS, Site, Tab, serving, tab, viewport
from .test_web_thread_browser import shot
from .test_web_words import seeded

__all__ = ["tab", "viewport"]  # the fixtures, from the dashboard's browser tests

LONG_AGENCY = "Prince William County Adult Detention Center and Sheriff's Office Records Division"
LONG_EMAIL = "public.records.requests.and.foia.office@pwcgov-sheriff-detention.example"

# The pages with lists, by name.
PAGES = {
    "dashboard": "/",
    "requests": "/requests",
    "agencies": "/agencies",
}

# Each element of a table.stack whose role attribute is not its part's (an empty list: all named).
ROLES_MISSING = """() => {
    const roles = {TABLE: 'table', THEAD: 'rowgroup', TBODY: 'rowgroup', TR: 'row', TH: 'columnheader', TD: 'cell'};
    return [...document.querySelectorAll('table.stack, table.stack *')]
        .filter((e) => roles[e.tagName] && e.getAttribute('role') !== roles[e.tagName])
        .map((e) => `${e.tagName} role=${e.getAttribute('role')}`);
}"""


def seed_lists(rr: Tracker) -> None:
    """Requests overdue and due soon (one with a long agency name), agencies with a long email."""
    seeded(rr)
    rr("agencies", "set", "--state", "VA", "--name", LONG_AGENCY, "--email", LONG_EMAIL,
       "--models", "Jail Enforcement Model; Warrant Service Officer; Task Force")  # fmt: skip
    soon = rr.new("VA", LONG_AGENCY, *ANA)
    rr("sent", str(soon), "--on", "2026-11-28", today="2026-11-28")


@pytest.fixture
def site(seeds: Seeds, tmp_path: Path) -> Iterator[Site]:
    """The dashboard served on a copy of the seeded lists (seeded once per worker)."""
    rr, _ = seeds.copy(seed_lists, tmp_path)
    with serving(rr) as served:
        yield served


def overflow(page: Page) -> list[str]:
    """What is wider than the screen: the page itself, or a table inside its scrolling box."""
    found: list[str] = page.evaluate(
        """() => {
        const out = [];
        const root = document.documentElement;
        if (root.scrollWidth > root.clientWidth) out.push(`the page: ${root.scrollWidth} > ${root.clientWidth}`);
        for (const box of document.querySelectorAll('.scroll')) {
            if (box.scrollWidth > box.clientWidth) out.push(`a table: ${box.scrollWidth} > ${box.clientWidth}`);
        }
        return out;
    }"""
    )
    return found


def test_the_lists_fit_the_screen_and_stay_tables(tab: Tab) -> None:
    """Each page with lists, one after the other in the same tab (they only read)."""
    for name, path in PAGES.items():
        lists_fit_and_stay_tables(tab, name, path)


def lists_fit_and_stay_tables(tab: Tab, name: str, path: str) -> None:
    page = tab.page
    tab.open(path)
    tables = page.locator("table.stack")
    expect(tables.first).to_be_visible()
    assert overflow(page) == [], name
    width = VIEWPORTS[tab.width]["viewport"]["width"]
    for i in range(tables.count()):
        box = tables.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (name, box)
    # Still a table to a screen reader: a table, its column headers, and the long agency in a cell.
    expect(page.get_by_role("table").first).to_be_visible()
    expect(page.get_by_role("columnheader", name="Agency").first).to_be_attached()
    expect(page.get_by_role("cell", name=LONG_AGENCY).first).to_be_visible()
    expect(page.get_by_role("link", name=LONG_AGENCY).first).to_be_visible()
    if name == "agencies":
        expect(page.get_by_role("cell", name=LONG_EMAIL)).to_be_visible()
    # The roles are also written out (role=table/rowgroup/row/columnheader/cell, the WAI pattern for
    # restyled tables), for the browsers that drop a table's semantics under display changes.
    assert page.evaluate(ROLES_MISSING) == [], name
    expect(page.get_by_role("row").filter(has=page.get_by_role("cell", name=LONG_AGENCY)).first).to_be_visible()
    shot(page, f"lists-{name}-{tab.width}")
    # Each cell is named by its column where the header row is out of sight (a phone), not on a desktop.
    agency = page.locator("table.stack td[data-label='Agency']").first
    label = agency.evaluate("td => getComputedStyle(td, '::before').content")
    header = page.locator("table.stack thead").first
    if tab.width == "phone":
        assert "Agency" in label, (name, label)
        assert header.evaluate("h => h.getBoundingClientRect().width") <= 1, name  # hidden from sight only
    else:
        assert label in ("none", "normal"), (name, label)
        expect(header).to_be_visible()

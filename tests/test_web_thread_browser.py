"""The request page as a thread, the status labels in both languages, the dashboard's counts and
chart, and the preview brought into view, in a real headless Chromium (Debian's), at a phone's
width (390 px) and a desktop's (issue 19). The server, the tab and the browser are those of
tests/test_web_browser.py.

With RECORDS_REQ_SCREENSHOTS=1 the pages are also written as PNGs in docs/screenshots/
(thread-*.png, dashboard-counts-*.png); a normal run takes no screenshot.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

try:
    from playwright.sync_api import Browser, Page, expect
except ImportError:  # pragma: no cover - the test extras bring it
    pytest.skip("Playwright for Python is not installed (pip install '.[test]')", allow_module_level=True)

from records_req import labels

from .cli_helpers import Tracker
from .seeded_copies import Seeds
from .test_web_browser import ANA, SCREENSHOTS, SCREENSHOTS_ENV, VIEWPORTS, Site, Tab, serving, tab, viewport
from .test_web_words import seeded

__all__ = ["tab", "viewport"]  # the fixtures, from the dashboard's browser tests


@pytest.fixture
def seeded_db(seeds: Seeds, tmp_path: Path) -> tuple[Tracker, dict[str, int]]:
    """test_web_words' seeded dashboard (a request in every status), copied for this test."""
    return seeds.copy(seeded, tmp_path)


@pytest.fixture
def site(seeded_db: tuple[Tracker, dict[str, int]]) -> Iterator[Site]:
    """The dashboard served on this test's seeded copy (the ``tab`` fixture's site)."""
    with serving(seeded_db[0]) as served:
        yield served


def shot(page: Page, name: str) -> None:
    """The whole page as a PNG in docs/screenshots/, when asked (a normal run takes none: no test
    reads them, and a full page's PNG costs the browser more than the checks around it)."""
    if os.environ.get(SCREENSHOTS_ENV) == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def no_sideways_scroll(page: Page) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wide <= 0, f"{page.url} is {wide} px wider than the screen"


def test_the_request_page_reads_as_a_thread_in_the_browser(tab: Tab, seeded_db: tuple[Tracker, dict[str, int]]) -> None:
    page, made = tab.page, seeded_db[1]
    tab.open(f"/requests/{made['awaiting-ack']}")
    thread = page.locator("ol.timeline > li")
    sent = thread.filter(has_text="Request sent")
    expect(sent).to_have_count(1)
    letter = sent.locator("div.letter")
    expect(letter).to_be_visible()  # the letter that went out, inline and open
    expect(letter).to_contain_text("Virginia Freedom of Information Act")
    expect(sent.get_by_role("link", name="Download PDF")).to_be_visible()
    expect(thread.filter(has_text="The agency acknowledged the request").locator("del")).to_have_count(1)
    expect(thread.filter(has_text="Follow-up letter sent").locator("div.letter")).to_have_count(1)
    contact = page.locator("section.contact")
    expect(contact.get_by_role("link", name="foia@fairfax.example")).to_be_visible()
    expect(page.locator("section.clock")).to_contain_text("Sent on November 2, 2026")
    expect(page.locator("span.badge.status-awaiting-ack")).to_have_text("Awaiting acknowledgement")
    no_sideways_scroll(page)
    shot(page, f"thread-{tab.width}")
    # the one next action, one click: the fee is paid, the status moves on
    tab.open(f"/requests/{made['payment-required']}")
    button = page.get_by_role("button", name="I paid the fee today")
    expect(button).to_be_visible()
    button.click()
    expect(page.locator("p.notice")).to_contain_text("Recorded: You paid the fee, on December 1, 2026.")
    expect(page.locator("span.badge").first).to_have_text("Awaiting response")
    no_sideways_scroll(page)


@pytest.fixture
def spanish(chromium: Browser, site: Site) -> Iterator[Page]:
    """A phone whose browser asks for Spanish first (Accept-Language: es-MX)."""
    context = chromium.new_context(locale="es-MX", **VIEWPORTS["phone"])
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_status_labels_in_both_languages_at_a_phone_width(
    spanish: Page, site: Site, seeded_db: tuple[Tracker, dict[str, int]]
) -> None:
    made = seeded_db[1]
    page = spanish
    page.goto(site("/requests"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    rows = page.locator("tbody tr")
    for status in made:
        label = labels.status_label(status, "es")
        expect(rows.filter(has_text=label).first).to_be_visible()
    no_sideways_scroll(page)
    page.goto(site(f"/requests/{made['in-litigation']}"))
    expect(page.locator("span.badge.status-in-litigation")).to_have_text("En litigio")
    expect(page.locator("ol.timeline")).to_contain_text("Usted presentó una demanda")
    expect(page.locator("ol.timeline")).to_contain_text("20 de noviembre de 2026")
    no_sideways_scroll(page)
    shot(page, "thread-phone-es")
    page.get_by_role("link", name="English").click()  # the switch wins over the browser's language
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("span.badge.status-in-litigation")).to_have_text("In litigation")
    page.goto(site("/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_dashboard_shows_its_counts_and_chart(tab: Tab, seeded_db: tuple[Tracker, dict[str, int]]) -> None:
    page, made = tab.page, seeded_db[1]
    tab.open("/")
    counts = page.locator("section.summary a.count")
    expect(counts).to_have_count(4)
    expect(counts.first).to_contain_text("open")
    chart = page.locator("figure.status-chart svg")
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(len(made))
    box = chart.bounding_box()
    assert box is not None and box["width"] <= VIEWPORTS[tab.width]["viewport"]["width"]
    no_sideways_scroll(page)
    shot(page, f"dashboard-counts-{tab.width}")
    counts.nth(1).click()  # overdue: the list, filtered
    expect(page).to_have_url(tab.site("/requests?status=overdue"))


def test_the_preview_brings_itself_into_view(tab: Tab) -> None:
    page = tab.page
    tab.open("/new")
    page.locator("#n-state").select_option("VA")
    page.locator("#n-agency").fill("Henrico County Sheriff's Office")
    for field, value in (("#n-name", ANA[1]), ("#n-email", ANA[3]), ("#n-rstate", "VA")):
        page.locator(field).fill(value)
    page.get_by_role("button", name="Preview the letter").click()
    preview = page.locator("#the-preview")
    expect(preview).to_be_in_viewport()
    expect(preview.locator("pre.letter")).to_contain_text("Henrico County Sheriff")

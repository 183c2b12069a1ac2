"""The dashboard end to end, in a real headless Chromium driven by Playwright: a request written,
previewed and created through the form; events, an upload and a download on its page; and an
accessibility and layout audit of every page, each at a phone's width and a desktop's.

The browser is Debian's chromium (``/usr/bin/chromium``, or $RECORDS_REQ_CHROMIUM), never one that
``playwright install`` downloads; without it, or without Playwright, these tests are skipped.
The app runs for real, in a werkzeug server on a free port of 127.0.0.1, in a thread of the test.

With RECORDS_REQ_SCREENSHOTS=1, test_screenshots_for_the_docs also writes the PNGs in
docs/screenshots/ (a normal run writes nothing into the repository).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import struct
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

try:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route, expect
except ImportError:  # pragma: no cover - the test extras bring it
    pytest.skip("Playwright for Python is not installed (pip install '.[test]')", allow_module_level=True)

from records_req import labels as status_words
from records_req.labels import long_date, status_label
from records_req.web import Settings, create_app

from .cli_helpers import Tracker
from .conftest import SqliteTemplate
from .letter_helpers import docx_text
from .seeded_copies import Seeds

TODAY = dt.date(2026, 12, 1)
HOSTILE = 'Smith & <Co> "Police" 警察署'
ANA = ("--requester-name", "Ana Núñez", "--requester-email", "ana@example.org", "--requester-state", "VA")
SCREENSHOTS_ENV = "RECORDS_REQ_SCREENSHOTS"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
VIEWPORTS: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}


# --- the browser, the server, a tab ---------------------------------------------------------------


# The browser: ``chromium`` in tests/conftest.py, one for every browser test (they share one worker).


@dataclass
class Site:
    """The dashboard, served for real; ``rr`` drives the CLI on the same database."""

    base: str
    rr: Tracker

    def __call__(self, path: str) -> str:
        return self.base + path


def _not_ready(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:  # pragma: no cover
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


@contextmanager
def serving(rr: Tracker) -> Iterator[Site]:
    """The dashboard on ``rr``'s database, served in a thread until the block ends."""
    from werkzeug.serving import make_server

    from records_req.store.db import close_all

    server = make_server("127.0.0.1", 0, _not_ready, threaded=True)  # port 0: a free one
    # The app is made once the port is known (Settings.port), before the first request is served.
    server.app = create_app(
        Settings(
            db_url=rr.url,
            out_dir=rr.tmp / "out",
            host="127.0.0.1",
            port=server.port,
            today=TODAY,
            secret_key=b"k" * 32,
        )
    )
    thread = threading.Thread(target=server.serve_forever, name="records-req-web-test", daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.port}", rr)  # the Host a browser sends: trusted, local
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        close_all()
    assert not thread.is_alive()


@pytest.fixture
def site(sqlite_template: SqliteTemplate, tmp_path: Path) -> Iterator[Site]:
    """The dashboard on a new database (a copy of the worker's migrated template)."""
    with serving(Tracker(sqlite_template.copy(tmp_path / "records.db"), tmp_path)) as served:
        yield served


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@dataclass
class Tab:
    page: Page
    site: Site
    width: str
    problems: list[str] = field(default_factory=list)  # script errors, CSP refusals, failed loads

    def answered(self, status: int) -> None:
        """The browser logs a page answered with an error status as a failed load: expected here."""
        failed = f"Failed to load resource: the server responded with a status of {status}"
        assert any(failed in p for p in self.problems), f"no page answered {status}"
        self.problems[:] = [p for p in self.problems if failed not in p]

    def open(self, path: str) -> None:
        response = self.page.goto(self.site(path))
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"


# A browser context costs about half a second of Chromium's CPU to make (a new renderer and
# profile), and a new page in it about as much again (its renderer starts, and Chromium settles it
# for a second after): the worker of the browser tests (their xdist group, tests/conftest.py) keeps
# one context per width, and one page in it, which each test takes in turn, with the context's
# cookies cleared. Nothing a test leaves there can reach the
# next: each test serves its own dashboard on a new port, so its storage and cache belong to
# another origin; the page is left on about:blank, its listeners and routes removed; and a test
# that fails leaves its page closed, so the next one opens a new page.
_CONTEXTS: dict[str, BrowserContext] = {}  # by width, in the worker's one Chromium
_PAGES: dict[str, Page] = {}  # the page each context's tests take in turn


def _context(chromium: Browser, width: str) -> BrowserContext:
    context = _CONTEXTS.get(width)
    if context is None or context.browser is not chromium:
        context = chromium.new_context(accept_downloads=True, locale="en-US", **VIEWPORTS[width])
        context.set_default_timeout(15_000)
        _CONTEXTS[width] = context
    context.clear_cookies()
    return context


def _page(chromium: Browser, width: str) -> Page:
    context = _context(chromium, width)
    page = _PAGES.get(width)
    if page is None or page.is_closed() or page.context is not context:
        page = _PAGES[width] = context.new_page()
    return page


@contextmanager
def opened(chromium: Browser, site: Site, width: str) -> Iterator[Tab]:
    """A page at the chosen width, on about:blank, with no cookies (no session, no CSRF token) from
    an earlier test."""
    page = _page(chromium, width)
    found = Tab(page, site, width)

    def console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            found.problems.append(f"console {message.type}: {message.text} ({page.url})")

    def script_error(exc: Exception) -> None:
        found.problems.append(f"script error: {exc} ({page.url})")

    page.on("console", console)
    page.on("pageerror", script_error)
    kept = False
    try:
        yield found
        page.unroute_all(behavior="wait")
        page.goto("about:blank")  # the test's dashboard unloaded: none of its scripts run on
        kept = True
    finally:
        page.remove_listener("console", console)
        page.remove_listener("pageerror", script_error)
        if not kept:
            page.close()
    # Every page of every test: no script error, nothing the Content-Security-Policy refused.
    assert found.problems == []


@pytest.fixture
def tab(chromium: Browser, site: Site, viewport: str) -> Iterator[Tab]:
    with opened(chromium, site, viewport) as found:
        yield found


def two_requests(rr: Tracker) -> tuple[int, int]:
    """One request overdue on TODAY (sent 2026-11-02 in VA: 5 working days) and one still waiting."""
    late = rr.new("VA", "Fairfax County Sheriff's Office", *ANA)
    rr("sent", str(late), "--on", "2026-11-02", today="2026-11-02")
    waiting = rr.new("VA", "Arlington County Police Department", *ANA)
    rr("sent", str(waiting), "--on", "2026-11-30", today="2026-11-30")
    return late, waiting


def shown(rr: Tracker, request_id: int) -> Any:
    """What ``records-req --as-of TODAY show ID --json`` says."""
    return rr.json("show", str(request_id), today=TODAY.isoformat())


# --- 1. a new request ---------------------------------------------------------------------------


def test_a_request_is_previewed_and_created_from_the_new_request_page(tab: Tab) -> None:
    page, rr = tab.page, tab.site.rr
    tab.open("/new")
    info = page.locator("#state-info")
    expect(info).to_be_hidden()  # empty until a state is chosen
    virginia: list[str | re.Pattern[str]] = [
        "Law: Virginia Freedom of Information Act (Va. Code Ann. §§ 2.2-3700 to 2.2-3715)",
        "Deadline: within 5 working days: response",
        "Who may ask: residents only",
        re.compile(r"^287\(g\): restricts"),
    ]
    # A change of mind, Texas then Virginia, with Texas's answer held back until Virginia's is
    # shown: the box must not end with the slower, older answer, nor with both.
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route("**/states/TX.json", hold)
    state = page.get_by_label("State", exact=True)
    state.select_option("TX")
    state.select_option("VA")
    # static/app.js fetched /states/VA.json and wrote the law into the box.
    expect(info).to_be_visible()
    expect(info.locator("p")).to_have_text(virginia)
    assert len(held) == 1
    with page.expect_response("**/states/TX.json") as late_answer:
        held[0].continue_()
    late_answer.value.finished()
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    expect(info.locator("p")).to_have_text(virginia)
    page.unroute("**/states/TX.json", hold)
    page.get_by_label("Agency", exact=True).fill(HOSTILE)
    expect(page.get_by_label("Warrant Service Officer program")).to_be_checked()  # the default topic
    page.get_by_label("Communications with ICE").check()
    page.get_by_label("Your name").fill("Ana Núñez")
    page.get_by_label("Your email").fill("ana@example.org")
    page.get_by_label("The state you live in (two letters)").fill("VA")

    page.get_by_role("button", name="Preview the letter").click()
    letter = page.locator("pre.letter")
    expect(letter).to_contain_text("Va. Code")
    expect(letter).to_contain_text(HOSTILE)  # as text: markup would have swallowed "<Co>"
    expect(letter).to_contain_text("Ana Núñez")
    assert letter.locator("*").count() == 0, "the agency's name became HTML in the preview"
    # The form keeps what was typed, and the state's law is shown again.
    expect(page.get_by_label("Agency", exact=True)).to_have_value(HOSTILE)
    expect(page.get_by_label("Communications with ICE")).to_be_checked()
    expect(info).to_contain_text("Va. Code")
    assert rr.json("list") == []  # a preview tracks nothing
    # The states the form takes after a submit pass the audit: the letter's preview, and a
    # refusal (role=alert), which keeps the form as typed.
    page.wait_for_load_state("load")  # the stylesheet too: a page measured before it is laid out wide
    problems = [f"preview: {p}" for p in page.evaluate(AUDIT)]
    since, until = page.get_by_label("From"), page.get_by_label("Until")
    dates = since.input_value(), until.input_value()
    since.fill("2026-12-31")
    until.fill("2026-01-01")
    page.get_by_role("button", name="Preview the letter").click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.wait_for_load_state("load")
    problems += [f"error: {p}" for p in page.evaluate(AUDIT)]
    assert problems == [], f"at {tab.width} width:\n" + "\n".join(problems)
    tab.answered(422)
    expect(page.get_by_label("Agency", exact=True)).to_have_value(HOSTILE)
    expect(page.get_by_label("Communications with ICE")).to_be_checked()
    since.fill(dates[0])
    until.fill(dates[1])

    page.get_by_role("button", name="Create the tracked request").click()
    expect(page).to_have_url(re.compile(r"/requests/\d+$"))
    [made] = rr.json("list")
    assert page.url.endswith(f"/requests/{made['id']}")
    assert made["agency"] == HOSTILE and made["jurisdiction"] == "VA"
    # the two chosen, and the records Virginia's own 287(g) law (S.B. 783, 2026) creates
    assert sorted(shown(rr, made["id"])["topics"]) == ["ice-communications", "state-law", "wso"]
    expect(page.get_by_role("heading", level=1)).to_have_text(HOSTILE)
    expect(page.locator("p.subhead")).to_contain_text(f"Request #{made['id']} · Virginia")
    expect(page.get_by_role("status")).to_contain_text("Request created")
    expect(page.locator("p.status-line .badge").first).to_have_text("Draft, not sent")


# --- 2. events move the deadline ----------------------------------------------------------------


def test_marking_it_sent_and_logging_events_move_the_deadline_as_the_cli_says(tab: Tab) -> None:
    page, rr = tab.page, tab.site.rr
    rid = rr.new("VA", HOSTILE, *ANA)
    tab.open(f"/requests/{rid}")
    expect(page.locator("p.status-line .badge").first).to_have_text(status_label(shown(rr, rid)["status"]))
    expect(page.locator("p.due")).to_have_count(0)  # no deadline before it is sent

    sent_on = page.get_by_label("Sent on")
    expect(sent_on).to_have_value(TODAY.isoformat())  # the server's today, not the browser's
    sent_on.fill("2026-11-30")
    page.get_by_label("How", exact=True).select_option("mail")
    page.get_by_role("button", name="Mark sent").click()
    expect(page.get_by_role("status")).to_contain_text("Recorded: Request sent, on November 30, 2026.")
    after_sent = shown(rr, rid)
    assert after_sent["sent"] == "2026-11-30" and after_sent["due"]
    due = page.locator("p.due strong")
    expect(due).to_have_text(long_date(after_sent["due"]))
    expect(page.locator("p.status-line .badge").first).to_have_text(status_label(after_sent["status"]))
    expect(page.get_by_role("button", name="Mark sent")).to_have_count(0)  # sent once

    event = page.locator("form").filter(has=page.get_by_role("heading", name="An event"))
    event.get_by_label("What happened", exact=True).select_option("acknowledged")
    event.get_by_label("On", exact=True).fill("2026-12-01")
    event.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        "Recorded: The agency acknowledged the request, on December 1, 2026."
    )
    expect(due).to_have_text(long_date(shown(rr, rid)["due"]))

    event.get_by_label("What happened", exact=True).select_option("extended")
    event.get_by_label("On", exact=True).fill("2026-12-01")
    event.get_by_label("Days (extended)").fill("7")
    event.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Recorded: The agency took more time, on December 1, 2026.")
    extended = shown(rr, rid)
    assert extended["due"] != after_sent["due"]  # the extension moved it...
    expect(due).to_have_text(long_date(extended["due"]))  # ...and the page shows the CLI's new date
    expect(page.locator("p.status-line .badge").first).to_have_text(status_label(extended["status"]))
    expect(page.locator("ol.timeline .meta strong")).to_have_text(
        ["Request sent", "The agency acknowledged the request", "The agency took more time"]
    )
    expect(page.locator("ol.explanation li")).to_have_text(extended["explanation"])


def test_a_refused_event_shows_the_cli_message_and_keeps_the_form(tab: Tab) -> None:
    page, rr = tab.page, tab.site.rr
    late, _ = two_requests(rr)
    tab.open(f"/requests/{late}")
    page.get_by_label("What happened", exact=True).select_option("extended")
    page.locator("#ev-note").fill("called <b>Tuesday</b>")  # the new event's note (each event has its own)
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("needs the number of days or the date")
    expect(page.get_by_label("What happened", exact=True)).to_have_value("extended")
    expect(page.locator("#ev-note")).to_have_value("called <b>Tuesday</b>")
    details = shown(rr, late)
    assert [e["kind"] for e in details["events"]] == ["sent"]
    expect(page.locator("p.appeal")).to_have_text(f"Appeal: {details['appeal_window']['text']}")
    tab.answered(422)


# --- 3. and 4. files up and down, in one test (one request page) ----------------------------------


def test_an_uploaded_response_is_listed_under_files_and_the_letter_downloads_as_a_docx(
    tab: Tab, tmp_path: Path
) -> None:
    page, rr = tab.page, tab.site.rr
    late = rr.new("VA", HOSTILE, *ANA)
    rr("sent", str(late), "--on", "2026-11-02", today="2026-11-02")
    pdf = tmp_path / "response.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% the sheriff's response\n1 0 obj << >> endobj\n%%EOF\n")
    tab.open(f"/requests/{late}")
    page.get_by_label("File (PDF, Word, Excel, image or text; up to 25 MB)").set_input_files(pdf)
    page.get_by_label("Also record").select_option("partial-release")
    page.get_by_role("button", name="Upload").click()
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    expect(page.get_by_role("status")).to_contain_text("Kept with the request: response.pdf.")
    files = page.locator("ol.timeline p.downloads.received")
    size = status_words.size(pdf.stat().st_size)  # a few bytes: said in bytes
    expect(files.filter(has_text="response.pdf")).to_have_text(f"response.pdf (from the agency, {size})")
    details = shown(rr, late)
    [received] = [d for d in details["documents"] if d["role"] == "received"]
    assert received["sha256"] == sha and details["events"][-1]["kind"] == "partial-release"
    expect(page.locator("ol.timeline > li").filter(has_text="response.pdf")).to_contain_text("Some records arrived")
    # And the file comes back as it went up.
    with page.expect_download() as fetched:
        page.get_by_role("link", name="response.pdf").click()
    download = fetched.value
    assert download.suggested_filename == "response.pdf"
    saved = tmp_path / "back.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == pdf.read_bytes()
    # The letter that went out downloads as a DOCX naming the agency: the tracked file itself.
    rid = late
    link = page.locator("ol.timeline a", has_text="Download DOCX")
    expect(link).to_have_count(1)
    with page.expect_download() as fetched:
        link.click()
    download = fetched.value
    assert download.suggested_filename.endswith(".docx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = docx_text(saved)
    assert HOSTILE in text and "Va. Code" in text
    [stored] = [d for d in shown(rr, rid)["documents"] if d["path"].endswith(".docx")]
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == stored["sha256"]  # the tracked file itself


# --- 5. accessibility and layout ----------------------------------------------------------------

# Run in the page: what a screen reader, a keyboard user or a low-vision reader would trip over.
AUDIT = r"""
() => {
  const problems = [];
  const name = (el) => {
    const classes = typeof el.className === "string" ? el.className.trim().split(/\s+/).filter(Boolean) : [];
    const what = el.tagName.toLowerCase() + (el.id ? "#" + el.id : classes.map((c) => "." + c).join(""));
    const text = (el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 50);
    return text ? `${what} "${text}"` : what;
  };
  const textOf = (ids) => (ids || "").split(/\s+/).filter(Boolean)
    .map((id) => (document.getElementById(id) || {}).textContent || "").join(" ").trim();
  const nameOf = (el) => (el.getAttribute("aria-label") || "").trim() || textOf(el.getAttribute("aria-labelledby"));

  // The document: a language, one <h1>, ids that a <label for> can rely on.
  if (!document.documentElement.lang.trim()) problems.push("<html> has no lang");
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) problems.push(`${h1} <h1> elements, not one`);
  const seen = new Set();
  for (const el of document.querySelectorAll("[id]")) {
    if (seen.has(el.id)) problems.push(`duplicate id ${el.id}`);
    seen.add(el.id);
  }

  // Every field has a label (<label for>, or aria-label/aria-labelledby).
  const labels = [...document.querySelectorAll("label[for]")];
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    const byFor = el.id && labels.some((l) => l.htmlFor === el.id && l.textContent.trim());
    if (!byFor && !nameOf(el)) problems.push(`no <label for> or aria-label: ${name(el)} name=${el.name}`);
  }

  // Images have a name; an <svg> is either an image with a name or hidden from screen readers.
  for (const el of document.querySelectorAll("img, svg, [role=img]")) {
    if (el.closest("[aria-hidden=true]") || (el.tagName === "svg" && el.parentElement.closest("svg"))) continue;
    const image = el.tagName === "IMG" || el.getAttribute("role") === "img";
    if (!image) {
      problems.push(`an <svg> that is neither role=img nor aria-hidden: ${name(el)}`);
      continue;
    }
    if (el.tagName === "IMG" && el.getAttribute("role") !== "img" && el.hasAttribute("alt")) continue;  // decorative
    const title = el.querySelector(":scope > title");
    const label = nameOf(el) || (title && title.textContent.trim()) || (el.getAttribute("alt") || "").trim();
    if (!label) problems.push(`image without a name: ${name(el)}`);
  }

  // Contrast (WCAG 2 relative luminance): text against the nearest non-transparent backgrounds.
  const rgba = (c) => {
    const m = /^rgba?\(([^)]+)\)$/.exec(c.trim());
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(parseFloat);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, below) => [0, 1, 2].map((i) => top[i] * top[3] + below[i] * (1 - top[3])).concat([1]);
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const bg = rgba(getComputedStyle(node).backgroundColor);
      if (bg && bg[3] > 0) {
        layers.push(bg);
        if (bg[3] >= 1) break;
      }
    }
    return layers.reverse().reduce((below, layer) => over(layer, below), [255, 255, 255, 1]);
  };
  const linear = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  const luminance = (c) => 0.2126 * linear(c[0]) + 0.7152 * linear(c[1]) + 0.0722 * linear(c[2]);
  const ratio = (a, b) => {
    const [light, dark] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (light + 0.05) / (dark + 0.05);
  };
  const ownText = (el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())
    || (["INPUT", "TEXTAREA"].includes(el.tagName) && el.type !== "checkbox" && el.value.trim());
  for (const el of document.querySelectorAll("body *")) {
    if (["SCRIPT", "STYLE", "OPTION", "NOSCRIPT", "TITLE"].includes(el.tagName) || !ownText(el)) continue;
    if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
    const style = getComputedStyle(el);
    const ink = rgba(el instanceof SVGElement ? style.fill : style.color);
    const bg = background(el);
    if (!ink) {
      problems.push(`colour not readable: ${name(el)} ${style.color} / ${style.fill}`);
      continue;
    }
    const r = ratio(over(ink, bg), bg);
    if (r < 4.5) problems.push(`contrast ${r.toFixed(2)}:1 < 4.5:1: ${name(el)} (${style.color} on ${bg.slice(0, 3)})`);
  }

  // What scrolls sideways can be reached by keyboard; nothing prints program values.
  for (const el of document.querySelectorAll("body *")) {
    if (!["auto", "scroll"].includes(getComputedStyle(el).overflowX) || el.matches("textarea, select")) continue;
    if (el.scrollWidth <= el.clientWidth + 1) continue;
    if (el.tabIndex < 0 || !nameOf(el)) {
      problems.push(`scrolls sideways, out of the keyboard's reach (tabindex ${el.tabIndex}): ${name(el)}`);
    }
  }
  const leaked = /\{'\w+': |\bNone\b|object at 0x|\[\]|\bundefined\b|\bNaN\b/.exec(document.body.innerText);
  if (leaked) problems.push(`program text shown to the reader: ${JSON.stringify(leaked[0])}`);

  // The page itself never scrolls sideways.
  const page = document.documentElement.scrollWidth;
  if (page > window.innerWidth) {
    const wide = [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && el.checkVisibility())
      .slice(0, 5).map(name);
    problems.push(`the page scrolls sideways: ${page}px wide in ${window.innerWidth}px (${wide.join("; ")})`);
  }
  return problems;
}
"""

# The element that has the keyboard focus: what it is, whether it is on screen, and its focus ring.
FOCUSED = r"""
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const text = (el.textContent || el.getAttribute("aria-label") || el.name || "").trim().replace(/\s+/g, " ");
  const classes = typeof el.className === "string" && el.className ? "." + el.className : "";
  return {
    what: `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${classes} "${text.slice(0, 40)}"`,
    skip: el.classList.contains("skip"),
    id: el.id,
    ring: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || (s.boxShadow && s.boxShadow !== "none"),
    onScreen: r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= window.innerWidth + 1,
  };
}
"""


def keyboard_problems(page: Page, stops: int = 60) -> list[str]:
    """Tab from the top: the skip link comes first, visibly, and takes you to the content; every
    stop after it shows a focus ring and is on screen."""
    problems: list[str] = []
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    if not first or not first["skip"]:
        return [f"the first Tab stop is {first and first['what']}, not the skip link"]
    if not first["ring"] or not first["onScreen"]:
        problems.append(f"the focused skip link is not visible (ring {first['ring']}, on screen {first['onScreen']})")
    page.keyboard.press("Enter")
    landed = page.evaluate(FOCUSED)
    if not landed or landed["id"] != "main":
        problems.append(f"the skip link leads to {landed and landed['what']}, not <main>")
    for _ in range(stops):
        page.keyboard.press("Tab")
        now = page.evaluate(FOCUSED)
        if now is None or now["skip"]:
            break  # past the last stop, back to the top
        if not now["ring"]:
            problems.append(f"no visible focus ring on {now['what']}")
        if not now["onScreen"]:
            problems.append(f"focused but off screen: {now['what']}")
    return problems


def audited_site(rr: Tracker) -> int:
    """A database that puts something on every page: overdue and waiting requests, a request with
    events, a file and an explanation, and imported agencies. Returns the richest request's id."""
    from .test_campaign import SHEET

    late, _ = two_requests(rr)
    rr("log", str(late), "acknowledged", "--on", "2026-11-03", today="2026-11-03")
    response = rr.tmp / "response.txt"
    response.write_text("We are looking for the records.\n", encoding="utf-8")
    rr("attach", str(late), str(response))
    sheet = rr.tmp / "participating.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    rr("agencies", "import", str(sheet), "--downloaded", "2026-11-30")
    return late


def audit_problems(tab: Tab, paths: Iterable[str], lang: str, keyboard: bool = True) -> list[str]:
    """The audit, and the keyboard walk unless not ``keyboard``, on each page (in ``lang``, the
    language the tab has chosen)."""
    problems: list[str] = []
    for path in paths:
        tab.open(path)
        expect(tab.page.locator("html")).to_have_attribute("lang", lang)
        if path.startswith("/new"):  # audit what the script adds too
            state_law = "Ley: Virginia" if lang == "es" else "Law: Virginia"
            expect(tab.page.locator("#state-info p").first).to_have_text(re.compile("^" + state_law))
        problems += [f"{path} ({lang}): {p}" for p in tab.page.evaluate(AUDIT)]
        if keyboard:
            problems += [f"{path} ({lang}): {p}" for p in keyboard_problems(tab.page)]
    return problems


def test_every_page_passes_the_accessibility_and_layout_audit_in_both_languages(
    chromium: Browser, seeds: Seeds, tmp_path: Path, viewport: str
) -> None:
    """Every page in English, then the pages that differ most in Spanish (chosen by its link), in
    one tab on one seeded copy: the audit only reads. The Spanish pages are audited without the
    keyboard walk (a third of its Tab presses): their order of stops, focus rings and skip link are
    the English pages' (the same elements and style sheet), and what longer words push off the
    screen the audit finds itself (the page never scrolls sideways)."""
    rr, late = seeds.copy(audited_site, tmp_path)
    with serving(rr) as served, opened(chromium, served, viewport) as tab:
        pages = ["/", "/requests", f"/requests/{late}", "/new?state=VA", "/agencies", "/campaign", "/reports"]
        pages.append("/search?q=looking")  # a hit: the attached response, its word in <mark>
        problems = audit_problems(tab, pages, "en")
        tab.open("/")
        tab.page.get_by_role("link", name="Español").click()
        expect(tab.page.locator("html")).to_have_attribute("lang", "es")
        problems += audit_problems(tab, ("/", f"/requests/{late}", "/new?state=VA"), "es", keyboard=False)
        assert problems == [], f"at {tab.width} width:\n" + "\n".join(problems)


# --- 6. screenshots for the docs ----------------------------------------------------------------


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


@pytest.mark.skipif(os.environ.get(SCREENSHOTS_ENV) != "1", reason=f"{SCREENSHOTS_ENV}=1 writes docs/screenshots/")
def test_screenshots_for_the_docs(tab: Tab, tmp_path: Path) -> None:
    page, rr = tab.page, tab.site.rr
    late = audited_site(rr)
    houston = rr.new("TX", "Houston Police Department", *ANA)
    rr("sent", str(houston), "--on", "2026-11-23", "--via", "portal", today="2026-11-23")
    miami = rr.new("FL", "Miami-Dade Police Department", *ANA)
    rr("sent", str(miami), "--on", "2026-10-01", today="2026-10-01")
    rr("log", str(miami), "released", "--on", "2026-10-20", today="2026-10-20")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    tab.open("/")
    expect(page.locator("tr.late")).not_to_have_count(0)
    expect(page.locator("section[aria-labelledby=soon] tbody tr")).not_to_have_count(0)
    expect(page.locator("svg.chart")).to_have_count(3)  # requests by status, by state, per month
    dashboard = SCREENSHOTS / f"dashboard-{tab.width}.png"
    page.screenshot(path=dashboard, full_page=True)

    tab.open(f"/requests/{late}")
    expect(page.locator("p.due")).to_be_visible()
    request = SCREENSHOTS / f"request-{tab.width}.png"
    page.screenshot(path=request, full_page=True)

    width = VIEWPORTS[tab.width]["viewport"]["width"]
    for shot in (dashboard, request):
        got_width, got_height = png_size(shot)
        assert got_width == width and got_height >= VIEWPORTS[tab.width]["viewport"]["height"], shot


# --- 7. the agency, found in the directory -------------------------------------------------------


def test_the_agency_field_suggests_listed_agencies_and_shows_their_agreements(tab: Tab) -> None:
    from .test_campaign import SHEET

    page, rr = tab.page, tab.site.rr
    sheet = rr.tmp / "participating.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    rr("agencies", "import", str(sheet), "--downloaded", "2026-11-30")
    tab.open("/new")
    page.get_by_label("State", exact=True).select_option("TX")
    field = page.get_by_label("Agency", exact=True)
    field.fill("harris")
    expect(page.locator("#agency-list option")).to_have_count(1)
    assert page.locator("#agency-list option").get_attribute("value") == "Harris County Sheriff's Office"
    field.fill("Harris County Sheriff's Office")
    expect(page.locator("#agency-info")).to_contain_text("Warrant Service Officer: signed 2025-06-18")
    expect(page.locator("#agency-info")).to_contain_text("Task Force Model: signed 2025-05-01")

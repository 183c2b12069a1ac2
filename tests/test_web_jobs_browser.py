"""The job's page in a real headless Chromium (Debian's): it follows the job by itself, with its
small script, and without JavaScript through the meta refresh in <noscript>, until it ends."""

from __future__ import annotations

from contextlib import closing
from typing import Any

import pytest

try:
    from playwright.sync_api import Browser, expect
except ImportError:  # pragma: no cover - the test extras bring it
    pytest.skip("Playwright for Python is not installed (pip install '.[test]')", allow_module_level=True)

from records_req.store.db import open_store
from records_req.store.models import Job, utcnow
from records_req.tracker.jobs import active_key

from .test_web_browser import AUDIT, Site, keyboard_problems, opened, site
from .test_web_jobs import OTHER_SERVER

__all__ = ["site"]  # the fixture, from the dashboard's browser tests


def test_the_job_page_follows_the_job_with_and_without_javascript(chromium: Browser, site: Site) -> None:
    with open_store(site.rr.url).write() as session:  # a campaign another server is writing
        job = Job(
            kind="campaign", tag="TX WSO", params={}, status="running", done=1, total=2,
            runner=OTHER_SERVER, active=active_key("campaign", "TX WSO"), beat_at=utcnow(),
        )  # fmt: skip
        session.add(job)
        session.flush()
        job_id = job.id
    problems: list[str] = []
    # With its script: the browser tests' desktop tab (which fails the test on any script error or
    # CSP refusal); without: a context of its own, its console watched here.
    with (
        closing(chromium.new_context(java_script_enabled=False, locale="en-US")) as scriptless,
        opened(chromium, site, "desktop") as tab,
    ):
        scriptless.set_default_timeout(15_000)
        pages: dict[bool, Any] = {True: tab.page, False: scriptless.new_page()}
        pages[False].on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        for script, page in pages.items():
            page.goto(site(f"/jobs/{job_id}"))
            expect(page.get_by_role("status")).to_contain_text("1 / 2 letters written")
            expect(page.get_by_role("status")).to_contain_text("you may close this page")
            if script:  # the accessibility and layout audit of every page (test_web_browser)
                problems.extend(f"running: {p}" for p in [*page.evaluate(AUDIT), *keyboard_problems(page)])
        with open_store(site.rr.url).write() as session:  # it ends
            ended = session.get(Job, job_id)
            assert ended is not None
            ended.done, ended.status, ended.active, ended.finished_at = 2, "finished", None, utcnow()
            ended.result = {"selected": 2, "created": 2, "skipped": {}}
        for script, page in pages.items():
            status = page.get_by_role("status")
            expect(status).to_contain_text("Finished.")  # without a click: the page followed the job
            expect(status).to_contain_text("2 / 2 letters written")
            expect(page.get_by_text("Letters written: 2")).to_be_visible()
            assert page.locator("progress").evaluate("p => [p.value, p.max]") == [2, 2], script
            if script:
                problems.extend(f"finished: {p}" for p in [*page.evaluate(AUDIT), *keyboard_problems(page)])
    assert problems == []  # nothing the audit finds, no error in the page without script

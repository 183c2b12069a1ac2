"""Spanish for the data people read, and people's words where tokens were (issue 19, h-spanish).

- The deadline's explanation is facts (records_req.deadlines.Step), worded by each door: the command
  line in the English it always printed, the dashboard and the reports in their language.
- A forced event keeps its warning as facts (lifecycle.Why), worded when shown; an older event's
  warning, stored as text, is shown as stored.
- The topics have Spanish titles.
- The bundle's deadline.pdf and ``inbox review`` say events as ``show`` does, never as tokens.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from html import unescape
from pathlib import Path

import pytest

from records_req.calendars import calendar_for
from records_req.deadlines import Event, Extended, Paused, Step, compute_for
from records_req.explain import said, step_words
from records_req.laws import load_laws
from records_req.topics import load_topics

from .cli_helpers import Tracker
from .test_history import pa_request
from .test_inbox import _sql, reply, sent_by_email, take
from .test_web import HOST, TODAY, browser, two_requests

SPANISH = {**HOST, "Accept-Language": "es-MX,es;q=0.9"}


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    tracker = Tracker(db_url, tmp_path)
    tracker("profile", "set", "--name", "Ana Núñez", "--email", "ana@example.org", "--address", "1 Main St")
    return tracker


def explanation(page: str) -> list[str]:
    """The steps of the page's "How the deadline was computed", as a person reads them."""
    found = re.search(r'<ol class="explanation">(.*?)</ol>', page, re.S)
    assert found, "the page has no explanation"
    return [unescape(re.sub(r"<[^>]+>", "", item)) for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


# --- the deadline's explanation -------------------------------------------------------------------


def test_a_spanish_request_page_says_how_the_deadline_was_computed_in_spanish(rr: Tracker) -> None:
    late, _ = two_requests(rr)  # VA, sent by email on Mon 2026-11-02: 5 business days, Election Day skipped
    rr("log", str(late), "extended", "--days", "3", "--on", "2026-11-05", today="2026-11-05")
    shown = rr.json("show", str(late), today=TODAY.isoformat())
    web = browser(rr)
    assert explanation(web.get(f"/requests/{late}").get_data(as_text=True)) == shown["explanation"]  # the CLI's
    page = web.get(f"/requests/{late}", headers=SPANISH).get_data(as_text=True)
    spanish = explanation(page)
    assert len(spanish) == len(shown["explanation"])
    assert spanish[0] == (
        "Enviada por correo electrónico el lunes 2 de noviembre de 2026; se cuenta como recibida el mismo día."
    )
    assert "No se contó el martes 3 de noviembre de 2026: Election Day (oficinas cerradas)." in spanish
    assert "Se contaron 5 días hábiles: 4/11 (1), 5/11 (2), 6/11 (3), 9/11 (4), 10/11 (5)." in spanish
    assert any(s.startswith("Prórroga del jueves 5 de noviembre de 2026 de 3 días hábiles") for s in spanish)
    assert spanish[-1].startswith("Vence el lunes 16 de noviembre de 2026: para entonces la agencia debe responder")
    assert not set(spanish) & set(shown["explanation"])
    # The holiday keeps the name the calendar gives it, marked as English for screen readers.
    assert '<span lang="en">Election Day</span>' in page
    # The report in Spanish says the same steps.
    report = rr.report("html", "--lang", "es").read_text(encoding="utf-8")
    assert "Se contaron 5 días hábiles: 4/11 (1)" in report and "Counted 5 business days" not in report


def _steps() -> list[Step]:
    """The steps the engine writes for every jurisdiction in a few situations: sent by mail and
    by email, extended by days, to a date and by all the law allows, paused, acknowledged."""
    steps: list[Step] = []
    sent = dt.date(2026, 12, 22)
    situations: list[list[Event]] = [
        [Extended(on=dt.date(2026, 12, 24), days=10)],
        [Extended(on=dt.date(2026, 12, 24), until=dt.date(2027, 3, 1))],
        [Extended(on=dt.date(2026, 12, 24), maximum=True)],
        [Paused("clarification", dt.date(2026, 12, 23), dt.date(2026, 12, 29)), Paused("fee_estimate", sent)],
    ]
    for j in load_laws().values():
        calendar = calendar_for(j)
        mailed = compute_for(j, calendar, sent=sent, via="mail")
        emailed = compute_for(j, calendar, sent=sent, via="email", events=situations[0], acknowledged=sent)
        steps += [s for report in (mailed, emailed) for _, d in report.explained() for s in d.explanation]
        for events in situations[1:]:
            steps += compute_for(j, calendar, sent=sent, events=events).first.explanation
        steps += compute_for(j, calendar, received=sent, after_hours=True).first.explanation
    return steps


def test_every_step_the_engine_writes_has_its_spanish() -> None:
    steps = _steps()
    codes = {part.code for step in steps for part in step.said}
    assert len(codes) >= 25  # the situations reach most of what the engine says
    for step in steps:
        english, spanish = step.text, step_words(step, "es")
        assert spanish != english, english
        # What is left once the law's and the calendar's own words (marked lang="en") are taken out.
        ours = re.sub(r'<span lang="en">.*?</span>', "", step_words(step, "es", html=True))
        assert not re.search(
            r"\b(Sent|Received|Counted|Skipped|Due|Extended|business|calendar|days?|Saturday|Sunday)\b", ours
        ), (
            english,
            spanish,
        )
        assert step.to_dict()["said"][0]["code"] in codes  # the facts, for programs, beside the English


def test_the_dashboard_escapes_a_step_s_facts_and_marks_the_law_s_own_words() -> None:
    step = Step(
        "no-deadline",
        (
            said(
                "no-number",
                citation="§ 1 <b>",
                standard="promptly & <i>",
                followup_days=10,
                followup=dt.date(2026, 12, 1),
            ),
        ),
    )
    html = step_words(step, "es", html=True)
    assert "<b>" not in html and "<i>" not in html and "&amp;" in html
    assert '«<span lang="en">promptly &amp; &lt;i&gt;</span>»' in html
    assert step_words(step, "en", html=True) == step.text.replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;"
    ).replace('"', "&quot;")


# --- warnings kept with forced events ---------------------------------------------------------------


def test_a_forced_event_s_warning_is_kept_as_facts_and_said_in_the_page_s_language(rr: Tracker) -> None:
    rid = pa_request(rr)  # the letter is dated Fri 2026-11-27
    rr("sent", rid, "--via", "email", "--on", "2026-11-20", "--force", today="2026-11-28")
    [sent] = rr.json("show", rid, today="2026-11-28")["events"]
    assert sent["data"]["warning"] == [{"why": "before-letter", "on": "2026-11-20", "since": "2026-11-27"}]
    assert "[forced] (2026-11-20 is before the letter's own date (2026-11-27))" in rr("show", rid, today="2026-11-28")
    web = browser(rr)
    english = web.get(f"/requests/{rid}").get_data(as_text=True)
    assert "(forced: 2026-11-20 is before the letter&#39;s own date (2026-11-27))" in english
    spanish = web.get(f"/requests/{rid}", headers=SPANISH).get_data(as_text=True)
    assert (
        "(forzado: el viernes 20 de noviembre de 2026 es anterior a la fecha de la propia carta "
        "(viernes 27 de noviembre de 2026))"
    ) in spanish
    report = rr.report("html", "--lang", "es").read_text(encoding="utf-8")
    assert "es anterior a la fecha de la propia carta" in report

    # The dashboard's own refusal and its "recorded although" say the reason in Spanish too.
    form = {"kind": "sent", "on": "2026-11-21"}
    refused = web.post(f"/requests/{rid}/event", form, token_page=f"/requests/{rid}", headers=SPANISH)
    said_ = unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422 and "la solicitud ya se envió el viernes 20 de noviembre de 2026" in said_

    # A date moved before what it depends on, kept with --force: the edit keeps the warning, naming the event.
    rr("log", rid, "released", "--on", "2026-11-25", today="2026-11-28")
    rr("edit", rid, "--on", "2026-11-19", "--force", today="2026-11-28")
    edit = rr.json("show", rid, today="2026-11-28")["events"][-1]
    assert edit["kind"] == "edit" and edit["data"]["warning"] == [
        {"why": "before-sent", "on": "2026-11-19", "since": "2026-11-20", "event": "released"}
    ]
    assert "[forced] ('released' on 2026-11-19 is before the request was sent (2026-11-20))" in rr(
        "show", rid, today="2026-11-28"
    )
    assert (
        "(forzado: «Llegaron los documentos»: el jueves 19 de noviembre de 2026 es anterior al envío de la "
        "solicitud (viernes 20 de noviembre de 2026))"
    ) in unescape(web.get(f"/requests/{rid}", headers=SPANISH).get_data(as_text=True))

    # An event recorded before warnings were facts keeps its text, shown as stored everywhere.
    old = {"via": "email", "warning": "2026-11-20 is before the letter's own date (2026-11-27)"}
    value = ":d" if rr.url.startswith("sqlite") else "CAST(:d AS JSON)"
    _sql(rr.url, f"UPDATE events SET data = {value} WHERE id = :i", d=json.dumps(old), i=sent["id"])
    assert "[forced] (2026-11-20 is before the letter's own date (2026-11-27))" in rr("show", rid, today="2026-11-28")
    kept = web.get(f"/requests/{rid}", headers=SPANISH).get_data(as_text=True)
    assert "(forzado: 2026-11-20 is before the letter&#39;s own date (2026-11-27))" in kept


# --- topics --------------------------------------------------------------------------------------------


def test_every_topic_of_ours_has_a_spanish_title_and_spanish_pages_show_it(rr: Tracker) -> None:
    topics = load_topics()
    missing = [t.key for t in topics.values() if not t.title_es or t.title_es == t.title]
    assert missing == []
    assert topics["costs"].title_in("es") == "Costos y pagos" and topics["costs"].title_in("en") == "Costs and payments"
    web = browser(rr)
    new = web.get("/new", headers=SPANISH).get_data(as_text=True)
    assert all(t.title_es and unescape(t.title_es) in unescape(new) for t in topics.values())
    assert "Costs and payments" not in new


# --- events in people's words: the bundle's deadline.pdf and inbox review -------------------------------

# What a token looks like in a line meant for people: a hyphenated kind or status ('fee-estimate',
# 'awaiting-response'), a fact by its key ('days: 10', 'via: email'), an event by its kind ('#3 extended').
TOKENS = re.compile(r"\b[a-z]+-[a-z-]+\b|\b(via|days|amount|until|tracking_number|on|note|text):|\(none\)|#\d+ [a-z]")


def test_the_bundle_s_deadline_pdf_says_events_as_show_does(rr: Tracker, tmp_path: Path) -> None:
    from pypdf import PdfReader

    rid = pa_request(rr)
    rr("sent", rid, "--via", "email", "--on", "2026-11-30", today="2026-12-01")
    rr("log", rid, "acknowledged", "--tracking-number", "R-1", "--on", "2026-12-01", today="2026-12-01")
    rr("log", rid, "extended", "--days", "10", "--on", "2026-12-02", today="2026-12-02")
    rr("edit", rid, "--days", "12", today="2026-12-03")
    rr("log", rid, "fee-estimate", "--amount", "25", "--on", "2026-12-04", today="2026-12-04")
    rr("undo", rid, today="2026-12-04")
    out = tmp_path / "bundle.zip"
    rr("bundle", rid, "-o", str(out), today="2026-12-05")
    with zipfile.ZipFile(out) as archive:
        reader = PdfReader(io.BytesIO(archive.read("deadline.pdf")))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    timeline = text.split("Timeline", 1)[1].split("Key dates", 1)[0]
    assert "Mon 2026-11-30 #1 Request sent (How: by email)" in timeline
    assert "#3 The agency took more time (Days: 12)" in timeline  # the edit applied
    assert "Changed #3: Days 10 -> 12" in timeline
    assert "The agency asked for a fee (Amount: $25.00) (undone on Fri 2026-12-04" in timeline
    assert not TOKENS.search(timeline), TOKENS.search(timeline)
    assert "Status: Awaiting response." in text and "awaiting-response" not in text


def test_inbox_review_says_the_proposed_events_in_people_s_words(db_url: str, tmp_path: Path) -> None:
    t = Tracker(db_url, tmp_path)
    rid, token = sent_by_email(t, db_url)
    [ack] = take(t, reply(tmp_path, "01-acknowledgment", token))
    t("inbox", "confirm", str(ack["proposals"][0]["id"]), today="2027-01-25")
    for name in ("02-extension", "03-fee-estimate", "04-denial", "05-release", "08-clarification"):
        take(t, reply(tmp_path, name, token))
    shown = t("inbox", "review", today="2027-01-25")
    proposals = [line for line in shown.splitlines() if line.lstrip().startswith("proposal ")]
    assert len(proposals) == 6
    said_ = "\n".join(proposals)
    for words in (
        "The agency took more time on Fri 2026-12-11 (Until: Fri 2027-01-15)",
        "The agency asked for a fee on",
        "(Amount: $108.90)",
        "The agency rejected the request on",
        "(Exemptions cited: Tex. Gov't Code § 552.101; Tex. Gov't Code § 552.108(a)(1))",
        "The records arrived on",
        "(Attachments: 1)",
        "The agency asked for a clarification on",
    ):
        assert words in said_, words
    assert not TOKENS.search(said_), TOKENS.search(said_)
    assert all(re.match(r"\s+proposal \d+: [A-Z]", line) for line in proposals), proposals  # a label, not a kind
    assert f"request #{rid}" in shown


def test_an_appeal_body_is_kept_as_the_law_names_it_and_one_the_data_only_describes_is_said_in_spanish() -> None:
    from records_req.laws import AGENCY_HEAD
    from records_req.lifecycle import NextAction
    from records_req.wording import action_words

    def appeal(body: str) -> NextAction:
        facts = {"how": "denied", "body": body, "citation": "§ 1", "route": "agency_head"}
        return NextAction("appeal", None, "no-deadline", facts)

    described = appeal(AGENCY_HEAD)
    assert "appeal to the agency's head or appeals officer (§ 1)" in action_words(described)
    assert "apelación ante el titular de la agencia o su funcionario de apelaciones (§ 1)" in action_words(
        described, "es"
    )
    named = action_words(appeal("the Office of Open Records"), "es")
    assert "apelación ante the Office of Open Records (§ 1)" in named  # a name, inside a Spanish sentence

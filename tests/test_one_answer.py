"""One answer per question (issue 18): each closed vocabulary defined once and read by every door,
the dashboard's reminders read through the same use case as ``due``, the events' meanings printed
where users look for them (``log --help``), and "overdue" as users see it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from records_req.cli import cli
from records_req.vocabulary import LANGUAGES, MODEL_CHOICES, MODELS, VIAS
from records_req.web import Settings, create_app

from .cli_helpers import Tracker

SRC = Path(__file__).parent.parent / "src" / "records_req"
HOST = {"Host": "127.0.0.1:8765"}
ANA = ("--requester-name", "Ana Núñez", "--requester-email", "ana@example.org", "--requester-state", "VA")

# A literal copy of a vocabulary, in any order, quoted either way.
COPIES = {
    "VIAS": re.compile(r"""["']mail["'],\s*["']email["'],\s*["']portal["']"""),
    "MODELS": re.compile(r"""["'](wso|jem|tfm)["'],\s*["'](wso|jem|tfm)["'],\s*["'](wso|jem|tfm)["']\s*[\])]""", re.I),
    "LANGUAGES": re.compile(r"""[(\[]\s*["']en["'],\s*["']es["']\s*[)\]]"""),
}


def test_each_vocabulary_is_written_once_in_the_code_and_the_templates() -> None:
    copies = [
        f"{path.relative_to(SRC)}: {name}"
        for path in sorted([*SRC.rglob("*.py"), *SRC.rglob("*.html")])
        if path.name != "vocabulary.py"
        for name, pattern in COPIES.items()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert copies == [], f"a copy of records_req.vocabulary: {copies}"


def _choices(path: list[str], option: str) -> tuple[str, ...]:
    """The choices a command's option (``--model``) offers."""
    command: click.Command = cli
    ctx = click.Context(cli)
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(ctx, name)
        assert found is not None, name
        command = found
    param = next(p for p in command.params if option in p.opts)
    assert isinstance(param.type, click.Choice)
    return tuple(param.type.choices)


def test_the_command_line_offers_the_vocabularies() -> None:
    for path in (["campaign"], ["agencies", "list"], ["watch", "add"], ["agencies", "update"]):
        assert _choices(path, "--model") == MODEL_CHOICES, path
    assert _choices(["report"], "--lang") == LANGUAGES
    for path in (["sent"], ["edit"]):
        assert _choices(path, "--via") == VIAS, path


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    return Tracker(db_url, tmp_path)


def test_the_dashboards_menus_offer_the_vocabularies(rr: Tracker) -> None:
    client = create_app(Settings(db_url=rr.url, out_dir=rr.tmp / "out", secret_key=b"k" * 32)).test_client()
    campaign = client.get("/campaign", headers=HOST).get_data(as_text=True)
    menu = campaign.split('id="c-model"')[1].split("</select>")[0]
    assert tuple(re.findall(r'<option value="(\w+)"', menu)) == MODEL_CHOICES
    agencies = client.get("/agencies", headers=HOST).get_data(as_text=True)
    menu = agencies.split('id="a-model"')[1].split("</select>")[0]
    assert tuple(re.findall(r'<option value="(\w+)"', menu)) == MODELS
    for code in LANGUAGES:
        client.get(f"/lang/{code}", headers=HOST)
        assert f'<html lang="{code}"' in client.get("/", headers=HOST).get_data(as_text=True)


def test_the_dashboard_lists_the_reminders_due_lists(rr: Tracker) -> None:
    """A reminder whose day has passed stays in 'due' until the request closes or it is undone;
    the dashboard shows the same ones (it used to drop those before today); a closed request's
    reminder is in neither."""
    today = dt.date(2026, 12, 1)
    waiting = rr.new("VA", "Fairfax County Sheriff's Office", *ANA)
    closed = rr.new("VA", "Arlington County Police Department", *ANA)
    for n in (waiting, closed):
        rr("sent", str(n), "--on", "2026-11-20", today="2026-11-20")
    rr("remind", str(waiting), "--on", "2026-11-28", "call the records office", today="2026-11-21")
    rr("remind", str(waiting), "--on", "2026-12-10", "ask about the fee", today="2026-11-21")
    rr("remind", str(waiting), "--on", "2027-01-20", "far away", today="2026-11-21")
    rr("remind", str(closed), "--on", "2026-12-02", "closed one", today="2026-11-21")
    rr("log", str(closed), "withdrawn", "--on", "2026-11-25", today="2026-11-25")

    due = rr.json("due", "--within", "14", today=today.isoformat())
    reminders = [(d["date"], d["id"], d["text"]) for d in due if d["what"] == "reminder"]
    assert reminders == [
        ("2026-11-28", waiting, "call the records office"),
        ("2026-12-10", waiting, "ask about the fee"),
    ]

    client = create_app(Settings(db_url=rr.url, out_dir=rr.tmp / "out", today=today, secret_key=b"k" * 32))
    page = client.test_client().get("/", headers=HOST).get_data(as_text=True)
    shown = page.split('id="reminders"')[1].split("</section>")[0]
    listed = re.findall(r"<li>(\S+): <a [^>]*>#(\d+)</a> ([^<]*)</li>", shown)
    assert [(on, int(n), text.strip()) for on, n, text in listed] == reminders


def test_log_help_lists_every_event_with_what_it_means() -> None:
    from records_req.lifecycle import EVENTS, USER_EVENTS

    result = CliRunner().invoke(cli, ["log", "--help"], terminal_width=400)
    assert result.exit_code == 0
    events = result.stdout.split("Events:")[1].split("Options:")[0]
    for kind in USER_EVENTS:
        assert re.search(rf"^\s+{re.escape(kind)}\s+{re.escape(EVENTS[kind].help)}$", events, re.M), kind
    assert "undo" not in events.split() and "edit" not in events.split()  # their own commands


def test_a_request_is_overdue_the_day_after_its_due_date_not_on_it(rr: Tracker) -> None:
    """What users see (list, due), not the engine's internals: due on day D means late on D+1."""
    n = rr.new("VA", "Fairfax County Sheriff's Office", *ANA)
    rr("sent", str(n), "--on", "2026-11-02", today="2026-11-02")
    due_on = dt.date.fromisoformat(rr.json("show", str(n))["due"])
    for day, overdue, days_late in ((due_on, False, 0), (due_on + dt.timedelta(days=1), True, 1)):
        assert [r["overdue"] for r in rr.json("list", today=day.isoformat())] == [overdue], day
        shown = rr.json("show", str(n), today=day.isoformat())
        assert (shown["overdue"], shown["due"]) == (overdue, due_on.isoformat()), day
        due = rr.json("due", "--within", "0", today=day.isoformat())
        assert [(d["id"], d["overdue"], d["days_late"]) for d in due] == [(n, overdue, days_late)], day

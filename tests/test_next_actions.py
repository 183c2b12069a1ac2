"""Next actions and notes as data (issue 18): the lifecycle returns a kind and a date; the command
line words it as a command to run, the dashboard as a button, in English or Spanish; no string
outside ``cli/`` names a command or a flag."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from records_req.calendars import calendar_for
from records_req.cli import COMMANDS
from records_req.laws import load_laws
from records_req.lifecycle import ACTIONS, NextAction, Recorded, track
from records_req.wording import action_words

from .cli_helpers import Tracker

SRC = Path(__file__).resolve().parent.parent / "src" / "records_req"
COMMAND = re.compile(r"records-req (" + "|".join(sorted(COMMANDS, key=len, reverse=True)) + r")\b")
FLAG = re.compile(r"(?:^|[\s(\[/'\"`,])--[a-z]")

# What still names a flag or a command outside cli/, and why it may: (file, a piece of the literal).
# Everything else that does fails the test below; a fix removes its line here.
ALLOWED: dict[tuple[str, str], str] = {
    # hygiene.clean and letter_text name the field they refuse as the command line calls it
    # (the dashboard's fields carry the same names); to be a note of their own.
    **{
        ("letters/request.py", label): "a field label in hygiene.clean's message"
        for label in (
            "--item",
            "--requester-name",
            "--requester-email",
            "--requester-address",
            "--requester-phone",
            "--requester-org",
            "--requester-state",
            "--co-requester",
            "--co-requester-address",
            "--agency",
            "--agency-address",
            "--agency-email",
            "--records-officer",
            "--tracking-number",
            "--exemptions",
        )
    },
    ("output.py", " already exists. Use --force to replace it, or --date."): "letter files: to be a note",
    # Hints that point at a command, given where only the command line or the API can be.
    ("errors.py", "'records-req states'"): "an unknown state code (the dashboard offers a list)",
    ("topics.py", "'records-req topics'"): "an unknown topic key (the dashboard offers checkboxes)",
    ("letters/compose.py", "'records-req templates check DIR'"): "a user's own templates: a command-line option",
    ("letters/check.py", "'records-req states --coverage "): "templates check is a command of its own",
    ("ice/changes.py", "'records-req agencies imports'"): "agencies changes --since-import: a command",
    ("tracker/views.py", "'records-req list' shows them"): "an unknown id (the dashboard answers 404)",
    ("tracker/campaign.py", "'records-req list' shows the tags"): "followup/sent --tag: commands",
    ("accounts.py", "'records-req users "): "users add/passwd/remove: commands, not pages",
    ("reports/pdf.py", "records-req report"): "the PDF's title: the tool's name, not a command to run",
    ("store/migrations/versions/0010_open_key.py", "records-req log ID withdrawn"): "printed by db upgrade",
}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def command_words() -> list[tuple[str, str]]:
    """(file, literal) for every string literal outside cli/ that names a command or a flag."""
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("cli/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) and id(node) not in docs else None
            if isinstance(text, str) and (COMMAND.search(text) or FLAG.search(text)):
                out.append((rel, text))
    return out


def test_no_string_outside_cli_names_a_command_or_a_flag() -> None:
    found = command_words()
    unexplained = [(rel, text) for rel, text in found if not any(rel == f and piece in text for f, piece in ALLOWED)]
    assert not unexplained, "name a command or a flag outside cli/ (make it a note or an action):\n" + "\n".join(
        f"  {rel}: {text!r}" for rel, text in unexplained
    )


def test_the_scan_sees_the_class() -> None:
    """The scan finds what it is for: a command in a next step, a flag in a message."""
    tree = ast.parse(
        'def f():\n    """records-req new --x"""\n    return "Run: records-req followup 3", "give --requester-org"\n'
    )
    docs = _docstrings(tree)
    hits = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
        if COMMAND.search(n.value) or FLAG.search(n.value)
    ]
    assert hits == ["Run: records-req followup 3", "give --requester-org"]


# --- the lifecycle: a kind, a date and facts; words in two languages ----------------------------

SENT = dt.date(2026, 11, 2)
HISTORIES: dict[str, list[tuple[str, int, dict[str, Any]]]] = {
    "draft": [],
    "sent": [("sent", 0, {"via": "email"})],
    "followed-up": [("sent", 0, {"via": "email"}), ("followed-up", 25, {})],
    "acknowledged": [("sent", 0, {"via": "mail"}), ("acknowledged", 4, {})],
    "clarification": [("sent", 0, {"via": "email"}), ("clarification-requested", 2, {})],
    "denied": [("sent", 0, {"via": "email"}), ("denied", 10, {})],
    "appealed": [("sent", 0, {"via": "email"}), ("denied", 10, {}), ("appealed", 12, {})],
    "released": [("sent", 0, {"via": "email"}), ("released", 10, {})],
}
DAYS = (1, 9, 20, 45, 80, 200, 800)


def every_action() -> list[tuple[str, str, int, Any]]:
    out = []
    for code, j in load_laws().items():
        for name, history in HISTORIES.items():
            events = [
                Recorded(i + 1, kind, SENT + dt.timedelta(days=d), None, data)
                for i, (kind, d, data) in enumerate(history)
            ]
            for day in DAYS:
                out.append((code, name, day, track(events, j, calendar_for(j), SENT + dt.timedelta(days=day))))
    return out


def test_every_next_action_is_a_kind_a_date_and_facts_worded_in_english_and_spanish() -> None:
    import json

    seen = set()
    for code, name, day, tracked in every_action():
        action = tracked.next_action
        where = f"{code} {name} +{day}d"
        assert action.kind in ACTIONS, where
        seen.add(action.kind)
        data = action.to_dict()
        assert json.loads(json.dumps(data)) == data, where  # JSON as it is
        assert NextAction.from_dict(data) == action, where  # and back
        english, spanish = action_words(action), action_words(action, "es")
        for words in (english, spanish):
            assert "records-req" not in words and not FLAG.search(words) and "{" not in words, (where, words)
        assert english == tracked.next_step
        assert spanish != english, (where, english)
    assert seen >= {"send", "wait", "follow-up", "appeal", "nothing", "answer-agency", "await-reconsideration"}


def test_the_kinds_by_case() -> None:
    j = load_laws()["VA"]

    def on(history: str, day: int) -> NextAction:
        events = [
            Recorded(i + 1, kind, SENT + dt.timedelta(days=d), None, data)
            for i, (kind, d, data) in enumerate(HISTORIES[history])
        ]
        return track(events, j, calendar_for(j), SENT + dt.timedelta(days=day)).next_action

    assert on("draft", 1) == NextAction("send")
    waiting = on("sent", 1)
    assert waiting.kind == "wait" and waiting.on == dt.date(2026, 11, 10) and waiting.facts["due"] == waiting.on
    late = on("sent", 20)
    assert late.kind == "follow-up" and late.facts["overdue_since"] == dt.date(2026, 11, 10)
    denied = on("denied", 20)
    # Virginia: a court action, and the law sets no deadline for it
    assert denied.kind == "appeal" and denied.case == "no-deadline" and denied.on is None
    assert denied.facts["route"] == "court" and "2.2-3713" in denied.facts["citation"]
    assert on("released", 20) == NextAction("nothing", facts={"status": "completed"})


# --- the doors ----------------------------------------------------------------------------------


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    return Tracker(db_url, tmp_path)


ANA = ("--requester-name", "Ana Núñez", "--requester-email", "ana@example.org", "--requester-state", "VA")


def test_the_command_line_words_the_action_as_the_command_to_run(rr: Tracker) -> None:
    rid = rr.new("VA", "Fairfax County Sheriff's Office", *ANA)
    shown = rr.json("show", str(rid), today="2026-11-02")
    assert shown["next_action"] == {"kind": "send", "on": None, "case": "", "facts": {}}
    assert shown["command"] == f"records-req sent {rid} --via email"
    assert shown["next_step"].endswith(f"Run: records-req sent {rid} --via email")
    rr("sent", str(rid), "--on", "2026-11-02", today="2026-11-02")
    text = rr("show", str(rid), today="2026-12-01")
    assert f"Next: Overdue since Tue 2026-11-10: send a follow-up. Run: records-req followup {rid}" in text
    late = rr.json("show", str(rid), today="2026-12-01")
    assert late["next_action"]["kind"] == "follow-up" and late["next_action"]["on"] == "2026-12-01"
    assert late["command"] == f"records-req followup {rid}"


def test_the_dashboard_words_the_action_as_a_button_in_english_and_spanish(rr: Tracker) -> None:
    from .test_web import browser

    draft = rr.new("VA", "Fairfax County Sheriff's Office", *ANA)
    late = rr.new("VA", "Arlington County Police Department", *ANA)
    rr("sent", str(late), "--on", "2026-11-02", today="2026-11-02")
    web = browser(rr)
    page = web.get(f"/requests/{late}").get_data(as_text=True)
    assert "Overdue since Tuesday, November 10, 2026: send a follow-up." in page  # a date as people write it
    button = re.search(r'<form[^>]*class="next-action".*?</form>', page, re.S)
    assert (
        button and 'name="kind" value="follow-up"' in button.group() and "Write the follow-up letter" in button.group()
    )
    assert not COMMAND.search(page)
    sent = web.get(f"/requests/{draft}").get_data(as_text=True)
    assert "Send the letter, then record that it went out." in sent and not COMMAND.search(sent)
    assert 'href="#sent-on"' in sent
    web.get("/lang/es")
    spanish = web.get(f"/requests/{late}").get_data(as_text=True)
    assert "Vencida desde el martes 10 de noviembre de 2026: envíe un seguimiento." in spanish
    assert "Escribir la carta de seguimiento" in spanish
    # The button writes the letter the form below it writes.
    written = web.post(f"/requests/{late}/letter", {"kind": "follow-up"})
    assert written.status_code == 303
    assert "followed-up" in [e["kind"] for e in rr.json("show", str(late))["events"]]


def test_the_dashboards_messages_name_no_flag(rr: Tracker) -> None:
    from .test_web import browser

    web = browser(rr)
    form = {"state": "VA", "agency": "Fairfax County Sheriff's Office", "topic": "wso", "action": "preview"}
    nameless = web.post("/new", form | {"requester_email": "ana@example.org", "requester_state": "VA"})
    text = nameless.get_data(as_text=True)
    assert nameless.status_code == 422 and "Give the requester&#39;s name" in text and "--requester-name" not in text
    outsider = web.post("/new", form | {"requester_name": "Ana", "requester_email": "a@x.org", "state": "TN"})
    text = outsider.get_data(as_text=True)
    assert outsider.status_code == 422 and "lets only residents" in text and "--" not in re.sub(r"<[^>]+>", "", text)
    web.get("/lang/es")
    spanish = web.post("/new", form | {"requester_email": "ana@example.org", "requester_state": "VA"})
    assert "Indique el nombre del solicitante" in spanish.get_data(as_text=True)
    # The command line keeps its flags.
    rr("new", "--state", "VA", "--agency", "X Sheriff", "--topic", "wso", "--requester-email", "a@x.org", code=2)
    assert "Give --requester-name" in rr.stderr


def test_a_later_letter_refused_on_the_dashboard_names_no_flag(rr: Tracker) -> None:
    from .test_web import browser

    rid = rr.new("VA", "Fairfax County Sheriff's Office", *ANA)
    rr("sent", str(rid), "--on", "2026-11-30", today="2026-11-30")
    early = browser(rr).post(f"/requests/{rid}/letter", {"kind": "follow-up"})
    text = early.get_data(as_text=True)
    assert early.status_code == 422 and "No follow-up yet" in text and "--force" not in text
    rr("followup", str(rid), today="2026-12-01", code=1)
    assert "use --force" in rr.stderr


@pytest.mark.parametrize("code", ["VA", "PA", "NJ"])
def test_list_due_and_show_give_the_same_next_action(rr: Tracker, code: str) -> None:
    """`list` and `due` read the action's kind from the cached schedule, `show` from the events:
    one answer on every day, for a draft, a request left unanswered, followed up and denied."""
    rr("profile", "set", "--name", "Ana Núñez", "--email", "ana@example.org", "--state", code)
    ids = {name: rr.new(code, f"{name.title()} County Sheriff's Office") for name in ("draft", "silent", "denied")}
    for name in ("silent", "denied"):
        rr("sent", str(ids[name]), "--via", "email", "--on", "2026-11-02", today="2026-11-02")
    rr("log", str(ids["denied"]), "denied", "--on", "2026-11-12", today="2026-11-12")
    kinds = set()
    for day in ("2026-11-03", "2026-12-01", "2027-01-20", "2027-06-01"):
        listed = {r["id"]: r for r in rr.json("list", today=day)}
        due = {r["id"]: r for r in rr.json("due", "--within", "3650", today=day) if r["what"] == "deadline"}
        for rid in ids.values():
            shown = rr.json("show", str(rid), today=day)
            kind = shown["next_action"]["kind"]
            kinds.add(kind)
            assert listed[rid]["next_action"] == kind, (day, rid)
            assert listed[rid]["command"] == shown["command"], (day, rid)
            if rid in due:
                assert due[rid]["next_action"] == kind, (day, rid)
    assert {"send", "follow-up"} <= kinds

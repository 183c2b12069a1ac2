"""The command line as its users expect (issue 19): `-` is standard output, not-found errors exit
1 without a usage banner and usage errors show the sub-command's usage, tables fit the terminal,
help lines are whole and long option lists come in sections, values complete in the shell, and
long jobs show progress on a terminal's standard error only."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from records_req.cli import cli
from records_req.cli.output import table
from tests.backend_marks import on_sqlite_only
from tests.cli_helpers import Tracker

# The tests of this file are about the command line's conventions (standard output, exit codes,
# banners, progress on a terminal), not the database: they run on SQLite only, but for completion,
# whose request numbers and tags come from the database.


@pytest.fixture
def track(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tracker:
    monkeypatch.chdir(tmp_path)
    tracker = Tracker(db_url, tmp_path)
    tracker(
        "profile", "set", "--name", "Ana Núñez", "--email", "ana@example.org", "--address", "1 Main St", "--state", "FL"
    )
    return tracker


# --- `-` means standard output ----------------------------------------------------------------


@on_sqlite_only
def test_db_export_dash_writes_the_export_to_standard_output_and_no_file(track: Tracker, tmp_path: Path) -> None:
    track.new("FL", "Lee County Sheriff's Office")
    result = CliRunner().invoke(cli, ["--db", track.url, "db", "export", "-"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["id"] for r in data["requests"]] == [1]
    assert "1 requests" in result.stderr
    assert not (tmp_path / "-").exists()


@on_sqlite_only
def test_bundle_dash_writes_the_zip_to_standard_output_and_no_file(track: Tracker, tmp_path: Path) -> None:
    number = track.new("FL", "Lee County Sheriff's Office")
    result = CliRunner().invoke(cli, ["--db", track.url, "bundle", str(number), "-o", "-"])
    assert result.exit_code == 0, result.output
    names = zipfile.ZipFile(io.BytesIO(result.stdout_bytes)).namelist()
    assert {"timeline.json", "deadline.json", "manifest.json"} <= set(names)
    assert "files and a manifest" in result.stderr
    assert not (tmp_path / "-").exists()


# --- exit codes and banners -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["show", "99"], "No request #99"),
        (["log", "99", "acknowledged"], "No request #99"),
        (["agencies", "show", "Nowhere Sheriff", "--state", "FL"], "No agency 'Nowhere Sheriff' in FL"),
        (["sent", "--tag", "no such tag", "--via", "email"], "No request has the tag 'no such tag'"),
    ],
)
@on_sqlite_only
def test_something_that_does_not_exist_exits_1_without_a_usage_banner(
    track: Tracker, args: list[str], said: str
) -> None:
    result = CliRunner().invoke(cli, ["--db", track.url, *args], prog_name="records-req")
    assert result.exit_code == 1, result.output
    assert said in result.stderr
    assert "Usage:" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["letter", "--state", "ZZ", "--agency", "X", "--topic", "wso"], "Usage: records-req letter [OPTIONS]"),
        (["deadline", "ZZ", "--received", "2026-11-25"], "Usage: records-req deadline [OPTIONS] CODE"),
        (["log", "1", "bogus"], "Usage: records-req log [OPTIONS] REQUEST_ID EVENT"),
        (["sent", "--via", "email"], "Usage: records-req sent"),
        (["db", "export"], "Usage: records-req db export [OPTIONS] FILE"),
    ],
)
@on_sqlite_only
def test_a_usage_error_shows_the_sub_commands_usage(track: Tracker, args: list[str], usage: str) -> None:
    result = CliRunner().invoke(cli, ["--db", track.url, *args], prog_name="records-req")
    assert result.exit_code == 2, result.output
    assert usage in result.stderr
    assert "Usage: records-req [OPTIONS] COMMAND" not in result.stderr


# --- tables at the terminal's width ----------------------------------------------------------


def test_a_table_wraps_at_spaces_to_fit_and_never_cuts_a_word() -> None:
    citation = "Fla. Stat. § 119.07(1)(c) requires acknowledgment promptly and in good faith"
    rows = [["FL", "Public Records Act", citation], ["VA", "Virginia FOIA", "within 5 business days"]]
    text = table(rows, ["code", "law", "response"], width=50)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 50
    assert len(lines) > 4  # something wrapped
    words = " ".join(text.split()).split()
    for word in citation.split():
        assert word in words, word  # each word whole, on one line
    assert table(rows, ["code", "law", "response"], width=500).count("\n") == 3  # room: one line a row


def test_a_word_longer_than_the_room_widens_the_table_rather_than_being_cut() -> None:
    text = table([["x", "https://example.org/a/very/long/address/that/cannot/wrap"]], ["a", "b"], width=20)
    assert "https://example.org/a/very/long/address/that/cannot/wrap" in text


@pytest.mark.parametrize("command", [["states"], ["topics"]])
def test_states_and_topics_fit_80_columns(command: list[str]) -> None:
    result = CliRunner().invoke(cli, command, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert "..." not in result.stdout.split("\n\n")[0] or command == ["states"]


def test_states_names_each_clock_without_cutting_a_word() -> None:
    """Arizona's law sets no number of days: the standard it uses is shortened at a space, and the
    287(g) column reads as words (no raw 'state_agreement')."""
    result = CliRunner().invoke(cli, ["states"], env={"COLUMNS": ""})
    flat = " ".join(result.stdout.split())
    assert "(the custodian of such records..." in flat
    assert "sha..." not in flat
    assert "state_agreement" not in result.stdout and "state agreement" in flat


def test_a_table_with_room_aligns_every_cell_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows of a table nothing narrows (a pipe, or room enough) are each one line, padded to
    their columns, braces and all; trailing spaces trimmed."""
    rows = [["1", "TX", "Adams {0} Sheriff's Office", ""], ["22", "DC", "x", "records-req followup 22"]]
    expected = [
        "id  state  agency                      next",
        "--  -----  --------------------------  -----------------------",
        "1   TX     Adams {0} Sheriff's Office",
        "22  DC     x                           records-req followup 22",
    ]
    monkeypatch.delenv("COLUMNS", raising=False)  # output to a pipe: no width
    for width in (None, 200):
        assert table(rows, ["id", "state", "agency", "next"], width=width).splitlines() == expected


def test_a_piped_table_keeps_each_row_on_one_line() -> None:
    result = CliRunner().invoke(cli, ["states"], env={"COLUMNS": ""})
    assert sum(1 for line in result.stdout.splitlines() if re.match(r"[A-Z]{2}  ", line)) == 52


# --- help -------------------------------------------------------------------------------------


def _groups(group: click.Group, path: list[str]) -> list[list[str]]:
    found = [path]
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        sub = group.get_command(ctx, name)
        if isinstance(sub, click.Group):
            found.extend(_groups(sub, [*path, name]))
    return found


def test_no_command_listing_cuts_a_help_line() -> None:
    for path in _groups(cli, []):
        result = CliRunner().invoke(cli, [*path, "--help"], env={"COLUMNS": "80"})
        assert result.exit_code == 0, (path, result.output)
        listing = result.stdout.split("\nCommands:\n", 1)[1]
        assert "..." not in listing, (path, listing)


def test_long_option_lists_come_in_sections() -> None:
    result = CliRunner().invoke(cli, ["new", "--help"])
    sections = re.findall(r"^(\S[^:\n]*):$", result.stdout, re.M)
    assert sections == ["Which agencies", "What to ask for", "The letter", "You, the requester", "Tracking", "Output"]
    requester = result.stdout.split("You, the requester:", 1)[1].split("\n\n", 1)[0]
    assert "--requester-name" in requester and "--co-requester" in requester and "--topic" not in requester
    assert "--json" in result.stdout.split("Output:", 1)[1]
    short = CliRunner().invoke(cli, ["sent", "--help"]).stdout
    assert "Options:" in short and "Output:" not in short


# --- shell completion -------------------------------------------------------------------------


def complete(url: str, words: str, env: dict[str, str] | None = None) -> list[str]:
    """What bash would offer for the last word of ``records-req WORDS`` (click's bash protocol)."""
    line = f"records-req {words}"
    cword = len(line.split()) - (0 if line.endswith(" ") else 1)
    result = CliRunner().invoke(
        cli,
        [],
        prog_name="records-req",
        env={"_RECORDS_REQ_COMPLETE": "bash_complete", "COMP_WORDS": line, "COMP_CWORD": str(cword)}
        | {"RECORDS_REQ_DB": url}
        | (env or {}),
    )
    assert result.exit_code == 0, result.output
    return [row.split(",", 1)[1] for row in result.stdout.splitlines() if "," in row]


def test_completion_offers_states_topics_event_kinds_request_numbers_and_tags(track: Tracker) -> None:
    track.new("FL", "Lee County Sheriff's Office", "--tag", "FL WSO 2026")
    track.new("VA", "Fairfax County Sheriff's Office", "--tag", "VA WSO", "--requester-state", "VA")
    assert complete(track.url, "new --state V") == ["VA", "VT"]
    assert complete(track.url, "states t") == ["TN", "TX"]
    assert "wso" in complete(track.url, "new --topic w")
    assert complete(track.url, "log 1 ack") == ["acknowledged"]
    assert complete(track.url, "list --status awaiting") == ["awaiting-ack", "awaiting-response"]
    assert complete(track.url, "list --status o") == ["open", "overdue"]
    assert complete(track.url, "show ") == ["1", "2"]
    assert complete(track.url, "sent --tag ") == ["FL WSO 2026", "VA WSO"]
    assert complete(track.url, "list --tag F") == ["FL WSO 2026"]


def test_completion_from_a_database_that_cannot_be_read_offers_nothing_and_says_nothing(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'nowhere' / 'x.db'}"
    assert complete(missing, "show ") == []
    assert complete(missing, "sent --tag ") == []
    assert not (tmp_path / "nowhere").exists()


# --- progress ---------------------------------------------------------------------------------


def _run_with_stderr(url: str, args: list[str], *, tty: bool, cwd: Path) -> tuple[int, str, str]:
    """Run the installed command line with standard error on a pseudo-terminal or a pipe."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"} | {"RECORDS_REQ_DB": url}
    command = [sys.executable, "-m", "records_req", "--as-of", "2027-02-01", *args]
    if not tty:
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, check=False)
        return done.returncode, done.stdout, done.stderr
    leader, follower = pty.openpty()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=follower, env=env, cwd=cwd, stdin=subprocess.DEVNULL
    ) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the pseudo-terminal closed: the process is done with it
                break
            if not chunk:
                break
            chunks.append(chunk)
        out = process.stdout.read().decode() if process.stdout else ""
        code = process.wait()
    os.close(leader)
    return code, out, b"".join(chunks).decode(errors="replace")


@on_sqlite_only
def test_sent_and_followup_by_tag_show_progress_on_a_terminal_only(track: Tracker, tmp_path: Path) -> None:
    for name in ("Lee County Sheriff's Office", "Collier County Sheriff's Office", "Hendry County Sheriff's Office"):
        track.new("FL", name, "--tag", "FL WSO")
    code, out, err = _run_with_stderr(
        track.url, ["sent", "--tag", "FL WSO", "--via", "email", "--on", "2026-11-27"], tty=True, cwd=tmp_path
    )
    assert code == 0, err
    assert "Recording" in err and "100%" in err
    assert "Recording" not in out and "3 of 3 requests" in out
    code, out, err = _run_with_stderr(
        track.url, ["followup", "--tag", "FL WSO", "--out", str(tmp_path / "out"), "--json"], tty=True, cwd=tmp_path
    )
    assert code == 0, err
    assert "Writing" not in err  # --json: no progress at all
    assert len(json.loads(out)) == 3
    # Standard error not a terminal (CliRunner's, as a pipe's): no bar.
    track("followup", "--tag", "FL WSO", "--out", str(tmp_path / "out"), today="2027-02-01")
    assert "Writing" not in track.stderr and "%" not in track.stderr


@on_sqlite_only
def test_db_import_shows_progress_on_a_terminal(track: Tracker, tmp_path: Path) -> None:
    track.new("FL", "Lee County Sheriff's Office")
    export = tmp_path / "dump.json"
    track("db", "export", str(export))
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    code, out, err = _run_with_stderr(copy, ["db", "import", str(export)], tty=True, cwd=tmp_path)
    assert code == 0, err
    assert "Importing" in err and "100%" in err
    assert out.startswith("Imported ") and "Importing" not in out

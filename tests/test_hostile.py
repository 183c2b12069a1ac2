"""Faults and hostile input: one clear line and exit 1 or 2, never a traceback, nothing lost,
nothing replaced that the user did not ask to replace, no hang.

Each case gives the input, the exit code and the message expected, and checks that the database
and ``out/`` are unchanged where the command failed.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from records_req.cli import cli

from .conftest import SqliteTemplate

PROFILE = ["--requester-name", "Ana Núñez", "--requester-email", "ana@example.org", "--requester-state", "FL"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output, result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: {result.exception!r}")
    return result.exit_code, result.output


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def tracked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: SqliteTemplate) -> Path:
    """A SQLite database with one request and its letter; returns the database file."""
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "records.db"
    monkeypatch.setenv("RECORDS_REQ_DB", sqlite_template.copy(db))
    code, output = run("new", "--state", "FL", "--agency", "Lee County Sheriff's Office", "--topic", "wso", *PROFILE)
    assert code == 0, output
    return db


@pytest.mark.parametrize(
    "args",
    [
        ["db", "export", "{db}", "--force"],
        ["db", "export", "{db}-wal", "--force"],
        ["report", "--format", "json", "-o", "{db}", "--force"],
        ["bundle", "1", "-o", "{db}", "--force"],
        ["report", "--format", "csv", "-o", "{home}/files/x.csv", "--force"],
    ],
)
def test_no_output_replaces_the_database_or_the_file_store(tracked: Path, args: list[str]) -> None:
    home = Path(os.environ["RECORDS_REQ_HOME"])
    before = digest(tracked)
    code, output = run(*(a.format(db=tracked, home=home) for a in args))
    assert code == 1 and "Refusing to write" in output
    assert digest(tracked) == before
    code, output = run("list", "--json")
    assert code == 0 and '"id": 1' in output, "the database still works"


def test_an_output_that_is_not_a_regular_file_is_not_replaced(tracked: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, output = run("report", "--format", "csv", "-o", str(fifo), "--force")
    assert code == 1 and "not a regular file" in output
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_attach_refuses_a_fifo_at_once(tracked: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "endless"
    os.mkfifo(fifo)
    before = digest(tracked)
    code, output = run("attach", "1", str(fifo), "--event", "released")
    assert code == 2 and "not a regular file" in output
    assert digest(tracked) == before, "no event was logged"


@pytest.mark.parametrize("filters", [[], ["--state", "TX"]])
def test_pdf_report_of_nothing_is_an_empty_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, filters: list[str]
) -> None:
    monkeypatch.setenv("RECORDS_REQ_DB", f"sqlite:///{tmp_path / 'empty.db'}")
    out = tmp_path / "empty.pdf"
    code, output = run("report", "--format", "pdf", "-o", str(out), *filters)
    assert code == 0, output
    assert out.read_bytes().startswith(b"%PDF")


def test_a_newer_database_asks_for_a_newer_records_req(tracked: Path) -> None:
    from records_req.store.db import close_all

    close_all()  # a new process would open the database afresh
    with sqlite3.connect(tracked) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    code, output = run("sent", "1", "--via", "email")
    assert code == 1 and "newer records-req" in output and "0099" in output


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "is not a database URL"),
        ("sqlite:////no/such/folder/records.db", "does not exist"),
    ],
)
def test_bad_database_urls_are_one_clear_line(tmp_path: Path, url: str, message: str) -> None:
    code, output = run("--db", url, "sent", "1", "--via", "email")
    assert code == 1 and message in output
    assert not Path("/no/such/folder").exists()


def test_a_broken_database_is_one_line_without_links(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    code, output = run("--db", f"sqlite:///{junk}", "sent", "1", "--via", "email")
    assert code == 1 and "Background on this error" not in output and len(output.strip().splitlines()) <= 2


@pytest.mark.usefixtures("own_cache")  # it looks in the cache
def test_a_law_file_with_aliases_is_refused_and_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = tmp_path / "laws.yaml"
    bomb.write_text(
        'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("RECORDS_REQ_LAWS", str(bomb))
    code, output = run("states")
    assert code == 1 and "alias" in output and str(bomb) in output
    cache = Path(os.environ["RECORDS_REQ_HOME"]) / "cache"
    assert not list(cache.glob("laws-*.json")) if cache.exists() else True


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "calls itself"),
        ("{{ 'a' * 1000000000 }}", "unsafe"),
        ("{{ 9 ** 999999 }}", "unsafe"),
    ],
)
def test_templates_that_would_hang_or_recurse_are_clear_errors(tmp_path: Path, body: str, message: str) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "initial.txt").write_text(
        f"subject: S\nsalutation: Dear X:\nclosing: Yours,\n---\n{body}\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    code, output = run(
        "letter", "--state", "FL", "--agency", "Lee", "--topic", "wso", *PROFILE, "--templates", str(folder),
        "--out", str(out),
    )  # fmt: skip
    assert code == 1 and message in output
    assert not out.exists()


def test_letters_are_written_with_the_users_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        code, output = run(
            "letter", "--state", "FL", "--agency", "Lee", "--topic", "wso", *PROFILE, "--out", str(tmp_path)
        )
    finally:
        os.umask(old)
    assert code == 0, output
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in files)


TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(agency=TEXT, name=TEXT, item=TEXT)
def test_free_text_never_gives_a_traceback_and_stays_in_out(tmp_path: Path, agency: str, name: str, item: str) -> None:
    out = tmp_path / "fuzz"
    before = snapshot(tmp_path) if tmp_path.exists() else {}
    result = CliRunner().invoke(
        cli,
        ["letter", "--state", "CA", "--agency", agency, "--requester-name", name, "--requester-email", "a@example.org",
         "--item", item, "--out", str(out), "--force", "--format", "docx"],
    )  # fmt: skip
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    written = set(snapshot(tmp_path)) - set(before)
    assert all(w.startswith("fuzz/") for w in written), written


def test_another_requests_letter_is_never_replaced(tracked: Path, tmp_path: Path) -> None:
    # "Lee County Sheriffs Office" is the agency of request #1 under the one agency key: its open
    # request is named, and nothing is written.
    letters = sorted((tmp_path / "out").rglob("*.pdf"))
    before = snapshot(tmp_path / "out")
    code, output = run(
        "new", "--state", "FL", "--agency", "Lee County Sheriffs Office", "--topic", "wso", *PROFILE, "--force"
    )
    assert code == 1 and "Request #1 to Lee County Sheriff's Office" in output and letters
    assert snapshot(tmp_path / "out") == before
    # Once #1 is closed, a new request of the same day would write #1's letter's file name: never,
    # even with --force.
    assert run("log", "1", "withdrawn", "--force")[0] == 0
    code, output = run(
        "new", "--state", "FL", "--agency", "Lee County Sheriffs Office", "--topic", "wso", *PROFILE, "--force"
    )
    assert code == 1 and "letter of request #1" in output
    assert snapshot(tmp_path / "out") == before
    code, output = run("list", "--json")
    assert output.count('"id"') == 1, "no second request was created"


def test_bytes_that_are_not_utf8_are_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = run(
        "letter", "--state", "CA", "--agency", "Bad\udcffname", "--topic", "wso", *PROFILE, "--out", str(out)
    )
    assert code == 2 and "not UTF-8" in output
    assert not out.exists()


def test_law_numbers_out_of_range_name_the_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import FIXTURES

    text = (FIXTURES / "laws_mini.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "laws.yaml"
    bad.write_text(text.replace("days: 5", "days: 500000", 1), encoding="utf-8")
    assert "days: 500000" in bad.read_text(encoding="utf-8")
    monkeypatch.setenv("RECORDS_REQ_LAWS", str(bad))
    code, output = run("states")
    assert code == 1 and "must be at most 3650" in output and str(bad) in output


@pytest.mark.usefixtures("own_cache")  # it damages the cache
def test_a_damaged_cache_is_discarded_not_blamed_on_the_law_file() -> None:
    from records_req import laws

    laws._load.cache_clear()
    path = laws.default_laws_path()
    text = path.read_text(encoding="utf-8")
    laws._write_cache(text, [{"code": "XX"}])  # what a damaged or foreign cache might hold
    try:
        loaded = laws._load(str(path.resolve()))
        assert len(loaded) == 52
    finally:
        laws._load.cache_clear()


def test_db_import_refuses_documents_outside_the_data_and_output_directories(
    tracked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    export = tmp_path / "export.json"
    code, output = run("db", "export", str(export))
    assert code == 0, output
    data = json.loads(export.read_text(encoding="utf-8"))
    data["documents"][0]["path"] = "/etc/passwd"
    export.write_text(json.dumps(data), encoding="utf-8")
    target = tmp_path / "other.db"
    monkeypatch.setenv("RECORDS_REQ_DB", f"sqlite:///{target}")
    code, output = run("db", "import", str(export))
    assert code == 1 and "outside the data and output directories" in output
    code, output = run("list", "--json")
    assert output.strip() == "[]", "nothing was imported"


def test_ctrl_c_leaves_no_partial_report_and_exits_130(
    tracked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from records_req import cli as cli_module
    from records_req.reports import json_report

    def interrupted(*_: object) -> bytes:
        raise KeyboardInterrupt

    monkeypatch.setattr(json_report, "to_json", interrupted)
    out = tmp_path / "report.json"
    monkeypatch.setattr(sys, "argv", ["records-req", "report", "--format", "json", "-o", str(out)])
    with pytest.raises(SystemExit) as stopped:
        cli_module.main()
    assert stopped.value.code == 130
    assert not out.exists() and not list(tmp_path.glob(".report.json.*"))


def test_a_name_too_long_is_one_clear_line(tmp_path: Path) -> None:
    code, output = run("report", "--format", "csv", "-o", str(tmp_path / ("x" * 300 + ".csv")))
    assert code == 1 and "too long" in output


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_full_standard_output_is_one_line_not_a_traceback() -> None:
    import subprocess
    import sys

    with Path("/dev/full").open("w") as full:
        done = subprocess.run(
            [sys.executable, "-c", "from records_req.cli import main; main()", "states"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "cannot write the output" in done.stderr


def test_a_database_folder_given_by_the_environment_must_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECORDS_REQ_DB", "sqlite:////no/such/place/records.db")
    code, output = run("list")
    assert code == 1 and "does not exist" in output
    assert not Path("/no/such/place").exists()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(note=TEXT, tag=TEXT, name=TEXT)
def test_tracker_free_text_never_gives_a_traceback(tracked: Path, note: str, tag: str, name: str) -> None:
    for args in (
        ["log", "1", "note", "--note", note],
        ["remind", "1", "--on", "2027-01-05", note or "x"],
        ["list", "--tag", tag, "--json"],
        ["list", "--agency", name, "--json"],
        ["agencies", "set", "--state", "FL", "--name", name or "x", "--email", note or "x"],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code in (0, 1, 2), (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))

"""`--help` and the pure commands must not pay for heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import subprocess_env

HEAVY = ("sqlalchemy", "docxtpl", "reportlab")

PROBE = """
import json, sys
import records_req.cli
from records_req.cli import main
def _report_instead(code):  # a command that ends the process at once (cli.exit_when_done)
    raise SystemExit(code)
records_req.cli._exit_now = _report_instead
sys.argv = ["records-req", *json.loads(sys.argv[1])]
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code or 0
sys.stdout.write("\\nMODULES=" + json.dumps([code, sorted(sys.modules)]))
"""


def modules_loaded(args: list[str]) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        check=True,
    )
    marker = result.stdout.rindex("MODULES=")
    code, modules = json.loads(result.stdout[marker + 8 :])
    assert code == 0, result.stdout + result.stderr
    return {name.split(".")[0] for name in modules}


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["deadline", "TX", "--received", "2026-11-25"],
        ["deadline", "VA", "--received", "2026-11-25", "--json", "--explain"],
        ["states"],
        ["topics"],
        ["letter", "--help"],
        ["templates", "--help"],
    ],
    ids=" ".join,
)
def test_no_heavy_imports(args: list[str]) -> None:
    loaded = modules_loaded(args)
    assert not loaded & set(HEAVY), f"{args} imported {sorted(loaded & set(HEAVY))}"


def test_deadline_uses_the_shipped_closure_table_not_the_holidays_package() -> None:
    loaded = modules_loaded(["deadline", "TX", "--received", "2026-11-25"])
    assert "holidays" not in loaded, "data/closures.json is stale: run python -m records_req.calendars"


def test_read_commands_on_a_current_database_skip_sqlalchemy(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from records_req.cli import cli
    from records_req.store.db import close_all

    url = f"sqlite:///{tmp_path / 'records.db'}"
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            url,
            "--as-of",
            "2026-11-27",
            "new",
            "--state",
            "GA",
            "--agency",
            "Cobb",
            "--topic",
            "wso",
            "--requester-name",
            "A",
            "--requester-email",
            "a@example.org",
            "--out",
            str(tmp_path / "o"),
            "--format",
            "pdf",
        ],
    )
    assert result.exit_code == 0, result.stderr
    close_all()
    for args in (["list", "--json"], ["due", "--within", "30"], ["show", "1"]):
        loaded = modules_loaded(["--db", url, *args])
        assert "sqlalchemy" not in loaded, f"{args} imported SQLAlchemy"
        assert "reportlab" not in loaded and "docxtpl" not in loaded


def test_one_clock_reads_today() -> None:
    # Every command, the library and the reports take "today" from records_req.dates.today, so
    # that --as-of moves all of them at once.
    src = Path(__file__).resolve().parent.parent / "src" / "records_req"
    readers = [
        p.relative_to(src).as_posix() for p in src.rglob("*.py") if "date.today()" in p.read_text(encoding="utf-8")
    ]
    assert readers == ["dates.py"], readers

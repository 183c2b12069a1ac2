"""Driving the CLI from tests: one place for the runner helpers every CLI test file uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from records_req.cli import cli


def run_out(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """Run a command that writes files, into ``tmp_path/out``."""
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "out")])
    return result.exit_code, result.stdout, result.stderr


class Tracker:
    """Runs records-req against one database, with a fixed 'today'."""

    def __init__(self, url: str, tmp_path: Path) -> None:
        self.url, self.tmp = url, tmp_path
        self.stderr = ""

    def __call__(self, *args: str, today: str = "2026-11-27", code: int = 0, input_text: str | None = None) -> str:
        result = CliRunner().invoke(cli, ["--db", self.url, "--as-of", today, *args], input=input_text)
        assert result.exit_code == code, f"{args}: {result.stdout}\n{result.stderr}"
        self.stderr = result.stderr
        return result.stdout

    def json(self, *args: str, today: str = "2026-11-27") -> Any:
        return json.loads(self(*args, "--json", today=today))

    def new(self, state: str, agency: str, *extra: str) -> int:
        data = self.json(
            "new",
            "--state",
            state,
            "--agency",
            agency,
            "--topic",
            "wso",
            "--out",
            str(self.tmp / "out"),
            "--date",
            "2026-10-01",  # dated before any day a test sends it (sent never precedes its letter)
            *extra,
        )
        return int(data["id"])

    def report(self, fmt: str, *extra: str, name: str | None = None) -> Path:
        out = self.tmp / (name or f"report.{fmt}")
        self("report", "--format", fmt, "-o", str(out), "--force", *extra)
        return out


# For a test's subprocess that forks records-req's campaigns from a process that has imported
# records-req's command line and what a campaign loads once (a fresh interpreter's imports are most
# of a short command's CPU): the script begins with this, and each forked child ends in run_forked.
RUN_FORKED = """
import os, sys
from records_req.cli import main
import records_req.tracker.campaign, records_req.tracker.campaign_render
import records_req.letters.render, records_req.letters.warm

def run_forked(argv, out, err):
    \"\"\"In a forked child: records-req's command line with argv, its stdout and stderr to the
    files out and err, no stdin; the child then exits with the command's code.\"\"\"
    for fd, path in ((1, out), (2, err)):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    sys.argv, code = ["records-req", *argv], 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    sys.stdout.flush(), sys.stderr.flush()
    os._exit(code)
"""

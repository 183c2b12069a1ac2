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

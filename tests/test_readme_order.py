"""The README survives being followed in order (issue 19): the quick start's command, then the
letter examples, then the tracking walkthrough, each as printed, in one fresh data directory and
working directory, on today's date; each must succeed after the ones before it."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from records_req.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def commands(text: str) -> list[str]:
    """Each ``records-req ...`` command of the section's first bash block, continuation lines
    joined and comments dropped (the quick start's is the part after ``pip install . &&``)."""
    block = re.findall(r"```bash\n(.*?)```", text, re.S)[0].replace("\\\n", " ")
    found = []
    for line in block.splitlines():
        if line.lstrip().startswith("#") or "records-req " not in line:
            continue
        found.append(shlex.join(shlex.split(line[line.index("records-req ") :], comments=True)))
    return found


def walkthrough() -> list[str]:
    return [
        *commands(section("The two commands")),
        *commands(section("Writing letters")),
        *commands(section("Tracking requests")),
    ]


def test_the_walkthrough_is_what_the_readme_prints() -> None:
    steps = walkthrough()
    assert steps[0].startswith("records-req new --state FL --agency")
    assert sum(s.startswith("records-req letter ") for s in steps) == 3
    assert "--requester-org" in next(s for s in steps if "--state US" in s)  # news-media needs the outlet
    assert steps[-1] == "records-req attach 2 response.pdf --event released"


def test_the_readme_followed_in_order_works_as_printed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "response.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    for step in walkthrough():
        result = CliRunner().invoke(cli, shlex.split(step)[1:], prog_name="records-req")
        assert result.exit_code == 0, f"{step}\n{result.output}"
    shown = json.loads(CliRunner().invoke(cli, ["show", "2", "--json"]).stdout)
    assert [e["kind"] for e in shown["events"]] == [
        "sent", "acknowledged", "extended", "followed-up", "denied", "appealed", "released"
    ]  # fmt: skip
    assert (tmp_path / "drafts" / "FL" / "lee-county-sheriffs-office").is_dir()

"""Every command has help, and the README documents every command and option."""

from __future__ import annotations

from typing import Any

import click
import pytest

from records_req.cli import cli

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def all_commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        full = f"{prefix}{name}"
        found.append((full, command))
        if isinstance(command, click.Group):
            found.extend(all_commands(command, full + " "))
    return found


COMMANDS = all_commands(cli)


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_has_help_with_an_example(name: str, command: click.Command) -> None:
    assert command.help and command.help.strip(), f"{name} has no help"
    if not isinstance(command, click.Group):
        assert f"records-req {name}" in command.help, f"{name}'s help has no example"


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_readme_documents_the_command_and_its_options(name: str, command: click.Command) -> None:
    assert f"records-req {name}" in README, f"README does not mention 'records-req {name}'"
    for param in command.params:
        if isinstance(param, click.Option) and param.name != "help":
            assert any(opt in README for opt in param.opts), f"README lacks {name} {param.opts}"


def test_readme_has_the_two_commands() -> None:
    assert 'pip install ".[test]" && python -m pytest' in README
    assert "pip install . && records-req" in README


def test_ci_installs_once_and_runs_the_readme_test_command() -> None:
    """.ci/run installs the test and dev extras once, then runs the README's test command as it is."""
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    installs = [line.strip() for line in ci.splitlines() if "pip install" in line and "--upgrade pip" not in line]
    assert installs == ['python -m pip install -q ".[test,dev]"'], installs
    assert 'pip install ".[test]" && python -m pytest' in README
    assert ci.rstrip().splitlines()[-1] == "python -m pytest"


def test_readme_lists_the_report_columns_in_order() -> None:
    from records_req.reports.tabular import COLUMNS

    names = [name for name, _, _ in COLUMNS]
    positions = [README.find(f"`{name}`") for name in names]
    assert all(p >= 0 for p in positions), [n for n, p in zip(names, positions, strict=True) if p < 0]


def test_the_readme_python_example_runs_as_printed(capsys: Any) -> None:
    section = README.split("## Python API", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    # Virginia's S.B. 783 (2026) creates records, so the state-law topic is added to the letter
    assert printed[0] == "['2026-11-02-wso+state-law.docx', '2026-11-02-wso+state-law.pdf']"
    assert printed[1] == "awaiting-ack 2026-11-10"  # Va. Code § 2.2-3704(B); Election Day skipped
    assert any("Election Day" in line for line in printed[2:])
    # list, due and deadline as data (the API does what the command line does)
    assert printed[-4:-1] == ["[1]", "[(1, 'deadline', datetime.date(2026, 11, 10))]", "2026-12-04"]

"""Loading the law file: a malformed file names the file, the jurisdiction and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from records_req.cli import cli
from records_req.errors import LawDataError, UnknownJurisdictionError
from records_req.laws import load_laws

from .conftest import FIXTURES

pytestmark = pytest.mark.usefixtures("own_cache")  # these tests read and damage the caches


def _write(tmp_path: Path, entries: object) -> Path:
    path = tmp_path / "laws.yaml"
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    return path


def _entries() -> list[dict[str, object]]:
    loaded: list[dict[str, object]] = yaml.safe_load((FIXTURES / "laws_mini.yaml").read_text())
    return loaded


def test_fixture_loads_and_lookups_are_case_insensitive() -> None:
    laws = load_laws(FIXTURES / "laws_mini.yaml")
    assert list(laws) == ["VA", "CA", "FL"]
    assert laws["va"].law.short_name == "VFOIA"
    assert laws[" Ca "].response.unit == "calendar"
    with pytest.raises(UnknownJurisdictionError, match="Valid codes: CA, FL, VA"):
        laws.get_or_raise("XX")


@pytest.mark.parametrize(
    ("mutate", "field", "problem"),
    [
        (lambda e: e["response"].update(unit="weekdays"), "response.unit", "must be one of"),
        (lambda e: e["response"].update(days="five"), "response.days", "whole number"),
        (lambda e: e["response"].pop("citation"), "response.citation", "is required"),
        (lambda e: e["response"].update(dayz=5), "response.dayz", "not a known field"),
        (lambda e: e["residency"].update(restricted="maybe"), "residency.restricted", "disputed"),
        (lambda e: e["immigration"].update(stance="prohibits"), "immigration.citation", "required"),
        (
            lambda e: e["holidays"].update(add=[{"name": "X", "rule": "13-45"}]),
            "holidays.add[0].rule",
            "month and day",
        ),
        (lambda e: e.update(verified_on="last week"), "verified_on", "must be a date"),
        (lambda e: e.update(sources=[]), "sources", "at least one"),
    ],
)
def test_malformed_entry_names_file_entry_and_field(tmp_path: Path, mutate: object, field: str, problem: str) -> None:
    entries = _entries()
    mutate(entries[0])  # type: ignore[operator]
    path = _write(tmp_path, entries)
    with pytest.raises(LawDataError) as info:
        load_laws(path)
    error = info.value
    assert error.path == str(path.resolve())
    assert error.entry == "VA"
    assert error.field == field
    assert problem in str(error)


def test_duplicate_codes_are_refused(tmp_path: Path) -> None:
    entries = _entries()
    entries.append(dict(entries[0]))
    with pytest.raises(LawDataError, match="duplicate"):
        load_laws(_write(tmp_path, entries))


def test_yaml_syntax_error_gives_line_and_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("- code: VA\n  name: [unclosed\n", encoding="utf-8")
    monkeypatch.setenv("RECORDS_REQ_LAWS", str(path))
    result = CliRunner().invoke(cli, ["states"])
    assert result.exit_code == 1
    assert "broken.yaml" in result.stderr
    assert "not valid YAML at line" in result.stderr
    assert "Traceback" not in result.output


def test_malformed_field_through_the_cli_exits_1_with_one_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = _entries()
    entries[1]["response"]["unit"] = "fortnights"  # type: ignore[index]
    monkeypatch.setenv("RECORDS_REQ_LAWS", str(_write(tmp_path, entries)))
    result = CliRunner().invoke(cli, ["deadline", "VA", "--received", "2026-11-25"])
    assert result.exit_code == 1
    assert "entry CA, field 'response.unit'" in result.stderr
    assert result.stdout == ""


def test_missing_file_is_an_error_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECORDS_REQ_LAWS", str(tmp_path / "nope.yaml"))
    result = CliRunner().invoke(cli, ["states"])
    assert result.exit_code == 1
    assert "file not found" in result.stderr


def test_parse_cache_follows_the_file_content_and_survives_corruption(tmp_path: Path) -> None:
    from records_req.laws import _cache_file, _load

    entries = _entries()
    path = _write(tmp_path, entries)
    assert load_laws(path)["VA"].response.days == 5
    cached = _cache_file(path.read_text(encoding="utf-8"))
    assert cached.is_file(), "the parsed file should be cached"

    entries[0]["response"]["days"] = 6  # type: ignore[index]
    path = _write(tmp_path, entries)
    _load.cache_clear()
    assert load_laws(path)["VA"].response.days == 6, "an edited file must be re-read"

    _cache_file(path.read_text(encoding="utf-8")).write_text("{not json", encoding="utf-8")
    _load.cache_clear()
    assert load_laws(path)["VA"].response.days == 6, "a corrupt cache must be ignored"

    entries[0]["response"]["unit"] = "weekdays"  # type: ignore[index]
    path = _write(tmp_path, entries)
    _load.cache_clear()
    with pytest.raises(LawDataError):
        load_laws(path)
    _load.cache_clear()
    with pytest.raises(LawDataError):
        load_laws(path)  # the second load comes from the cache and is validated too

"""Every jurisdiction states each letter-facing fact, or says (with its citation or reasoning) that
the law has no such rule: `records-req states --coverage`, and the checks that keep it so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from records_req.cli import cli
from records_req.errors import LawDataError
from records_req.laws import COVERAGE_FIELDS, load_laws

LAWS = load_laws()

# The facts still generic, each with the reason no rule could be stated: the primary text was not
# found or not readable with the tools at hand (see the entry's `review`). Shrink this, never grow it
# without a reason.
KNOWN_GENERIC = {
    ("AK", "limitation"): "no period for the injunction suit found in AS 40.25.125",
    ("DE", "fee_waiver"): "29 Del. C. § 10003(m) not read in full",
    ("DE", "limitation"): "29 Del. C. § 10005 not read",
    ("DE", "pre_suit_notice"): "29 Del. C. § 10005 not read",
    ("GA", "receipt"): "O.C.G.A. § 50-18-71(b)(1)(B) text not read",
    ("MA", "limitation"): "M.G.L. c. 66 § 10A(c)-(d) not read",
    ("MS", "request_to"): "the Act names no officer",
    ("MT", "limitation"): "no period found for the § 2-6-1009 action",
    ("NJ", "state_items"): "AG Directive 2018-6 text not found",
    ("NM", "closures"): "§ 12-5-2 and the state-office calendar disagree; which governs a sheriff is unsettled",
    ("NV", "limitation"): "no period found for the NRS 239.011 application",
    ("NY", "state_items"): "Exec. Law § 170-k not confirmed",
    ("OK", "request_to"): "the Act names no officer",
    ("OR", "limitation"): "no period found for the ORS 192.431 suit",
    ("RI", "limitation"): "R.I. Gen. Laws § 38-2-9 not read",
    ("RI", "pre_suit_notice"): "R.I. Gen. Laws §§ 38-2-8, 38-2-9 not read",
    ("WY", "limitation"): "no period found for the § 16-4-203 application",
}


def test_every_jurisdiction_has_at_least_ten_coverage_fields() -> None:
    assert len(COVERAGE_FIELDS) >= 10
    assert len(LAWS) == 52
    for j in LAWS.values():
        assert set(j.coverage()) == set(COVERAGE_FIELDS)


def test_no_generic_fallback_but_the_known_ones() -> None:
    generic = {(j.code, name) for j in LAWS.values() for name, status in j.coverage().items() if status == "generic"}
    assert generic <= set(KNOWN_GENERIC), sorted(generic - set(KNOWN_GENERIC))
    fixed = set(KNOWN_GENERIC) - generic
    assert not fixed, f"now specific or none: remove from KNOWN_GENERIC: {sorted(fixed)}"


@pytest.mark.parametrize("code", sorted(LAWS))
def test_each_declared_absence_gives_its_reason(code: str) -> None:
    j = LAWS[code]
    for name, status in j.coverage().items():
        if status == "none":
            reason = j.none_reason(name)
            assert reason and len(reason) > 20, (code, name)


@pytest.mark.parametrize("code", sorted(LAWS))
def test_letter_facing_text_is_a_sentence_of_the_statute_not_notes(code: str) -> None:
    j = LAWS[code]
    texts = [p.text for p in j.letter_points] + [t for t in (j.fees.rule_letter, j.fees.waiver_letter) if t]
    texts += [t for t in (j.residency.letter_text,) if t] + [law.letter_text for law in j.other_laws if law.letter_text]
    for text in texts:
        assert " I did not " not in text and "not verified" not in text.lower() and "TODO" not in text, (code, text)
    for point in j.letter_points:
        assert not point.text.endswith("."), (code, "a letter point ends without a period: the citation follows")
    if j.law.request_to:
        assert "(" not in j.law.request_to and len(j.law.request_to) <= 60, j.law.request_to


def test_states_coverage_json_has_the_documented_shape() -> None:
    result = CliRunner().invoke(cli, ["states", "--coverage", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data) == 52
    mi = next(row for row in data if row["code"] == "MI")
    assert set(mi["fields"]) == set(COVERAGE_FIELDS)
    assert set(mi["fields"].values()) <= {"specific", "none", "generic"}
    assert mi["fields"]["receipt"] == "specific"  # MCL 15.235(1): email received a business day later


def test_states_coverage_text_fits_80_columns_and_names_the_generic() -> None:
    result = CliRunner().invoke(cli, ["states", "--coverage"])
    assert result.exit_code == 0
    grid = result.stdout.split("\n\n")[0]
    assert max(len(line) for line in grid.splitlines()) <= 80
    assert "GEN" in result.stdout and "OK: request_to" in result.stdout
    one = CliRunner().invoke(cli, ["states", "--coverage", "WI"])
    assert "pre_suit_notice  none: " in one.stdout


def test_templates_check_warns_about_generic_wording(tmp_path: Path) -> None:
    from records_req.resources import templates_dir

    result = CliRunner().invoke(cli, ["templates", "check", str(templates_dir() / "letters")])
    assert result.exit_code == 0, result.output
    assert "warn   MS: generic wording for request_to" in result.stdout


def _shipped() -> list[dict[str, Any]]:
    """The shipped law file as data, read with libyaml (PyYAML's pure-Python reader takes 2 s)."""
    raw: list[dict[str, Any]] = yaml.load(Path(LAWS.path).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return raw


def _entry_with(tmp_path: Path, code: str, change: dict[str, object]) -> Path:
    raw = _shipped()
    entry = next(e for e in raw if e["code"] == code)
    entry.update(change)
    path = tmp_path / "laws.yaml"
    path.write_text(yaml.dump(raw, Dumper=yaml.CSafeDumper, allow_unicode=True), encoding="utf-8")
    return path


def test_a_fact_both_stated_and_declared_absent_is_refused(tmp_path: Path) -> None:
    entry = next(e for e in _shipped() if e["code"] == "CO")
    none = dict(entry.get("none") or {})
    none["pre_suit_notice"] = "No notice is required before suit (a wrong claim for this test)."
    path = _entry_with(tmp_path, "CO", {"none": none})
    with pytest.raises(LawDataError, match=r"none\.pre_suit_notice"):
        load_laws(path)


def test_an_unknown_coverage_name_is_refused(tmp_path: Path) -> None:
    path = _entry_with(tmp_path, "AZ", {"none": {"reciept": "typo"}})
    with pytest.raises(LawDataError, match="not a coverage field"):
        load_laws(path)


def test_a_missing_fact_shows_as_generic(tmp_path: Path) -> None:
    entry = next(e for e in _shipped() if e["code"] == "NC")
    none = {k: v for k, v in (entry.get("none") or {}).items() if k != "receipt"}
    path = _entry_with(tmp_path, "NC", {"none": none, "receipt": None})
    assert load_laws(path)["NC"].coverage()["receipt"] == "generic"

"""Topics: ours are complete and precise; a user's own topics add to or replace them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from records_req.cli import cli
from records_req.errors import TopicsError
from records_req.topics import load_topics

REQUIRED = ["wso", "jail-model", "task-force", "detainers", "ice-communications", "costs", "state-mandate"]


def test_the_topics_the_product_promises_exist() -> None:
    topics = load_topics()
    assert set(REQUIRED) <= set(topics)


def test_wso_topic_names_the_records_precisely() -> None:
    text = " ".join(item.text for item in load_topics()["wso"].items)
    for needle in [
        "executed Warrant Service Officer (WSO) Memorandum of Agreement",
        "signature page",
        "Form 70-006",
        "left the program",
        "curriculum outline",
        "completed it",
        "I-200",
        "I-205",
        "48 hours",
        "U.S. citizen",
        "De-identified counts",
        "Office of Professional Responsibility",
        "287(g) Complaint Process",
        "periodic review",
        "Basic Ordering Agreement",
        "termination",
    ]:
        assert needle.lower() in text.lower(), needle


def test_near_certain_denials_are_gone_and_person_level_data_is_separate() -> None:
    topics = load_topics()
    for key in ("wso", "jail-model", "task-force", "detainers"):
        text = " ".join(item.text for item in topics[key].items).lower()
        for denied in ("tests,", "credentials issued", "internal affairs", "access logs", 'dhs.gov"'):
            assert denied not in text, (key, denied)
        assert "each person held" not in text, key
    assert "booking number replaced" in " ".join(i.text for i in topics["holds-log"].items)
    comms = topics["ice-communications"]
    assert "dhs.gov" not in [t for t in comms.search_terms if t != "ice.dhs.gov"]
    assert "ERO" not in comms.search_terms


def test_standing_documents_are_marked() -> None:
    wso = load_topics()["wso"]
    assert wso.items[0].standing and "Memorandum of Agreement" in wso.items[0].text
    assert not next(i for i in wso.items if "communications" in i.text.lower()).standing


def test_ice_communications_has_search_terms_and_custodians() -> None:
    topic = load_topics()["ice-communications"]
    assert "ice.dhs.gov" in topic.search_terms
    assert topic.custodians
    assert load_topics()["state-mandate"].when == ("requires",)


def test_user_topics_add_and_replace(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "body-cams:\n  title: Body camera footage\n  summary: Footage of ICE handoffs.\n"
        "  items: [Body-worn camera footage of every transfer to ICE custody.]\n"
        "costs:\n  title: Our costs\n  summary: Replaced.\n  items: [Only this.]\n",
        encoding="utf-8",
    )
    topics = load_topics(path)
    assert [i.text for i in topics["body-cams"].items] == ["Body-worn camera footage of every transfer to ICE custody."]
    assert [i.text for i in topics["costs"].items] == ["Only this."]
    assert "wso" in topics


@pytest.mark.parametrize(
    ("text", "entry", "field"),
    [
        ("wso:\n  title: X\n  summary: Y\n", "wso", "items"),
        ("wso:\n  title: X\n  summary: Y\n  items: [a]\n  itemz: [b]\n", "wso", "itemz"),
        ("wso:\n  title: X\n  summary: Y\n  items: [a]\n  when: [sometimes]\n", "wso", "when"),
        ("Bad Key:\n  title: X\n  summary: Y\n  items: [a]\n", "Bad Key", None),
    ],
)
def test_malformed_user_topics_name_file_topic_and_field(
    tmp_path: Path, text: str, entry: str, field: str | None
) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TopicsError) as info:
        load_topics(path)
    assert info.value.path == str(path.resolve())
    assert info.value.entry == entry
    assert info.value.field == field


def test_topics_command_lists_and_shows(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["topics"])
    assert result.exit_code == 0
    assert "wso" in result.stdout and "Warrant Service Officer" in result.stdout
    result = CliRunner().invoke(cli, ["topics", "wso"])
    assert result.exit_code == 0 and "  1. The executed Warrant Service Officer (WSO)" in result.stdout
    data = json.loads(CliRunner().invoke(cli, ["topics", "--json"]).stdout)
    assert {t["key"] for t in data} >= set(REQUIRED)
    result = CliRunner().invoke(cli, ["topics", "nope"])
    assert result.exit_code == 2 and "Unknown topic 'nope'" in result.stderr


def test_a_user_topic_in_a_letter(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "body-cams:\n  title: Body camera footage\n  summary: Footage.\n"
        "  items: ['Body-worn camera footage of transfers from {agency} to ICE.']\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli,
        [
            "letter",
            "--state",
            "GA",
            "--agency",
            "Cobb County Sheriff's Office",
            "--topic",
            "body-cams",
            "--topics-file",
            str(path),
            "--requester-name",
            "A",
            "--requester-email",
            "a@example.org",
            "--out",
            str(tmp_path / "out"),
            "--format",
            "docx",
        ],
    )
    assert result.exit_code == 0, result.stderr
    from .letter_helpers import docx_text

    assert "1.\tBody-worn camera footage of transfers from the Cobb County Sheriff's Office to ICE." in docx_text(
        Path(result.stdout.strip())
    )

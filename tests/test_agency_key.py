"""One agency key for every match (records_req.names.agency_key): ICE's lists, the directory,
new requests, campaigns, contacts and the search all decide "same agency" the same way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from records_req.names import agency_key, agency_slug

SAME = [
    ("Fairfax County Sheriff's Office", "The Fairfax County Sheriff’s Office"),
    ("Fairfax County Sheriff's Office", "fairfax  county sheriffs office"),
    ("Fort Myers Police Department", "Ft. Myers Police Dept."),
    ("Kane County Sheriff's Office", "Kane Co. Sheriff’s Office"),
    ("St. Lucie County Sheriff's Office", "Saint Lucie County Sheriff's Office"),
    ("Mount Pleasant Police Department", "Mt. Pleasant Police Department"),
    ("Lee County Sheriff\u00a0Office", "Lee County Sheriff Office"),
    (
        "Prince William-Manassas Regional Adult Detention Center",
        "Prince William Manassas Regional Adult Detention Center",
    ),
]
DIFFERENT = [
    ("Peña County Sheriff's Office", "Pena County Sheriff's Office"),
    ("Lee County Sheriff's Office", "Lee County Jail"),
    ("The Dalles Police Department", "Dalles Police Department Two"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_names_of_one_agency_have_one_key_and_one_folder(a: str, b: str) -> None:
    assert agency_key(a) == agency_key(b)
    assert agency_slug(a) == agency_slug(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_two_agencies_never_share_a_key_or_a_folder(a: str, b: str) -> None:
    assert agency_key(a) != agency_key(b)
    assert agency_slug(a) != agency_slug(b)


def test_the_readme_folder_is_unchanged() -> None:
    assert agency_slug("Lee County Sheriff's Office") == "lee-county-sheriffs-office"


def test_every_module_uses_the_one_key() -> None:
    from records_req.ice.sheets import Agreement

    for a, b in SAME:
        assert agency_key(b) == agency_key(a)
        rows = [Agreement(1, "VA", name, None, None, "WSO", None, None, None, False) for name in (a, b)]
        assert rows[0].key == rows[1].key  # ICE's lists compare agreements by the one key
    source = Path(__file__).parent.parent / "src" / "records_req"
    copies = [
        str(p.relative_to(source))
        for p in source.rglob("*.py")
        if '.replace("’", "\'").lower()' in p.read_text(encoding="utf-8")
        or (p.name != "names.py" and re.search(r"^def (\w*_)?(name|county|agency)_key\(", p.read_text("utf-8"), re.M))
    ]
    assert copies == [], f"a key of its own (or a wrapper of the one key) in {copies}"


def test_the_x_and_x_are_one_agency_with_one_open_request(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from records_req.cli import cli

    url = f"sqlite:///{tmp_path / 'r.db'}"

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(
            cli, ["--db", url, "--as-of", "2026-11-27", *args], env={"RECORDS_REQ_OUT": str(tmp_path)}
        )
        return result.exit_code, result.output

    who = [
        "--topic",
        "wso",
        "--requester-name",
        "Ana Núñez",
        "--requester-email",
        "a@example.org",
        "--requester-state",
        "VA",
    ]
    assert run("new", "--state", "VA", "--agency", "Fairfax County Sheriff's Office", *who)[0] == 0
    code, out = run("new", "--state", "VA", "--agency", "The Fairfax County Sheriff’s Office", *who)
    assert code == 1 and "Request #1 to Fairfax County Sheriff's Office" in out and "still open" in out
    code, out = run("agencies", "list", "--state", "VA", "--json")
    assert code == 0 and out.count("Fairfax County") == 1


@pytest.mark.empty_db
def test_the_migration_rekeys_and_keeps_apart_what_it_would_merge(
    db_url: str, capfd: pytest.CaptureFixture[str]
) -> None:
    from alembic import command
    from sqlalchemy import create_engine, text

    from records_req.store.db import Store, _sqlite_setup, alembic_config, normalize_url

    engine = create_engine(normalize_url(db_url))  # a database at 0011, with the old keys
    if db_url.startswith("sqlite"):
        _sqlite_setup(engine)
    with engine.connect() as conn:
        command.upgrade(alembic_config(conn), "0011")
        conn.commit()
    with engine.begin() as conn:
        for agency_id, name, old_key in (
            (1, "Fairfax County Sheriff's Office", "fairfax county sheriff's office"),
            (2, "The Fairfax County Sheriff’s Office", "the fairfax county sheriff's office"),
            (3, "Ft. Myers Police Dept.", "ft. myers police dept."),
        ):
            conn.execute(
                text(
                    "INSERT INTO agencies (id, state, name, name_key, created_at) "
                    "VALUES (:id, 'VA', :name, :key, '2026-11-27 00:00:00')"
                ),
                {"id": agency_id, "name": name, "key": old_key},
            )
    engine.dispose()
    capfd.readouterr()
    store = Store(db_url)  # upgrades on open
    report = capfd.readouterr().err
    assert "#1 \"Fairfax County Sheriff's Office\"; #2 'The Fairfax County Sheriff’s Office'" in report
    with store.engine.connect() as conn:
        keys: dict[int, str] = {
            row[0]: row[1] for row in conn.execute(text("SELECT id, name_key FROM agencies ORDER BY id"))
        }
    assert keys == {
        1: "fairfax county sheriffs office",
        2: "fairfax county sheriffs office #2",
        3: "fort myers police department",
    }
    store.dispose()

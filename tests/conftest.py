from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No test touches the user's real data directory or a user's law file override."""
    home = tmp_path / "home"
    monkeypatch.setenv("RECORDS_REQ_HOME", str(home))
    monkeypatch.delenv("RECORDS_REQ_LAWS", raising=False)
    monkeypatch.delenv("RECORDS_REQ_DB", raising=False)
    monkeypatch.delenv("RECORDS_REQ_OUT", raising=False)
    yield home


@pytest.fixture
def mini_laws(monkeypatch: pytest.MonkeyPatch) -> Path:
    path = FIXTURES / "laws_mini.yaml"
    monkeypatch.setenv("RECORDS_REQ_LAWS", str(path))
    return path


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECORDS_REQ_")}
    env.update(extra)
    return env


PG_ENV = "RECORDS_REQ_TEST_PG"
PG_URL = os.environ.get(PG_ENV)
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not PG_URL, reason=f"PostgreSQL tests need {PG_ENV}=postgresql://... (see README)"),
    ),
]


def fresh_postgres_database() -> tuple[str, object]:
    """A new, empty PostgreSQL database; returns its URL and a function that drops it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from records_req.store.db import normalize_url

    assert PG_URL
    admin_url = make_url(normalize_url(PG_URL))
    name = f"rrtest_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        from records_req.store.db import close_all

        close_all()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database on each backend: SQLite always, PostgreSQL when RECORDS_REQ_TEST_PG is set."""
    from records_req.store.db import close_all

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'records.db'}"
        close_all()
        return
    url, drop = fresh_postgres_database()
    try:
        yield url
    finally:
        drop()  # type: ignore[operator]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say how many tests ran on PostgreSQL, so a CI log shows it at a glance."""
    counts = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        reports = terminalreporter.stats.get(outcome, [])
        counts[outcome] = sum(
            1 for r in reports if "postgresql" in getattr(r, "nodeid", "") and r.when in ("call", "setup")
        )
    terminalreporter.write_line(
        f"PostgreSQL tests: {counts['passed']} passed, {counts['failed'] + counts['error']} failed, "
        f"{counts['skipped']} skipped" + ("" if PG_URL else f" ({PG_ENV} not set)")
    )

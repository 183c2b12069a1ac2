from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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

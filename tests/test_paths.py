"""Where files go: environment variables first, then the platform's conventions."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from platformdirs import user_cache_path

from records_req.paths import cache_dir, data_home

pytestmark = pytest.mark.usefixtures("own_cache")  # these tests read and damage the caches


def test_home_and_cache_follow_records_req_home(isolated_home: Path) -> None:
    assert data_home() == isolated_home
    assert cache_dir() == isolated_home / "cache"


def test_cache_env_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RECORDS_REQ_CACHE", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fast path is Linux-only")
@pytest.mark.parametrize("xdg", [None, "/tmp/xdg-cache"])
def test_linux_fast_path_matches_platformdirs(monkeypatch: pytest.MonkeyPatch, xdg: str | None) -> None:
    monkeypatch.delenv("RECORDS_REQ_HOME", raising=False)
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert cache_dir() == user_cache_path("records-req", appauthor=False)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fast path is Linux-only")
@pytest.mark.parametrize("xdg", [None, "/tmp/xdg-data"])
def test_linux_data_fast_path_matches_platformdirs(monkeypatch: pytest.MonkeyPatch, xdg: str | None) -> None:
    from platformdirs import user_data_path

    monkeypatch.delenv("RECORDS_REQ_HOME", raising=False)
    if xdg is None:
        monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_DATA_HOME", xdg)
    assert data_home() == user_data_path("records-req", appauthor=False)

"""Seeded SQLite databases made once per worker and copied for each test that uses one (the
``seeds`` fixture, in conftest.py: one per worker, whichever module asks for it).

Seeding a dashboard through the CLI (a request in every status, events, letters, a file) costs
seconds; a copy of the seeded file costs milliseconds. Each copy is a database of its own (its own
``database_id``, as conftest's template copies), so a test may write to its copy. The letters and
files the seed wrote stay in the seed's folder (the database names them by their full path), which
lives as long as the test session.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .cli_helpers import Tracker
from .conftest import SqliteTemplate, isolated_home_for, new_database_id

T = TypeVar("T")


class Seeds:
    """Each seed function run once, on a copy of the migrated template; then copied per test."""

    def __init__(self, template: SqliteTemplate, folder: Path) -> None:
        self.template = template
        self.folder = folder
        self.made: dict[str, tuple[Path, Any]] = {}

    def _seeded(self, seed: Callable[[Tracker], T]) -> tuple[Path, T]:
        key = f"{seed.__module__}.{seed.__qualname__}"
        if key not in self.made:
            folder = self.folder / key.replace(".", "-")
            folder.mkdir()
            path = folder / "records.db"
            with isolated_home_for(folder / "home"):
                rr = Tracker(self.template.copy(path), folder)
                self.made[key] = (path, seed(rr))
        path, result = self.made[key]
        return path, result

    def copy(self, seed: Callable[[Tracker], T], tmp_path: Path) -> tuple[Tracker, T]:
        """A new database holding what ``seed`` wrote, and what ``seed`` returned."""
        source, result = self._seeded(seed)
        target = tmp_path / "records.db"
        # The backup API reads the seed's committed state, its write-ahead log included.
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
            new_database_id(lambda sql, params: dst.execute(sql, params))
        src.close()
        dst.close()
        return Tracker(f"sqlite:///{target}", tmp_path), result

    def on(self, url: str, folder: Path, seed: Callable[[Tracker], T]) -> tuple[Tracker, T]:
        """``seed`` on ``url``'s backend: for SQLite a copy of the worker's seeded file (in
        folder/seeded; ``url``'s own database is left unused), for PostgreSQL ``seed`` run on ``url``."""
        if url.startswith("sqlite"):
            (folder / "seeded").mkdir(exist_ok=True)
            return self.copy(seed, folder / "seeded")
        rr = Tracker(url, folder)
        return rr, seed(rr)

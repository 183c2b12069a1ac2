"""Seeded SQLite databases made once per run and copied for each test that uses one.

Seeding a dashboard through the CLI (a request in every status, events, letters, a file) costs
seconds; a copy of the seeded file costs milliseconds. Each copy is a database of its own (its own
``database_id``, as conftest's template copies), so a test may write to its copy. The letters and
files the seed wrote stay in the seed's folder (the database names them by their full path), which
lives as long as the test run. The workers of a run share the seeds: the first to need one makes
it, holding a lock on it, while the others wait for it rather than make it again.
"""

from __future__ import annotations

import os
import pickle
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest

from .cli_helpers import Tracker
from .conftest import SqliteTemplate, isolated_home_for, new_database_id

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: each worker seeds its own
    fcntl = None  # type: ignore[assignment]

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
            path, done = folder / "records.db", folder / "returned.pickle"
            with self._held(folder):
                if not done.exists():  # not made yet, or left half made by a worker that failed
                    shutil.rmtree(folder, ignore_errors=True)
                    folder.mkdir()
                    with isolated_home_for(folder / "home"):
                        returned = seed(Tracker(self.template.copy(path), folder))
                    staged = folder / ".returned.pickle"
                    staged.write_bytes(pickle.dumps(returned))
                    staged.replace(done)
                self.made[key] = (path, pickle.loads(done.read_bytes()))
        path, result = self.made[key]
        return path, result

    @contextmanager
    def _held(self, folder: Path) -> Iterator[None]:
        """The seed in ``folder`` to this worker alone while it is made or looked at."""
        if fcntl is None:  # pragma: no cover - Windows: each worker has its own seeds folder
            yield
            return
        with (folder.parent / f"{folder.name}.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

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


@pytest.fixture(scope="session")
def seeds(sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory) -> Seeds:
    """The run's seeds: in the folder of the run that its workers share (pytest-N, above each
    worker's popen-gwN), or in this process's own when there are no workers."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") and fcntl is not None else base
    folder = shared / "seeds"
    folder.mkdir(exist_ok=True)
    return Seeds(sqlite_template, folder)

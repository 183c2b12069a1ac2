"""The Workspace: what every door (the command line, the dashboard, the Python API, the tests)
builds once and hands to the use cases below it: the database, the fast reader, the output
folder, today's date, the user's templates and the paths no output may replace.

The doors do not open the database themselves; they ask the Workspace for a transaction
(:meth:`Workspace.write`), the ORM's read-only session (:meth:`Workspace.session`) or the fast
reader of the views (:meth:`Workspace.read`).

Light to import: SQLAlchemy is loaded only when a transaction or a read starts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from records_req.output import Protected

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from records_req.store.db import Store as Store
    from records_req.store.reader import Reader

__all__ = ["LetterOutput", "Workspace"]


@dataclass(frozen=True)
class LetterOutput:
    """Where and how letters are written: the five values that travel together from a door to
    :func:`records_req.letters.render.write_letter`.

    ``formats``: docx, pdf or both; ``out_dir``: the folder (None: ``./out``); ``force``: replace a
    file that exists; ``templates``: the user's template folder (None: the shipped ones);
    ``date``: the letter's date (None: today); ``eml``: an unsent email draft beside a first
    letter where the agency's email is known."""

    formats: str = "both"
    out_dir: Path | None = None
    force: bool = False
    templates: Path | None = None
    date: dt.date | None = None
    eml: bool = False

    def dated(self, day: dt.date | None) -> LetterOutput:
        """The same output with the letter's date ``day`` (kept when ``day`` is None)."""
        return self if day is None else replace(self, date=day)


@dataclass(frozen=True)
class Workspace:
    """One database, one output folder and one day, for every use case a door calls.

    ``db_url``: None for the default database (``RECORDS_REQ_DB`` or the data directory);
    ``out_dir``: where letters go (None: ``./out``); ``as_of``: the day taken as today (None: the
    real date); ``templates``: the user's letter templates (None: the shipped ones)."""

    db_url: str | None = None
    out_dir: Path | None = None
    as_of: dt.date | None = None
    templates: Path | None = None

    @property
    def url(self) -> str:
        """The database URL, normalized (the default one when none was given)."""
        from records_req.store.urls import default_url, normalize_url

        return normalize_url(self.db_url or default_url())

    @property
    def shown_url(self) -> str:
        """The database URL as it may be shown (its password masked)."""
        from records_req.store.db import masked

        return masked(self.url)

    @property
    def store(self) -> Store:
        """The database (created or migrated on first use)."""
        from records_req.store.db import open_store

        return open_store(self.db_url)

    @property
    def today(self) -> dt.date:
        """The day taken as today: ``as_of``, else the real date."""
        from records_req.dates import today as clock

        return clock(self.as_of)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: everything in the block happens, or nothing does."""
        with self.store.write() as session:
            yield session

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read-only ORM session (nothing is committed)."""
        with self.store.read() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Reader]:
        """The fast read-only view of the database (store/reader.py) that list, due, show, the
        dashboard and the reports read; migrates the database first if needed, and stores again
        what the read computed afresh because the law data or the engine changed."""
        from records_req.store.reader import reader

        url = self.url
        with reader(url) as fast:
            if fast is not None:
                yield fast
                self._keep_fresh(fast)
                return
        self.store  # noqa: B018 - creates or migrates the database
        with reader(url) as fast:
            if fast is None:
                from records_req.store.db import StoreError

                raise StoreError("The database cannot be read (only SQLite and PostgreSQL are supported).")
            yield fast
            self._keep_fresh(fast)

    def _keep_fresh(self, fast: Reader) -> None:
        if fast.fresh:
            from records_req.tracker.service import keep_fresh

            fast.close()
            keep_fresh(self.store, fast.fresh)

    def protected(self) -> Protected:
        """Paths no output may replace (``output.write_all``'s keyword arguments): the live
        database with its journal files, and the store of received files in the data directory."""
        from records_req.paths import data_home
        from records_req.store.urls import sqlite_file

        database = sqlite_file(self.url)
        files = [Path(database + suffix) for suffix in ("", "-wal", "-shm", "-journal")] if database else []
        return Protected(protected=files, protected_dirs=[data_home() / "files"])

    def output(
        self,
        *,
        formats: str = "both",
        out_dir: Path | None = None,
        force: bool = False,
        templates: Path | None = None,
        date: dt.date | None = None,
        eml: bool = False,
    ) -> LetterOutput:
        """How a letter is written here: the workspace's folder and templates unless given."""
        return LetterOutput(
            formats=formats,
            out_dir=out_dir if out_dir is not None else self.out_dir,
            force=force,
            templates=templates if templates is not None else self.templates,
            date=date,
            eml=eml,
        )

    def close(self) -> None:
        """Close every database connection this process opened."""
        from records_req.store.db import close_all

        close_all()


def schema_changed() -> type[Exception]:
    """The error a write raises when a newer program version migrated the database meanwhile
    (for a door's error handler)."""
    from records_req.store.db import SchemaChanged

    return SchemaChanged

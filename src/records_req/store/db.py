"""The engine, transactions and migrations.

- SQLite (default, a file in the data directory): WAL, foreign keys on, a 30 s busy timeout, and
  ``BEGIN IMMEDIATE`` for writing transactions, so that two processes writing at once queue
  instead of failing with "database is locked".
- PostgreSQL for a team: any SQLAlchemy URL (``postgresql://`` is read as psycopg 3).
- The schema is migrated with Alembic on first use; each command checks one row to know it is
  current, and only imports Alembic when it is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from records_req.errors import SchemaChanged, StoreError
from records_req.store.urls import DB_ENV, HEAD, default_url, masked, normalize_url

__all__ = [
    "DB_ENV",
    "HEAD",
    "SchemaChanged",
    "Store",
    "StoreError",
    "default_url",
    "masked",
    "normalize_url",
    "open_store",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below, explicitly
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


class Store:
    """One database. ``write()`` and ``read()`` each give one transaction."""

    def __init__(self, url: str | None = None) -> None:
        self.url = normalize_url(url or default_url())
        from records_req.store import kept  # noqa: F401 - its session hooks keep the counts with every write

        try:
            parsed = make_url(self.url)
        except (ArgumentError, ValueError):
            raise StoreError(
                f"{masked(self.url)!r} is not a database URL; use sqlite:///path/records.db or "
                "postgresql://user@host/dbname."
            ) from None
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).expanduser().parent
            from records_req.paths import data_home

            if folder.resolve() == data_home().expanduser().resolve():
                folder.mkdir(parents=True, exist_ok=True)  # the data directory is ours to create
            elif not folder.is_dir():
                raise StoreError(f"The folder {folder} for the database {masked(self.url)} does not exist.")
        try:
            self.engine = create_engine(self.url, future=True)
        except (ImportError, SQLAlchemyError) as exc:
            raise StoreError(f"Cannot open the database {masked(self.url)}: {_first_line(exc)}") from None
        if self.is_sqlite:
            _sqlite_setup(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(self.engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False)
        try:
            self.ensure_schema()
        except BaseException:
            self.engine.dispose()  # a refused database leaves no connection open behind it
            raise

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One writing transaction: all of it is committed, or none of it. It begins by reading the
        schema's revision (one row, in the same transaction) and writes nothing into a database
        that another records-req has migrated since this one opened it."""
        with self._errors(), self._sessions() as session, session.begin():
            self._check_revision(session)
            yield session

    def _check_revision(self, session: Session) -> None:
        lock = "" if self.is_sqlite else " FOR SHARE"  # a migration's update of the row waits for us
        self.refuse_other_schema(session.execute(text(f"SELECT version_num FROM alembic_version{lock}")).scalar())

    def refuse_other_schema(self, revision: str | None) -> None:
        """Raise :class:`SchemaChanged` unless ``revision`` is the one this code writes."""
        if revision != HEAD:
            raise SchemaChanged(
                f"Nothing was written: the database {masked(self.url)} is now at schema {revision or 'none'}, "
                f"and this records-req knows schema {HEAD} (a newer records-req has migrated it since this "
                "one started). Stop this records-req and use the newer one."
            )

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._errors(), self._reader() as session, session.begin():
            yield session

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """A database that cannot be reached or written is a clear error, not a traceback."""
        try:
            yield
        except DBAPIError as exc:  # operational, integrity, data errors from the driver
            raise StoreError(f"Database error on {masked(self.url)}: {_first_line(exc)}") from None

    def current_revision(self) -> str | None:
        try:
            with self.engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (OperationalError, ProgrammingError):
            return None
        except SQLAlchemyError as exc:
            raise StoreError(f"Cannot read the database {masked(self.url)}: {_first_line(exc)}") from None

    def ensure_schema(self) -> None:
        revision = self.current_revision()
        if revision is not None and revision.isdigit() and HEAD.isdigit() and int(revision) > int(HEAD):
            raise StoreError(
                f"The database {masked(self.url)} was made by a newer records-req (schema {revision}; this "
                f"version knows {HEAD}). Upgrade records-req to use it."
            )
        if revision is not None and revision != HEAD and revision not in known_revisions():
            raise StoreError(
                f"The database {masked(self.url)} is marked with schema {revision[:40]!r}, which this "
                f"records-req does not know (it knows 0001 to {HEAD}): it was made by another version or "
                "changed by hand. Use the records-req that made it, or restore a backup."
            )
        if revision != HEAD:
            try:
                self.upgrade()
            except SQLAlchemyError as exc:
                raise StoreError(f"Cannot open the database {masked(self.url)}: {_first_line(exc)}") from None

    def upgrade(self, revision: str = "head") -> None:
        """Apply the migrations (SQLite with foreign keys off, so table rebuilds cascade nothing)."""
        from alembic import command

        with self.engine.connect() as connection:
            if self.is_sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
            config = alembic_config(connection)
            try:
                command.upgrade(config, revision)
                connection.commit()
            finally:
                if self.is_sqlite:
                    connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]

    def dispose(self) -> None:
        self.engine.dispose()


def _first_line(exc: BaseException) -> str:
    """The driver's own message, without SQLAlchemy's background links."""
    inner = getattr(exc, "orig", None) or exc
    return str(inner).strip().splitlines()[0] if str(inner).strip() else type(inner).__name__


@cache
def known_revisions() -> frozenset[str]:
    """The revisions of this version's migration scripts (read only when a database is not at HEAD)."""
    from alembic.script import ScriptDirectory

    config = alembic_config(None)
    return frozenset(script.revision for script in ScriptDirectory.from_config(config).walk_revisions())


def alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@cache
def _stores() -> dict[str, Store]:
    return {}


def open_store(url: str | None = None) -> Store:
    """The store for ``url`` (or the default), opened once per process."""
    key = normalize_url(url or default_url())
    stores = _stores()
    if key not in stores:
        stores[key] = Store(key)
    return stores[key]


def close_all() -> None:
    """Dispose of every open engine and close the readers' kept connections (tests; long-running
    processes switching databases)."""
    from records_req.store.reader import close_idle

    stores = _stores()
    for st in stores.values():
        st.dispose()
    stores.clear()
    close_idle()

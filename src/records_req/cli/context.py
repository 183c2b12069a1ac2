"""The command line's shared plumbing: the database, the fast reader, today's date and the paths
no output may replace, all taken from the click context."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from records_req.store.db import Store
    from records_req.store.reader import Reader


def store(ctx: click.Context) -> Store:
    from records_req.store.db import open_store

    url = (ctx.find_root().obj or {}).get("db")
    return open_store(url)


REQUEST_ID = click.IntRange(1, 2**62)


def db_url(ctx: click.Context) -> str:
    from records_req.store.urls import default_url, normalize_url

    return normalize_url((ctx.find_root().obj or {}).get("db") or default_url())


@contextmanager
def read_view(ctx: click.Context) -> Iterator[Reader]:
    """A fast read-only view of the database (see store/reader.py); migrates it first if needed."""
    from records_req.store.reader import reader

    url = db_url(ctx)
    with reader(url) as fast:
        if fast is not None:
            yield fast
            _keep_fresh(ctx, fast)
            return
    store(ctx)  # creates or migrates the database
    with reader(url) as fast:
        if fast is None:
            from records_req.store.db import StoreError

            raise StoreError("The database cannot be read (only SQLite and PostgreSQL are supported).")
        yield fast
        _keep_fresh(ctx, fast)


def _keep_fresh(ctx: click.Context, fast: Reader) -> None:
    """Store what the read computed again because the law data or the engine changed."""
    if fast.fresh:
        from records_req.tracker.service import keep_fresh

        fast.close()
        keep_fresh(store(ctx), fast.fresh)


def protected_outputs(ctx: click.Context) -> dict[str, list[Path]]:
    """Paths no output may replace (``write_all``'s keyword arguments): the live database with its
    journal files, and the store of received files in the data directory."""
    from records_req.paths import data_home
    from records_req.store.urls import sqlite_file

    database = sqlite_file(db_url(ctx))
    files = [Path(database + suffix) for suffix in ("", "-wal", "-shm", "-journal")] if database else []
    return {"protected": files, "protected_dirs": [data_home() / "files"]}


def today(ctx: click.Context) -> dt.date:
    from records_req.dates import today as clock

    return clock((ctx.find_root().obj or {}).get("today"))

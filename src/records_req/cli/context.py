"""The command line's Workspace, taken from the click context: the database (``--db``), the day
taken as today (``--as-of``), and the paths no output may replace. Every command asks for it here;
the helpers below are its short names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from records_req.output import Protected
    from records_req.store.reader import Reader
    from records_req.workspace import Store, Workspace


REQUEST_ID = click.IntRange(1, 2**62)


def workspace(ctx: click.Context) -> Workspace:
    """The Workspace of this command line: built once from the global options."""
    from records_req.workspace import Workspace

    root = ctx.find_root()
    obj = root.obj if isinstance(root.obj, dict) else {}
    found = obj.get("workspace")
    if not isinstance(found, Workspace):
        found = Workspace(db_url=obj.get("db"), as_of=obj.get("today"))
        if isinstance(root.obj, dict):
            root.obj["workspace"] = found
    return found


def store(ctx: click.Context) -> Store:
    return workspace(ctx).store


def db_url(ctx: click.Context) -> str:
    return workspace(ctx).url


@contextmanager
def read_view(ctx: click.Context) -> Iterator[Reader]:
    """A fast read-only view of the database (see store/reader.py); migrates it first if needed."""
    with workspace(ctx).read() as fast:
        yield fast


def protected_outputs(ctx: click.Context) -> Protected:
    """Paths no output may replace (``write_all``'s keyword arguments)."""
    return workspace(ctx).protected()


def today(ctx: click.Context) -> dt.date:
    return workspace(ctx).today

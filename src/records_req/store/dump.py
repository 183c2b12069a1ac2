"""A complete, versioned JSON dump of the database, and loading it into an empty one.

Export, import into another database (e.g. from SQLite to a group's PostgreSQL), export again:
the two files are identical. Identifiers are kept, so references between rows hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from records_req.errors import RecordsReqError
from records_req.store.db import HEAD
from records_req.store.kept import rebuild
from records_req.store.models import (
    Agency,
    Base,
    Document,
    Event,
    IceAgreement,
    IceImport,
    Profile,
    Request,
    Tag,
    TrackingNumber,
)

FORMAT = "records-req-export"
VERSION = 1
# Parents before children, so that foreign keys hold while importing.
TABLES: list[tuple[str, type[Base]]] = [
    ("profiles", Profile),
    ("agencies", Agency),
    ("requests", Request),
    ("request_tags", Tag),
    ("tracking_numbers", TrackingNumber),
    ("events", Event),
    ("documents", Document),
    ("ice_imports", IceImport),
    ("ice_agreements", IceAgreement),
]


MAX_DEPTH = 32  # an export nests five levels deep; anything far deeper is not one of ours


class DumpError(RecordsReqError):
    pass


def read_export(path: Path) -> Any:
    """The JSON of an export file, or one clear :class:`DumpError` (not JSON, not UTF-8, or
    nested deeper than :data:`MAX_DEPTH`, which would otherwise exhaust Python's recursion)."""
    import json

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DumpError(f"{path} is not a records-req export: it is not UTF-8 text.") from None
    except OSError as exc:
        raise DumpError(f"Cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except RecursionError:
        raise DumpError(f"{path} nests deeper than {MAX_DEPTH} levels: it is not a records-req export.") from None
    except ValueError as exc:
        raise DumpError(f"{path} is not valid JSON: {exc}") from None
    if _depth_exceeds(data, MAX_DEPTH):
        raise DumpError(f"{path} nests deeper than {MAX_DEPTH} levels: it is not a records-req export.")
    return data


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether lists and objects nest more than ``limit`` deep (iterative: no recursion to exhaust)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def _row(table: Table, row: Any) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise TypeError("expected an object")
    item: dict[str, Any] = {}
    for column in table.columns:
        if column.key not in row and not column.nullable:
            raise KeyError(f"missing '{column.key}'")
        value: Any = row.get(column.key)
        python_type = getattr(column.type, "python_type", None) if value is not None else None
        if python_type is dt.datetime:
            value = dt.datetime.fromisoformat(str(value))
        elif python_type is dt.date:
            value = dt.date.fromisoformat(str(value))
        elif python_type in (int, bool) and not isinstance(value, python_type):
            raise TypeError(f"'{column.key}' must be {python_type.__name__}, got {value!r}")
        item[column.key] = value
    return item


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def export_data(session: Session) -> dict[str, Any]:
    data: dict[str, Any] = {"format": FORMAT, "version": VERSION, "schema": HEAD}
    for name, model in TABLES:
        table = _table(model)
        columns = [c.key for c in table.columns]
        keys = [getattr(model, c.key) for c in table.primary_key.columns]
        rows = session.scalars(select(model).order_by(*keys))
        data[name] = [{c: _plain(getattr(row, c)) for c in columns} for row in rows]
    return data


def _check_document_path(text: str, number: int, roots: Sequence[Path]) -> None:
    path = Path(text)
    inside = any(path.resolve().is_relative_to(root.resolve()) for root in roots)
    if ".." in path.parts or (path.is_absolute() and not inside):
        raise DumpError(
            f"documents row {number} points outside the data and output directories ({text}); not imported."
        )


def import_data(
    session: Session,
    data: Any,
    allowed_roots: Sequence[Path] = (),
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Load an export into an empty database. Document paths must stay inside ``allowed_roots``
    (the data and output directories): an export must not point the tool at other files.
    ``progress(done, total)`` is told the rows loaded so far, table by table."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DumpError("Not a records-req export (no 'format': 'records-req-export').")
    if data.get("version") != VERSION:
        raise DumpError(f"Export version {data.get('version')} is not supported (this is {VERSION}).")
    if session.scalar(select(func.count()).select_from(Request)) or session.scalar(
        select(func.count()).select_from(Agency)
    ):
        raise DumpError("The target database is not empty; import only into an empty database.")
    counts: dict[str, int] = {}
    total = sum(len(rows) for name, _model in TABLES if isinstance(rows := data.get(name, []), list))
    for name, model in TABLES:
        if progress is not None:
            progress(sum(counts.values()), total)
        rows = data.get(name, [])
        table = _table(model)
        converted = []
        if not isinstance(rows, list):
            raise DumpError(f"'{name}' must be a list of rows.")
        for number, row in enumerate(rows, 1):
            try:
                converted.append(_row(table, row))
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                raise DumpError(f"{name} row {number} is malformed: {exc}") from None
            if name == "documents" and allowed_roots:
                _check_document_path(str(converted[-1].get("path") or ""), number, allowed_roots)
        if converted:
            session.execute(table.insert(), converted)
        counts[name] = len(converted)
    if progress is not None:
        progress(sum(counts.values()), total)
    session.flush()
    rebuild(session.connection())  # the kept counts: the rows went in without the ORM's hooks
    if session.get_bind().dialect.name == "postgresql":
        for name, model in TABLES:
            if "id" in _table(model).columns:
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
                    )
                )
    return counts

"""A small read-only PostgreSQL client: libpq through ctypes, for the read commands.

``list``, ``due`` and ``show`` are whole processes of a few hundred milliseconds, and importing
psycopg costs 100-200 ms of them (it imports asyncio, ssl, logging, typing_extensions,
``importlib.metadata`` and ``ctypes.util``), while loading libpq itself takes a few. So the fast
reader (store/reader.py) talks to libpq directly: it connects, sends each query with its
parameters apart from its text (``PQexecParams``: nothing is ever quoted into the SQL), and turns
the text of each value into the Python value psycopg gives for its type. Everything else
(SQLAlchemy, writes, migrations, COPY) stays on psycopg.

The libpq is the one psycopg uses: the copy bundled with psycopg[binary] if it is installed, or
the system's. Without either, :func:`load` answers None and the reader uses psycopg.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import cache, lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

CONNECTION_OK = 0
PGRES_COMMAND_OK = 1
PGRES_TUPLES_OK = 2
PG_DIAG_SQLSTATE = ord("C")
PG_DIAG_MESSAGE_PRIMARY = ord("M")

# Parameter types, as psycopg sends them (a str goes untyped, "unknown", for the server to infer).
BOOL, INT2, INT4, INT8, NUMERIC, FLOAT8, DATE, TIMESTAMP = 16, 21, 23, 20, 1700, 701, 1082, 1114


class PQError(Exception):
    """An error libpq or the server reported; ``sqlstate`` is the server's code, if any."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


SUFFIXES = (".dylib", ".dll")


def _candidates() -> list[str]:
    """Where libpq may be: beside psycopg[binary]'s module (its wheel bundles one), then the
    system's by its usual names (the dynamic loader searches its own paths)."""
    found: list[str] = []
    try:
        spec = find_spec("psycopg_binary")  # the spec only: nothing of psycopg is run
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        package = Path(next(iter(spec.submodule_search_locations)))
        for folder in (package.parent / "psycopg_binary.libs", package / ".dylibs", package.parent / "psycopg_binary"):
            if folder.is_dir():
                found += sorted(str(p) for p in folder.glob("libpq*") if ".so" in p.name or p.suffix in SUFFIXES)
    if sys.platform == "darwin":
        found += ["libpq.5.dylib", "libpq.dylib"]
    elif sys.platform == "win32":
        found += ["libpq.dll"]
    else:
        found += ["libpq.so.5", "libpq.so"]
    return found


@cache
def load() -> Any:
    """libpq with the signatures used here, or None where none can be loaded."""
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
            lib.PQlibVersion.restype = ctypes.c_int
            if lib.PQlibVersion() < 100000:  # PostgreSQL 10's libpq, as psycopg 3 requires
                continue
        except (OSError, AttributeError):
            continue
        _declare(lib)
        return lib
    return None


def _declare(lib: Any) -> None:
    p, i, s = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
    signatures: dict[str, tuple[Any, list[Any]]] = {
        "PQconnectdbParams": (p, [ctypes.POINTER(s), ctypes.POINTER(s), i]),
        "PQstatus": (i, [p]),
        "PQtransactionStatus": (i, [p]),
        "PQerrorMessage": (s, [p]),
        "PQparameterStatus": (s, [p, s]),
        "PQfinish": (None, [p]),
        "PQexecParams": (p, [p, s, i, ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(s), p, p, i]),
        "PQresultStatus": (i, [p]),
        "PQresultErrorMessage": (s, [p]),
        "PQresultErrorField": (s, [p, i]),
        "PQntuples": (i, [p]),
        "PQnfields": (i, [p]),
        "PQfname": (s, [p, i]),
        "PQftype": (ctypes.c_uint, [p, i]),
        "PQgetvalue": (s, [p, i, i]),
        "PQgetisnull": (i, [p, i, i]),
        "PQclear": (None, [p]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes


_bool: Callable[[bytes], bool] = b"t".__eq__


@lru_cache(maxsize=4096)  # a list's dates repeat (the days letters were sent, the due dates)
def _date(value: bytes) -> dt.date:
    return dt.date.fromisoformat(value.decode())


def _timestamp(value: bytes) -> dt.datetime:
    return dt.datetime.fromisoformat(value.decode())


def _decimal(value: bytes) -> Decimal:
    return Decimal(value.decode())


def _json(value: bytes) -> Any:
    return json.loads(value)


def _bytea(value: bytes) -> bytes:
    if not value.startswith(b"\\x"):  # bytea_output = escape, which psycopg reads too
        raise PQError("bytea in the escape format; set bytea_output = hex")
    return bytes.fromhex(value[2:].decode())


# The Python value of each type's text (DateStyle ISO), as psycopg gives it; str for any other.
LOADERS: dict[int, Callable[[bytes], Any]] = {
    16: _bool,
    17: _bytea,
    20: int,
    21: int,
    23: int,
    26: int,
    700: float,
    701: float,
    1700: _decimal,
    1082: _date,
    1114: _timestamp,
    114: _json,
    3802: _json,
}


def _param(value: Any) -> tuple[int, bytes | None]:
    """A parameter as (type, text), as psycopg would send it."""
    if value is None:
        return 0, None
    if isinstance(value, bool):
        return BOOL, b"t" if value else b"f"
    if isinstance(value, int):
        kind = INT2 if -(2**15) <= value < 2**15 else INT4 if -(2**31) <= value < 2**31 else INT8
        return (kind if -(2**63) <= value < 2**63 else NUMERIC), str(value).encode()
    if isinstance(value, str):
        return 0, value.encode()
    if isinstance(value, float):
        return FLOAT8, repr(value).encode()
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise TypeError("a timezone-aware datetime as a parameter")
        return TIMESTAMP, value.isoformat().encode()
    if isinstance(value, dt.date):
        return DATE, value.isoformat().encode()
    raise TypeError(f"cannot send {type(value).__name__} to PostgreSQL")


class Connection:
    """One connection, in autocommit: each query is its own statement."""

    def __init__(self, conninfo: str) -> None:
        lib = load()
        if lib is None:
            raise PQError("libpq cannot be loaded")
        self._lib = lib
        self._pid = os.getpid()
        keywords = (ctypes.c_char_p * 3)(b"dbname", b"client_encoding", None)
        values = (ctypes.c_char_p * 3)(conninfo.encode(), b"UTF8", None)
        self._conn: int | None = lib.PQconnectdbParams(keywords, values, 1)
        if not self._conn:
            raise PQError("out of memory")
        if lib.PQstatus(self._conn) != CONNECTION_OK:
            message = self._message()
            self.close()
            raise PQError(message)
        style = lib.PQparameterStatus(self._conn, b"DateStyle") or b""
        if not style.startswith(b"ISO"):
            self.execute("SET DateStyle TO ISO")

    def _message(self) -> str:
        text: bytes = self._lib.PQerrorMessage(self._conn) or b""
        return text.decode(errors="replace").strip()

    def close(self) -> None:
        if self._conn:
            self._lib.PQfinish(self._conn)
        self._conn = None

    def __del__(self) -> None:
        # Not in a child forked with this connection: finishing it there would end the parent's
        # session (psycopg checks the same).
        if getattr(self, "_conn", None) and self._pid == os.getpid():
            self.close()

    @property
    def idle(self) -> bool:
        """Connected, and in no transaction (PQTRANS_IDLE): fit for another reader."""
        if not self._conn:
            return False
        status: int = self._lib.PQstatus(self._conn)
        return status == CONNECTION_OK and self._lib.PQtransactionStatus(self._conn) == 0

    def execute(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The column names and rows of one statement (``%s`` marks its parameters, as psycopg's)."""
        if not self._conn:
            raise PQError("the connection is closed")
        lib = self._lib
        count = len(params)
        text = _numbered(sql, count).encode()
        sent = [_param(p) for p in params]
        types = (ctypes.c_uint * count)(*(t for t, _ in sent))
        values = (ctypes.c_char_p * count)(*(v for _, v in sent))
        result = lib.PQexecParams(self._conn, text, count, types, values, None, None, 0)
        if not result:
            raise PQError(self._message())
        try:
            status = lib.PQresultStatus(result)
            if status not in (PGRES_TUPLES_OK, PGRES_COMMAND_OK):
                text = lib.PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) or lib.PQresultErrorMessage(result)
                message = (text or b"").decode(errors="replace").strip()
                state = lib.PQresultErrorField(result, PG_DIAG_SQLSTATE)
                raise PQError(message or self._message(), state.decode() if state else None)
            return self._rows(result)
        finally:
            lib.PQclear(result)

    def _rows(self, result: int) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The result's rows, read a column at a time: one libpq call per value, each column's
        values turned into Python's by one map (a call per value costs more than the value)."""
        lib = self._lib
        fields = lib.PQnfields(result)
        names = [lib.PQfname(result, c).decode() for c in range(fields)]
        value, isnull = _fast(lib)
        handle = ctypes.c_void_p(result)
        rows = range(lib.PQntuples(result))
        columns = []
        for c in range(fields):
            texts = [value(handle, r, c) for r in rows]
            load = LOADERS.get(lib.PQftype(result, c), bytes.decode)
            if b"" in texts:  # an empty text, or NULL (libpq gives "" for both)
                columns.append([load(t) if t or not isnull(handle, r, c) else None for r, t in enumerate(texts)])
            else:
                columns.append(list(map(load, texts)))
        return names, list(zip(*columns, strict=True)) if fields else [() for _ in rows]


@cache
def _fast(lib: Any) -> tuple[Any, Any]:
    """PQgetvalue and PQgetisnull without ctypes' conversion of each argument (a third of their
    cost): called with the result as a c_void_p and the row and column as ints."""
    value = ctypes.CFUNCTYPE(ctypes.c_char_p)(("PQgetvalue", lib))
    isnull = ctypes.CFUNCTYPE(ctypes.c_int)(("PQgetisnull", lib))
    return value, isnull


def _numbered(sql: str, count: int) -> str:
    """psycopg's ``%s`` placeholders as libpq's ``$1``, ``$2``... (``%%`` is a literal ``%``)."""
    if "%" not in sql:
        if count:
            raise PQError(f"the query has no placeholders for {count} parameters")
        return sql
    parts = sql.split("%%")
    out, n = [], 0
    for part in parts:
        pieces = part.split("%s")
        numbered = [pieces[0]]
        for piece in pieces[1:]:
            n += 1
            numbered.append(f"${n}{piece}")
        out.append("".join(numbered))
    if n != count:
        raise PQError(f"the query has {n} placeholders for {count} parameters")
    return "%".join(out)

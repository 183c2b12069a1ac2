"""Database URLs, without importing SQLAlchemy (the read commands must start fast)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

DB_ENV = "RECORDS_REQ_DB"
HEAD = "0020"  # the newest migration; a test checks it against the migration scripts


def default_url() -> str:
    override = os.environ.get(DB_ENV)
    if override:
        return override
    from records_req.paths import data_home

    return f"sqlite:///{data_home() / 'records.db'}"


def normalize_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and run them on psycopg 3."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def sqlite_file(url: str) -> str | None:
    """The file of a SQLite URL (None for other databases and in-memory ones)."""
    if not url.startswith("sqlite"):
        return None
    rest = url.split("://", 1)[1] if "://" in url else ""
    path = rest[1:] if rest.startswith("/") else rest
    return path or None if path != ":memory:" else None


def masked(url: str) -> str:
    """The URL with any password replaced by ***, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}{port}", parts.path, parts.query, parts.fragment))

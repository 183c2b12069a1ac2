"""Where records-req keeps its files. Every location can be set by an environment variable."""

from __future__ import annotations

import os
import sys
from pathlib import Path

HOME_ENV = "RECORDS_REQ_HOME"
CACHE_ENV = "RECORDS_REQ_CACHE"
APP = "records-req"


def data_home() -> Path:
    """The data directory: ``RECORDS_REQ_HOME``, else the platform's user data directory."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    if sys.platform.startswith("linux"):
        # What platformdirs answers on Linux, without its import on every command.
        xdg = os.environ.get("XDG_DATA_HOME", "").strip()
        return (Path(xdg) if xdg else Path.home() / ".local" / "share") / APP
    from platformdirs import user_data_path  # lazy

    return user_data_path(APP, appauthor=False)


def cache_dir() -> Path:
    """Disposable caches: ``RECORDS_REQ_CACHE``, else ``cache/`` in ``RECORDS_REQ_HOME`` if set,
    else the platform's user cache directory."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser() / "cache"
    if sys.platform.startswith("linux"):
        # What platformdirs answers on Linux, without its 15 ms import on every command.
        xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
        return (Path(xdg) if xdg else Path.home() / ".cache") / APP
    from platformdirs import user_cache_path  # lazy

    return user_cache_path(APP, appauthor=False)

"""ICE's real sheets read once per test run, for the tests whose subject is what an import does
with a sheet (its bookkeeping, its dates, what changed), not how the sheet is read.

Reading ICE's May 2026 list takes openpyxl 0.7 s of CPU; the directory's tests imported it about
fourteen times. The reader's own tests (tests/test_ice_sheets.py, tests/test_sheet_limits.py) read
every sheet themselves. Here the real reader reads each content once, and an import of the same
bytes again (under any name or path) gets that reading, with its own path."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from records_req.ice import sheets

_READ: dict[tuple[str, str], sheets.Sheet] = {}


def read_once(path: Path) -> sheets.Sheet:
    """What :func:`records_req.ice.sheets.read_sheet` returns for ``path``, read once per content
    and suffix. A refusal is not kept: it is raised again by the real reader each time."""
    key = (path.suffix.lower(), hashlib.sha256(path.read_bytes()).hexdigest())
    if key not in _READ:
        _READ[key] = _real_read_sheet(path)
    return _READ[key]._replace(path=str(path))


_real_read_sheet = sheets.read_sheet


def read_each_sheet_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Imports in this test read a sheet's content once per run (see the module's docstring)."""
    monkeypatch.setattr(sheets, "read_sheet", read_once)

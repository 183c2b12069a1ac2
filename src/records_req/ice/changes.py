"""What changed between two imports of ICE's participating list: pure, on plain rows, so the
library (through SQLAlchemy) and the fast ``agencies changes`` command (through the database
driver, store/reader.py) give the same answer.

The key is normalized (state code, name key, model), so a respelled state or name is a rename,
not a removal and an addition; MOA links are compared after normalization only.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from records_req.ice.sheets import MODEL_NAMES

FIELDS = ("signed", "moa_url", "addendum_url")  # what a surviving agreement may change


class ImportInfo(NamedTuple):
    """One imported list: which, from when (``listed_on``: ICE's date, and how it is known) and,
    if you said so, when you downloaded it."""

    import_id: int
    file: str
    downloaded_on: dt.date | None
    listed_on: dt.date
    dated_by: str  # file name | downloaded | file date | upload date

    def to_dict(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id,
            "file": self.file,
            "listed_on": self.listed_on.isoformat(),
            "dated_by": self.dated_by,
            "downloaded_on": self.downloaded_on.isoformat() if self.downloaded_on else None,
        }


def list_order(info: ImportInfo) -> tuple[dt.date, int, int]:
    """How lists of one kind follow each other: by the list's own date (ICE's, from its file name),
    a morning list before an afternoon one of the same day, then by import number. Never by the
    day a file was downloaded or imported: an old list imported today is still old."""
    from records_req.ice.sheets import date_in_list_name

    named = date_in_list_name(info.file) if info.dated_by == "file name" else None
    half = 1 if named is not None and named[1] == "pm" else 0
    return (info.listed_on, half, info.import_id)


def newest(imports: Iterable[ImportInfo]) -> ImportInfo | None:
    """ICE's newest list among these (of one kind): what ``agencies list``, ``agencies show``,
    ``agencies changes``, campaigns, letters and the dashboard all mean by "the newest list"."""
    return max(imports, key=list_order, default=None)


class AgreementRow(NamedTuple):
    """One stored agreement (a row of ``ice_agreements``)."""

    row: int
    state: str
    agency: str
    agency_key: str
    agency_type: str | None
    county: str | None
    model: str
    signed: dt.date | None
    moa_url: str | None
    addendum_url: str | None
    pending: bool
    notes: list[str]

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.state, self.agency_key, self.model)

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "agency": self.agency,
            "model": self.model,
            "model_name": MODEL_NAMES.get(self.model, self.model),  # type: ignore[call-overload]
            "type": self.agency_type,
            "county": self.county,
            "signed": self.signed.isoformat() if self.signed else None,
            "moa_url": self.moa_url,
            "addendum_url": self.addendum_url,
            "pending": self.pending,
            "notes": list(self.notes or []),
        }


COLUMNS = AgreementRow._fields


def diff(
    older: ImportInfo, newest: ImportInfo, before_rows: Iterable[AgreementRow], after_rows: Iterable[AgreementRow]
) -> dict[str, Any]:
    """``{"from", "to", "added", "removed", "renamed", "changed"}``, each a list of agreements."""
    before = {a.key: a for a in before_rows}
    after = {a.key: a for a in after_rows}
    added = sorted((after[k] for k in after.keys() - before.keys()), key=lambda a: a.row)
    removed = sorted((before[k] for k in before.keys() - after.keys()), key=lambda a: a.key)
    gone: dict[tuple[str, str], list[AgreementRow]] = {}
    for old in removed:
        gone.setdefault((old.state, old.model), []).append(old)
    renamed: list[dict[str, Any]] = []
    kept: list[AgreementRow] = []
    for new in added:
        candidates = gone.get((new.state, new.model), [])
        match = renamed_from(new, candidates)
        if match is None:
            kept.append(new)
        else:
            candidates.remove(match)
            renamed.append({"from": match.to_dict(), "to": new.to_dict()})
    left = [old for group in gone.values() for old in group]
    changed = []
    for key in sorted(before.keys() & after.keys()):
        old, new = before[key], after[key]
        fields = [f for f in FIELDS if getattr(old, f) != getattr(new, f)]
        if fields:
            changed.append(
                {
                    "agreement": new.to_dict(),
                    "fields": {f: [_plain(getattr(old, f)), _plain(getattr(new, f))] for f in fields},
                }
            )
    return {
        "from": older.to_dict(),
        "to": newest.to_dict(),
        "added": [a.to_dict() for a in sorted(kept, key=lambda a: a.key)],
        "removed": [a.to_dict() for a in sorted(left, key=lambda a: a.key)],
        "renamed": renamed,
        "changed": changed,
    }


def renamed_from(new: AgreementRow, removed: Sequence[AgreementRow]) -> AgreementRow | None:
    """The removed agreement (same state and model) this added one renames: the same MOA link,
    or a name spelled almost alike ('Ft.'/'Fort') in the same county."""
    for old in removed:
        if old.moa_url and old.moa_url == new.moa_url:
            return old
    for old in removed:
        matcher = difflib.SequenceMatcher(None, old.agency_key, new.agency_key)
        # the cheap upper bounds first, as difflib.get_close_matches does
        close = matcher.real_quick_ratio() > 0.93 and matcher.quick_ratio() > 0.93 and matcher.ratio() > 0.93
        counties_differ = bool(old.county and new.county and old.county.lower() != new.county.lower())
        if close and not counties_differ:
            return old
    return None


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def pick(imports: Sequence[ImportInfo], since_import: int | None) -> tuple[ImportInfo, ImportInfo]:
    """The two participating imports to compare: the newest list (:func:`newest`), and
    ``since_import`` or the list before it, in the lists' own order (:func:`list_order`)."""
    from records_req.errors import NotFoundError, UsageError

    if len(imports) < 2 and since_import is None:
        raise UsageError("There is nothing to compare yet: import at least two participating sheets.")
    ordered = sorted(imports, key=list_order)
    latest = newest(ordered)
    older = next((i for i in ordered if i.import_id == since_import), None) if since_import else ordered[-2]
    if latest is None or older is None or older.import_id == latest.import_id:
        raise NotFoundError(
            f"No earlier participating import #{since_import}; 'records-req agencies imports' lists them."
        )
    return older, latest

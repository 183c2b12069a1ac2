"""Agencies' contact details from a CSV (``state``, ``agency`` and any of ``email``, ``portal``,
``address``, ``officer``, ``phone``), into the directory. A name that is a near miss of an agency
the directory has is reported as a probable duplicate, not added, unless the caller says to create.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from records_req.errors import UsageError
from records_req.ice.sheets import STATES

CONTACT_COLUMNS: dict[str, str] = {  # CSV column -> Agency field
    "email": "records_email",
    "portal": "portal_url",
    "address": "mailing_address",
    "officer": "records_officer",
    "phone": "phone",
}


class Duplicate(NamedTuple):
    """A row whose agency is not in the directory, though one of the state's agencies has a name a
    near miss of it (agencies.directory.probable_duplicate): left out unless ``create``."""

    line: int  # the CSV line
    state: str
    name: str  # as the CSV writes it
    known: str  # the directory's agency it looks like


class ContactsResult(NamedTuple):
    rows: int
    created: int
    updated: int
    unchanged: int
    skipped: list[tuple[int, str]]  # (CSV line, reason)
    duplicates: list[Duplicate]  # probable duplicates, left out

    def to_dict(self, path: Path) -> dict[str, Any]:
        return {
            "file": str(path),
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": [{"row": row, "reason": reason} for row, reason in self.skipped],
            "probable_duplicates": [d._asdict() for d in self.duplicates],
        }


def import_contacts(session: Session, path: Path, known_states: set[str], *, create: bool = False) -> ContactsResult:
    """Load agencies' contact details from a CSV with the columns ``state`` and ``agency`` (or
    ``name``) and any of ``email``, ``portal``, ``address``, ``officer``, ``phone``. An empty cell
    leaves what the directory knows; a row that cannot be read is skipped with its line and reason,
    and the rest is loaded. A new name that is a near miss of a known agency of its state is a
    probable duplicate: left out and reported, unless ``create``. Loading the same file again
    changes nothing."""
    import csv

    from records_req.agencies.directory import AgencyFields, find_agency, probable_duplicate, set_agency
    from records_req.hygiene import clean, email_problem

    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as CSV UTF-8.") from exc
    reader = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(reader, [])]
    name_column = "agency" if "agency" in header else "name"
    missing = [c for c in ("state", name_column) if c not in header]
    if missing:
        raise UsageError(
            f"{path}: no column {', '.join(repr(c) for c in missing)} in the header; the columns are "
            f"state, agency, {', '.join(CONTACT_COLUMNS)}."
        )
    unknown = [h for h in header if h and h not in {"state", name_column, *CONTACT_COLUMNS}]
    if unknown:
        raise UsageError(
            f"{path}: unknown column {', '.join(repr(c) for c in unknown)}; the columns are "
            f"state, agency, {', '.join(CONTACT_COLUMNS)}."
        )
    rows = created = updated = unchanged = 0
    skipped: list[tuple[int, str]] = []
    duplicates: list[Duplicate] = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        rows += 1
        record = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header) if h}
        state_text, name = record["state"], " ".join(record[name_column].split())
        code = state_text.upper() if state_text.upper() in known_states else STATES.get(state_text.upper())
        if code is None or code not in known_states:
            skipped.append((line, f"unknown state {state_text!r}"))
            continue
        if not name:
            skipped.append((line, "no agency name"))
            continue
        try:
            fields = {
                CONTACT_COLUMNS[c]: clean(c, record[c].replace("\\n", "\n")) for c in CONTACT_COLUMNS if record.get(c)
            }
        except UsageError as exc:
            skipped.append((line, str(exc)))
            continue
        email = fields.get("records_email")
        problem = email_problem(email) if email is not None else None
        if problem:
            skipped.append((line, f"email {email!r} is not one address: {problem}"))
            continue
        portal = fields.get("portal_url")
        if portal is not None and not portal.lower().startswith(("https://", "http://")):
            skipped.append((line, f"portal {portal!r} is not a web address (http:// or https://)"))
            continue
        before = find_agency(session, code, name)
        if before is None and not create and (near := probable_duplicate(session, code, name)) is not None:
            duplicates.append(Duplicate(line, code, name, near.name))
            continue
        old = {f: getattr(before, f) for f in fields} if before is not None else None
        set_agency(session, code, name, AgencyFields(**fields))
        if old is None:
            created += 1
        elif old != fields:
            updated += 1
        else:
            unchanged += 1
    return ContactsResult(rows, created, updated, unchanged, skipped, duplicates)

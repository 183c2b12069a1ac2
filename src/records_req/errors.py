"""Domain errors. The CLI turns them into exit codes once, at its edge.

- :class:`UsageError` and its subclasses: the user gave a value that cannot be read (exit code 2,
  with the sub-command's usage), except :class:`NotFoundError`: what the user named does not
  exist (exit code 1, no usage banner).
- Every other :class:`RecordsReqError`: the request was understood but cannot be done (exit 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, TypeVar

E = TypeVar("E", bound="RecordsReqError")


class Note(NamedTuple):
    """A message as data: a code and its facts. The core says what is true; each door words it
    (the command line names its flags, the dashboard its fields, in English or Spanish).
    ``records_req.wording`` has the codes and their plain English."""

    code: str
    facts: Mapping[str, Any] = {}


class RecordsReqError(Exception):
    """Base class for errors a user can act on. ``str(error)`` is the whole message, in plain
    English that names no command and no flag; ``note``, where set, is the same as data."""

    note: Note | None = None

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        message = next((a for a in args if isinstance(a, Noted)), None)  # a message that keeps its note
        if message is not None:
            self.note = message.note

    @classmethod
    def of(cls: type[E], code: str, /, **facts: Any) -> E:
        """The error for the note ``code`` with its ``facts``, its message in plain English."""
        return cls(Noted(code, **facts))


class Noted(str):
    """A note's plain English words that keep the note as data (``.note``): a door that words it
    its own way (the command line, naming flags) reads the note; the others print the words."""

    note: Note

    def __new__(cls, code: str, /, **facts: Any) -> Noted:
        from records_req.wording import plain

        note = Note(code, facts)
        self = super().__new__(cls, plain(note))
        self.note = note
        return self


class StoreError(RecordsReqError):
    """The database cannot be opened, read or written (records_req.store)."""


class SchemaChanged(StoreError):
    """The database's schema is no longer the one this records-req was started with: a newer
    records-req migrated it while this one (a dashboard, a long campaign) kept running."""


class UsageError(RecordsReqError):
    """Bad input on the command line (exit code 2)."""


class NotFoundError(UsageError):
    """Something named does not exist: no request #99, no such agency, tag, watch or profile.
    The command was used rightly, so the command line exits 1 without a usage banner (a
    :class:`UsageError` still, for the doors that treat both as the user's to fix)."""


class UnknownJurisdictionError(UsageError):
    def __init__(self, code: str, known: list[str]) -> None:
        self.code = code
        super().__init__(
            f"Unknown state {code!r}. Valid codes: {', '.join(known)}. "
            "Run 'records-req states' to list them with their laws."
        )


class DateInputError(UsageError):
    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        super().__init__(
            f"Invalid date {text!r}: {reason}. "
            "Use YYYY-MM-DD (2026-11-25), MM/DD/YYYY (11/25/2026), 'Nov 25 2026' or 'today'."
        )


class DataFileError(RecordsReqError):
    """A data file (law data, topics) is malformed. Names the file, the entry and the field."""

    kind = "Data"

    def __init__(self, path: str, entry: str | None, field: str | None, problem: str) -> None:
        self.path = path
        self.entry = entry
        self.field = field
        self.problem = problem
        where = path
        if entry:
            where += f", entry {entry}"
        if field:
            where += f", field '{field}'"
        super().__init__(f"{self.kind} error in {where}: {problem}")


class LawDataError(DataFileError):
    kind = "Law data"


class TopicsError(DataFileError):
    kind = "Topics"

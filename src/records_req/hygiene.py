"""Input hygiene: every free-text value a user gives passes through :func:`clean`."""

from __future__ import annotations

import re
import unicodedata

from records_req.errors import UsageError

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean(field: str, value: str | None) -> str | None:
    """Normalize one user-given value; refuse control characters (they would break the files)."""
    if value is None:
        return None
    if any("\udc80" <= ch <= "\udcff" for ch in value):  # bytes the terminal could not decode
        raise UsageError(f"{field} contains bytes that are not UTF-8 text; retype it in a UTF-8 terminal.")
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\t", " "))
    bad = _CONTROL.search(value)
    if bad:
        raise UsageError(f"{field} contains a control character (U+{ord(bad.group()):04X}); remove it and retry.")
    value = value.strip()
    return value or None


# What people type when they mean "fill this in later": never a name or address a letter may print.
_PLACEHOLDERS = frozenset(
    {
        "tbd",
        "todo",
        "n/a",
        "na",
        "none",
        "null",
        "xxx",
        "xx",
        "x",
        "placeholder",
        "name",
        "agency",
        "address",
        "agency name",
        "your name",
        "your address",
        "lorem ipsum",
        "test",
        "unknown",
    }
)


def letter_text(field: str, value: str | None) -> str | None:
    """:func:`clean`, then refuse a placeholder ("...", "TBD", punctuation only, an empty line of
    dots in an address): text that would be printed in a letter as if it were a name or an address."""
    value = clean(field, value)
    if value is None:
        return None
    for line in value.split("\n"):
        bare = line.strip()
        if not bare:
            continue
        if not any(ch.isalnum() for ch in bare):
            raise UsageError(f"{field} {bare!r} is a placeholder, not text a letter can print; give the real value.")
        words = re.sub(r"[^\w/ ]+", " ", bare.casefold()).split()
        if " ".join(words) in _PLACEHOLDERS or re.fullmatch(r"<[^>]*>|\[[^\]]*\]|\{[^}]*\}", bare):
            raise UsageError(f"{field} {bare!r} is a placeholder, not text a letter can print; give the real value.")
    return value

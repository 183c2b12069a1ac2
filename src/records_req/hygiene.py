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


_NOT_IN_ADDRESS = set(',;<>()[]"\\:')


def email_problem(value: str) -> str | None:
    """Why ``value`` is not one plain email address (None if it is): what ``agencies set --email``,
    ``agencies import-contacts``, ``new --agency-email`` and the dashboard all refuse. A line
    break, a list or a display name would become extra headers or recipients in an .eml draft."""
    if any(ch.isspace() for ch in value) or _CONTROL.search(value):
        return "it contains a space or a line break"
    if any(ch in _NOT_IN_ADDRESS for ch in value):
        return "give one address alone (no list, name or brackets)"
    local, _, domain = value.rpartition("@")
    if value.count("@") != 1 or not local or not domain:
        return "it needs exactly one @ between a name and a domain"
    if not local.isascii():
        return "the part before the @ must be plain ASCII letters"
    if "." not in domain.strip("."):
        return f"{domain!r} is not a full domain name"
    try:
        ascii_domain(domain)
    except ValueError:
        return f"{domain!r} is not a valid domain name"
    return None


def email_address(field: str, value: str | None) -> str | None:
    """:func:`clean`, then refuse anything but one plain email address."""
    value = clean(field, value)
    if value is None:
        return None
    problem = email_problem(value)
    if problem:
        raise UsageError(f"{field} {value!r} is not one email address: {problem}. Example: records@example.gov.")
    return value


def ascii_domain(domain: str) -> str:
    """The domain as it may appear in an email header: IDNA (``bücher.de`` -> ``xn--bcher-kva.de``)."""
    import idna

    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise ValueError(f"{domain!r} is not a valid domain name: {exc}") from None

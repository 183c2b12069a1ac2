"""Reading dates the way people write them."""

from __future__ import annotations

import datetime as dt
import re

from records_req.errors import DateInputError

_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_US_NUMERIC = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def today(as_of: dt.date | None = None) -> dt.date:
    """Today, or the day the user asked to treat as today (``--as-of``): the one clock every
    command, the library and the dashboard read."""
    return as_of or dt.date.today()  # the one place that reads the clock


EARLIEST, LATEST = 1900, 2200  # outside these years a date is a typo, and date arithmetic overflows


def parse_date(text: str, as_of: dt.date | None = None) -> dt.date:
    """Parse ISO (2026-11-25), US (11/25/2026, Nov 25 2026) or 'today'.

    A four-digit year is required so that a date is never silently placed in the current year.
    """
    parsed = _parse(text, as_of)
    if not EARLIEST <= parsed.year <= LATEST:
        raise DateInputError(text, f"the year must be between {EARLIEST} and {LATEST}")
    return parsed


def _parse(text: str, as_of: dt.date | None) -> dt.date:
    cleaned = text.strip()
    if cleaned.lower() == "today":
        return today(as_of)
    if not cleaned:
        raise DateInputError(text, "it is empty")
    try:
        return dt.date.fromisoformat(cleaned)
    except ValueError:
        pass
    if m := _US_NUMERIC.match(cleaned):  # MM/DD/YYYY without importing dateutil
        try:
            return dt.date(int(m[3]), int(m[1]), int(m[2]))
        except ValueError as exc:
            raise DateInputError(text, str(exc)) from None
    if not _YEAR.search(cleaned):
        raise DateInputError(text, "it has no four-digit year")
    from dateutil import parser  # lazy: only for non-ISO dates

    try:
        parsed = parser.parse(cleaned, dayfirst=False, yearfirst=False)
    except (ValueError, OverflowError) as exc:
        raise DateInputError(text, _reason(exc)) from None
    if parsed.time() != dt.time(0):
        raise DateInputError(text, "it has a time of day; give the date only")
    return parsed.date()


def _reason(exc: Exception) -> str:
    message = str(exc).split(":")[0].strip()
    return message[0].lower() + message[1:] if message else "it is not a date"

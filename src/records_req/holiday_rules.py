"""The rule grammar of ``holidays.add`` entries in the law data: a leaf module (it imports no
other part of records-req), so that the law loader can check rules without the calendar.

Rule grammar for ``holidays.add`` entries:

- ``MM-DD``: a fixed date, e.g. ``12-24``.
- ``MM-DD observed``: a fixed date moved to Friday when it falls on a Saturday and to Monday
  when it falls on a Sunday.
- ``thanksgiving+N``: N days after the fourth Thursday of November (``thanksgiving+1``).
- ``easter+N`` / ``easter-N``: relative to Western Easter Sunday (``easter-2`` is Good Friday).
- ``MM-DD observed-sunday``: a fixed date moved to Monday when it falls on a Sunday only (for
  states that do not move a Saturday holiday to the Friday before).
- ``MM-DD observed-monday``: a fixed date moved to the following Monday when it falls on a
  Saturday or a Sunday.
- ``nth:N:WEEKDAY:MONTH``: the Nth weekday of the month; N = -1 is the last
  (``nth:-1:mon:5`` is the last Monday of May). An offset may follow: ``nth:1:mon:11+1`` is
  the Tuesday after the first Monday of November (general election day).

Any rule may end with `` even-years`` or `` odd-years`` to apply only in those years.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_FIXED = re.compile(r"^(\d{2})-(\d{2})( observed| observed-sunday| observed-monday)?$")
_RELATIVE = re.compile(r"^(thanksgiving|easter)([+-]\d{1,3})$")
_NTH = re.compile(r"^nth:(-1|[1-5]):(mon|tue|wed|thu|fri|sat|sun):(\d{1,2})([+-]\d{1,2})?$")
_PARITY = re.compile(r"^(.*?)\s+(even|odd)-years$")

RuleFn = Callable[[int], "dt.date | None"]


# --- the rule grammar -------------------------------------------------------------------------


def parse_rule(rule: str) -> RuleFn:
    """Turn a rule into a function from year to date (None: not that year), or raise ValueError."""
    text = rule.strip().lower()
    if m := _PARITY.match(text):
        inner, parity = _parse_plain(m[1], rule), 0 if m[2] == "even" else 1
        return lambda year: inner(year) if year % 2 == parity else None
    return _parse_plain(text, rule)


def _parse_plain(text: str, rule: str) -> Callable[[int], dt.date]:
    if m := _FIXED.match(text):
        month, day, shift = int(m[1]), int(m[2]), (m[3] or "").strip()
        try:
            dt.date(2024, month, day)  # a leap year accepts every real MM-DD
        except ValueError:
            raise ValueError(f"{rule!r} is not a real month and day") from None
        if shift == "observed":
            return lambda year: _observed(dt.date(year, month, day))
        if shift == "observed-sunday":
            return lambda year: _observed_sunday(dt.date(year, month, day))
        if shift == "observed-monday":
            return lambda year: _observed_monday(dt.date(year, month, day))
        return lambda year: dt.date(year, month, day)
    if m := _RELATIVE.match(text):
        anchor, offset = m[1], int(m[2])
        base = _thanksgiving if anchor == "thanksgiving" else _easter
        return lambda year: base(year) + dt.timedelta(days=offset)
    if m := _NTH.match(text):
        n, weekday, month = int(m[1]), WEEKDAYS.index(m[2]), int(m[3])
        shift = dt.timedelta(days=int(m[4] or 0))
        if not 1 <= month <= 12:
            raise ValueError(f"{rule!r} names month {month}; months are 1 to 12")
        return lambda year: _nth_weekday(year, month, weekday, n) + shift
    raise ValueError(
        f"{rule!r} is not a holiday rule; use 'MM-DD', 'MM-DD observed', 'thanksgiving+1', "
        "'easter-2', 'nth:4:thu:11' or 'nth:1:mon:11+1', optionally ending 'even-years'"
    )


def _observed(day: dt.date) -> dt.date:
    if day.weekday() == 5:
        return day - dt.timedelta(days=1)
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return day


def _observed_sunday(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=1) if day.weekday() == 6 else day


def _observed_monday(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    if n > 0:
        first = dt.date(year, month, 1)
        day = first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
        if day.month != month:
            raise ValueError(f"there is no weekday number {n} in {year}-{month:02d}")
        return day
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    last = nxt - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _thanksgiving(year: int) -> dt.date:
    return _nth_weekday(year, 11, 3, 4)


def _easter(year: int) -> dt.date:
    """Western Easter Sunday."""
    from dateutil.easter import EASTER_WESTERN, easter

    return easter(year, EASTER_WESTERN)

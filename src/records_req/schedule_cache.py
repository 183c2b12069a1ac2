"""A request's cached schedule, stamped with what it was computed from.

``list``, ``due`` and the dashboard read each request's cached schedule (lifecycle.schedule, in
``requests.schedule``) instead of replaying its events. The schedule depends on the events and
on the law the engine applied, so each one is stored with a *stamp*: a hash of

- :data:`ENGINE_VERSION` (bump it when the engine's rules change an answer for the same events and
  law: lifecycle.py, deadlines.py, a closure rule in calendars.py);
- the jurisdiction's entry as loaded and validated, after ``Jurisdiction.for_agency`` (so the
  route the law gives an elected official's records is part of it);
- the jurisdiction's closure calendar (calendars.calendar_fingerprint).

Stamps are per jurisdiction, so editing one state's entry makes only that state's requests
stale. A read that meets a stale row computes it again from the events (:func:`compute`) and
uses that answer; where the door can write, it stores it (tracker.service.store_fresh).

Checking costs one dictionary lookup per row: the expected stamps of every jurisdiction are
computed once per law file and kept in the cache directory, keyed by the law file's text, the
closure table's text, the engine version and the records-req version, so that ``list`` does not
load and validate the law data to find out that nothing changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from records_req.laws import Jurisdiction, Laws, is_elected_office

if TYPE_CHECKING:
    from records_req.lifecycle import Recorded, Tracked

ENGINE_VERSION = 4  # 2: each stage carries the next action's kind (list and due word it)
# 3: where the law sets no number of days, an extension moves the suggested follow-up to the
# agency's promised date
# 4: "awaiting-requester" split into fix-required and payment-required; in-litigation (the stored
# statuses are computed again from the events)


def stamp_of(jurisdiction: Jurisdiction) -> str:
    """The stamp of a schedule computed under ``jurisdiction`` (already ``for_agency``)."""
    return _stamp(jurisdiction, ENGINE_VERSION)


@lru_cache(maxsize=512)
def _stamp(jurisdiction: Jurisdiction, engine: int) -> str:
    """Kept per jurisdiction value, so that a writer pays for it once per process."""
    from records_req.calendars import calendar_fingerprint

    payload = f"{engine}\n{jurisdiction!r}\n{calendar_fingerprint(jurisdiction)}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


@lru_cache(maxsize=20_000)
def _elected(agency_name: str) -> bool:
    return is_elected_office(agency_name)


class Stamps(NamedTuple):
    """The stamp each jurisdiction's schedules should carry under one law file: per code, (for
    most agencies, for an elected official's office)."""

    key: str  # what they were computed from; part of the dashboard's cache key
    by_code: dict[str, tuple[str, str]]

    def expected(self, code: str, agency_name: str | None) -> str | None:
        """The stamp a request's schedule should carry; None for a code this law file lacks
        (nothing to compute it with: the cached answer is kept)."""
        pair = self.by_code.get(code)
        if pair is None:
            return None
        plain, elected = pair
        if plain == elected or not agency_name:
            return plain
        return elected if _elected(agency_name) else plain


def stamps_of(laws: Laws, key: str) -> Stamps:
    by_code = {}
    for code, j in laws.items():
        elected = j.appeal.elected is not None
        plain = stamp_of(j)
        by_code[code] = (plain, stamp_of(j.for_agency("Sheriff's Office")) if elected else plain)
    return Stamps(key, by_code)


def current() -> Stamps:
    """The stamps under the law file in use (RECORDS_REQ_LAWS or the shipped one)."""
    from records_req.laws import default_laws_path

    return _current(str(default_laws_path().resolve()))


@cache
def _current(path_text: str) -> Stamps:
    from records_req.calendars import TABLE_FILE
    from records_req.laws import _read_cache, _write_cache, load_laws
    from records_req.resources import data_dir

    try:
        text = Path(path_text).read_bytes()
    except OSError:
        return Stamps("", {})  # the engine reports the file; nothing here is stale
    try:
        table = (data_dir() / TABLE_FILE).read_bytes()
    except OSError:
        table = b""
    key = "\n".join((f"stamps {ENGINE_VERSION}", hashlib.sha256(text).hexdigest(), hashlib.sha256(table).hexdigest()))
    found = _read_cache(key, "stamps")
    if isinstance(found, dict) and all(
        isinstance(v, list) and len(v) == 2 and all(isinstance(s, str) for s in v) for v in found.values()
    ):
        return Stamps(key, {code: (pair[0], pair[1]) for code, pair in found.items()})
    laws = load_laws(Path(path_text))
    stamps = stamps_of(laws, key)
    read = text.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    if laws.digest == hashlib.sha256(read.encode("utf-8")).hexdigest():  # the text the stamps came from
        _write_cache(key, {code: list(pair) for code, pair in stamps.by_code.items()}, "stamps")
    return stamps


class Cached(NamedTuple):
    """What a request caches: the lifecycle's answer on the day computed, its whole schedule
    (JSON, as store/reader.py reads it) and the stamp of what it was computed from."""

    status: str
    closed: bool
    due_on: dt.date | None
    due_statutory: bool
    schedule: str
    stamp: str


class Fresh(NamedTuple):
    """A stale row a read computed again: what to store, and what the row held when read (it is
    stored only if it still holds that: no event since, no other process first)."""

    cached: Cached
    old_stamp: str | None
    last_event: int  # the newest event's id (0: none)


def compute(
    events: Sequence[Recorded], jurisdiction: Jurisdiction, today: dt.date, request_id: int | str = "ID"
) -> tuple[Tracked, Cached]:
    """The lifecycle's answer on ``today`` and the cache to store, for a request under
    ``jurisdiction`` (already ``for_agency``): the one computation every writer and every stale
    read uses."""
    from records_req.calendars import calendar_for
    from records_req.lifecycle import CLOSED, schedule, track

    calendar = calendar_for(jurisdiction)
    state = track(events, jurisdiction, calendar, today, request_id)
    stages = schedule(events, jurisdiction, calendar, state.state.sent_on or today)
    text = json.dumps(
        [
            [
                s.start.isoformat(),
                s.due_on.isoformat() if s.due_on else None,
                s.statutory,
                s.overdue,
                s.label,
                s.action,
            ]
            for s in stages
        ]
    )
    status = state.state.status
    return state, Cached(status, status in CLOSED, state.due_on, state.statutory, text, stamp_of(jurisdiction))

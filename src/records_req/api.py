"""records-req as a Python library: the same functions the command line calls.

Open a database, create a request with its letter, log what happens, and read back what the
request owes and when, with the deadline's step-by-step explanation::

    import datetime as dt
    from records_req import api

    with api.open("sqlite:///scratch.db", out_dir="out") as tracker:
        view = tracker.new_request(
            "VA",
            "Fairfax County Sheriff's Office",
            topics=["wso"],
            requester_name="Ana Núñez",
            requester_email="ana@example.org",
            requester_state="VA",
            letter_date=dt.date(2026, 11, 2),
        )
        tracker.log(view.id, "sent", on=dt.date(2026, 11, 2), via="email")
        print(tracker.view(view.id, today=dt.date(2026, 11, 3)).due)

Every call is one transaction; errors are :class:`records_req.errors.RecordsReqError` (a
``UsageError`` for bad input), with the same messages as the command line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from records_req.dates import today as clock

if TYPE_CHECKING:
    from records_req.lifecycle import NextAction
    from records_req.store.db import Store
    from records_req.store.models import Request

__all__ = ["RequestView", "Tracker", "open"]


@dataclass(frozen=True)
class RequestView:
    """What a request owes and when: one answer, the same as every view of the command line."""

    id: int
    jurisdiction: str
    agency: str
    topics: tuple[str, ...]
    status: str
    due: dt.date | None
    due_label: str
    statutory: bool
    overdue: bool
    next_step: str  # the next action in plain English (records_req.wording)
    explanation: tuple[str, ...]
    appeal_window: str | None
    files: tuple[Path, ...]
    notes: tuple[str, ...] = ()
    next_action: NextAction | None = None  # the same as data: kind, on (a date), case, facts


class Tracker:
    """One database, and where letters are written."""

    def __init__(self, url: str | None = None, *, out_dir: str | Path | None = None) -> None:
        from records_req.store.db import open_store

        self.store: Store = open_store(url)
        self.out_dir = Path(out_dir) if out_dir is not None else None

    def new_request(
        self,
        state: str,
        agency: str,
        *,
        topics: Sequence[str] = (),
        requester_name: str,
        letter_date: dt.date | None = None,
        tags: Sequence[str] = (),
        formats: str = "both",
        force: bool = False,
        **details: Any,
    ) -> RequestView:
        """Write the request letter (DOCX and PDF) and start tracking it, as ``records-req new``.

        ``details`` are the fields of :class:`records_req.letters.request.RequestSpec`
        (``requester_email``, ``requester_state``, ``agency_email``, ``since``, ``items``...).
        """
        from records_req.laws import load_laws
        from records_req.letters.request import RequestSpec
        from records_req.tracker import service

        j = load_laws().get_or_raise(state)
        today = clock(letter_date)
        spec = RequestSpec(
            agency=agency,
            topic_keys=tuple(topics),
            requester_name=requester_name,
            letter_date=today,
            **{k: v for k, v in details.items() if v is not None},
        )
        with self.store.write() as session:
            request, _, notes = service.start_request(
                session, j, spec, today=today, tags=tags, force=force, formats=formats, out_dir=self.out_dir
            )
            view = _view(request, today)
        return replace(view, notes=tuple(notes))

    def log(
        self, request_id: int, kind: str, *, on: dt.date | None = None, note: str | None = None, **data: Any
    ) -> RequestView:
        """Record an event (``sent`` with ``via=``, ``acknowledged``, ``extended`` with ``days=`` or
        ``until=``, ``denied`` with ``exemptions=``, ``released``...) on ``on`` (default today), with
        an optional ``note``, as ``records-req log``. Returns the request as it stands today."""
        from records_req.hygiene import clean
        from records_req.tracker import service

        now = clock(None)
        values = {
            k: (v.isoformat() if isinstance(v, dt.date) else clean(k, v) if isinstance(v, str) else v)
            for k, v in data.items()
        }
        with self.store.write() as session:
            request = service.get_request(session, request_id)
            service.log_event(session, request, kind, on or now, note=clean("note", note), data=values, today=now)
            return _view(request, now)

    def follow_up(self, request_id: int, *, on: dt.date | None = None, force: bool = False) -> RequestView:
        """Write and log a follow-up letter, as ``records-req followup`` (refused before the due
        date unless ``force``, which writes a status inquiry instead)."""
        return self._later(request_id, "follow-up", on, force)

    def appeal(self, request_id: int, *, on: dt.date | None = None, force: bool = False) -> RequestView:
        """Write and log the appeal, as ``records-req appeal`` (a late one is refused unless
        ``force``, and then claims no timeliness)."""
        return self._later(request_id, "appeal", on, force)

    def _later(self, request_id: int, kind: str, on: dt.date | None, force: bool) -> RequestView:
        from records_req.tracker import service

        day = clock(on)
        with self.store.write() as session:
            request = service.get_request(session, request_id)
            paths, notes = service.later_letter(session, request, kind, today=day, force=force, out_dir=self.out_dir)
            return replace(_view(request, day), files=tuple(paths.values()), notes=tuple(notes))

    def view(self, request_id: int, *, today: dt.date | None = None) -> RequestView:
        """The request as ``records-req show`` sees it on ``today``."""
        from records_req.tracker import service

        with self.store.read() as session:
            return _view(service.get_request(session, request_id), clock(today))

    def close(self) -> None:
        from records_req.store.db import close_all

        close_all()


@contextmanager
def open(url: str | None = None, *, out_dir: str | Path | None = None) -> Iterator[Tracker]:
    """A :class:`Tracker` on the database at ``url`` (default: the one the CLI uses)."""
    tracker = Tracker(url, out_dir=out_dir)
    try:
        yield tracker
    finally:
        tracker.close()


def _view(request: Request, today: dt.date) -> RequestView:
    from records_req.tracker import service

    state = service.tracked(request, today)
    return RequestView(
        id=request.id,
        jurisdiction=request.jurisdiction,
        agency=request.agency.name,
        topics=tuple(request.topics),
        status=state.state.status,
        due=state.due_on,
        due_label=state.due_label,
        statutory=state.statutory,
        overdue=state.overdue,
        next_step=state.next_step,
        next_action=state.next_action,
        explanation=tuple(state.deadline.lines) if state.deadline else (),
        appeal_window=state.appeal.describe() if state.appeal else None,
        files=tuple(Path(d.path) for d in request.documents if d.role == "letter"),
    )

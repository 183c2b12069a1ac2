"""records-req as a Python library: the same use cases the command line and the dashboard call.

Open a database, create a request with its letter, log what happens, and read back what the
request owes and when, with the deadline's step-by-step explanation::

    import datetime as dt
    from records_req import api

    with api.connect("sqlite:///scratch.db", out_dir="out") as tracker:
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
        print([row.id for row in tracker.list(status="open")])

A :class:`Tracker` is a thin face of a :class:`records_req.workspace.Workspace` (the database, the
letters' folder, the day taken as today): every call is one use case below the doors, in one
transaction; errors are :class:`records_req.errors.RecordsReqError` (a ``UsageError`` for bad
input), with the same messages as the dashboard.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from records_req.views import RequestDetails, RequestRow
from records_req.vocabulary import Via

if TYPE_CHECKING:
    from records_req.agencies.ice_lists import ImportResult
    from records_req.deadlines import DeadlineReport
    from records_req.tracker.agenda import DueItem
    from records_req.tracker.campaign import Outcome, Step
    from records_req.workspace import Store, Workspace

__all__ = ["CampaignResult", "RequestDetails", "RequestRow", "RequestView", "Tracker", "connect"]


# The request as a script sees it: the details ``show`` prints (records_req.views); its older name.
RequestView = RequestDetails


@dataclass(frozen=True)
class CampaignResult:
    """A campaign planned (``dry_run``) or run: the letters' date, the plan (who gets a letter,
    who not and why), and, when run, what was done for each agency and the counts."""

    tag: str
    letter_date: dt.date
    steps: tuple[Step, ...]
    outcomes: tuple[Outcome, ...] = ()
    summary: dict[str, Any] | None = None


class Tracker:
    """One Workspace (a database, where letters are written, the day taken as today) and the use
    cases a script calls on it."""

    def __init__(
        self,
        url: str | None = None,
        *,
        out_dir: str | Path | None = None,
        as_of: dt.date | None = None,
        templates: str | Path | None = None,
        workspace: Workspace | None = None,
    ) -> None:
        from records_req.workspace import Workspace

        self.workspace: Workspace = workspace or Workspace(
            db_url=url,
            out_dir=Path(out_dir) if out_dir is not None else None,
            as_of=as_of,
            templates=Path(templates) if templates is not None else None,
        )
        self.workspace.store  # noqa: B018 - opens (creates or migrates) the database now

    @classmethod
    @contextmanager
    def open(
        cls, url: str | None = None, *, out_dir: str | Path | None = None, as_of: dt.date | None = None
    ) -> Iterator[Tracker]:
        """A Tracker on the database at ``url`` (default: the one the command line uses), closed
        at the end of the ``with`` block."""
        tracker = cls(url, out_dir=out_dir, as_of=as_of)
        try:
            yield tracker
        finally:
            tracker.close()

    @property
    def store(self) -> Store:
        return self.workspace.store

    @property
    def out_dir(self) -> Path | None:
        return self.workspace.out_dir

    def _today(self, day: dt.date | None) -> dt.date:
        return day or self.workspace.today

    # --- requests -------------------------------------------------------------------------------

    def new_request(
        self,
        state: str,
        agency: str,
        *,
        topics: Sequence[str] = (),
        requester_name: str | None = None,
        letter_date: dt.date | None = None,
        tags: Sequence[str] = (),
        formats: str = "both",
        force: bool = False,
        split: bool = False,
        again: bool = False,
        profile: str = "default",
        **details: Any,
    ) -> RequestDetails:
        """Write the request letter (DOCX and PDF) and start tracking it, as ``records-req new``
        (the requester's empty fields come from the profile; who asks is saved as the profile
        when there is none). With ``split``, one request per topic: the first is returned, the
        others are in the database (:meth:`list`).

        ``details`` are the fields of :class:`records_req.letters.request.RequestSpec`
        (``requester_email``, ``requester_state``, ``agency_email``, ``since``, ``items``...).
        """
        from records_req.laws import load_laws
        from records_req.letters.request import RequestSpec
        from records_req.tracker.service import start_request

        j = load_laws().get_or_raise(state)
        spec = RequestSpec(
            agency=agency,
            topic_keys=tuple(topics),
            requester_name=requester_name,
            letter_date=letter_date,
            **{k: v for k, v in details.items() if v is not None},
        )
        output = self.workspace.output(formats=formats, force=force)
        started = start_request(
            self.workspace, j, spec, output=output, tags=tags, split=split, again=again, profile_key=profile
        )
        view = self.view(started.made[0].id, today=letter_date)
        return view._replace(notes=tuple(started.notes))

    def log(
        self,
        request_id: int,
        kind: str,
        *,
        on: dt.date | None = None,
        note: str | None = None,
        force: bool = False,
        **data: Any,
    ) -> RequestDetails:
        """Record an event (``sent`` with ``via=``, ``acknowledged``, ``extended`` with ``days=`` or
        ``until=``, ``denied`` with ``exemptions=``, ``released``...) on ``on`` (default today), with
        an optional ``note``, as ``records-req log``. One that makes no sense now, or dated before
        what it depends on, is refused unless ``force`` (then its warning is kept in the history and
        in the result's ``notes``). Returns the request as it stands today."""
        from records_req.tracker import service

        now = self.workspace.today
        with self.workspace.write() as session:
            request = service.get_request(session, request_id)
            _, warnings = service.record_event(
                session, request, kind, on or now, note=note, fields=data, force=force, today=now
            )
        return self.view(request_id, today=now)._replace(notes=tuple(warnings))

    def edit(
        self,
        request_id: int,
        event: int | None = None,
        *,
        on: dt.date | None = None,
        note: str | None = None,
        force: bool = False,
        **data: Any,
    ) -> RequestDetails:
        """Change event number ``event`` (default: the last in force): its date, note or fields, as
        ``records-req edit``; the change is recorded with the old values. Returns the request."""
        from records_req.tracker import service

        now = self.workspace.today
        fields = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items() if v is not None}
        with self.workspace.write() as session:
            request = service.get_request(session, request_id)
            _, warnings = service.edit_last(
                session, request, now, on=on, note=note, data=fields, event=event, force=force
            )
        return self.view(request_id, today=now)._replace(notes=tuple(warnings))

    def attach(
        self,
        request_id: int,
        file: str | Path,
        *,
        event: str | None = None,
        on: dt.date | None = None,
        note: str | None = None,
    ) -> RequestDetails:
        """Keep a received file with the request (copied under its hash; checked after the copy),
        logging ``event`` if given, as ``records-req attach``."""
        from records_req.tracker.service import attach_file

        attach_file(self.workspace, request_id, Path(file), kind=event, on=on, note=note)
        return self.view(request_id)

    def follow_up(self, request_id: int, *, on: dt.date | None = None, force: bool = False) -> RequestDetails:
        """Write and log a follow-up letter, as ``records-req followup`` (refused before the due
        date unless ``force``, which writes a status inquiry instead)."""
        return self._later(request_id, "follow-up", on, force)

    def appeal(self, request_id: int, *, on: dt.date | None = None, force: bool = False) -> RequestDetails:
        """Write and log the appeal, as ``records-req appeal`` (a late one is refused unless
        ``force``, and then claims no timeliness)."""
        return self._later(request_id, "appeal", on, force)

    def _later(self, request_id: int, kind: str, on: dt.date | None, force: bool) -> RequestDetails:
        from records_req.tracker import service

        day = self._today(on)
        output = self.workspace.output(force=force, date=day)
        with self.workspace.write() as session:
            request = service.get_request(session, request_id)
            _paths, notes = service.later_letter(session, request, kind, today=day, output=output)
        return self.view(request_id, today=day)._replace(notes=tuple(notes))

    def view(self, request_id: int, *, today: dt.date | None = None) -> RequestDetails:
        """The request as ``records-req show`` sees it on ``today`` (its letters: ``.letters``)."""
        from records_req.tracker.views import request_details

        with self.workspace.read() as view:
            return request_details(view, request_id, self._today(today))

    def list(
        self,
        *,
        status: str | None = None,
        state: str | None = None,
        tags: Sequence[str] = (),
        agency: str | None = None,
        today: dt.date | None = None,
    ) -> list[RequestRow]:
        """The requests ``records-req list`` shows: ``status`` (open, closed, overdue, or a status
        such as awaiting-response), ``state``, ``tags`` (all of them), a piece of the agency's name."""
        from records_req.tracker.agenda import listed

        with self.workspace.read() as view:
            return listed(view, self._today(today), status=status, state=state, tags=tags, agency_text=agency)

    def due(
        self, *, within: int = 7, state: str | None = None, tags: Sequence[str] = (), today: dt.date | None = None
    ) -> builtins.list[DueItem]:
        """What falls due within ``within`` days, overdue first, with the reminders, as
        ``records-req due``."""
        from records_req.tracker.agenda import due_items

        with self.workspace.read() as view:
            return due_items(view, self._today(today), within=within, state=state, tags=tags)

    def report(
        self,
        fmt: Literal["pdf", "html", "csv", "xlsx", "json", "ics"] = "json",
        *,
        state: str | None = None,
        tags: Sequence[str] = (),
        since: dt.date | None = None,
        redact: bool = False,
        lang: str = "en",
    ) -> bytes:
        """The status report's bytes, as ``records-req report --format FMT`` writes it."""
        from records_req.laws import load_laws
        from records_req.reports import render
        from records_req.reports.data import Filters, load

        code = load_laws().get_or_raise(state).code if state else None
        with self.workspace.read() as view:
            data = load(view, self.workspace.today, Filters(state=code, tags=tuple(tags), since=since, redact=redact))
        return render(data, fmt, lang)

    # --- the law --------------------------------------------------------------------------------

    @staticmethod
    def deadline(
        state: str,
        *,
        received: dt.date | None = None,
        sent: dt.date | None = None,
        via: Via = "email",
        acknowledged: dt.date | None = None,
    ) -> DeadlineReport:
        """When an agency must respond, with the explanation, as ``records-req deadline``
        (``received``, or ``sent`` and ``via``)."""
        from records_req.calendars import calendar_for
        from records_req.deadlines import compute_for
        from records_req.errors import UsageError
        from records_req.laws import load_laws

        if (received is None) == (sent is None):
            raise UsageError("Give either the day the request was received or the day it was sent.")
        j = load_laws().get_or_raise(state)
        return compute_for(j, calendar_for(j), received=received, sent=sent, via=via, acknowledged=acknowledged)

    # --- agencies and campaigns -----------------------------------------------------------------

    def import_agencies(self, file: str | Path, *, downloaded: dt.date | None = None) -> ImportResult:
        """Import one of ICE's 287(g) sheets, as ``records-req agencies import``."""
        from records_req.agencies.ice_lists import import_sheet
        from records_req.ice.sheets import check_file

        path = Path(file)
        check_file(path)
        with self.workspace.write() as session:
            return import_sheet(session, path, downloaded_on=downloaded)

    def campaign(
        self,
        tag: str,
        *,
        topics: Sequence[str] = ("wso",),
        states: Sequence[str] = (),
        models: Sequence[str] = (),
        counties: Sequence[str] = (),
        pending: bool = False,
        requester: Mapping[str, str | None] | None = None,
        letter_date: dt.date | None = None,
        again: bool = False,
        include_barred: bool = False,
        eml: bool = False,
        dry_run: bool = False,
        profile: str = "default",
    ) -> CampaignResult:
        """The same request to every agency ICE's list names that matches, as ``records-req
        campaign`` (``requester``: the ``requester_*`` fields of RequestSpec; the profile fills the
        rest; a resumed campaign keeps its first letters' date). ``dry_run``: the plan only."""
        from records_req.laws import load_laws
        from records_req.tracker import campaign as campaigns

        laws = load_laws()
        selection = campaigns.Selection(
            states=tuple(laws.get_or_raise(s).code for s in states),
            models=tuple(m.upper() for m in models),
            counties=tuple(counties),
            pending=pending,
        )
        options = campaigns.Options(
            tag=tag,
            topic_keys=tuple(topics),
            requester=dict(requester) if requester else None,
            again=again,
            include_barred=include_barred,
            output=self.workspace.output(date=letter_date, eml=eml),
        )
        prepared = campaigns.prepare(self.workspace, selection, options, profile_key=profile, dry_run=dry_run)
        day = prepared.options.output.date or self.workspace.today
        if dry_run:
            return CampaignResult(tag, day, tuple(prepared.steps))
        outcomes = campaigns.run(
            self.workspace.store,
            prepared.steps,
            prepared.options,
            profile_id=prepared.profile_id,
            today=self.workspace.today,
            protected=self.workspace.protected(),
        )
        return CampaignResult(tag, day, tuple(prepared.steps), tuple(outcomes), campaigns.summary(outcomes, eml=eml))

    def close(self) -> None:
        self.workspace.close()


@contextmanager
def connect(
    url: str | None = None, *, out_dir: str | Path | None = None, as_of: dt.date | None = None
) -> Iterator[Tracker]:
    """A :class:`Tracker` on the database at ``url`` (default: the one the command line uses),
    closed at the end of the ``with`` block."""
    with Tracker.open(url, out_dir=out_dir, as_of=as_of) as tracker:
        yield tracker


open = connect  # the first name of connect(), kept for the scripts that use it

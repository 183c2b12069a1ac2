"""The report's content, computed once from the database; every format renders this object.

Pure apart from :func:`load` (which reads the database): the same rows and ``as_of`` give the
same report, so CSV, JSON and ICS output is byte-identical from run to run.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from records_req.laws import load_laws
from records_req.lifecycle import CLOSED, STATUSES
from records_req.views import RequestDetails, RequestRow

if TYPE_CHECKING:
    from records_req.calendars import ClosureCalendar
    from records_req.store.reader import Reader

SCHEMA_VERSION = 2  # 2 (2026-12): "events" is the history (date order, undone ones marked, edits as lines)
R = TypeVar("R", RequestRow, RequestDetails)  # the dashboard's rows, or the report's details


SOON = 14  # the dashboard's "due in the next 14 days"


class Filters(NamedTuple):
    state: str | None = None
    tags: tuple[str, ...] = ()
    since: dt.date | None = None
    redact: bool = False


# --- counts shared by the report and the dashboard's overview (the same rules, one place) ---


def count_by_status(requests: Sequence[R]) -> dict[str, int]:
    return dict(sorted(Counter(r.status for r in requests).items()))


def count_by_state(requests: Sequence[R]) -> dict[str, dict[str, int]]:
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for r in requests:
        out[r.jurisdiction][r.status] += 1
    return {code: dict(sorted(c.items())) for code, c in sorted(out.items())}


def most_late_first(requests: Sequence[R]) -> list[R]:
    return sorted((r for r in requests if r.overdue), key=lambda r: (-r.days_late, r.id))


def due_within(requests: Sequence[R], as_of: dt.date, days: int) -> list[R]:
    horizon = as_of + dt.timedelta(days=days)
    return sorted(
        (r for r in requests if r.due_on and not r.overdue and as_of <= r.due_on <= horizon and r.status != "draft"),
        key=lambda r: (r.due_on or as_of, r.id),
    )


def count_per_month(requests: Sequence[R]) -> dict[str, int]:
    counts = Counter((r.sent_on or r.letter_date).isoformat()[:7] for r in requests)  # "2026-11"
    return dict(sorted(counts.items()))


class Report(NamedTuple):
    as_of: dt.date
    filters: Filters
    requests: tuple[RequestDetails, ...]
    database_id: str = ""  # the database's own random id (migration 0014): calendar UIDs carry it

    # --- the summary ---

    def by_status(self) -> dict[str, int]:
        return count_by_status(self.requests)

    def by_state(self) -> dict[str, dict[str, int]]:
        return count_by_state(self.requests)

    def by_model(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for r in self.requests:
            for model in r.agency_models or ("unknown",):
                counts[model] += 1
        return dict(sorted(counts.items()))

    def overdue(self) -> list[RequestDetails]:
        return most_late_first(self.requests)

    def due_soon(self, days: int = 14) -> list[RequestDetails]:
        return due_within(self.requests, self.as_of, days)

    def medians(self) -> dict[str, dict[str, float | None]]:
        """Median days from sending to the first response and to completion, per state."""
        first: dict[str, list[int]] = defaultdict(list)
        done: dict[str, list[int]] = defaultdict(list)
        for r in self.requests:
            if r.days_to_first_response is not None:
                first[r.jurisdiction].append(r.days_to_first_response)
            if r.days_to_completion is not None:
                done[r.jurisdiction].append(r.days_to_completion)
        codes = sorted({r.jurisdiction for r in self.requests})
        return {
            code: {
                "first_response": statistics.median(first[code]) if first[code] else None,
                "completion": statistics.median(done[code]) if done[code] else None,
            }
            for code in codes
        }

    def per_month(self) -> dict[str, int]:
        return count_per_month(self.requests)

    def coverage(self) -> dict[str, Any] | None:
        """For a tag: agencies by topics, each cell the status of the newest request."""
        if not self.filters.tags:
            return None
        topics = sorted({t for r in self.requests for t in r.topics})
        grid: dict[str, dict[str, str]] = {}
        for r in sorted(self.requests, key=lambda r: r.id):
            row = grid.setdefault(f"{r.agency} ({r.jurisdiction})", {})
            for topic in r.topics:
                row[topic] = r.status
        return {"topics": topics, "rows": dict(sorted(grid.items()))}

    def summary(self) -> dict[str, Any]:
        return {
            "requests": len(self.requests),
            "by_status": self.by_status(),
            "by_state": self.by_state(),
            "by_model": self.by_model(),
            "overdue": [{"id": r.id, "days_late": r.days_late} for r in self.overdue()],
            "due_next_14_days": [
                {"id": r.id, "due": r.due_on.isoformat() if r.due_on else None} for r in self.due_soon()
            ],
            "median_days": self.medians(),
            "per_month": self.per_month(),
            "coverage": self.coverage(),
        }


def build(rows: dict[str, Any], as_of: dt.date, filters: Filters) -> Report:
    """Turn the database rows (store.reader.report_rows) into the report (pure): each request's
    details as ``show`` computes them (tracker.views.details_of)."""
    from records_req.tracker.views import details_of

    laws = load_laws()
    calendars: dict[str, ClosureCalendar] = {}
    details = tuple(
        details_of(row, rows, laws, as_of, redact=filters.redact, calendars=calendars)
        for row in rows["requests"]
        if not (filters.since and row["letter_date"] < filters.since)
    )
    return Report(as_of, filters, details, rows.get("database_id", ""))


def load(view: Reader, as_of: dt.date, filters: Filters) -> Report:
    from records_req.store.reader import report_rows

    return build(report_rows(view, state=filters.state, tags=filters.tags), as_of, filters)


class Overview(NamedTuple):
    """The dashboard's numbers for every request, from the lifecycle's cached answer (the one
    ``list`` and ``due`` read, which ``test_parity`` holds equal to the report's): counted in
    one query, so the dashboard stays fast at tens of thousands of requests."""

    as_of: dt.date
    requests: tuple[RequestRow, ...]

    def by_status(self) -> dict[str, int]:
        return count_by_status(self.requests)

    def by_state(self) -> dict[str, dict[str, int]]:
        return count_by_state(self.requests)

    def overdue(self) -> list[RequestRow]:
        return most_late_first(self.requests)

    def due_soon(self, days: int = 14) -> list[RequestRow]:
        return due_within(self.requests, self.as_of, days)

    def per_month(self) -> dict[str, int]:
        return count_per_month(self.requests)

    def counts(self) -> Counts:
        """The dashboard's summary: open, overdue, due in the next 7 days, closed, and by status
        in the lifecycle's order (statuses with no request left out)."""
        return Counts(
            open=sum(1 for r in self.requests if not r.closed),
            overdue=len(self.overdue()),
            due_this_week=len(self.due_soon(7)),
            closed=sum(1 for r in self.requests if r.closed),
            by_status=_ordered(self.by_status()),
        )

    def summary(self, shown: int, soon: int = SOON) -> Summary:
        """The dashboard's page, counted from every request (the recount the kept counts must equal)."""
        overdue = self.overdue()
        due = self.due_soon(soon)
        return Summary(
            as_of=self.as_of,
            total=len(self.requests),
            counts=self.counts(),
            by_state=self.by_state(),
            groups=state_groups(self.requests),
            months=self.per_month(),
            overdue=tuple(overdue[:shown]),
            overdue_total=len(overdue),
            due_soon=tuple(due[:shown]),
            due_soon_total=len(due),
        )


def _ordered(found: dict[str, int]) -> dict[str, int]:
    """Counts by status in the lifecycle's order, statuses with none left out."""
    return {s: found[s] for s in STATUSES if found.get(s)} | {
        s: n for s, n in sorted(found.items()) if s not in STATUSES and n
    }


def state_groups(requests: Sequence[R]) -> dict[str, dict[str, int]]:
    """Per state, how many requests are overdue, open (not overdue) and closed (the chart's bars)."""
    out: dict[str, dict[str, int]] = {}
    for r in requests:
        group = "overdue" if r.overdue else "closed" if r.status in CLOSED else "open"
        counts = out.setdefault(r.jurisdiction, {"overdue": 0, "open": 0, "closed": 0})
        counts[group] += 1
    return dict(sorted(out.items()))


class Summary(NamedTuple):
    """What the dashboard shows on ``as_of``: the counts, the charts' numbers and the first rows
    of the overdue and due-soon lists with their totals. Computed from the kept counts
    (:func:`kept_summary`) or, where a stored schedule is stale, from every request
    (:meth:`Overview.summary`); ``test_kept_counts`` holds the two equal."""

    as_of: dt.date
    total: int
    counts: Counts
    by_state: dict[str, dict[str, int]]  # state -> status -> requests
    groups: dict[str, dict[str, int]]  # state -> overdue, open, closed
    months: dict[str, int]  # "2026-11" -> requests sent (or dated) that month
    overdue: tuple[RequestRow, ...]  # the most late first
    overdue_total: int
    due_soon: tuple[RequestRow, ...]  # by due date
    due_soon_total: int


def kept_summary(view: Reader, as_of: dt.date, shown: int, soon: int = SOON) -> Summary:
    """The dashboard's page from the kept counts (store/kept.py): a few index reads, however many
    requests there are. Only exact while every stored schedule is current (Reader.all_fresh)."""
    by_state: dict[str, dict[str, int]] = defaultdict(dict)
    by_status: Counter[str] = Counter()
    open_n = closed_n = 0
    closed_by_state: Counter[str] = Counter()
    statuses, months = view.kept_counts()
    for code, status, closed, n in statuses:
        by_state[code][status] = by_state[code].get(status, 0) + n
        by_status[status] += n
        if closed:
            closed_n += n
        else:
            open_n += n
        if status in CLOSED:
            closed_by_state[code] += n
    overdue_ids, overdue_by_state = view.overdue_on(as_of, shown)
    soon_ids, soon_total = view.due_on_days(as_of, soon, shown)
    _, week_total = view.due_on_days(as_of, 7, 0) if soon != 7 else ([], soon_total)
    groups = {}
    for code, in_state in sorted(by_state.items()):
        late, done = overdue_by_state.get(code, 0), closed_by_state[code]
        groups[code] = {"overdue": late, "open": sum(in_state.values()) - late - done, "closed": done}
    overdue_total = sum(overdue_by_state.values())
    return Summary(
        as_of=as_of,
        total=open_n + closed_n,
        counts=Counts(
            open=open_n,
            overdue=overdue_total,
            due_this_week=week_total,
            closed=closed_n,
            by_status=_ordered(dict(by_status)),
        ),
        by_state={
            code: {s: n for s, n in sorted(c.items()) if n} for code, c in sorted(by_state.items()) if any(c.values())
        },
        groups={code: g for code, g in groups.items() if any(g.values())},
        months=dict(sorted((m, n) for m, n in months.items() if n)),
        overdue=tuple(view.rows_by_id(overdue_ids, as_of)),
        overdue_total=overdue_total,
        due_soon=tuple(view.rows_by_id(soon_ids, as_of)),
        due_soon_total=soon_total,
    )


def summary(view: Reader, as_of: dt.date, shown: int, soon: int = SOON) -> Summary:
    """The dashboard's page on ``as_of``: from the kept counts when every stored schedule is
    current, else counted from every request (a stale one computed again, and stored again by the
    door that can write)."""
    if view.all_fresh():
        return kept_summary(view, as_of, shown, soon)
    return overview(view, as_of).summary(shown, soon)


class Counts(NamedTuple):
    """How many requests are open, overdue, due within a week and closed, and how many in each
    status (the dashboard's cards and its chart)."""

    open: int
    overdue: int
    due_this_week: int
    closed: int
    by_status: dict[str, int]


def overview(view: Reader, as_of: dt.date, found: Sequence[tuple[Any, ...]] | None = None) -> Overview:
    """The dashboard's numbers on ``as_of`` (``found``: the reader's overview_rows, if read)."""
    return Overview(as_of, tuple(view.overview(as_of, found)))

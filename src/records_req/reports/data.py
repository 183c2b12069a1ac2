"""The report's content, computed once from the database; every format renders this object.

Pure apart from :func:`load` (which reads the database): the same rows and ``as_of`` give the
same report, so CSV, JSON and ICS output is byte-identical from run to run.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any, NamedTuple

from records_req.laws import load_laws
from records_req.lifecycle import Recorded, effective, track

FIRST_RESPONSE = frozenset(
    {
        "acknowledged",
        "clarification-requested",
        "fee-estimate",
        "partial-release",
        "released",
        "no-records",
        "denied",
        "extended",
    }
)
COMPLETION = frozenset({"released", "no-records"})
CANNOT_MOVE_A_DATE = frozenset({"note", "reminder"})
SCHEMA_VERSION = 1


class Filters(NamedTuple):
    state: str | None = None
    tags: tuple[str, ...] = ()
    since: dt.date | None = None
    redact: bool = False


class RequestView(NamedTuple):
    id: int
    jurisdiction: str
    jurisdiction_name: str
    law: str
    law_citation: str
    agency: str
    agency_models: tuple[str, ...]
    topics: tuple[str, ...]
    tags: tuple[str, ...]
    status: str
    overdue: bool
    days_late: int
    letter_date: dt.date
    sent_on: dt.date | None
    first_response_on: dt.date | None
    completed_on: dt.date | None
    due_on: dt.date | None
    due_label: str
    statutory: bool
    next_step: str
    tracking_numbers: tuple[str, ...]
    events: tuple[dict[str, Any], ...]
    documents: tuple[dict[str, Any], ...]
    explanation: tuple[str, ...]
    requester: dict[str, str | None] | None
    next_action: dict[str, Any] | None = None  # next_step as data (lifecycle.NextAction.to_dict)
    # How many recorded events could have moved its dates (every event but notes and reminders,
    # undone ones and the undoing included: the count only grows), and when the last was recorded.
    # The calendar's SEQUENCE and LAST-MODIFIED (reports/ics.py).
    revision: int = 0
    revised_at: dt.datetime | None = None

    @property
    def days_to_first_response(self) -> int | None:
        if self.sent_on and self.first_response_on:
            return (self.first_response_on - self.sent_on).days
        return None

    @property
    def days_to_completion(self) -> int | None:
        if self.sent_on and self.completed_on:
            return (self.completed_on - self.sent_on).days
        return None


# --- counts shared by the report and the dashboard's overview (the same rules, one place) ---


def count_by_status(requests: Sequence[Any]) -> dict[str, int]:
    return dict(sorted(Counter(r.status for r in requests).items()))


def count_by_state(requests: Sequence[Any]) -> dict[str, dict[str, int]]:
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for r in requests:
        out[r.jurisdiction][r.status] += 1
    return {code: dict(sorted(c.items())) for code, c in sorted(out.items())}


def most_late_first(requests: Sequence[Any]) -> list[Any]:
    return sorted((r for r in requests if r.overdue), key=lambda r: (-r.days_late, r.id))


def due_within(requests: Sequence[Any], as_of: dt.date, days: int) -> list[Any]:
    horizon = as_of + dt.timedelta(days=days)
    return sorted(
        (r for r in requests if r.due_on and not r.overdue and as_of <= r.due_on <= horizon and r.status != "draft"),
        key=lambda r: (r.due_on or as_of, r.id),
    )


def count_per_month(requests: Sequence[Any]) -> dict[str, int]:
    counts = Counter((r.sent_on or r.letter_date).isoformat()[:7] for r in requests)  # "2026-11"
    return dict(sorted(counts.items()))


class Report(NamedTuple):
    as_of: dt.date
    filters: Filters
    requests: tuple[RequestView, ...]
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

    def overdue(self) -> list[RequestView]:
        return most_late_first(self.requests)

    def due_soon(self, days: int = 14) -> list[RequestView]:
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
    """Turn the database rows into the report (pure)."""
    from records_req.calendars import calendar_for

    laws = load_laws()
    calendars: dict[str, Any] = {}
    views = []
    for row in rows["requests"]:
        events = rows["events"].get(row["id"], [])
        if filters.since and (row["letter_date"] < filters.since):
            continue
        j = laws[row["jurisdiction"]].for_agency(row.get("agency"))
        calendar = calendars.setdefault(j.code, calendar_for(j))
        recorded = [Recorded(e["id"], e["kind"], e["on"], e["note"], e["data"], e["forced"]) for e in events]
        state = track(recorded, j, calendar, as_of)
        live: list[dict[str, Any]] = [{"on": e.on, "kind": e.kind, "note": e.note} for e in effective(recorded)]
        sent = state.state.sent_on
        moves = [e for e in events if e["kind"] not in CANNOT_MOVE_A_DATE]
        views.append(
            RequestView(
                id=row["id"],
                jurisdiction=j.code,
                jurisdiction_name=j.name,
                law=j.law.name,
                law_citation=j.law.citation,
                agency=row["agency"],
                agency_models=tuple(m.strip() for m in (row["agency_models"] or "").split(";") if m.strip()),
                topics=tuple(row["topics"]),
                tags=tuple(rows["tags"].get(row["id"], [])),
                status=state.state.status,
                overdue=state.overdue,
                days_late=(as_of - state.due_on).days if state.overdue and state.due_on else 0,
                letter_date=row["letter_date"],
                sent_on=sent,
                first_response_on=_first(live, FIRST_RESPONSE, sent),
                completed_on=_first(live, COMPLETION, sent),
                due_on=state.due_on,
                due_label=state.due_label,
                statutory=state.statutory,
                next_step=state.next_step,
                next_action=state.next_action.to_dict(),
                revision=len(moves),
                revised_at=moves[-1].get("created_at") if moves else None,
                tracking_numbers=tuple(rows["numbers"].get(row["id"], [])),
                events=tuple({"on": e["on"].isoformat(), "kind": e["kind"], "note": e["note"]} for e in live),
                documents=tuple(rows["documents"].get(row["id"], [])),
                explanation=tuple(state.deadline.lines) if state.deadline and not state.state.closed else (),
                requester=None
                if filters.redact
                else {
                    "name": row["requester_name"],
                    "email": row["requester_email"],
                    "address": row["requester_address"],
                    "phone": row["requester_phone"],
                    "organization": row["requester_org"],
                },
            )
        )
    return Report(as_of, filters, tuple(views), rows.get("database_id", ""))


def _first(events: Sequence[dict[str, Any]], kinds: frozenset[str], after: dt.date | None) -> dt.date | None:
    if after is None:
        return None
    dates = [e["on"] for e in events if e["kind"] in kinds and e["on"] >= after]
    return min(dates) if dates else None


def load(view: Any, as_of: dt.date, filters: Filters) -> Report:
    from records_req.store.reader import report_rows

    return build(report_rows(view, state=filters.state, tags=filters.tags), as_of, filters)


class OverviewRow(NamedTuple):
    id: int
    jurisdiction: str
    agency: str
    status: str
    closed: bool
    letter_date: dt.date
    sent_on: dt.date | None
    due_on: dt.date | None
    statutory: bool
    overdue: bool
    due_label: str

    days_late: int  # past the date that matters, while the agency owes a response


class Overview(NamedTuple):
    """The dashboard's numbers for every request, from the lifecycle's cached answer (the one
    ``list`` and ``due`` read, which ``test_parity`` holds equal to the report's): counted in
    one query, so the dashboard stays fast at tens of thousands of requests."""

    as_of: dt.date
    requests: tuple[OverviewRow, ...]

    def by_status(self) -> dict[str, int]:
        return count_by_status(self.requests)

    def by_state(self) -> dict[str, dict[str, int]]:
        return count_by_state(self.requests)

    def overdue(self) -> list[OverviewRow]:
        return most_late_first(self.requests)

    def due_soon(self, days: int = 14) -> list[OverviewRow]:
        return due_within(self.requests, self.as_of, days)

    def per_month(self) -> dict[str, int]:
        return count_per_month(self.requests)


def overview(view: Any, as_of: dt.date, found: Sequence[tuple[Any, ...]] | None = None) -> Overview:
    """The dashboard's numbers on ``as_of`` (``found``: the reader's overview_rows, if read)."""
    from records_req.lifecycle import CAN_BE_OVERDUE

    rows = []
    for row in view.overview(as_of, sorted(CAN_BE_OVERDUE), found):
        due_on, overdue = row[7], row[9]
        rows.append(OverviewRow._make((*row, (as_of - due_on).days if overdue and due_on else 0)))
    return Overview(as_of, tuple(rows))

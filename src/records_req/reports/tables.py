"""The summary tables, as (headers, rows), shared by the HTML and PDF reports so that the two
say the same thing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from records_req.reports.data import Report
from records_req.views import RequestDetails, event_shown

Table = tuple[list[str], list[list[Any]]]
Label = Callable[[str], str]


def number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def by_status(report: Report, t: Label) -> Table:
    return [t("Status"), t("Requests")], [[k, v] for k, v in report.by_status().items()]


def overdue(report: Report, t: Label) -> Table:
    return (
        ["#", t("Agency"), t("State"), t("Due"), t("Days late"), t("Next step")],
        [
            [r.id, r.agency, r.jurisdiction, r.due_on.isoformat() if r.due_on else "", r.days_late, r.next_step]
            for r in report.overdue()
        ],
    )


def due_soon(report: Report, t: Label) -> Table:
    return (
        ["#", t("Agency"), t("State"), t("Due"), t("Status")],
        [
            [r.id, r.agency, r.jurisdiction, r.due_on.isoformat() if r.due_on else "", r.status]
            for r in report.due_soon()
        ],
    )


def by_state(report: Report, t: Label) -> Table:
    medians = report.medians()
    return (
        [t("State"), t("Requests"), t("Median days to first response"), t("Median days to completion")],
        [
            [code, sum(c.values()), number(medians[code]["first_response"]), number(medians[code]["completion"])]
            for code, c in report.by_state().items()
        ],
    )


def by_model(report: Report, t: Label) -> Table:
    return ["model", t("Requests")], [[k, v] for k, v in report.by_model().items()]


def coverage(report: Report, t: Label) -> Table | None:
    grid = report.coverage()
    if grid is None:
        return None
    return (
        [t("Agency"), *grid["topics"]],
        [[agency, *(row.get(topic, "") for topic in grid["topics"])] for agency, row in grid["rows"].items()],
    )


def timeline(r: RequestDetails, t: Label) -> tuple[list[str], list[list[Any]], list[bool]]:
    """A request's timeline as ``show`` and the request page give it (lifecycle.history: date
    order, edits as lines with old and new values): (headers, rows, undone), each row the date, the
    event in words and, for an undone event (no longer in force), when and by whom it was undone."""
    rows: list[list[Any]] = []
    for line in r.history:
        words = line._replace(undone_on=None).words(*event_shown(line.kind, line.data))
        undone = ""
        if line.undone_on is not None:
            undone = f"{t('undone on')} {line.undone_on.isoformat()}"
            undone += f" {t('by')} {line.undone_by}" if line.undone_by else ""
        rows.append([line.on.isoformat(), words, undone])
    return [t("Date"), t("Event"), t("Undone")], rows, [line.undone for line in r.history]

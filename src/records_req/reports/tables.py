"""The summary tables, as (headers, rows), shared by the HTML and PDF reports so that the two
say the same thing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from records_req import labels
from records_req.catalog import catalog
from records_req.explain import step_words
from records_req.lifecycle import Line
from records_req.reports.data import Report
from records_req.views import RequestDetails, event_shown
from records_req.wording import action_words, warning_words

Table = tuple[list[str], list[list[Any]]]
Label = Callable[[str], str]


class Said:
    """The report's words for its data, in the report's language: statuses and events by their
    labels (records_req.labels: 'Awaiting response', 'Esperando respuesta'), dates written out
    ('December 10, 2026', '10 de diciembre de 2026'), the next step in sentences. The machine's
    tokens stay in the JSON, the CSV's and XLSX's ``status`` column and ``--json``."""

    def __init__(self, lang: str = "en") -> None:
        self.lang = "es" if lang == "es" else "en"
        self.word = catalog(self.lang).gettext  # one word of the catalog, in this language only

    def status(self, token: str) -> str:
        return labels.status_label(token, self.lang)

    def date(self, day: dt.date | None) -> str:
        return labels.long_date(day, self.lang) if day else "—"

    def next_step(self, r: RequestDetails) -> str:
        return action_words(r.next_action, self.lang, written_out=True)

    def due(self, r: RequestDetails) -> str:
        return f"{self.date(r.due_on)} ({self.word(r.due_label)})" if r.due_on else "—"

    def steps(self, r: RequestDetails) -> list[str]:
        """How the deadline was computed, step by step, in the report's language (records_req.explain)."""
        return [step_words(step, self.lang) for step in r.steps]

    def role(self, role: str) -> str:
        return labels.ROLES[role].said(self.lang) if role in labels.ROLES else role

    def event(self, line: Line) -> str:
        """A history line as the request page says it: 'The agency took more time · Days: 10',
        an edit with each field's old and new value."""
        if line.kind == "edit":
            text = f"{labels.event_label('edit', self.lang)} #{line.target}" + "".join(
                f" · {labels.fact_label(k, self.lang)}: {labels.fact_value(k, old, self.lang)} → "
                f"{labels.fact_value(k, new, self.lang)}"
                for k, (old, new) in line.changes.items()
            )
        else:
            kind, facts = event_shown(line.kind, line.data)
            text = labels.event_label(kind, self.lang) + "".join(
                f" · {name}: {value}" for name, value in labels.facts_shown(facts, self.lang)
            )
            text += f" · {line.note}" if line.note else ""
        if line.forced:
            warning = warning_words(line.data.get("warning") or "", self.lang)
            text += f" ({self.word('forced')}" + (f": {warning}" if warning else "") + ")"
        return text


def number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def by_status(report: Report, t: Label, said: Said) -> Table:
    return [t("Status"), t("Requests")], [[said.status(k), v] for k, v in report.by_status().items()]


def overdue(report: Report, t: Label, said: Said) -> Table:
    return (
        ["#", t("Agency"), t("State"), t("Due"), t("Days late"), t("Next step")],
        [
            [r.id, r.agency, r.jurisdiction, said.date(r.due_on), r.days_late, said.next_step(r)]
            for r in report.overdue()
        ],
    )


def due_soon(report: Report, t: Label, said: Said) -> Table:
    return (
        ["#", t("Agency"), t("State"), t("Due"), t("Status")],
        [[r.id, r.agency, r.jurisdiction, said.date(r.due_on), said.status(r.status)] for r in report.due_soon()],
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


def coverage(report: Report, t: Label, said: Said) -> Table | None:
    grid = report.coverage()
    if grid is None:
        return None
    return (
        [t("Agency"), *grid["topics"]],
        [
            [agency, *(said.status(row[topic]) if topic in row else "" for topic in grid["topics"])]
            for agency, row in grid["rows"].items()
        ],
    )


def timeline(r: RequestDetails, t: Label, said: Said) -> tuple[list[str], list[list[Any]], list[bool]]:
    """A request's timeline as the request page gives it (lifecycle.history: date order, edits as
    lines with old and new values): (headers, rows, undone), each row the date written out, the
    event in words (:meth:`Said.event`) and, for an undone event (no longer in force), when and by
    whom it was undone."""
    rows: list[list[Any]] = []
    for line in r.history:
        undone = ""
        if line.undone_on is not None:
            undone = f"{said.word('undone on')} {said.date(line.undone_on)}"
            undone += f" {said.word('by')} {line.undone_by}" if line.undone_by else ""
        rows.append([said.date(line.on), f"#{line.id} {said.event(line)}", undone])
    return [t("Date"), t("Event"), t("Undone")], rows, [line.undone for line in r.history]

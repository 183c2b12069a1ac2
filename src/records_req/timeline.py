"""A request's history and its new state in people's words (issue 19): events by their labels
(records_req.labels), facts by their names, dates the terminal's way ('Tue 2026-11-10',
records_req.wording.Words). ``--json`` keeps the tokens; this module words only what a person reads:
the command line's ``show`` and its messages, the evidence bundle's ``deadline.pdf`` and ``inbox review``
say events the same way, never as tokens ('extended (days: 10)')."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from records_req import labels
from records_req.lifecycle import Line
from records_req.views import event_shown
from records_req.wording import Words, warning_words

DATE_FACTS = ("on", "until")  # facts holding a date: written the terminal's way


def day(value: dt.date | str | None) -> str:
    """'Tue 2026-11-10' (a date the terminal's way)."""
    return Words().date(value)


def fact(key: str, value: Any) -> str:
    """A fact's value as the terminal says it: a date as 'Tue 2026-11-10', the rest in words."""
    if key in DATE_FACTS and value:
        try:
            return day(value)
        except (TypeError, ValueError):
            return str(value)
    return labels.fact_value(key, value)


def facts(data: Mapping[str, object]) -> str:
    """'Days: 10; Until: Tue 2026-11-24' (a warning is shown apart)."""
    return "; ".join(f"{labels.fact_label(k)}: {fact(k, v)}" for k, v in data.items() if k != "warning")


def event(kind: str, data: Mapping[str, object] | None = None) -> str:
    """An event's label, as every view names it (views.event_shown: a reconsideration request is
    not an appeal to a court): 'The agency took more time'."""
    return labels.event_label(event_shown(kind, data or {})[0])


def line_words(line: Line) -> str:
    """One timeline line: 'Fri 2026-12-04  #2 The agency took more time (Days: 10) - agency letter';
    an edit '#6 Changed #3: Date Tue 2026-12-01 -> Thu 2026-12-03'; '[forced]' with its warning and
    '(undone on D by U)' where they apply."""
    if line.kind == "edit":
        text = f"#{line.id} {labels.event_label('edit')} #{line.target}: " + "; ".join(
            f"{labels.fact_label(k)} {fact(k, old)} -> {fact(k, new)}" for k, (old, new) in line.changes.items()
        )
    else:
        kind, shown = event_shown(line.kind, line.data)
        said = facts(shown)
        text = f"#{line.id} {labels.event_label(kind)}" + (f" ({said})" if said else "")
        text += f" - {line.note}" if line.note else ""
    if line.forced:
        text += " [forced]" + (f" ({warning_words(line.data['warning'])})" if line.data.get("warning") else "")
    if line.undone_on is not None:
        text += f" (undone on {day(line.undone_on)}" + (f" by {line.undone_by}" if line.undone_by else "") + ")"
    return f"{day(line.on)}  {text}"


def now(status: str, overdue: bool = False, due: dt.date | str | None = None, due_label: str | None = None) -> str:
    """The request's state after a change: 'Now: Awaiting response, due Tue 2026-11-10.'; a date
    that is not the statutory one is named by its label ('follow up by Tue 2026-12-01')."""
    text = f"Now: {labels.status_label(status)}" + (" (OVERDUE)" if overdue else "")
    if due:
        text += f", {due_label or 'due'} {day(due)}"
    return text + "."

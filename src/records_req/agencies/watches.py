"""Watches on ICE's 287(g) lists: what a group follows (a state, and maybe a county and a model), and
which of a list's new agreements match. The same filter narrows ``agencies update``'s report
(:class:`Narrow`), so "in Harris County" has one meaning.

A match carries the topic that asks for the records of its agreement's model, so each door can
offer to start that request (the command line words the command, the dashboard a button).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from records_req.errors import NotFoundError, UsageError
from records_req.names import agency_key, county_key

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from records_req.agencies.update import ListChanges

MODEL_TOPICS = {"WSO": "wso", "JEM": "jail-model", "TFM": "task-force"}  # data/topics.yaml's keys
MODELS = tuple(MODEL_TOPICS)


class Narrow(NamedTuple):
    """A filter on ICE's rows: each given part must hold. ``county``: "Harris" or "Harris County"."""

    state: str | None = None
    county: str | None = None
    model: str | None = None

    def matches(self, row: Mapping[str, Any]) -> bool:
        """Whether one agreement (``AgreementRow.to_dict()``) is inside. A row without a county (a
        city's police, ICE's ``#N/A``) is in the county its agency's name starts with."""
        if self.state and row.get("state") != self.state.upper():
            return False
        if self.model and row.get("model") != self.model.upper():
            return False
        if self.county:
            wanted = county_key(self.county)
            if row.get("county"):
                return county_key(str(row["county"])) == wanted
            return agency_key(str(row.get("agency") or "")).startswith(f"{wanted} county ")
        return True

    @property
    def empty(self) -> bool:
        return not (self.state or self.county or self.model)


class WatchRow(NamedTuple):
    id: int
    state: str
    county: str | None
    model: str | None

    @property
    def narrow(self) -> Narrow:
        return Narrow(self.state, self.county, self.model)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "state": self.state, "county": self.county, "model": self.model}


class WatchMatch(NamedTuple):
    """A new agreement (or a new model of an agency, or a new pending application) a watch matches,
    with the topic a request about it asks for."""

    watch: WatchRow
    kind: str  # participating | pending
    change: str  # new-agreement | model-added
    agreement: dict[str, Any]  # AgreementRow.to_dict()
    topic: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "watch": self.watch.to_dict(),
            "list": self.kind,
            "change": self.change,
            "agreement": self.agreement,
            "topic": self.topic,
        }


class UnknownWatch(NotFoundError):
    pass


def add_watch(session: Session, state: str, county: str | None, model: str | None) -> tuple[WatchRow, bool]:
    """A watch on ``state`` (a USPS code), maybe one county and one model; the same watch twice is
    the first one (``False``: it was there)."""
    from sqlalchemy import select

    from records_req.store.models import Watch

    model = model.upper() if model else None
    if model is not None and model not in MODEL_TOPICS:
        raise UsageError(f"Unknown 287(g) model {model!r}: WSO, JEM or TFM.")
    county = " ".join(county.split()) if county else None
    for row in session.scalars(select(Watch).where(Watch.state == state.upper())):
        same_county = (row.county and county and county_key(row.county) == county_key(county)) or (
            not row.county and not county
        )
        if same_county and row.model == model:
            return _row(row), False
    watch = Watch(state=state.upper(), county=county, model=model)
    session.add(watch)
    session.flush()
    return _row(watch), True


def list_watches(session: Session) -> list[WatchRow]:
    from sqlalchemy import select

    from records_req.store.models import Watch

    return [_row(w) for w in session.scalars(select(Watch).order_by(Watch.id))]


def remove_watch(session: Session, watch_id: int) -> WatchRow:
    from records_req.store.models import Watch

    watch = session.get(Watch, watch_id)
    if watch is None:
        raise UnknownWatch(f"No watch #{watch_id}.")
    row = _row(watch)
    session.delete(watch)
    return row


def _row(watch: Any) -> WatchRow:
    return WatchRow(watch.id, watch.state, watch.county, watch.model)


def matches(watches: Iterable[WatchRow], changes: Iterable[ListChanges]) -> list[WatchMatch]:
    """Each watch's matches among the lists' new agreements and models added, in the lists' order."""
    found = []
    listed = list(changes)
    for watch in watches:
        for change in listed:
            for label, rows in (("new-agreement", change.new_agreements), ("model-added", change.models_added)):
                found += [
                    WatchMatch(watch, change.kind, label, row, MODEL_TOPICS.get(row["model"], "wso"))
                    for row in rows
                    if watch.narrow.matches(row)
                ]
    return found

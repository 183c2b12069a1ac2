"""JSON: the whole report in a documented, versioned shape (see report.schema.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from records_req.lifecycle import Line
from records_req.reports.data import SCHEMA_VERSION, Report

SCHEMA_FILE = Path(__file__).with_name("report.schema.json")


def to_dict(report: Report) -> dict[str, Any]:
    f = report.filters
    return {
        "schema": "records-req-report",
        "schema_version": SCHEMA_VERSION,
        "as_of": report.as_of.isoformat(),
        "filters": {
            "state": f.state,
            "tags": list(f.tags),
            "since": f.since.isoformat() if f.since else None,
            "redact": f.redact,
        },
        "summary": report.summary(),
        "requests": [
            {
                "id": r.id,
                "jurisdiction": r.jurisdiction,
                "agency": r.agency,
                "agency_models": list(r.agency_models),
                "law": {"name": r.law, "citation": r.law_citation},
                "topics": list(r.topics),
                "tags": list(r.tags),
                "status": r.status,
                "overdue": r.overdue,
                "days_late": r.days_late,
                "letter_date": r.letter_date.isoformat(),
                "sent": r.sent_on.isoformat() if r.sent_on else None,
                "first_response": r.first_response_on.isoformat() if r.first_response_on else None,
                "completed": r.completed_on.isoformat() if r.completed_on else None,
                "due": r.due_on.isoformat() if r.due_on else None,
                "due_label": r.due_label,
                "statutory": r.due_statutory,
                "next_step": r.next_step,
                "next_action": r.next_action.to_dict(),
                "tracking_numbers": list(r.tracking_numbers),
                "events": [_event(line) for line in r.history],
                "documents": [
                    {"request_id": r.id, "role": d.role, "name": d.name, "sha256": d.sha256, "size": d.size}
                    for d in r.documents
                ],
                "explanation": list(r.explanation),
                "requester": r.requester._asdict() if r.requester else None,
            }
            for r in report.requests
        ],
    }


def _event(line: Line) -> dict[str, Any]:
    """One line of the request's history (lifecycle.history, in date order): an undone event is
    kept with ``undone``, when and by whom; an edit names its ``target`` and ``changes``."""
    shown = line.to_dict()
    return {k: shown[k] for k in ("id", "on", "kind", "note", "forced", "undone", "undone_on", "undone_by")} | (
        {"target": line.target, "changes": shown["changes"]} if line.kind == "edit" else {}
    )


def to_json(report: Report) -> bytes:
    return (json.dumps(to_dict(report), indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded

"""ICS: a calendar of open deadlines, one event per deadline, with stable UIDs.

A deadline keeps its UID (request number + which clock) when its date moves, so a subscribed
calendar replaces the event instead of adding another. Written by hand (RFC 5545): the format is
small, and no dependency is needed to produce it.
"""

from __future__ import annotations

import datetime as dt

from records_req.reports.data import Report

PRODID = "-//records-req//deadlines//EN"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (RFC 5545 3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def to_ics(report: Report) -> bytes:
    stamp = dt.datetime.combine(report.as_of, dt.time(0)).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:records-req deadlines",
    ]
    for r in report.requests:
        if r.due_on is None or r.status in ("draft", "completed", "no-records", "withdrawn"):
            continue
        clock = "appeal" if "appeal" in r.due_label or "court" in r.due_label else "response"
        kind = "statutory" if r.statutory else "suggested"
        summary = f"#{r.id} {r.agency}: {r.due_label or 'deadline'}"
        description = (
            f"Request #{r.id} to {r.agency} ({r.jurisdiction_name}) under the {r.law}, "
            f"{r.law_citation}. Status: {r.status}. This date is {kind}. Next: {r.next_step}"
        )
        end = r.due_on + dt.timedelta(days=1)
        lines += [
            "BEGIN:VEVENT",
            f"UID:request-{r.id}-{clock}@records-req",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{r.due_on:%Y%m%d}",
            f"DTEND;VALUE=DATE:{end:%Y%m%d}",
            f"SUMMARY:{_escape(summary)}",
            f"DESCRIPTION:{_escape(description)}",
            f"CATEGORIES:{_escape(r.jurisdiction)},{kind}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")

"""`records-req templates check DIR`: prove a template set renders for every jurisdiction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, cast

from records_req.errors import RecordsReqError
from records_req.laws import load_laws
from records_req.letters.compose import (
    Agency,
    LetterRequest,
    Requester,
    compose,
    context,
)
from records_req.letters.model import KINDS, Kind
from records_req.topics import load_topics

SAMPLE_DATE = dt.date(2026, 11, 27)


def sample_request(code: str, kind: Kind) -> LetterRequest:
    """A request that exercises every branch a template is likely to have."""
    from records_req.calendars import calendar_for
    from records_req.deadlines import compute_for

    j = load_laws()[code]
    topics = load_topics()
    chosen = tuple(topics[k] for k in ("wso", "ice-communications") if k in topics)
    deadline = None
    if kind != "initial":
        deadline = compute_for(j, calendar_for(j), sent=dt.date(2026, 10, 1)).first
    return LetterRequest(
        kind=kind,
        jurisdiction=j,
        agency=Agency(
            "Sample County Sheriff's Office & Jail <Records>",
            "1 Court St\nSample, ST 00000",
            "records@example.gov",
            "Records Custodian",
        ),
        requester=Requester(
            "Ana Núñez",
            "ana@example.org",
            "1 Main St\nTown, ST 00000",
            "555-0100",
            "Example Coalition",
            code,
        ),
        topics=chosen,
        since=dt.date(2025, 1, 1),
        until=SAMPLE_DATE,
        date=SAMPLE_DATE,
        items=("A record described by the requester.",),
        co_requester=None,
        about="Sample County Sheriff's Office" if j.is_federal else None,
        request_date=dt.date(2026, 10, 1) if kind != "initial" else None,
        tracking_numbers=("PRR-1",) if kind != "initial" else (),
        deadline=deadline,
    )


def check_directory(directory: Path) -> dict[str, Any]:
    """Render each template in ``directory`` against all jurisdictions; collect the errors."""
    from records_req.letters.render import render

    laws = load_laws()
    files: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.txt")):
        stem = path.stem
        kind_name = cast(Kind, stem.removesuffix("-federal"))
        if kind_name not in KINDS:
            files.append(
                {
                    "file": str(path),
                    "errors": [f"unknown template name; use one of {', '.join(KINDS)} (optionally '-federal')"],
                }
            )
            continue
        codes = (
            ["US"]
            if stem.endswith("-federal")
            else [c for c in laws if c != "US"] + (["US"] if not (directory / f"{stem}-federal.txt").exists() else [])
        )
        errors: set[str] = set()
        for code in codes:
            try:
                compose(sample_request(code, kind_name), directory)
            except RecordsReqError as exc:
                errors.add(str(exc))
        files.append({"file": str(path), "errors": sorted(errors)})
    docx = directory / "letter.docx"
    if docx.is_file():
        errors_docx: list[str] = []
        try:
            letter = compose(sample_request("VA", "initial"))
            render(letter, ("docx",), directory)
        except RecordsReqError as exc:
            errors_docx.append(str(exc))
        files.append({"file": str(docx), "errors": errors_docx})
    return {
        "directory": str(directory),
        "files": files,
        "variables": sorted(context(sample_request("VA", "initial"))),
    }

"""`records-req templates check DIR`: prove a template set renders for every jurisdiction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, cast

from records_req.errors import RecordsReqError
from records_req.laws import load_laws, salutation_problem
from records_req.letters.compose import (
    Agency,
    LetterRequest,
    ListedAgreement,
    Requester,
    compose,
    context,
)
from records_req.letters.model import KINDS, Kind
from records_req.topics import load_topics

SAMPLE_DATE = dt.date(2026, 11, 27)


SAMPLE_SENT = dt.date(2026, 10, 1)


def sample_request(
    code: str,
    kind: Kind,
    *,
    letter_date: dt.date = SAMPLE_DATE,
    denied_on: dt.date | None = None,
    acknowledged: dt.date | None = None,
) -> LetterRequest:
    """A request that exercises every branch a template is likely to have. Follow-ups and appeals
    get the dates the engine computes (``force``: a status inquiry or a late appeal, where the
    sample's dates make them so)."""
    from records_req.calendars import calendar_for
    from records_req.letters.timing import plan

    j = load_laws()[code]
    topics = load_topics()
    chosen = tuple(topics[k] for k in ("wso", "ice-communications") if k in topics)
    timing = None
    sent = min(SAMPLE_SENT, denied_on, letter_date) if denied_on else min(SAMPLE_SENT, letter_date)
    if kind != "initial":
        timing = plan(
            kind,
            j,
            calendar_for(j),
            received=sent,
            letter_date=letter_date,
            acknowledged=acknowledged,
            denied_on=denied_on,
            force=True,
        )
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
        until=sent if kind != "initial" else SAMPLE_DATE,
        date=letter_date,
        items=("A record described by the requester.",),
        co_requester=None,
        about="Sample County Sheriff's Office" if j.is_federal else None,
        request_date=sent if kind != "initial" else None,
        tracking_numbers=("PRR-1",) if kind != "initial" else (),
        deadline=timing.missed if timing is not None else None,
        denied_on=denied_on,
        timing=timing,
        agreements=(  # both paragraphs of an initial letter are rendered, so both are checked
            ListedAgreement(
                "Warrant Service Officer",
                dt.date(2025, 2, 26),
                "https://www.ice.gov/doclib/287gMOA/sample_WSO_MOA.pdf",
                False,
                dt.date(2026, 5, 18),
            ),
            ListedAgreement("Task Force Model", None, None, True, dt.date(2026, 5, 18)),
        )
        if kind == "initial" and not j.is_federal
        else (),
    )


def generic_warnings() -> list[str]:
    """One line per jurisdiction whose letters fall back on generic wording for want of data."""
    out = []
    for j in load_laws().values():
        generic = [name for name, status in j.coverage().items() if status == "generic"]
        if generic:
            fields = ", ".join(generic)
            out.append(f"{j.code}: generic wording for {fields} (see 'records-req states --coverage {j.code}')")
    return out


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
            samples = [sample_request(code, kind_name)]
            if kind_name != "initial":  # early (status inquiry), and after an explicit denial
                samples.append(sample_request(code, kind_name, letter_date=SAMPLE_SENT))
                samples.append(sample_request(code, kind_name, denied_on=SAMPLE_DATE - dt.timedelta(days=3)))
            for sample in samples:
                try:
                    letter = compose(sample, directory)
                except RecordsReqError as exc:
                    errors.add(str(exc))
                    continue
                problem = salutation_problem(letter.salutation.removeprefix("Dear ").removesuffix(":"))
                if problem:
                    errors.add(f"{code} {kind_name}: the salutation {letter.salutation!r} {problem}")
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
        "warnings": generic_warnings(),
        "variables": sorted(context(sample_request("VA", "initial"))),
    }

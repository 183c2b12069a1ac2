"""`bundle`: everything about one request in one zip, for a lawyer or a complaint.

Contents: the letters and received files, ``timeline.json`` (the events), ``deadline.json`` and
``deadline.pdf`` (the current deadline and how it was computed), and ``manifest.json`` with the
sha256 and size of every other file, so that nothing can be changed unnoticed.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from records_req import timeline
from records_req.dates import today
from records_req.labels import status_label
from records_req.lifecycle import KeyDates, Line
from records_req.output import OutputError, Protected, write_all
from records_req.timeline import line_words

if TYPE_CHECKING:
    from records_req.views import RequestDetails

_TIME = (2020, 1, 1, 0, 0, 0)


def make_bundle(
    details: RequestDetails, output: Path, *, force: bool, guard: Protected | None = None
) -> list[dict[str, Any]]:
    """Write the bundle of the request ``details`` describe to ``output``; return its manifest."""
    data, manifest = bundle_bytes(details)
    write_all({output: data}, force=force, make_parents=False, **(guard or Protected(protected=[], protected_dirs=[])))
    return manifest


def bundle_bytes(request: RequestDetails) -> tuple[bytes, list[dict[str, Any]]]:
    """The zip (letters, received files, timeline, deadline, manifest of hashes) and its manifest."""
    details = request.to_json()  # the files keep what ``show --json`` prints
    files: dict[str, bytes] = {}
    for doc in details["documents"]:
        path = Path(doc["path"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise OutputError(f"Cannot read {path} for the bundle: {exc.strerror or exc}") from None
        if hashlib.sha256(data).hexdigest() != doc["sha256"]:
            raise OutputError(
                f"{path} no longer matches the hash recorded when it was stored; it was changed after it was recorded."
            )
        folder = "letters" if doc["role"] == "letter" else "received"
        # Only the file's own name (an attached file's name could hold "../"), made unique.
        name = Path(str(doc["name"]).replace("\\", "/")).name.lstrip(".") or "file"
        entry = f"{folder}/{name}"
        while entry in files:
            entry = f"{folder}/{doc['sha256'][:8]}-{name}"
            name = entry.rsplit("/", 1)[1]
        files[entry] = data
    lines, dates = _history(details)
    timeline = {k: v for k, v in details.items() if k not in ("deadline", "explanation")}
    timeline |= {"history": [line.to_dict() for line in lines], **dates.to_dict()}
    files["timeline.json"] = _json(timeline)
    files["deadline.json"] = _json(
        {"deadline": details["deadline"], "explanation": details["explanation"], **dates.to_dict()}
    )
    files["deadline.pdf"] = _explanation_pdf(details, lines, dates)
    manifest = [
        {"file": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        for name, data in sorted(files.items())
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(name, date_time=_TIME), data, zipfile.ZIP_DEFLATED)
        archive.writestr(zipfile.ZipInfo("manifest.json", date_time=_TIME), _json(manifest))
    return buffer.getvalue(), manifest


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def _history(details: dict[str, Any]) -> tuple[list[Line], KeyDates]:
    """The request's history in date order and its key dates, from the lifecycle (the same answer
    ``show`` gives), as the bundle keeps them."""
    import datetime as dt

    from records_req.calendars import calendar_for
    from records_req.laws import load_laws
    from records_req.lifecycle import history, key_dates, recorded_of

    recorded = recorded_of(details["events"])
    j = load_laws()[details["jurisdiction"]].for_agency(details["agency"])
    as_of = dt.date.fromisoformat(details["as_of"])
    return history(recorded), key_dates(recorded, j, calendar_for(j), as_of)


def _explanation_pdf(details: dict[str, Any], lines: list[Line], dates: KeyDates) -> bytes:
    """The timeline, the key dates and the deadline's explanation as a short PDF, in the letters'
    fonts. An undone event stays in the timeline, marked undone; it is not in force."""
    import datetime as dt

    from records_req.letters.model import Block, Letter
    from records_req.letters.pdf import render_pdf

    body = [Block("heading", "Timeline")]
    body += [Block("bullet", line_words(line), "•") for line in lines]
    body.append(Block("heading", "Key dates"))
    response = dates.response
    facts = [
        ("Response due", response.date if response else None),
        ("Suggested follow-up (not statutory)", response.followup if response and not response.date else None),
        ("Silence becomes a denial", dates.deemed_denial_on),
        ("Denied", dates.denied_on),
    ]
    body += [Block("bullet", f"{label}: {timeline.day(day)}", "•") for label, day in facts if day is not None]
    if dates.appeal is not None:
        body.append(Block("bullet", dates.appeal.describe(), "•"))
    if all(day is None for _, day in facts) and dates.appeal is None:
        body.append(Block("paragraph", "None yet: the request has not been sent."))
    body.append(Block("heading", "Current deadline"))
    body.append(
        Block(
            "paragraph",
            f"Status: {status_label(details['status'])}. Due: {timeline.day(details['due']) or 'none'}"
            f" ({details['due_label'] or 'no running clock'}). Next: {details['next_step']}",
        )
    )
    body += [Block("item", line, f"{i}.") for i, line in enumerate(details["explanation"], 1)]
    letter = Letter(
        kind="initial",
        jurisdiction=details["jurisdiction"],
        date=today(dt.date.fromisoformat(details["as_of"]) if details.get("as_of") else None),
        sender=(f"Request #{details['id']}",),
        recipient=(details["agency"], details["law"]["name"]),
        subject=f"Timeline and deadline of request #{details['id']}",
        salutation="",
        body=tuple(body),
        closing="",
        signature=(),
    )
    return render_pdf(letter)

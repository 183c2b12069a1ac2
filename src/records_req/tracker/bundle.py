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
from typing import Any

from records_req.dates import today
from records_req.output import OutputError, write_all

_TIME = (2020, 1, 1, 0, 0, 0)


def make_bundle(
    details: dict[str, Any], output: Path, *, force: bool, guard: dict[str, list[Path]] | None = None
) -> list[dict[str, Any]]:
    """Write the bundle of the request ``details`` describe to ``output``; return its manifest."""
    data, manifest = bundle_bytes(details)
    write_all({output: data}, force=force, make_parents=False, **(guard or {}))
    return manifest


def bundle_bytes(details: dict[str, Any]) -> tuple[bytes, list[dict[str, Any]]]:
    """The zip (letters, received files, timeline, deadline, manifest of hashes) and its manifest."""
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
    timeline = {k: v for k, v in details.items() if k not in ("deadline", "explanation")}
    files["timeline.json"] = _json(timeline)
    files["deadline.json"] = _json({"deadline": details["deadline"], "explanation": details["explanation"]})
    files["deadline.pdf"] = _explanation_pdf(details)
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


def _explanation_pdf(details: dict[str, Any]) -> bytes:
    """The timeline and the deadline's explanation as a short PDF, in the letters' fonts."""
    import datetime as dt

    from records_req.letters.model import Block, Letter
    from records_req.letters.pdf import render_pdf

    body = [Block("heading", "Timeline")]
    body += [
        Block("bullet", f"{e['on']}: {e['kind']}" + (f" ({e['note']})" if e["note"] else ""), "•")
        for e in details["events"]
    ]
    body.append(Block("heading", "Current deadline"))
    body.append(
        Block(
            "paragraph",
            f"Status: {details['status']}. Due: {details['due'] or 'none'}"
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

"""A received file's row and its text per page (the searchable text, records_req.search), for a
reply's attachment (records_req.inbox.intake) and a file kept with a request by hand
(records_req.tracker.service.attach_file) alike. It imports nothing of the tracker, so the tracker
and the inbox never import each other."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from records_req.inbox import files

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from records_req.store.models import ReceivedFile


def received_file(session: Session, kept: files.Stored, size: int, data: Callable[[], bytes]) -> ReceivedFile:
    """The received file's row, with its text per page, extracted the first time these bytes are
    kept; ``data`` reads them only when needed."""
    from records_req.store.models import ReceivedFile, ReceivedPage

    known = session.get(ReceivedFile, kept.sha256)
    if known is not None:
        return known
    text = files.extract(data(), kept.extension) if kept.extension in files.EXTRACTED else files.Extracted([], None)
    note = text.note
    if kept.kind == "unknown":
        note = "a kind of file the tracker does not open: kept as .bin, never opened"
    known = ReceivedFile(
        sha256=kept.sha256,
        extension=kept.extension,
        kind=kept.kind,
        size=size,
        path=str(kept.path),
        pages=len(text.pages),
        text_note=note,
    )
    session.add(known)
    session.flush()
    for n, page in enumerate(text.pages, 1):
        session.add(ReceivedPage(sha256=kept.sha256, page=n, text=page))
    session.flush()
    return known


def index_received(session: Session, path: Path, sha256: str) -> None:
    """Make a file kept with a request by hand (already stored under its hash) searchable: its
    text per page is extracted as a reply's attachment's is, once per content."""
    from records_req.filetypes import identify_file

    found = identify_file(path)
    kind = found.kind if found is not None else "unknown"
    received_file(session, files.Stored(path, sha256, path.suffix, kind), path.stat().st_size, path.read_bytes)

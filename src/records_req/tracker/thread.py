"""A request as a thread, the way MuckRock shows one: each letter with its words and its files
(DOCX, PDF, .eml), each event of the history at its date, each file the agency sent with the
event it came with. The dashboard's request page shows it; the words of each item are the doors'
(records_req.labels)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from records_req.letters.docx_read import paragraphs

if TYPE_CHECKING:
    from records_req.lifecycle import Line
    from records_req.store.reader import Reader
    from records_req.views import Document, RequestDetails

LETTER_EVENTS = ("sent", "followed-up", "appealed")  # the events a letter of ours goes with


class Letter(NamedTuple):
    """One letter as written: its files (one per format) and its paragraphs, each with the label
    Word shows for a list item ("1.", "•") or None; no paragraphs where no DOCX can be read."""

    files: tuple[Document, ...]
    paragraphs: tuple[tuple[str | None, str], ...]

    @property
    def name(self) -> str:
        return Path(self.files[0].name).stem


class Item(NamedTuple):
    """One entry of the thread: a history line (None for the letter written before anything was
    recorded), the letter that went with it, and the files the agency sent with it."""

    on: dt.date
    line: Line | None
    letter: Letter | None
    received: tuple[Document, ...]


def document_events(view: Reader, request_id: int) -> dict[int, int | None]:
    """Document id -> the event it was stored with (None: none)."""
    rows = view.rows("SELECT id, event_id FROM documents WHERE request_id = ?", [request_id])
    return {int(r["id"]): (int(r["event_id"]) if r["event_id"] is not None else None) for r in rows}


def letters(documents: Sequence[Document]) -> list[Letter]:
    """The request's letters in the order written: the files of one letter share a name."""
    groups: dict[str, list[Document]] = {}
    for d in documents:
        if d.role == "letter":
            groups.setdefault(str(Path(d.path).with_suffix("")), []).append(d)
    order = {".pdf": 0, ".docx": 1, ".eml": 2}
    return [
        Letter(tuple(sorted(files, key=lambda d: order.get(Path(d.name).suffix.lower(), 9))), _paragraphs(files))
        for files in groups.values()
    ]


def _paragraphs(files: Sequence[Document]) -> tuple[tuple[str | None, str], ...]:
    for d in files:
        if Path(d.path).suffix.lower() == ".docx" and Path(d.path).is_file():
            try:
                return tuple((label, text) for label, text in paragraphs(Path(d.path)) if text.strip())
            except Exception:  # a file changed or broken since: the page still shows the rest
                return ()
    return ()


def thread(details: RequestDetails, lines: Sequence[Line], events_of: Mapping[int, int | None]) -> list[Item]:
    """The thread in date order: the first letter with 'sent' (or on its own date while it is a
    draft), each later letter with the event that logged it, each received file with its event
    (files stored with no event come last, on the day the request is seen)."""
    written = letters(details.documents)
    by_event: dict[int, Letter] = {}
    loose = list(written)
    for letter in written:
        event = next((events_of.get(d.id) for d in letter.files if events_of.get(d.id)), None)
        if event is not None:
            by_event[event] = letter
            loose.remove(letter)
    received: dict[int | None, list[Document]] = {}
    for d in details.documents:
        if d.role != "letter":
            received.setdefault(events_of.get(d.id), []).append(d)
    items: list[Item] = []
    first = loose.pop(0) if loose else None
    sent_line = next((line for line in lines if line.kind == "sent" and not line.undone), None)
    if first is not None and sent_line is None:
        items.append(Item(details.letter_date, None, first, ()))
    for line in lines:
        with_it = by_event.get(line.id)
        if with_it is None and line is sent_line:
            with_it = first
        elif with_it is None and line.kind in LETTER_EVENTS and loose and not line.undone:
            with_it = loose.pop(0)
        items.append(Item(line.on, line, with_it, tuple(received.pop(line.id, []))))
    rest = [d for files in received.values() for d in files]
    if rest or loose:
        for unsent in loose:
            items.append(Item(details.as_of, None, unsent, ()))
        if rest:
            items.append(Item(details.as_of, None, None, tuple(rest)))
    return items

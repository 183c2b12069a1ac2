"""A campaign's letters rendered, in this process or in worker processes: what a worker needs
(the job, its rendering, a worker's setup), without the database, so that the forkserver the
workers are made from imports neither SQLAlchemy nor the tracker (tracker.campaign.WORKER_PRELOAD).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from records_req.errors import RecordsReqError
from records_req.laws import Laws, load_laws
from records_req.letters.compose import LetterRequest, compose, kept_with_request
from records_req.letters.render import draft_email, render
from records_req.letters.request import build_letter_request
from records_req.topics import Topics, load_topics

if TYPE_CHECKING:
    from records_req.letters.compose import ListedAgreement
    from records_req.letters.request import RequestSpec


class Job(NamedTuple):
    """One letter to render: everything a worker process needs, and nothing from the database."""

    code: str
    spec: RequestSpec
    agency_name: str
    topic_keys: tuple[str, ...]
    paths: dict[str, Path]  # by extension: docx, pdf, eml
    agreements: tuple[ListedAgreement, ...]  # what the letter says of the agency's place on ICE's list
    eml_to: str | None  # the agency's email, when an .eml draft is wanted
    user_templates: Path | None
    request: LetterRequest | None = None  # the request as planned; None: built again from ``spec``


class Rendered(NamedTuple):
    files: dict[str, bytes]  # by extension: docx, pdf, eml
    since: dt.date
    until: dt.date
    items: tuple[str, ...]
    fee_limit: int
    co_requester: str | None
    as_sent: dict[str, Any] | None = None  # what the letter asked for (compose.AsSent), kept with the request


def render_job(job: Job) -> Rendered | RecordsReqError:
    """Compose and render one letter (and its .eml draft): pure, so it runs in any process."""

    try:
        req = job.request
        if req is None:
            req, _ = build_letter_request(load_laws()[job.code], job.spec)
        req = req._replace(agreements=job.agreements)
        letter = compose(req, job.user_templates)
        wanted = [ext for ext in ("docx", "pdf") if ext in job.paths]
        files = render(letter, wanted, job.user_templates)
        if "eml" in job.paths:
            pdf = files.get("pdf") or render(letter, ["pdf"], job.user_templates)["pdf"]
            draft = draft_email(letter, req, pdf, job.paths["eml"].with_suffix(".pdf").name)
            if draft is not None:
                files["eml"] = draft
    except RecordsReqError as exc:
        return exc
    return Rendered(files, req.since, req.until, req.items, req.fee_limit, req.co_requester, kept_with_request(req))


BATCH = 4  # letters a worker renders in one task


class _Sent(NamedTuple):
    """A job as sent to a worker process: its planned request without the law and the topics
    (the same large data for every letter, which the worker has), named instead."""

    job: Job  # without its request
    request: dict[str, Any] | None  # the planned request's other fields
    topic_keys: tuple[str, ...]


def sent_to_worker(job: Job) -> _Sent:
    """The job as :func:`render_batch` takes it in a worker process (see _Sent)."""
    if job.request is None:
        return _Sent(job, None, ())
    fields = job.request._asdict()
    del fields["jurisdiction"], fields["topics"]
    return _Sent(job._replace(request=None), fields, tuple(t.key for t in job.request.topics))


def render_batch(batch: Sequence[_Sent]) -> list[Rendered | RecordsReqError]:
    """Each letter of a worker's task rendered (:func:`render_job`) from its planned request."""

    laws = load_laws()
    topics: dict[Path | None, Topics] = {}
    return [render_job(_received(sent, laws, topics)) for sent in batch]


def _received(sent: _Sent, laws: Laws, topics: dict[Path | None, Topics]) -> Job:
    """The job with its planned request filled in with this process's law and topics (the same
    data, read from the same files; ``topics`` keeps them by topics file); a request naming what
    they lack is left to be built again."""
    job = sent.job
    if sent.request is None:
        return job
    try:
        if job.spec.topics_file not in topics:
            topics[job.spec.topics_file] = load_topics(job.spec.topics_file)
        chosen = tuple(topics[job.spec.topics_file][key] for key in sent.topic_keys)
        jurisdiction = laws[job.code].for_agency(job.spec.agency)
    except (KeyError, RecordsReqError):
        return job
    return job._replace(request=LetterRequest(**sent.request, jurisdiction=jurisdiction, topics=chosen))


def quiet_worker() -> None:
    """Set up a worker process. Ctrl-C reaches every process of the terminal: the main process
    stops the campaign (and says how to resume it); a worker ignores it rather than print a
    traceback. And a worker never outlives the campaign: if the main process dies (``kill -9``,
    a crash, a closed terminal), the worker exits at once instead of waiting for work for ever
    and holding the terminal (``campaign ... | tee log`` would never end)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, name="records-req-parent-watch", daemon=True).start()
    collect_less()


YOUNG_THRESHOLD = 10_000  # allocations between the garbage collector's youngest collections (Python: 700)


def collect_less() -> None:
    """Fewer and smaller garbage collections in a process that renders many letters: what the
    process holds now (its modules, fonts, templates, a warm worker's caches) is set aside
    (``gc.freeze``: the collector no longer walks it), and the youngest generation is collected
    every YOUNG_THRESHOLD allocations instead of 700. A letter leaves few reference cycles (see
    pdf.StructNode), so memory stays flat; the collector's walks over a worker's whole heap were a
    few percent of its time. The output is the same: nothing of a letter depends on when the
    collector runs."""
    gc.freeze()
    _fewer_young_collections()


def _fewer_young_collections() -> None:
    """The youngest generation collected every YOUNG_THRESHOLD allocations, or less often if it
    already was."""
    young, *older = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_THRESHOLD), *older)


class _CollectingLess:
    """What :func:`collecting_less` changed, shared by the campaigns running at once in one
    process (a dashboard's jobs, each in its own thread): the first to begin sets the collector
    aside, the last to end gives it back."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.threshold: tuple[int, ...] = ()
        self.froze = False

    def begin(self) -> None:
        with self.lock:
            if self.running == 0:
                self.threshold = gc.get_threshold()
                self.froze = gc.get_freeze_count() == 0
                if self.froze:
                    collect_less()
                else:
                    _fewer_young_collections()
            self.running += 1

    def end(self) -> None:
        with self.lock:
            self.running -= 1
            if self.running == 0:
                gc.set_threshold(*self.threshold)
                if self.froze:
                    gc.unfreeze()


_COLLECTING_LESS = _CollectingLess()


@contextlib.contextmanager
def collecting_less() -> Iterator[None]:
    """:func:`collect_less` while the block runs (the campaign's own process, as it records the
    letters), then the collector as it was, once the last campaign running in the process has
    ended. A process that froze part of its heap itself (a script or a server running campaigns
    through the Python API) is left to manage its own: nothing more is frozen, and nothing
    unfrozen, which would hand its whole heap back to every full collection; only the youngest
    collections are fewer."""
    _COLLECTING_LESS.begin()
    try:
        yield
    finally:
        _COLLECTING_LESS.end()


def _exit_with_parent() -> None:
    """Wait for the campaign's process to end, then end this one. The wait is on multiprocessing's
    parent sentinel (a pipe whose other end only the parent holds: it reads as closed the moment
    the parent is gone, however it died), so it works with the forkserver and spawn starts alike."""
    import multiprocessing
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return
    wait([parent.sentinel])
    os._exit(1)

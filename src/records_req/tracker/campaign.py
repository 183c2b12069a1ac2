"""Campaigns: the same focused request to every agency a selection of ICE's 287(g) list names.

Three steps, each usable alone:

- :func:`select_targets` reads the newest imported lists and picks agencies by state, model,
  county, type, signing date, or a pending application;
- :func:`plan` decides, for each agency, whether it gets a letter, and if not, why not
  (residency, already requested, already in this campaign, a state that bars 287(g), a file in
  the way); it checks everything :func:`records_req.letters.request.build_letter_request` checks,
  with the same messages, and writes nothing (``campaign --dry-run`` prints it);
- :func:`run` renders the letters (in worker processes with ``jobs > 1``; only this process
  touches the database) and records the agencies ``CHUNK`` to a transaction, each after its
  files are written. A campaign is named by its tag: running it again creates nothing new, and an
  interrupted one resumes where it stopped. Rendering is deterministic, so the letters whose
  files were written just before an interruption, and whose requests were not yet committed, are
  found byte for byte identical on the next run and adopted, never duplicated.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import os
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from records_req.errors import Noted, NotFoundError, RecordsReqError, UsageError
from records_req.names import county_key
from records_req.output import Guarded, OutputError, Protected
from records_req.tracker.campaign_render import (  # the letters' rendering, which worker processes run
    BATCH,
    Job,
    Rendered,
    collecting_less,
    quiet_worker,
    render_batch,
    render_job,
    sent_to_worker,
)
from records_req.wording import REASONS as _REASONS

if TYPE_CHECKING:
    from records_req.laws import Laws
    from records_req.store.db import Store
    from records_req.store.models import Agency, IceAgreement, Profile, Request
    from records_req.topics import Topics
    from records_req.workspace import LetterOutput, Workspace

NOTHING_PROTECTED = Protected(protected=[], protected_dirs=[])
TYPES = {"county": "County", "municipality": "Municipality", "state": "State Agency"}
# Told how far a long job is: (requests done, requests in all).
Progress = Callable[[int, int], None]

# Why an agency gets no letter: the summary counts these.
Reason = Literal[
    "in-campaign",  # this campaign already wrote to it (a re-run or a resumed run)
    "already-requested",  # another open request for the same records (--again to write anyway)
    "residency",  # only residents may ask, and neither the requester nor a co-requester is one
    "state-bars-287g",  # the state's law bars 287(g) agreements (--include-barred to write anyway)
    "no-law",  # no public-records law data for the place (Guam, the Northern Mariana Islands)
    "file-exists",  # a file not written by this tool is where the letter would go (--force)
    "invalid",  # the request cannot be written (the message says why)
]
# Each reason's few plain words (records_req.wording.REASONS); the doors word them (the command
# line adds the flag that writes anyway, the dashboard says them in English or Spanish).
REASONS: dict[str, str] = dict(_REASONS)


@dataclass(frozen=True)
class Selection:
    """Which agencies of ICE's newest lists a campaign writes to; every filter narrows."""

    states: tuple[str, ...] = ()  # USPS codes; none: every state
    models: tuple[str, ...] = ()  # JEM, TFM, WSO; none: any
    counties: tuple[str, ...] = ()  # "Harris" or "Harris County"
    types: tuple[str, ...] = ()  # county, municipality, state
    signed_since: dt.date | None = None  # an agreement of the chosen models signed on or after
    pending: bool = False  # agencies with a pending application instead of a signed agreement


class Target(NamedTuple):
    """An agency the selection names, and the agreements that put it there."""

    agency_id: int
    state: str
    name: str
    listed: str  # "WSO signed 2025-03-04; TFM signed 2025-05-01" or "WSO pending"


class Step(NamedTuple):
    """What the campaign does for one agency: create a request, or skip it and why."""

    target: Target
    action: Literal["create", "skip"]
    reason: Reason | None = None
    message: str | None = None
    request_id: int | None = None  # the request that makes it a skip, if any
    job: Job | None = None


class Outcome(NamedTuple):
    target: Target
    action: Literal["created", "skipped"]
    reason: Reason | None
    message: str | None
    request_id: int | None
    files: dict[str, str]
    meanwhile: bool = False  # skipped for what another writer did after the plan (a campaign run at once)


@dataclass(frozen=True)
class Options:
    """What a campaign asks and how it writes: the requester, the topics, the options of
    ``records-req new``, and ``output``, the Workspace's LetterOutput (formats, folder, force,
    templates, the letters' date, .eml drafts) as a follow-up or a later letter takes it."""

    tag: str
    topic_keys: tuple[str, ...]
    items: tuple[str, ...] = ()
    requester: dict[str, str | None] | None = None  # RequestSpec requester_* fields
    co_requester: str | None = None
    co_requester_address: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    fee_limit: int = 50
    topics_file: Path | None = None
    again: bool = False
    include_barred: bool = False
    output: LetterOutput = field(kw_only=True)  # the door's, from its Workspace (Workspace.output)


# --- selecting ----------------------------------------------------------------------------------


def select_targets(session: Session, selection: Selection) -> list[Target]:
    """The agencies of ICE's newest participating list (or, with ``pending``, its newest pending
    list, less what a later participating list shows signed) that match every filter, by state
    and name."""
    from records_req.agencies.ice_lists import newest_import
    from records_req.store.models import Agency, IceAgreement

    participating = newest_import(session, "participating")
    pending = newest_import(session, "pending") if selection.pending else None
    if participating is None and pending is None:
        kind = "pending" if selection.pending else "participating"
        raise UsageError.of("no-ice-list", kind=kind)
    source = pending if selection.pending else participating
    assert source is not None
    query = select(IceAgreement).where(IceAgreement.import_id == source.id)
    if selection.states:
        query = query.where(IceAgreement.state.in_([s.upper() for s in selection.states]))
    if selection.models:
        query = query.where(IceAgreement.model.in_([m.upper() for m in selection.models]))
    rows: list[IceAgreement] = list(session.scalars(query.order_by(IceAgreement.row)))
    if selection.pending and participating is not None and participating.listed_on >= source.listed_on:
        signed = {
            (a.state, a.agency_key, a.model)
            for a in session.scalars(select(IceAgreement).where(IceAgreement.import_id == participating.id))
        }
        rows = [a for a in rows if (a.state, a.agency_key, a.model) not in signed]
    counties = {county_key(c) for c in selection.counties}
    types = {TYPES[t.lower()] for t in selection.types}
    chosen: dict[tuple[str, str], list[IceAgreement]] = {}
    for a in rows:
        if counties and county_key(a.county or "") not in counties:
            continue
        if types and a.agency_type not in types:
            continue
        if selection.signed_since and not (a.signed and a.signed >= selection.signed_since):
            continue
        chosen.setdefault((a.state, a.agency_key), []).append(a)  # the one agency key, as imported
    agencies = {
        (ag.state, ag.name_key): ag
        for ag in session.scalars(select(Agency).where(Agency.state.in_(sorted({s for s, _ in chosen}))))
    }
    targets = []
    for (state, key), found in sorted(chosen.items()):
        row = agencies.get((state, key))
        if row is None:  # imported before the directory kept every listed agency: add it now
            row = _add_agency(session, state, found[0].agency)
        targets.append(Target(row.id, state, row.name, _listed(found)))
    return targets


def source_list(session: Session, selection: Selection) -> dict[str, Any] | None:
    """The list a campaign is built from (ICE's newest participating list, or its newest pending
    list with ``pending``): its import, file and ICE's date, for the plan and the summary."""
    from records_req.agencies.ice_lists import list_dict, newest_import

    return list_dict(newest_import(session, "pending" if selection.pending else "participating"))


def _add_agency(session: Session, state: str, name: str) -> Agency:
    from records_req.agencies.directory import agency

    return agency(session, state, name)


def _listed(rows: Sequence[IceAgreement]) -> str:
    parts = []
    for a in sorted(rows, key=lambda a: a.model):
        if a.pending:
            parts.append(f"{a.model} pending")
        else:
            parts.append(f"{a.model} signed {a.signed.isoformat()}" if a.signed else f"{a.model} (no date)")
    return "; ".join(parts)


# --- preparing ----------------------------------------------------------------------------------


class Prepared(NamedTuple):
    """A campaign ready to run: its plan, the options it runs with (the requester filled from the
    profile, the letters' date settled), the profile that signs, and the list it is built from."""

    steps: list[Step]
    options: Options
    profile_id: int | None
    source: dict[str, Any] | None

    @property
    def creates(self) -> int:
        return sum(1 for s in self.steps if s.action == "create")


def campaign_date(session: Session, tag: str) -> dt.date | None:
    """The date of a campaign's first letters, if it has any: a resumed campaign keeps it, so
    that its files and their names match."""
    from sqlalchemy import func

    from records_req.store.models import Request, Tag

    found: dt.date | None = session.scalar(select(func.min(Request.letter_date)).join(Tag).where(Tag.tag == tag))
    return found


def prepare(
    workspace: Workspace,
    selection: Selection,
    options: Options,
    *,
    profile_key: str = "default",
    dry_run: bool = False,
) -> Prepared:
    """Everything a campaign decides before it writes, the same for every door (the command line,
    the dashboard): the requester's empty fields from the profile; the letters' date (given, else a
    resumed campaign's first date, else today); the plan; and, for a run that writes letters, who
    signs saved as the profile when there is none. One transaction (it also adds listed agencies
    the directory lacks)."""
    from records_req.tracker.service import REQUESTER_FIELDS, get_profile, remember_profile

    today = workspace.today
    with workspace.write() as session:
        profile = get_profile(session, profile_key)
        given = options.requester or {}
        requester = {
            option: given.get(option) or (getattr(profile, field) if profile is not None else None)
            for option, field in REQUESTER_FIELDS.items()
        }
        letter_date = options.output.date or (campaign_date(session, options.tag) if options.tag else None) or today
        options = replace(options, requester=requester, output=options.output.dated(letter_date))
        targets = select_targets(session, selection)
        source = source_list(session, selection)
        steps = plan(session, targets, options, today=today)
        if not dry_run and profile is None and any(s.action == "create" for s in steps):
            profile = remember_profile(  # another campaign starting now may make it first: kept
                session, profile_key, **{field: requester[option] for option, field in REQUESTER_FIELDS.items()}
            )
        return Prepared(steps, options, profile.id if profile is not None else None, source)


# --- planning -----------------------------------------------------------------------------------


def plan(session: Session, targets: Sequence[Target], options: Options, *, today: dt.date) -> list[Step]:
    """For each agency: the letter it gets, or why it gets none. Reads, never writes."""
    from records_req.agencies.directory import directory_since
    from records_req.agencies.ice_lists import listed_by_agency
    from records_req.laws import load_laws
    from records_req.letters.files import default_out_dir, letter_paths
    from records_req.letters.render import draft_recipient, with_draft_path
    from records_req.letters.request import RequestSpec, build_letter_request
    from records_req.store.models import Agency, Request, Tag
    from records_req.topics import load_topics
    from records_req.tracker.service import holder_message

    laws = load_laws()
    try:
        topics: Topics | None = load_topics(options.topics_file)
    except RecordsReqError:
        topics = None  # each agency's request says what is wrong with them
    output = options.output
    letter_date = output.date or today
    out_dir = output.out_dir or default_out_dir()
    root = out_dir.resolve()
    folders: dict[Path, Path] = {}  # the states' folders resolved (letter_paths)
    extensions = ("docx", "pdf") if output.formats == "both" else (output.formats,)
    campaign: dict[tuple[int, tuple[str, ...]], int] = {
        (r.agency_id, tuple(sorted(r.topics))): r.id
        for r in session.scalars(select(Request).join(Tag).where(Tag.tag == options.tag))
    }
    ids = sorted({t.agency_id for t in targets})
    open_: dict[int, list[Request]] = {}
    agencies: dict[int, Agency] = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        for r in session.scalars(select(Request).where(Request.agency_id.in_(chunk), Request.closed.is_(False))):
            open_.setdefault(r.agency_id, []).append(r)
        agencies.update((a.id, a) for a in session.scalars(select(Agency).where(Agency.id.in_(chunk))))
    owned = _letter_paths_owned(session)
    listed = listed_by_agency(session)
    requester = options.requester or {}
    steps: list[Step] = []
    for target in targets:

        def skip(reason: Reason, message: str, request_id: int | None = None, target: Target = target) -> None:
            steps.append(Step(target, "skip", reason, message, request_id))

        j = laws.get(target.state)
        if j is None:
            skip("no-law", Noted("no-law", state=target.state))
            continue
        if j.immigration.stance == "prohibits" and not options.include_barred:
            citation = j.immigration.letter_citation or j.immigration.citation
            unverified = f" (not confirmed: {j.immigration.unverified})" if j.immigration.unverified else ""
            skip("state-bars-287g", Noted("state-bars-287g", state=j.name, citation=citation, unverified=unverified))
            continue
        resident = (requester.get("requester_state") or "").upper() == j.code
        if j.residency.restricted is True and not resident and not options.co_requester:
            skip(
                "residency",
                Noted("campaign-residency", law=j.law.name, citation=j.residency.citation, code=j.code),
            )
            continue
        agency = agencies[target.agency_id]
        agreements = listed.get((agency.state, agency.name_key), ())
        since, dated_since = options.since, None
        if since is None:
            found = directory_since(session, j, agency, options.until or letter_date, agreements)
            if found is not None:
                since, dated_since = found.since, found.dated_since
        spec = RequestSpec(
            agency=agency.name,
            topic_keys=options.topic_keys,
            items=options.items,
            **requester,  # type: ignore[arg-type]
            co_requester=options.co_requester,
            co_requester_address=options.co_requester_address,
            agency_address=agency.mailing_address,
            agency_email=agency.records_email,
            records_officer=agency.records_officer,
            letter_date=letter_date,
            since=since,
            dated_since=dated_since,
            until=options.until,
            fee_limit=options.fee_limit,
            topics_file=options.topics_file,
        )
        try:
            req, _notes = build_letter_request(j, spec, topics)
        except RecordsReqError as exc:
            skip("invalid", noted(exc))
            continue
        keys = tuple(t.key for t in req.topics)
        earlier = campaign.get((agency.id, tuple(sorted(keys))))
        if earlier is not None:
            skip("in-campaign", f"Request #{earlier} of this campaign.", earlier)
            continue
        dup = next((r for r in open_.get(agency.id, []) if sorted(r.topics) == sorted(keys)), None)
        if dup is not None and not options.again:
            skip("already-requested", holder_message(dup, agency.name, keys), dup.id)
            continue
        try:
            paths = letter_paths(
                out_dir,
                j.code,
                agency.name,
                letter_date.isoformat(),
                list(keys) or ["items"],
                "initial",
                extensions,
                root,
                folders,
            )
        except RecordsReqError as exc:
            skip("invalid", noted(exc))
            continue
        eml_to = draft_recipient(req)[1] if output.eml else None
        if eml_to:
            paths = with_draft_path(paths, req)
        owner = next((owned[str(p)] for p in paths.values() if str(p) in owned), None)
        if owner is not None:
            skip("file-exists", Noted("letter-of-another", path=str(paths[extensions[0]]), owner=owner), owner)
            continue
        spec = replace(spec, since=req.since)
        steps.append(
            Step(
                target,
                "create",
                job=Job(j.code, spec, agency.name, keys, paths, agreements, eml_to, output.templates, req),
            )
        )
    return steps


def _letter_paths_owned(session: Session) -> dict[str, int]:
    """Every letter file a request owns, by path (as stored and resolved)."""
    from records_req.store.models import Document

    owned: dict[str, int] = {}
    for path, request_id in session.execute(
        select(Document.path, Document.request_id).where(Document.role == "letter")
    ):
        owned[path] = request_id
        owned[str(Path(path).resolve())] = request_id
    return owned


# --- rendering ----------------------------------------------------------------------------------


def rendered(steps: Sequence[Step], jobs: int) -> Iterator[tuple[Step, Rendered | RecordsReqError]]:
    """Each step with its rendered letter, in order. With ``jobs > 1`` the letters are rendered in
    that many worker processes, ``BATCH`` letters a task, a few tasks ahead of the caller (so
    memory stays flat however many letters there are); the caller alone writes files and the
    database."""
    if jobs <= 1:
        for step in steps:
            assert step.job is not None
            yield step, render_job(step.job)
        return
    pool = ProcessPoolExecutor(jobs, mp_context=_workers_context(), initializer=quiet_worker)
    window: deque[tuple[Sequence[Step], Future[list[Rendered | RecordsReqError]]]] = deque()
    batches = (steps[i : i + BATCH] for i in range(0, len(steps), BATCH))

    def submit(batch: Sequence[Step]) -> None:
        window.append((batch, pool.submit(render_batch, [sent_to_worker(step.job) for step in batch if step.job])))

    try:
        for batch in batches:
            submit(batch)
            if len(window) >= jobs * 2:
                break
        while window:
            batch, future = window.popleft()
            results = future.result()
            following = next(batches, None)
            if following is not None:
                submit(following)
            yield from zip(batch, results, strict=True)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# What the forkserver imports before it makes the workers: they start with it done.
# (campaign_render, not this module: the workers need neither the database nor SQLAlchemy)
WORKER_PRELOAD = ["records_req.tracker.campaign_render", "records_req.letters.render", "records_req.letters.warm"]


def _workers_context() -> Any:
    """The multiprocessing context the workers are started with: the forkserver, preloaded, where
    the platform has it; else spawn."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        context.set_forkserver_preload(WORKER_PRELOAD)
    return context


def start_workers() -> None:
    """Start the process the workers are made from now (the forkserver, which renders a sample
    letter as it starts: letters.warm), so that it warms up while the caller plans the campaign:
    for a campaign that will render in worker processes. Without a forkserver, nothing."""
    context = _workers_context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


# --- running ------------------------------------------------------------------------------------


CHUNK = 32  # letters recorded in one transaction


def run(
    store: Store,
    steps: Sequence[Step],
    options: Options,
    *,
    profile_id: int | None,
    today: dt.date,
    jobs: int = 1,
    progress: Callable[[], None] = lambda: None,
    protected: Protected | None = None,
) -> list[Outcome]:
    """Write every planned letter and record its request, files first: a request is committed
    only once its letter is on disk, and a letter written just before an interruption is adopted
    by the next run (its bytes are the same).

    Each letter's files are written as it comes, to hidden temporary files (output.stage). The
    letters are recorded ``CHUNK`` at a time, one transaction each (:func:`_record_chunk`): the
    chunk's temporary files are flushed to disk together (flush_to_disk: one flush of the
    disk, where an fsync of each file cost a flush apiece), then after each letter's checks its
    files are moved into place (or removed if it skips the agency) and its request made; the
    chunk's requests are committed together, so an interruption leaves at most one chunk's files
    to adopt. ``progress`` is called for each letter once it is committed."""
    from records_req.output import discard

    outcomes = [
        Outcome(s.target, "skipped", s.reason, s.message, s.request_id, {}) for s in steps if s.action == "skip"
    ]
    creates = [s for s in steps if s.action == "create"]
    ahead: list[Ahead] = []

    def settle() -> None:
        done = _record_chunk(store, ahead, options, profile_id, today, protected or NOTHING_PROTECTED)
        ahead.clear()
        for outcome in done:
            outcomes.append(outcome)
            progress()

    try:
        with collecting_less():
            for step, result in rendered(creates, jobs):
                staged = None if isinstance(result, RecordsReqError) else _stage(step, result)
                ahead.append(Ahead(step, result, staged))
                if len(ahead) >= CHUNK:
                    settle()
            if ahead:
                settle()
    finally:
        for item in ahead:  # interrupted: the files written ahead go
            discard((item.staged or {}).values())
    return outcomes


def flush_to_disk(files: Iterable[Path]) -> None:
    """Make the written contents of ``files`` durable, as an fsync of each would. On Linux, one
    ``syncfs`` per filesystem they are on: the disk is flushed once, where an fsync of each file
    costs a flush (a journal commit) apiece, about 0.3 ms of CPU and several of waiting a letter
    file. Elsewhere, or if ``syncfs`` fails, each file is fsynced."""
    files = list(files)
    if not files:
        return
    try:
        by_device: dict[int, Path] = {}
        for f in files:
            by_device.setdefault(f.stat().st_dev, f)
        if all(_syncfs(f) for f in by_device.values()):
            return
        for f in files:
            fd = os.open(f, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    except OSError as exc:
        raise OutputError(f"Cannot write {exc.filename or 'the files'}: {exc.strerror or exc}") from None


def _syncfs(file: Path) -> bool:
    """``syncfs(2)`` on the filesystem holding ``file`` (Linux); False where there is none, or it
    failed (then the caller fsyncs each file, which says what went wrong)."""
    call = _syncfs_call()
    if call is None:
        return False
    fd = os.open(file, os.O_RDONLY)
    try:
        return bool(call(fd) == 0)
    finally:
        os.close(fd)


@cache
def _syncfs_call() -> Any:
    """The C library's ``syncfs`` (Linux's since 2.6.39), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        call = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    call.argtypes, call.restype = [ctypes.c_int], ctypes.c_int
    return call


class Ahead(NamedTuple):
    """A rendered letter (or why it could not be) and its files written ahead, not yet flushed
    to disk: their temporary files by path."""

    step: Step
    result: Rendered | RecordsReqError
    staged: dict[Path, Path] | None


def _stage(step: Step, result: Rendered) -> dict[Path, Path]:
    """Each file of the letter written to its temporary file (output.stage, flushed later with
    the chunk's), by path."""
    from records_req.output import discard, stage

    assert step.job is not None
    temps: dict[Path, Path] = {}
    try:
        for ext, data in result.files.items():
            path = step.job.paths[ext]
            temps[path] = stage(path, data, flush=False)
    except BaseException:
        discard(temps.values())
        raise
    return temps


def _record_chunk(
    store: Store,
    chunk: Sequence[Ahead],
    options: Options,
    profile_id: int | None,
    today: dt.date,
    protected: Protected,
) -> list[Outcome]:
    """Record a chunk of letters in one transaction, in order: for each, the plan checked again
    under the agency's lock (another campaign, or this one started twice, may have written to it
    since), then its files moved into place and its request made; the requests are inserted
    together. Should the database refuse one (an open request made meanwhile by a writer that does
    not take the lock: never expected), nothing of the chunk is kept and each letter is recorded
    in its own transaction, which says which request holds the agency (its files, in place by
    then, are adopted). The temporary files not moved into place are removed, whatever happens."""
    from records_req.output import discard

    work = [(item.step, item.result, item.staged) for item in chunk if item.staged is not None]
    try:
        flush_to_disk(temp for _, _, staged in work for temp in staged.values())
        try:
            made = _record_together(store, work, options, profile_id, today, protected, together=len(work) > 1)
        except _Refused:
            made = [
                outcome
                for letter in work
                for outcome in _record_together(store, [letter], options, profile_id, today, protected, together=False)
            ]
    finally:
        for _, _, staged in work:
            discard(staged.values())  # those not moved into place
    recorded = iter(made)
    return [
        next(recorded)
        if isinstance(item.result, Rendered)
        else Outcome(item.step.target, "skipped", "invalid", noted(item.result), None, {})
        for item in chunk
    ]


class _Refused(Exception):
    """The database refused a request of a chunk inserted together."""


def _record_together(
    store: Store,
    work: Sequence[tuple[Step, Rendered | RecordsReqError, dict[Path, Path]]],
    options: Options,
    profile_id: int | None,
    today: dt.date,
    protected: Protected,
    *,
    together: bool,
) -> list[Outcome]:
    """One transaction for ``work``'s letters; with ``together``, their requests are inserted in
    one flush (a letter whose agency or files come again later in the chunk is flushed at once, so
    that the later one sees it), else each as it is made."""
    from sqlalchemy.exc import IntegrityError

    from records_req.output import guard

    with store.write() as session:
        checks = _Checks.load(session, [step for step, _, _ in work], options, profile_id)
        guarded = guard(**protected)
        done = []
        for step, result, staged_files in work:
            assert isinstance(result, Rendered)
            alone = (
                not together
                or step.target.agency_id in checks.again
                or not checks.again.isdisjoint(step.job.paths.values() if step.job else ())
            )
            done.append(_record(session, checks, step, result, options, today, guarded, staged_files, alone))
        if together:
            rows = [(i, d) for i, d in enumerate(done) if isinstance(d, _Made) and d.row is not None]
            try:
                session.flush()
                ids = _insert_requests(session, [d.row for _, d in rows if d.row is not None], options.tag)
            except IntegrityError:  # the transaction is spoiled: it is rolled back, and done again
                raise _Refused from None
            for (i, d), request_id in zip(rows, ids, strict=True):
                done[i] = d._replace(request_id=request_id)
        made = [d for d in done if isinstance(d, _Made)]
        _insert_documents(session, made)
        return [_finish(d, today) if isinstance(d, _Made) else d for d in done]


def _insert_requests(session: Session, rows: list[dict[str, Any]], tag: str) -> list[int]:
    """Insert the requests of ``rows`` (service.new_request_row) with the campaign's tag, one
    statement a table for all of them (where the ORM took a flush of an object a request, its tag
    and its cached schedule written again): their ids, in the order of the rows. They are
    counted at the commit as the ORM's are (kept.written)."""
    from sqlalchemy import Table, insert

    from records_req.store import kept
    from records_req.store.models import Request, Tag

    if not rows:
        return []
    table = cast(Table, Request.__table__)
    connection = session.connection()
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids = list(connection.execute(statement, rows).scalars())
    tags = [{"request_id": request_id, "tag": tag} for request_id in ids]
    connection.execute(insert(cast(Table, Tag.__table__)), tags)
    kept.written(session, ids)
    return ids


def _insert_documents(session: Session, made: Sequence[_Made]) -> None:
    """The letter documents of the requests made, in their order, in one statement."""
    from sqlalchemy import Table, insert

    from records_req.store.models import Document
    from records_req.tracker.service import document_row

    rows = [document_row(m.id, "letter", path, data, path.name) for m in made for path, data in m.files.items()]
    if rows:
        session.connection().execute(insert(cast(Table, Document.__table__)), rows)


class _Checks(NamedTuple):
    """What the letters of a chunk are checked against, read at once under their agencies' locks,
    and kept up to date as the chunk makes requests."""

    agencies: dict[int, Agency]
    mine: dict[tuple[int, tuple[str, ...]], int]  # the campaign's requests, by agency and sorted topics
    open_: dict[tuple[int, tuple[str, ...]], Request]  # an open request, by agency and sorted topics
    owners: dict[Path, int]  # the request owning a letter file at one of the chunk's paths
    again: set[int | Path]  # agencies and paths that more than one letter of the chunk has
    profile: Profile | None  # who signs (held here: the session keeps only weak references)
    laws: Laws

    @classmethod
    def load(cls, session: Session, steps: Sequence[Step], options: Options, profile_id: int | None) -> _Checks:
        from records_req.laws import load_laws
        from records_req.store.models import Agency, Profile, Request, Tag
        from records_req.tracker.service import letter_owners, lock_agencies, open_duplicates

        ids = sorted({s.target.agency_id for s in steps})
        lock_agencies(session, ids)
        agencies = {a.id: a for a in session.scalars(select(Agency).where(Agency.id.in_(ids)))}
        mine: dict[tuple[int, tuple[str, ...]], int] = {}
        rows = session.execute(
            select(Request.agency_id, Request.id, Request.topics)
            .join(Tag)
            .where(Tag.tag == options.tag, Request.agency_id.in_(ids))
            .order_by(Request.id)
        )
        for agency_id, request_id, found in rows:
            mine.setdefault((agency_id, tuple(sorted(found))), request_id)
        open_: dict[tuple[int, tuple[str, ...]], Request] = {}
        by_topics: dict[tuple[str, ...], dict[int, tuple[str, ...]]] = {}
        for s in steps:
            if s.job is not None and not options.again:
                key = tuple(sorted(s.job.topic_keys))
                by_topics.setdefault(key, {})[s.target.agency_id] = key
        for key, wanted in by_topics.items():
            open_.update(((agency_id, key), r) for agency_id, r in open_duplicates(session, wanted).items())
        paths = [p for s in steps if s.job is not None for p in s.job.paths.values()]
        counts = Counter[int | Path]([s.target.agency_id for s in steps])
        counts.update(paths)  # as planned, from one folder (files that meet through links differ: skipped)
        again = {thing for thing, n in counts.items() if n > 1}
        profile = session.get(Profile, profile_id) if profile_id else None
        return cls(agencies, mine, open_, letter_owners(session, paths), again, profile, load_laws())


class _Made(NamedTuple):
    """A request made for a letter whose files are in place: its documents and its cached
    schedule are added once it has its id."""

    step: Step
    request: Request | None  # made by the ORM (inserted at once: ``alone``), else
    files: dict[Path, bytes]
    row: dict[str, Any] | None = None  # its row, inserted with the chunk's (_insert_requests)
    request_id: int | None = None  # once inserted

    @property
    def id(self) -> int:
        request_id = self.request.id if self.request is not None else self.request_id
        assert request_id is not None
        return request_id


def _record(
    session: Session,
    checks: _Checks,
    step: Step,
    result: Rendered,
    options: Options,
    today: dt.date,
    guarded: Guarded,
    staged: dict[Path, Path],
    alone: bool = True,
) -> Outcome | _Made:
    """One letter of a chunk: why it is skipped after all, or its files moved into place and its
    request made (inserted now if ``alone``, else with the chunk's)."""
    from records_req.output import write_all
    from records_req.tracker.service import Asked, DuplicateRequest, create_request, holder_message, new_request_row

    job = step.job
    assert job is not None
    files = {job.paths[ext]: data for ext, data in result.files.items()}
    topics = list(job.topic_keys)
    agency_row = checks.agencies[step.target.agency_id]

    def skipped(reason: Reason, message: str, request_id: int) -> Outcome:
        return Outcome(step.target, "skipped", reason, message, request_id, {}, meanwhile=True)

    mine = checks.mine.get((agency_row.id, tuple(sorted(topics))))
    if mine is not None:
        return skipped(
            "in-campaign",
            f"Request #{mine} to {agency_row.name} was made meanwhile by another run of this campaign.",
            mine,
        )
    if not options.again:
        dup = checks.open_.get((agency_row.id, tuple(sorted(topics))))
        if dup is not None:
            return skipped("already-requested", holder_message(dup, agency_row.name, topics), dup.id)
    owner = next((checks.owners[p] for p in files if p in checks.owners), None)
    if owner is not None:
        first = next(iter(files))
        return skipped("file-exists", Noted("letter-of-another", path=str(first), owner=owner), owner)
    existing = [p for p, data in files.items() if p.exists()]
    same = [p for p in existing if p.is_file() and p.read_bytes() == files[p]]
    if len(same) < len(existing) and not options.output.force:
        names = ", ".join(str(p) for p in existing if p not in same)
        return Outcome(step.target, "skipped", "file-exists", Noted("file-exists", names=names), None, {})
    write_all(
        {p: d for p, d in files.items() if p not in same}, force=options.output.force, staged=staged, guarded=guarded
    )
    asked = Asked(
        jurisdiction=checks.laws[job.code],
        agency_row=agency_row,
        profile=checks.profile,
        topics=topics,
        items=list(result.items),
        since=result.since,
        until=result.until,
        letter_date=job.spec.letter_date or today,
        fee_limit=result.fee_limit,
        co_requester=result.co_requester,
    )
    if not alone:  # inserted with the chunk's (_insert_requests)
        row = new_request_row(asked, again=options.again, today=today)
        return _Made(step, None, files, row | {"as_sent": result.as_sent})
    try:
        request = create_request(
            session,
            asked,
            again=options.again,
            as_sent=result.as_sent,
            tags=[options.tag],
            checked=True,  # the chunk's checks above, under the lock
        )
    except DuplicateRequest as exc:  # a writer that does not take the lock (never expected)
        return skipped("already-requested", str(exc), exc.request_id)
    # the letters after it in the chunk see it
    for path in files:
        checks.owners[path] = request.id
    checks.mine[(agency_row.id, tuple(sorted(topics)))] = request.id
    if request.open_key is not None:
        checks.open_[(agency_row.id, tuple(sorted(topics)))] = request
    return _Made(step, request, files)


def _finish(made: _Made, today: dt.date) -> Outcome:
    """A made request's cached schedule (a request the ORM made: the others have theirs in their
    row), and what the campaign says of it; its documents are inserted (_insert_documents)."""
    from records_req.tracker.service import refresh

    if made.request is not None:
        refresh(made.request, today)
    files = {p.suffix[1:]: str(p) for p in made.files}
    return Outcome(made.step.target, "created", None, None, made.id, files)


def summary(outcomes: Sequence[Outcome], *, eml: bool = False) -> dict[str, Any]:
    """Counts: created, and skipped by reason; with ``eml``, the .eml drafts written and the
    agencies written to without one (no email known for them)."""
    skipped: Counter[str] = Counter(o.reason for o in outcomes if o.action == "skipped" and o.reason)
    counts: dict[str, Any] = {
        "selected": len(outcomes),
        "created": sum(1 for o in outcomes if o.action == "created"),
        "skipped": {reason: skipped[reason] for reason in REASONS if skipped[reason]},
    }
    if eml:
        created = [o for o in outcomes if o.action == "created"]
        counts["drafts"] = sum(1 for o in created if "eml" in o.files)
        counts["without_email"] = [
            {"state": o.target.state, "agency": o.target.name, "request_id": o.request_id}
            for o in created
            if "eml" not in o.files
        ]
    return counts


def noted(error: RecordsReqError) -> str:
    """An error's message, keeping its note (if it has one) for the doors to word."""
    return Noted(error.note.code, **error.note.facts) if error.note is not None else str(error)


def note_dict(message: str | None) -> dict[str, Any] | None:
    """A skip message's note as JSON (its code and facts), where it has one."""
    from records_req.lifecycle import as_json

    note = getattr(message, "note", None)
    return {"code": note.code, "facts": as_json(note.facts)} if note is not None else None


def outcome_dict(o: Outcome) -> dict[str, Any]:
    return {
        "state": o.target.state,
        "agency": o.target.name,
        "listed": o.target.listed,
        "action": o.action,
        "reason": o.reason,
        "message": o.message,
        "note": note_dict(o.message),
        "request_id": o.request_id,
        "files": o.files,
    }


def step_dict(s: Step) -> dict[str, Any]:
    return {
        "state": s.target.state,
        "agency": s.target.name,
        "listed": s.target.listed,
        "action": "letter" if s.action == "create" else "skip",
        "reason": s.reason,
        "message": s.message,
        "note": note_dict(s.message),
        "request_id": s.request_id,
        "files": {ext: str(p) for ext, p in s.job.paths.items()} if s.job else {},
        "since": s.job.spec.since.isoformat() if s.job and s.job.spec.since else None,
    }


def tagged(session: Session, tag: str) -> list[int]:
    """The ids of the campaign's requests, oldest first; an unknown tag is a usage error."""
    from records_req.store.models import Request, Tag

    ids = list(session.scalars(select(Request.id).join(Tag).where(Tag.tag == tag).order_by(Request.id)))
    if not ids:
        raise NotFoundError(f"No request has the tag {tag!r}; 'records-req list' shows the tags.")
    return ids


# --- following a campaign up --------------------------------------------------------------------


def followups(
    store: Store,
    tag: str,
    *,
    today: dt.date,
    output: LetterOutput,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """A follow-up letter for every request of the campaign whose statutory date has passed and
    that was not followed up since (lifecycle.followup_due), one transaction each; the others are
    listed with the reason they get none. Running it again writes nothing new. ``progress(done,
    total)`` is called after each request."""
    from records_req.lifecycle import followup_due
    from records_req.tracker.service import get_request, later_letter, tracked

    with store.read() as session:
        ids = tagged(session, tag)
    results: list[dict[str, Any]] = []
    for request_id in ids:
        if progress is not None:
            progress(len(results), len(ids))
        with store.write() as session:
            request = get_request(session, request_id)
            state = tracked(request, today)
            row: dict[str, Any] = {
                "id": request.id,
                "state": request.jurisdiction,
                "agency": request.agency.name,
                "status": state.state.status,
                "due": state.due_on.isoformat() if state.due_on else None,
            }
            if not followup_due(state):
                row |= {"action": "none", "reason": _why_no_followup(state)}
                results.append(row)
                continue
            try:
                with session.begin_nested():
                    paths, _notes = later_letter(
                        session,
                        request,
                        "follow-up",
                        today=today,
                        output=output,
                    )
            except RecordsReqError as exc:
                row |= {"action": "none", "reason": str(exc)}
            else:
                row |= {"action": "follow-up", "files": {e: str(p) for e, p in paths.items()}}
            results.append(row)
    if progress is not None:
        progress(len(results), len(ids))
    return results


def _why_no_followup(state: Any) -> str:
    s = state.state
    if s.closed:
        return f"the request is {s.status}"
    if s.sent_on is None:
        return "not sent yet"
    if not state.statutory:
        return "the law sets no date for it now" + (f" (suggested follow-up {state.due_on})" if state.due_on else "")
    if not state.overdue:
        return f"not yet due (due {state.due_on})"
    return f"followed up on {s.followed_up_on}"


def mark_sent(
    session: Session, tag: str, *, on: dt.date, via: str, today: dt.date, progress: Progress | None = None
) -> list[dict[str, Any]]:
    """Record ``sent`` for every request of the campaign still a draft (one transaction: the
    caller's); the others are listed with their status. Running it again records nothing.
    ``progress(done, total)`` is called after each request."""
    from records_req.tracker.service import get_request, record_event, tracked

    ids = tagged(session, tag)
    results: list[dict[str, Any]] = []
    for request in (get_request(session, request_id) for request_id in ids):
        if progress is not None:
            progress(len(results), len(ids))
        row: dict[str, Any] = {"id": request.id, "state": request.jurisdiction, "agency": request.agency.name}
        if request.status != "draft":
            results.append(row | {"action": "none", "reason": f"already {request.status}"})
            continue
        record_event(session, request, "sent", on, fields={"via": via}, today=today)
        state = tracked(request, today)
        results.append(row | {"action": "sent", "due": state.due_on.isoformat() if state.due_on else None})
    if progress is not None:
        progress(len(results), len(ids))
    return results

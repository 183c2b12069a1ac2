"""The dashboard's long jobs: a campaign's letters written (``campaign``) or sent by email
(``send``), run in a thread of the server process and kept in the database (migration 0021).

A job is a row of ``jobs``: what it runs with, how far it is (``done`` of ``total``), its result or
its error, and the server process running it (its :class:`Runner`: host, process id and a token
made when the server starts) with that runner's last sign of life (``beat_at``, renewed every
:data:`BEAT` seconds while the job runs). So the page that follows a job reads it from the
database: closing the browser changes nothing, and after a restart a job whose runner is gone is
shown *interrupted* and can be resumed. Resuming runs the same use case again, which creates or
sends only what is still to do: a campaign's letters are named by its tag and never written twice
(records_req.tracker.campaign), and each letter is claimed before it is sent, never sent twice
(records_req.mail.send).

While a job runs, ``active`` holds a digest of its kind and campaign, unique in the table: a
second start of the same job (by another browser, or another server process on the same
database) is refused by the database itself with :class:`JobRunning`.

A runner is gone when it is this very process under another token (the server was built again),
when it ran on this computer under a process id that no longer exists (POSIX), or when it has
given no sign of life for :data:`STALE`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import desc, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from records_req.errors import NotFoundError, RecordsReqError
from records_req.mail import send as mail
from records_req.mail.settings import password, required
from records_req.store.models import Job, utcnow
from records_req.tracker import campaign as campaigns

if TYPE_CHECKING:
    from records_req.store.db import Store
    from records_req.workspace import Workspace

Kind = Literal["campaign", "send"]
BEAT = 15.0  # seconds between a running job's signs of life
STALE = dt.timedelta(seconds=90)  # no sign of life for this long: its runner is gone
SAVE_EVERY = 0.5  # seconds: a campaign's progress is written at most this often (and at its end)


class JobRunning(RecordsReqError):
    """The same job (kind and campaign) is running already; ``job_id`` is the running one."""

    def __init__(self, kind: str, tag: str, job_id: int) -> None:
        what = "written" if kind == "campaign" else "sent by email"
        super().__init__(f"The campaign {tag!r}'s letters are already being {what} (job #{job_id}).")
        self.kind, self.tag, self.job_id = kind, tag, job_id


class JobNotResumable(RecordsReqError):
    """Only an interrupted or failed job can be resumed."""


@dataclass
class Runner:
    """This server process as the jobs know it, and the threads it runs them in."""

    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    token: str = field(default_factory=lambda: secrets.token_hex(8))
    threads: dict[int, threading.Thread] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.host[:150]}/{self.pid}/{self.token}"

    def runs(self, job: Job, now: dt.datetime) -> bool:
        """Whether the job's runner is alive (and, if it is this one, its thread still runs)."""
        if job.runner == self.name:  # ours: alive unless its thread ended without closing the row
            thread = self.threads.get(job.id)
            return thread is None or thread.is_alive()  # None: claimed, its thread about to start
        host, pid = _host_and_pid(job.runner)
        if host == self.host[:150] and pid is not None:
            if pid == self.pid:
                return False  # this process, its server built again: the job's thread was the old one's
            if os.name == "posix" and not _process_exists(pid):
                return False
        return now - job.beat_at < STALE

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Wait for one of this runner's jobs to end (the tests)."""
        thread = self.threads.get(job_id)
        if thread is not None:
            thread.join(timeout)


def _host_and_pid(name: str | None) -> tuple[str | None, int | None]:
    parts = (name or "").rsplit("/", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None, None
    return parts[0], int(parts[1])


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: no signal, only the check
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


@dataclass(frozen=True)
class JobView:
    """A job as the pages show it; ``status`` is running, finished, failed or interrupted."""

    id: int
    kind: str
    tag: str
    status: str
    done: int
    total: int
    result: dict[str, Any] | None
    error: str | None
    started_by: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
    rate: float | None = None  # a send's messages a minute

    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def resumable(self) -> bool:
        return self.status in ("interrupted", "failed")

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "tag": self.tag,
            "status": self.status,
            "done": self.done,
            "total": self.total,
            "finished": not self.running,
            "error": self.error,
            "started_by": self.started_by,
            "created_at": self.created_at.replace(tzinfo=dt.UTC).isoformat(),
            "finished_at": self.finished_at.replace(tzinfo=dt.UTC).isoformat() if self.finished_at else None,
        }
        if self.kind == "campaign":
            data["summary"] = self.result
        else:
            data["outcomes"] = (self.result or {}).get("outcomes", [])
            data["rate"] = self.rate
        return data


def active_key(kind: str, tag: str) -> str:
    return hashlib.sha256(f"{kind}\0{tag}".encode()).hexdigest()


def _view(job: Job, runner: Runner, now: dt.datetime) -> JobView:
    status = job.status
    if status == "running" and not runner.runs(job, now):
        status = "interrupted"
    rate = job.params.get("rate") if job.kind == "send" else None
    return JobView(
        job.id, job.kind, job.tag, status, job.done, job.total, job.result, job.error, job.started_by,
        job.created_at, job.finished_at, float(rate) if rate is not None else None,
    )  # fmt: skip


def get(store: Store, runner: Runner, job_id: int) -> JobView:
    with store.read() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFoundError(f"There is no job #{job_id}.")
        return _view(job, runner, utcnow())


def recent(store: Store, runner: Runner, *, tag: str | None = None, limit: int = 10) -> list[JobView]:
    """The newest jobs (of one campaign, with ``tag``), newest first."""
    query = select(Job).order_by(desc(Job.id)).limit(limit)
    if tag is not None:
        query = query.where(Job.tag == tag)
    with store.read() as session:
        now = utcnow()
        return [_view(job, runner, now) for job in session.scalars(query)]


def _claim(session: Session, runner: Runner, job: Job) -> None:
    """Make ``job`` this runner's running job, unless the same job runs elsewhere (JobRunning).
    A row holding the same ``active`` digest whose runner is gone lets go of it first."""
    digest = active_key(job.kind, job.tag)
    now = utcnow()
    other = session.scalar(select(Job).where(Job.active == digest, Job.id != job.id))
    if other is not None:
        if runner.runs(other, now):
            raise JobRunning(job.kind, job.tag, other.id)
        other.active = None  # interrupted: it can still be resumed, once this one is over
    job.active, job.status, job.runner, job.beat_at = digest, "running", runner.name, now
    job.error, job.finished_at = None, None
    try:
        with session.begin_nested():
            session.add(job)
    except IntegrityError:  # another process claimed it a moment ago
        running = session.scalar(select(Job.id).where(Job.active == digest))
        raise JobRunning(job.kind, job.tag, running or 0) from None


@contextmanager
def _row(store: Store, job_id: int) -> Iterator[Job]:
    with store.write() as session:
        job = session.get(Job, job_id)
        assert job is not None
        yield job


# --- starting, resuming -------------------------------------------------------------------------


def start_campaign(
    workspace: Workspace,
    runner: Runner,
    selection: campaigns.Selection,
    prepared: campaigns.Prepared,
    *,
    started_by: str | None = None,
) -> int:
    """Write a prepared campaign's letters in a thread of this process; returns the job's id."""
    options = prepared.options
    params = {"selection": _selection_json(selection), "options": _options_json(options)}
    job_id = _new(workspace.store, runner, "campaign", options.tag, params, prepared.creates, started_by)
    _launch(workspace, runner, "campaign", job_id, lambda save: _write_letters(workspace, prepared, save))
    return job_id


def start_send(workspace: Workspace, runner: Runner, tag: str, *, rate: float, started_by: str | None = None) -> int:
    """Send a campaign's letters still to go, at most ``rate`` a minute, in a thread of this
    process; returns the job's id. Refused at once when nothing is to be sent or the mail account
    is not set up (MailError), as the command line's ``send --tag`` refuses."""
    if not rate > 0 or rate == float("inf"):
        raise mail.MailError("The rate must be a number of messages a minute, more than zero.")
    plans = mail.plan(workspace.store, required(), tag=tag)
    todo = sum(1 for p in plans if p.will_send)
    if not todo:
        raise mail.MailError(f"Nothing to send for the campaign {tag!r}.")
    job_id = _new(workspace.store, runner, "send", tag, {"rate": rate}, todo, started_by)
    _launch(workspace, runner, "send", job_id, lambda save: _send_letters(workspace, tag, rate, save, plans))
    return job_id


def resume(workspace: Workspace, runner: Runner, job_id: int) -> int:
    """Run an interrupted (or failed) job again in this process: it does only what is left."""
    store = workspace.store
    with store.write() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFoundError(f"There is no job #{job_id}.")
        view = _view(job, runner, utcnow())
        if not view.resumable:
            raise JobNotResumable(f"Job #{job_id} is {view.status}; only an interrupted or failed job is resumed.")
        _claim(session, runner, job)
        kind, tag, params = job.kind, job.tag, dict(job.params)
    if kind == "campaign":
        selection, options = _selection_from(params["selection"]), _options_from(params["options"], workspace)

        def work(save: _Save) -> dict[str, Any]:
            prepared = campaigns.prepare(workspace, selection, options)
            return _write_letters(workspace, prepared, save, resumed=True)

    else:

        def work(save: _Save) -> dict[str, Any]:
            return _send_letters(workspace, tag, float(params["rate"]), save, None, resumed=True)

    _launch(workspace, runner, kind, job_id, work)
    return job_id


def _new(
    store: Store, runner: Runner, kind: Kind, tag: str, params: dict[str, Any], total: int, started_by: str | None
) -> int:
    with store.write() as session:
        job = Job(kind=kind, tag=tag, params=params, status="running", done=0, total=total, started_by=started_by)
        _claim(session, runner, job)
        session.flush()
        return job.id


# --- running ------------------------------------------------------------------------------------


class _Save:
    """A running job's progress and partial result, written to its row (at most every
    :data:`SAVE_EVERY` seconds unless ``now``)."""

    def __init__(self, store: Store, job_id: int) -> None:
        self.store, self.job_id, self.last = store, job_id, 0.0

    def __call__(
        self, done: int, *, total: int | None = None, result: dict[str, Any] | None = None, now: bool = False
    ) -> None:
        if not now and time.monotonic() - self.last < SAVE_EVERY:
            return
        self.last = time.monotonic()
        with _row(self.store, self.job_id) as job:
            job.done, job.beat_at = done, utcnow()
            if total is not None:
                job.total = total
            if result is not None:
                job.result = result

    def base(self) -> tuple[int, int, dict[str, Any] | None]:
        """Where the job stood: done, total and its result so far (a resumed job's)."""
        with self.store.read() as session:
            job = session.get(Job, self.job_id)
            assert job is not None
            return job.done, job.total, job.result


def _launch(
    workspace: Workspace, runner: Runner, kind: str, job_id: int, work: Callable[[_Save], dict[str, Any]]
) -> None:
    store = workspace.store
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(BEAT):
            try:
                with _row(store, job_id) as job:
                    job.beat_at = utcnow()
            except Exception:  # a busy database: this sign of life is missed, the next one is not
                continue

    def run() -> None:
        beating = threading.Thread(target=beat, name=f"job-{job_id}-beat", daemon=True)
        beating.start()
        status, result, error = "finished", None, None
        try:
            result = work(_Save(store, job_id))
        except RecordsReqError as exc:
            status, error = "failed", str(exc)
        except Exception as exc:  # kept on the job's page, never lost in a thread
            status, error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            stop.set()
            beating.join()
        with _row(store, job_id) as job:
            job.status, job.active, job.finished_at, job.beat_at = status, None, utcnow(), utcnow()
            job.error = error
            if result is not None:
                job.done, job.result = result.pop("done", job.done), result

    thread = threading.Thread(target=run, name=f"{kind}-{job_id}", daemon=True)
    runner.threads[job_id] = thread
    thread.start()


def _write_letters(
    workspace: Workspace, prepared: campaigns.Prepared, save: _Save, *, resumed: bool = False
) -> dict[str, Any]:
    """The campaign's letters, through campaign.run as the command line writes them."""
    done, total, _ = save.base()
    if resumed:  # what an earlier run wrote is no longer in the plan
        done = max(0, total - prepared.creates)
        save(done, now=True)
    count = [done]

    def step() -> None:
        count[0] += 1
        save(count[0])

    outcomes = campaigns.run(
        workspace.store,
        prepared.steps,
        prepared.options,
        profile_id=prepared.profile_id,
        today=workspace.today,
        progress=step,
        protected=workspace.protected(),
    )
    return campaigns.summary(outcomes, eml=prepared.options.output.eml) | {"done": count[0]}


def _send_letters(
    workspace: Workspace,
    tag: str,
    rate: float,
    save: _Save,
    plans: list[mail.Planned] | None,
    *,
    resumed: bool = False,
) -> dict[str, Any]:
    """The campaign's letters still to go, through mail.send's plan and deliver as ``send --tag``."""
    settings = required()
    if plans is None:
        plans = mail.plan(workspace.store, settings, tag=tag)
    done, total, earlier = save.base()
    todo = sum(1 for p in plans if p.will_send)
    if resumed:
        done = max(0, total - todo)
        save(done, now=True)
    before = {o["request_id"]: o for o in (earlier or {}).get("outcomes", [])}
    secret = password(settings)[0]
    sent: dict[int, dict[str, Any]] = {}

    def merged() -> list[dict[str, Any]]:
        """Each request's outcome: this run's, but an earlier acceptance where it now says 'already sent'."""
        rows = []
        for p in plans:
            now = sent.get(p.request_id)
            then = before.get(p.request_id)
            if then is not None and then["status"] == "accepted" and (now is None or now["status"] == "skipped"):
                rows.append(then)
            elif now is not None:
                rows.append(now)
        return rows

    reached = [0]

    def progress(n: int, _of: int, outcome: mail.Outcome) -> None:
        sent[outcome.request_id] = outcome.to_json()
        reached[0] = n
        save(done + n, result={"outcomes": merged()}, now=True)

    outcomes = mail.deliver(
        workspace.store, plans, settings, secret, today=workspace.today, rate=rate, progress=progress
    )
    for o in outcomes:
        sent[o.request_id] = o.to_json()
    return {"outcomes": merged(), "done": done + reached[0]}


# --- a campaign's options, kept with its job ----------------------------------------------------


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _path(value: Path | None) -> str | None:
    return str(value) if value is not None else None


def _selection_json(s: campaigns.Selection) -> dict[str, Any]:
    return {
        "states": list(s.states),
        "models": list(s.models),
        "counties": list(s.counties),
        "types": list(s.types),
        "signed_since": _day(s.signed_since),
        "pending": s.pending,
    }


def _selection_from(data: dict[str, Any]) -> campaigns.Selection:
    since = data.get("signed_since")
    return campaigns.Selection(
        states=tuple(data["states"]),
        models=tuple(data["models"]),
        counties=tuple(data["counties"]),
        types=tuple(data["types"]),
        signed_since=dt.date.fromisoformat(since) if since else None,
        pending=bool(data["pending"]),
    )


def _options_json(o: campaigns.Options) -> dict[str, Any]:
    out = o.output
    return {
        "tag": o.tag,
        "topic_keys": list(o.topic_keys),
        "items": list(o.items),
        "requester": o.requester,
        "co_requester": o.co_requester,
        "co_requester_address": o.co_requester_address,
        "since": _day(o.since),
        "until": _day(o.until),
        "fee_limit": o.fee_limit,
        "topics_file": _path(o.topics_file),
        "again": o.again,
        "include_barred": o.include_barred,
        "output": {
            "formats": out.formats,
            "out_dir": _path(out.out_dir),
            "force": out.force,
            "templates": _path(out.templates),
            "date": _day(out.date),
            "eml": out.eml,
        },
    }


def _day_of(where: dict[str, Any], key: str) -> dt.date | None:
    value = where.get(key)
    return dt.date.fromisoformat(value) if value else None


def _path_of(where: dict[str, Any], key: str) -> Path | None:
    value = where.get(key)
    return Path(value) if value else None


def _options_from(data: dict[str, Any], workspace: Workspace) -> campaigns.Options:
    out = data["output"]
    output = workspace.output(
        formats=out["formats"],
        out_dir=_path_of(out, "out_dir"),
        force=bool(out["force"]),
        templates=_path_of(out, "templates"),
        date=_day_of(out, "date"),
        eml=bool(out["eml"]),
    )
    return campaigns.Options(
        tag=data["tag"],
        topic_keys=tuple(data["topic_keys"]),
        items=tuple(data["items"]),
        requester=data["requester"],
        co_requester=data["co_requester"],
        co_requester_address=data["co_requester_address"],
        since=_day_of(data, "since"),
        until=_day_of(data, "until"),
        fee_limit=int(data["fee_limit"]),
        topics_file=_path_of(data, "topics_file"),
        again=bool(data["again"]),
        include_barred=bool(data["include_barred"]),
        output=output,
    )

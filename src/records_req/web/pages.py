"""The dashboard's pages. Each one reads or writes through the same functions as the command
line, in one transaction, and shows the same messages; nothing here computes a date or a status.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, request, session, url_for
from flask import render_template as _render
from markupsafe import Markup

from records_req.errors import RecordsReqError, SchemaChanged, UsageError
from records_req.vocabulary import LANGUAGES, MODEL_CHOICES, MODELS

if TYPE_CHECKING:
    from records_req.store.reader import Reader
    from records_req.tracker.jobs import JobRunning, Runner
    from records_req.views import RequestDetails
    from records_req.web import Settings
    from records_req.workspace import Store, Workspace

bp = Blueprint("pages", __name__)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REPORT_FORMATS = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "ics": "text/calendar; charset=utf-8",
}


# --- plumbing -----------------------------------------------------------------------------------


def settings() -> Settings:
    found: Settings = current_app.config["RECORDS_REQ"]
    return found


def workspace() -> Workspace:
    """The dashboard's Workspace: its database, its letters' folder and its day."""
    from records_req.workspace import Workspace

    s = settings()
    return Workspace(db_url=s.db_url, out_dir=s.out_dir, as_of=s.today)


def today() -> dt.date:
    return workspace().today


def store() -> Store:
    return workspace().store


@contextmanager
def view() -> Iterator[Reader]:
    """The fast read-only view the CLI's list, due and show use (migrating the database first)."""
    with workspace().read() as fast:
        yield fast


def runner() -> Runner:
    """This server's runner of jobs (made with the app: records_req.web.create_app)."""
    found: Runner = current_app.extensions["records_req_jobs"]
    return found


def started_by() -> str | None:
    """The signed-in account that starts a job (None on a dashboard served only to this computer)."""
    user = session.get("user")
    return user if isinstance(user, str) else None


def running_words(exc: JobRunning) -> str:
    """The refusal of a second start of a running job, in the page's language."""
    if exc.kind == "campaign":
        return translator()("This campaign's letters are already being written.")
    return translator()("This campaign's letters are already being sent by email.")


def lang() -> str:
    """The page's language (web.words: the switch's choice, else the browser's Accept-Language)."""
    from records_req.web.words import lang as page_lang

    return page_lang()


def translator() -> Callable[[str], str]:
    from records_req.web.words import translator as page_translator

    return page_translator()


def said(message: object) -> str:
    """An error or a note in the dashboard's words and language: its note (records_req.errors.Note)
    in plain words, where it has one, never the command line's flags; else its text."""
    from records_req.errors import Note
    from records_req.wording import note_words

    note = getattr(message, "note", None)
    if isinstance(note, Note):
        return note_words(note, lang())
    return translator()(str(message))  # a fixed sentence the catalog has (else as it was said)


def render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return _render(template, t=translator(), lang=lang(), today=today(), **context), status


def query_arg(name: str) -> str | None:
    """A filter from the address, without control characters (a NUL cannot reach PostgreSQL)."""
    value = request.args.get(name) or ""
    value = "".join(ch for ch in value if ch.isprintable() or ch == " ").strip()[:200]
    return value or None


def form_date(name: str, *, required: bool = False) -> dt.date | None:
    """A date from a form field, checked as the CLI checks ``--on`` (records_req.dates)."""
    from records_req.dates import parse_date

    text = (request.form.get(name) or "").strip()
    if not text:
        if required:
            raise UsageError(f"Give the date ({name}).")
        return None
    return parse_date(text)


def form_number(name: str, kind: type[int] | type[float]) -> int | float | None:
    text = (request.form.get(name) or "").strip()
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        raise UsageError(f"{name} must be a number, not {text!r}.") from None


# --- dashboard ----------------------------------------------------------------------------------


DASHBOARD_ROWS = 50  # of the overdue and the due-soon lists; the rest is one click away


@bp.route("/")
def dashboard() -> tuple[str, int]:
    """Overdue first, what falls due in the next 14 days, counts and charts: the numbers of
    ``due``, ``list`` and ``report`` on the same day, from the counts kept with every write
    (reports.data.summary: a few index reads, however many requests; counted from every request
    while a stored schedule is stale)."""
    from records_req.reports.charts import svg_months, svg_state_groups
    from records_req.reports.data import summary
    from records_req.tracker.agenda import due_items

    now = today()
    t = translator()
    with view() as fast:
        numbers = summary(fast, now, DASHBOARD_ROWS)
        reminders = due_items(fast, now, within=14, what=("reminder",))  # as 'due' lists them
    shown = bool(numbers.total)
    return render(
        "dashboard.html",
        summary=numbers,
        reminders=reminders,
        counts=numbers.counts,
        chart_counts=_status_chart(numbers.counts.by_status),
        chart_states=svg_state_groups(
            numbers.groups, t("Status by state"), {k: t(k) for k in ("overdue", "open", "closed")}
        )
        if shown
        else "",
        chart_months=svg_months(numbers.months, t("Requests per month"), t("requests")) if shown else "",
    )


def _status_chart(by_status: dict[str, int]) -> str:
    """The requests by status as bars, labelled in the page's language (reports.charts.svg_counts)."""
    from records_req.labels import status_label
    from records_req.reports.charts import svg_counts

    if not by_status:
        return ""
    rows = [(status, status_label(status, lang()), n) for status, n in by_status.items()]
    return svg_counts(rows, translator()("Requests by status"))


# --- requests -----------------------------------------------------------------------------------


PAGE_ROWS = 200  # requests per page of the list


@bp.route("/requests")
def requests_list() -> tuple[str, int]:
    """The requests by id, a page at a time (keyset: the page after one id, or before one), with
    how many match in all (tracker.agenda.listed_page)."""
    from records_req.lifecycle import STATUSES
    from records_req.tracker.agenda import listed_page
    from records_req.views import status_filter

    status = query_arg("status")
    state = (query_arg("state") or "").upper() or None
    tag = query_arg("tag")
    agency = query_arg("agency")
    error = None
    with view() as fast:
        try:
            status_filter(status)
        except UsageError as exc:  # an unknown status: said above the whole list, never dropped in silence
            error, status = said(exc), None
        found = listed_page(
            fast,
            today(),
            status=status,
            state=state,
            tags=(tag,) if tag else (),
            agency_text=agency,
            after=_id_arg("after"),
            before=_id_arg("before"),
            limit=PAGE_ROWS,
        )
    chosen = {"status": status, "state": state, "tag": tag, "agency": agency}
    return render(
        "requests.html",
        error=error,
        rows=found.rows,
        total=found.total,
        next_after=found.next_after,
        previous_before=found.previous_before,
        statuses=("open", "overdue", "closed", *STATUSES),
        chosen=chosen,
        links={k: v for k, v in chosen.items() if v},
    )


def _id_arg(name: str) -> int | None:
    """A request id from the address (a page's bound); anything else is no bound."""
    text = query_arg(name) or ""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def _details(request_id: int) -> RequestDetails:
    from records_req.tracker.views import request_details

    with view() as fast:
        try:
            return request_details(fast, request_id, today())
        except UsageError:
            abort(404, description=f"No request #{request_id}.")


@bp.route("/requests/<int:request_id>")
def request_page(request_id: int) -> tuple[str, int]:
    return _request_page(request_id)


def _request_page(request_id: int, error: str | None = None, status: int = 200, **kept: Any) -> tuple[str, int]:
    from records_req.deadlines import VIAS
    from records_req.explain import step_words
    from records_req.inbox.intake import for_request
    from records_req.lifecycle import USER_EVENTS, history_of
    from records_req.tracker.thread import document_events, thread
    from records_req.wording import action_words

    details = _details(request_id)
    action = details.next_action
    with view() as fast:
        events_of = document_events(fast, request_id)
    lines = history_of(details.to_json()["events"])
    return render(
        "request.html",
        status,
        r=details.to_json(),
        details=details,
        history=_history(details.to_json()["events"]),
        thread=thread(details, lines, events_of),
        contact=_contact(details.jurisdiction, details.agency),
        next_words=action_words(action, lang(), written_out=True),
        explanation=[Markup(step_words(step, lang(), html=True)) for step in details.steps],
        appeal_words=details.appeal_window.describe(lang()) if details.appeal_window else None,
        next_kind=action.kind,
        next_route=action.facts.get("route"),
        next_event=_answer_event(details.status),
        days_left=(details.due_on - details.as_of).days if details.due_on and not details.overdue else None,
        events=[e for e in USER_EVENTS if e != "sent"],
        vias=VIAS,
        error=error,
        kept=kept,
        notice=session.pop("notice", None),
        inbox=for_request(workspace(), request_id),  # its replies and proposals (request_inbox.html)
        undoable=details.in_force[-1] if details.in_force else None,  # the event service.undo_last undoes
    )


def _answer_event(status: str) -> str | None:
    """The event that records the requester's answer the agency waits for (none otherwise)."""
    return {"fix-required": "clarified", "payment-required": "fee-paid"}.get(status)


def _contact(state: str, agency: str) -> Any:
    """The agency's contact from the directory (email, portal, address, phone, records officer),
    or None where the directory has no entry for it."""
    from records_req.agencies.directory import find_agency

    with store().read() as s:
        found = find_agency(s, state, agency)
        if found is None:
            return None
        return {
            "email": found.records_email,
            "portal": found.portal_url,
            "address": found.mailing_address,
            "phone": found.phone,
            "officer": found.records_officer,
        }


def _history(events: list[dict[str, Any]]) -> list[tuple[Any, str, dict[str, Any]]]:
    """The timeline as the page shows it: lifecycle.history's lines in date order (undone ones
    struck through, edits with old and new values), each with its label and facts as shown."""
    from records_req.lifecycle import history_of
    from records_req.tracker.views import event_shown

    return [(line, *event_shown(line.kind, line.data)) for line in history_of(events)]


def _notice(text: str) -> None:
    session["notice"] = text


@bp.post("/requests/<int:request_id>/event")
def log_event(request_id: int) -> Any:
    """One event, as ``records-req log`` records it (service.record_event), with its messages."""
    from records_req.tracker import service

    kind = request.form.get("kind", "")
    try:
        on = form_date("on") or today()
        fields: dict[str, Any] = {
            "days": form_number("days", int),
            "until": form_date("until"),
            "amount": form_number("amount", float),
            "exemptions": request.form.get("exemptions"),
            "outcome": request.form.get("outcome") or None,
            "tracking_number": request.form.get("tracking_number"),
            "court": request.form.get("court"),
        }
        if kind == "sent":
            fields["via"] = request.form.get("via") or "email"
        with store().write() as s:
            req = service.get_request(s, request_id)
            _event, warnings = service.record_event(
                s,
                req,
                kind,
                on,
                note=request.form.get("note"),
                fields=fields,
                force=request.form.get("force") == "1",
                today=today(),
            )
    except RecordsReqError as exc:
        return _request_page(request_id, said(exc), 422, **request.form.to_dict())
    from records_req.labels import event_label, long_date

    recorded = translator()("Recorded: {event}, on {date}.").format(
        event=event_label(kind, lang()), date=long_date(on, lang())
    )
    _notice(" ".join([recorded, *map(said, warnings)]))
    return redirect(url_for("pages.request_page", request_id=request_id), 303)


@bp.post("/requests/<int:request_id>/events/<int:event_id>/edit")
def edit_event(request_id: int, event_id: int) -> Any:
    """Change one event's date, note or days, as ``records-req edit --event N`` does
    (service.edit_last): recorded as an edit that keeps the old values; a date before what it
    depends on is refused with the dates unless the box to keep it anyway is ticked."""
    from records_req.tracker import service

    try:
        data: dict[str, Any] = {}
        days = form_number("days", int)
        if days is not None:
            data["days"] = days
        with store().write() as s:
            req = service.get_request(s, request_id)
            _target, warnings = service.edit_last(
                s,
                req,
                today(),
                on=form_date("on"),
                note=request.form.get("note", "").strip() or None,
                data=data,
                event=event_id,
                force=request.form.get("force") == "1",
            )
    except RecordsReqError as exc:
        return _request_page(request_id, said(exc), 422)
    _notice(" ".join([translator()("Changed: event #{event}.").format(event=event_id), *map(said, warnings)]))
    return redirect(url_for("pages.request_page", request_id=request_id) + f"#event-{event_id}", 303)


@bp.post("/requests/<int:request_id>/undo")
def undo_event(request_id: int) -> Any:
    """Undo the request's last event, as ``records-req undo`` does (service.undo_last), once the
    person confirmed which one (the form names it: if another was recorded since, nothing is
    undone). The history keeps who undid it: the signed-in account, or "dashboard" on a dashboard
    served only to this computer."""
    from records_req.labels import event_label, long_date
    from records_req.tracker import service

    who = "dashboard" if settings().local else session.get("user")
    try:
        confirmed = form_number("event", int)
        if confirmed is None:
            raise UsageError("Choose the event to undo.")
        with store().write() as s:
            req = service.get_request(s, request_id)
            target = service.undo_last(s, req, today(), by=who, event=int(confirmed))
            kind, on, target_id = target.kind, target.on, target.id
    except RecordsReqError as exc:
        return _request_page(request_id, said(exc), 422)
    undone = translator()("Undone: {event}, of {date}.")
    _notice(undone.format(event=event_label(kind, lang()), date=long_date(on, lang())))
    return redirect(url_for("pages.request_page", request_id=request_id) + f"#event-{target_id}", 303)


def _upload_to_temp(field: str) -> tuple[Path, str, str]:
    """The uploaded file in a temporary file named by us (the user's name is kept as a label only)."""
    from records_req.hygiene import clean

    upload = request.files.get(field)
    if upload is None or not upload.filename:
        raise UsageError("Choose a file to upload.")
    # Werkzeug has already spooled the body to a temporary file past 500 KB (MAX_CONTENT_LENGTH
    # bounds it); it is copied in chunks, so no upload is ever held whole in the server's memory.
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    from records_req.filetypes import accepted_kinds, identify_file

    head = upload.stream.read(4096)
    if not head:
        raise UsageError("The file is empty.")
    name = clean("The file's name", Path(upload.filename.replace("\\", "/")).name)
    handle = tempfile.NamedTemporaryFile(prefix="records-req-upload-", delete=False)  # noqa: SIM115
    with handle:
        size, chunk = 0, head
        while chunk:
            size += len(chunk)
            if size > limit:
                handle.close()
                Path(handle.name).unlink(missing_ok=True)
                abort(413)
            handle.write(chunk)
            chunk = upload.stream.read(2**16)
    found = identify_file(Path(handle.name), name)  # what the bytes are, never the name (filetypes)
    if found is None:
        Path(handle.name).unlink(missing_ok=True)
        raise UsageError(f"This kind of file is not accepted. Upload one of these: {accepted_kinds()}.")
    name = name or f"upload{found.extension}"
    named = Path(handle.name).replace(Path(handle.name).with_suffix(found.extension))
    return named, name, found.extension


@bp.post("/requests/<int:request_id>/attach")
def attach(request_id: int) -> Any:
    """A received file, kept by its hash in the data directory, as ``records-req attach`` does."""
    from records_req.tracker.service import attach_file

    try:
        temp, name, _suffix = _upload_to_temp("file")
        try:
            done = attach_file(
                workspace(),
                request_id,
                temp,
                name=name,
                kind=request.form.get("event") or None,
                on=form_date("on"),
                note=request.form.get("note"),
            )
        finally:
            temp.unlink(missing_ok=True)
    except RecordsReqError as exc:
        return _request_page(request_id, said(exc), 422)
    _notice(
        " ".join([translator()("Kept with the request: {name}.").format(name=done.name), *map(said, done.warnings)])
    )
    return redirect(url_for("pages.request_page", request_id=request_id), 303)


@bp.post("/requests/<int:request_id>/letter")
def later_letter(request_id: int) -> Any:
    """The follow-up or appeal letter, refused or written exactly as ``followup``/``appeal``."""
    from records_req.tracker import service

    kind = request.form.get("kind")
    if kind not in ("follow-up", "appeal"):
        abort(400, description="Which letter: follow-up or appeal.")
    try:
        with store().write() as s:
            req = service.get_request(s, request_id)
            output = workspace().output(force=request.form.get("force") == "1")
            _paths, notes = service.later_letter(s, req, kind, today=today(), output=output)
    except RecordsReqError as exc:
        return _request_page(request_id, said(exc), 422)
    written = (
        "The follow-up letter is written and recorded; it is in the thread below."
        if kind == "follow-up"
        else "The appeal letter is written and recorded; it is in the thread below."
    )
    _notice(" ".join([translator()(written), *map(said, notes)]))
    return redirect(url_for("pages.request_page", request_id=request_id), 303)


@bp.route("/requests/<int:request_id>/bundle.zip")
def bundle(request_id: int) -> Response:
    """Everything about the request in one zip, as ``records-req bundle`` writes it."""
    from records_req.tracker.bundle import bundle_bytes

    try:
        data, _manifest = bundle_bytes(_details(request_id))
    except RecordsReqError as exc:
        abort(409, description=str(exc))
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="request-{request_id}-bundle.zip"'},
    )


@bp.route("/documents/<int:document_id>")
def document(document_id: int) -> Response:
    """A stored letter or received file: the path comes from the database, never from the URL."""
    from records_req.tracker.service import stored_document

    found = stored_document(workspace(), document_id)
    if found is None:
        abort(404)
    path, name, sha = found
    if not path.is_file():
        abort(410, description="The file is no longer where it was written.")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha:
        abort(409, description="The file was changed after it was stored; it is not served.")
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    headers = {"Content-Disposition": disposition, "Content-Security-Policy": "sandbox; default-src 'none'"}
    return Response(data, mimetype=_mimetype(name), headers=headers)


SERVED_TYPES = {  # what a stored file is sent as; anything else (HTML, SVG...) only as bytes
    ".pdf": "application/pdf",
    ".docx": DOCX_TYPE,
    ".xlsx": REPORT_FORMATS["xlsx"],
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".eml": "message/rfc822",
}


def _mimetype(name: str) -> str:
    return SERVED_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


# --- a new request ------------------------------------------------------------------------------


def _new_context(form: dict[str, Any] | None = None) -> dict[str, Any]:
    from records_req.laws import load_laws
    from records_req.topics import load_topics

    with store().read() as s:
        from records_req.tracker import service

        prof = service.get_profile(s)
        profile = {
            "requester_name": prof.name if prof else "",
            "requester_email": (prof.email or "") if prof else "",
            "requester_address": (prof.address or "") if prof else "",
            "requester_state": (prof.state or "") if prof else "",
            "requester_org": (prof.organization or "") if prof else "",
        }
    values = profile | (form or {})
    return {
        "laws": list(load_laws().values()),
        "topics": list(load_topics().values()),
        "values": values,
        "chosen_topics": set((form or {}).get("topics", [])) or {"wso"},
    }


@bp.route("/new")
def new_form() -> tuple[str, int]:
    form: dict[str, Any] = {"state": request.args.get("state", ""), "agency": request.args.get("agency", "")}
    form["topics"] = request.args.getlist("topic")  # a watch's match names its model's topic (web/ice.py)
    return render("new.html", **_new_context(form))


def _spec_from_form() -> tuple[Any, Any, dict[str, Any]]:
    from records_req.laws import load_laws
    from records_req.letters.request import RequestSpec

    form: dict[str, Any] = request.form.to_dict()
    form["topics"] = request.form.getlist("topic")
    j = load_laws().get_or_raise(form.get("state") or "")
    spec = RequestSpec(
        agency=form.get("agency", ""),
        topic_keys=tuple(form["topics"]),
        requester_name=form.get("requester_name"),
        requester_email=form.get("requester_email"),
        requester_address=form.get("requester_address"),
        requester_org=form.get("requester_org"),
        requester_state=form.get("requester_state"),
        co_requester=form.get("co_requester") or None,
        co_requester_address=form.get("co_requester_address") or None,
        agency_email=form.get("agency_email") or None,
        agency_address=form.get("agency_address") or None,
        letter_date=today(),
        since=form_date("since"),
        until=form_date("until"),
    )
    return j, spec, form


@bp.post("/new")
def new_submit() -> Any:
    """Preview the letter, download it, or create the tracked request (``records-req new``)."""
    from records_req.letters.compose import compose
    from records_req.tracker.service import start_request

    action = request.form.get("action", "preview")
    form: dict[str, Any] = request.form.to_dict()
    form["topics"] = request.form.getlist("topic")
    try:
        j, spec, form = _spec_from_form()
        tags = [form.get("tag", "")]
        if action == "create":
            started = start_request(workspace(), j, spec, tags=tags)
            _notice(
                " ".join(
                    ["Request created; its letter is below. Mark it sent when you send it.", *map(said, started.notes)]
                )
            )
            return redirect(url_for("pages.request_page", request_id=started.made[0].id), 303)
        # the letter as "create" would write it, remembering nothing
        started = start_request(workspace(), j, spec, tags=tags, preview=True)
        req, notes = started.letters[0], started.notes
        letter = compose(req)
        if action in ("docx", "pdf"):
            from records_req.letters.files import download_name
            from records_req.letters.render import render as render_letter

            data = render_letter(letter, [action])[action]
            topics = [t.key for t in req.topics] or ["items"]
            name = download_name(j.code, spec.agency, req.date.isoformat(), topics, req.kind, action)
            mimetype = (
                "application/pdf"
                if action == "pdf"
                else REPORT_FORMATS["xlsx"].replace("spreadsheetml.sheet", "wordprocessingml.document")
            )
            return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
        return render("new.html", preview=letter.plain_text(), notes=[said(n) for n in notes], **_new_context(form))
    except RecordsReqError as exc:
        return render("new.html", 422, error=said(exc), **_new_context(form))


@bp.route("/states/<code>.json")
def state_info(code: str) -> Response:
    """What the new-request form shows as a state is picked: law, clock, residency, 287(g)."""
    from records_req.describe import clock_words, residency_words
    from records_req.laws import load_laws

    j = load_laws().get(code.upper())
    if j is None:
        abort(404)
    return jsonify(
        {
            "code": j.code,
            "name": j.name,
            "law": j.law.name,
            "citation": j.law.citation,
            "clock": clock_words(j),
            "residency": residency_words(j),
            "stance": j.immigration.stance,
            "immigration": j.immigration.law,
        }
    )


# --- agencies and campaigns ---------------------------------------------------------------------


AGENCY_ROWS = 100  # agencies per page of the directory


@bp.route("/agencies")
def agencies() -> tuple[str, int]:
    from records_req.agencies.directory import agencies_page

    state = (query_arg("state") or "").upper() or None
    model = (query_arg("model") or "").upper() or None
    text = query_arg("q") or ""
    try:
        asked = int(query_arg("page") or 1)
    except ValueError:
        asked = 1
    with store().read() as s:
        wanted = model if model in MODELS else None
        rows, total, page = agencies_page(s, state=state, model=wanted, name=text or None, page=asked, size=AGENCY_ROWS)
    pages = max(1, -(-total // AGENCY_ROWS))
    chosen = {"state": state, "model": model, "q": text}
    paging = {
        "page": page,
        "pages": pages,
        "total": total,
        "first": (page - 1) * AGENCY_ROWS + 1,
        "links": {k: v for k, v in chosen.items() if v},
    }
    return render(
        "agencies.html",
        models=MODELS,
        rows=rows,
        chosen=chosen,
        paging=paging,
        notice=session.pop("notice", None),
    )


@bp.route("/agencies/search.json")
def agency_search() -> Response:
    """The directory's agencies in a state whose name contains ``q``, with the agreements ICE's
    newest lists show: what the new-request form suggests as you type."""
    from records_req.agencies.directory import search

    with store().read() as s:
        found = search(s, (query_arg("state") or "").upper(), query_arg("q") or "")
    return jsonify(
        [
            {
                "name": a.name,
                "email": a.email,
                "address": a.address,
                "agreements": [
                    {
                        "model": g.model_name,
                        "signed": g.signed.isoformat() if g.signed else None,
                        "pending": g.pending,
                        "pending_since": g.pending_since.isoformat() if g.pending_since else None,
                    }
                    for g in a.agreements
                ],
            }
            for a in found
        ]
    )


@bp.route("/agencies/<int:agency_id>")
def agency_page(agency_id: int) -> tuple[str, int]:
    from records_req.agencies.directory import agency_card_by_id

    with store().read() as s:
        card = agency_card_by_id(s, agency_id)
    if card is None:
        abort(404)
    return render("agency.html", agency=card.agency, agreements=card.agreements)


@bp.post("/agencies/import")
def agencies_import() -> Any:
    """One of ICE's sheets, uploaded: imported (agencies import), and what changed shown."""
    from records_req.agencies.ice_lists import changes, import_sheet
    from records_req.ice.sheets import SheetError

    try:
        temp, name, suffix = _upload_to_temp("sheet")
        try:
            if suffix not in (".xlsx", ".zip", ".csv", ".txt"):
                raise UsageError("Upload ICE's sheet as it was downloaded: an .xlsx or .csv file.")
            sheet_path = temp.with_suffix(".xlsx" if suffix in (".xlsx", ".zip") else ".csv")
            temp.rename(sheet_path)
            temp = sheet_path
            with store().write() as s:  # dated as the CLI dates it: ICE's file name, then the form's date
                result = import_sheet(
                    s, temp, downloaded_on=form_date("downloaded"), file_name=name, fallback=(today(), "upload date")
                )
                summary = result.to_dict(Path(name))
                try:
                    diff = changes(s) if result.sheet is None or result.sheet.kind == "participating" else None
                except UsageError:
                    diff = None
        finally:
            temp.unlink(missing_ok=True)
    except (RecordsReqError, SheetError) as exc:
        return render("agencies.html", 422, models=MODELS, rows=[], chosen={}, error=str(exc))
    return render("imported.html", summary=summary, diff=diff)


def _campaign_options(form: dict[str, Any]) -> tuple[Any, Any]:
    from records_req.tracker import campaign as campaigns
    from records_req.tracker.service import REQUESTER_FIELDS

    def many(name: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in request.form.getlist(name) if v.strip())

    selection = campaigns.Selection(
        states=tuple(s.upper() for s in many("state")),
        models=tuple(m.upper() for m in many("model")),
        counties=many("county"),
        types=tuple(t for t in many("type") if t in campaigns.TYPES),
        signed_since=form_date("signed_since"),
        pending=form.get("pending") == "1",
    )
    options = campaigns.Options(
        tag=(form.get("tag") or "").strip(),
        topic_keys=tuple(request.form.getlist("topic")) or ("wso",),
        requester={key: form.get(key) or None for key in REQUESTER_FIELDS},  # the profile fills the rest
        co_requester=form.get("co_requester") or None,
        co_requester_address=form.get("co_requester_address") or None,
        include_barred=form.get("include_barred") == "1",
        again=form.get("again") == "1",
        output=workspace().output(eml=form.get("eml") == "1"),  # the dashboard's folder and today
    )
    return selection, options


@bp.route("/campaign", methods=["GET", "POST"])
def campaign() -> Any:
    """Who a campaign would write to, and why not (the dry run); then write the letters as a job of
    this server (records_req.tracker.jobs), followed on its own page.
    The plan, the letters' date (a resumed campaign keeps its first) and the profile that signs
    are decided as the command line's ``campaign`` decides them (campaign.prepare)."""
    from records_req.tracker import campaign as campaigns
    from records_req.tracker import jobs

    ctx = _new_context() | {"models": MODEL_CHOICES, "jobs": jobs.recent(store(), runner())}
    if request.method == "GET":
        return render("campaign.html", **ctx)
    form = request.form.to_dict()
    running = request.form.get("action") == "run"
    ws = workspace()
    try:
        selection, options = _campaign_options(form)
        if running and not options.tag:
            raise UsageError("Name the campaign (its tag) to write the letters.")
        prepared = campaigns.prepare(ws, selection, options, dry_run=not running)
        if not running:
            plan = [
                campaigns.step_dict(x) | {"message": said(x.message) if x.message else None} for x in prepared.steps
            ]
            return render("campaign.html", plan=plan, form=form, **ctx)
    except RecordsReqError as exc:
        return render("campaign.html", 422, error=said(exc), form=form, **ctx)
    try:
        job = jobs.start_campaign(ws, runner(), selection, prepared, started_by=started_by())
    except jobs.JobRunning as exc:
        return render("campaign.html", 409, error=running_words(exc), running=exc.job_id, form=form, **ctx)
    return redirect(url_for("jobs.job_page", job_id=job), 303)


# --- reports ------------------------------------------------------------------------------------


def local_feed_token() -> str:
    """The calendar address's secret on a dashboard served only to this computer (no accounts)."""
    key = current_app.config["SECRET_KEY"]
    key = key if isinstance(key, bytes) else str(key).encode()
    return hmac.new(key, b"records-req calendar feed", hashlib.sha256).hexdigest()[:32]


def feed_token() -> str:
    """The secret part of the calendar feed's address (a calendar app cannot sign in): beyond this
    computer, the signed-in account's own, which ends with the account (web.accounts)."""
    if settings().local:
        return local_feed_token()
    from records_req.accounts import feed_token_of

    with store().read() as s:
        token = feed_token_of(s, session.get("user"))
    if token is None:
        abort(401, description="Sign in first.")
    return token


@bp.route("/reports")
def reports() -> tuple[str, int]:
    feed = url_for("pages.calendar_feed", token=feed_token(), _external=True)
    return render("reports.html", formats=list(REPORT_FORMATS), feed=feed, local=settings().local)


def _report_bytes(fmt: str) -> bytes:
    """The report ``records-req report --format FMT`` writes, for the same filters."""
    from records_req.reports import render as render_report
    from records_req.reports.data import Filters, load

    state = (query_arg("state") or "").upper() or None
    tag = query_arg("tag")
    with view() as fast:
        data = load(fast, today(), Filters(state=state, tags=(tag,) if tag else ()))

    def link(request_id: int) -> str:  # the calendar's events link back to their request's page
        return url_for("pages.request_page", request_id=request_id, _external=True)

    return render_report(data, fmt, lang(), link=link)


@bp.route("/reports/report.<fmt>")
def report_download(fmt: str) -> Response:
    if fmt not in REPORT_FORMATS:
        abort(404)
    name = f"records-req-report-{today().isoformat()}.{fmt}"
    return Response(
        _report_bytes(fmt),
        mimetype=REPORT_FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/calendar/<token>.ics")
def calendar_feed(token: str) -> Response:
    if settings().local:
        if not hmac.compare_digest(token.encode(), local_feed_token().encode()):
            abort(404)
    else:
        from records_req.accounts import feed_owner

        with store().read() as s:
            if feed_owner(s, token) is None:
                abort(404)  # a removed account's address, or a local dashboard's, opens nothing here
    return Response(_report_bytes("ics"), mimetype=REPORT_FORMATS["ics"])


# --- accounts and language ----------------------------------------------------------------------


def refusal_words(refusal: Any, t: Callable[[str], str]) -> str:
    """A refused sign-in in the page's words, with the wait rounded up to a whole unit as Babel
    writes it in the page's language ("2 minutes", "2 minutos")."""
    from babel.dates import format_timedelta

    if refusal.reason == "address":
        why = t("Too many failed sign-ins from this address.")
    else:
        why = t("Too many failed sign-ins for this account.")
    seconds = refusal.retry_after
    units: tuple[tuple[int, Literal["hour", "minute", "second"]], ...] = ((3600, "hour"), (60, "minute"), (1, "second"))
    size, unit = next((size, unit) for size, unit in units if seconds > size or size == 1)
    wait = dt.timedelta(seconds=-(-seconds // size) * size)  # rounded up: never less than the real wait
    words = format_timedelta(wait, granularity=unit, threshold=1000, locale=lang())
    return f"{why} " + t("Try again in {wait}.").format(wait=words)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    from records_req.accounts import check_login

    if settings().local:
        return redirect(url_for("pages.dashboard"))
    if request.method == "GET":
        return render("login.html")
    from records_req.accounts import Refusal

    name = request.form.get("name", "")
    with store().write() as s:  # a failure is counted; an older password hash is replaced on a success
        user = check_login(s, name, request.form.get("password", ""), address=request.remote_addr)
    t = translator()
    if isinstance(user, Refusal):
        page, status = render("login.html", 429, error=refusal_words(user, t), name=name)
        return Response(page, status, headers={"Retry-After": str(user.retry_after)}, mimetype="text/html")
    if user is None:
        return render("login.html", 401, error=t("That name and password do not match an account."), name=name)
    session.clear()
    session.permanent = True
    session["user"] = user.name
    session["key"] = user.session_key  # the server ends the session by replacing it (web.accounts)
    session["login_at"] = dt.datetime.now(dt.UTC).isoformat()
    return redirect(local_path(request.args.get("next") or "") or url_for("pages.dashboard"), 303)


LOCAL_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*")


def local_path(target: str) -> str | None:
    """``target`` if it is a path on this server (``/requests?tag=x``), else None: never a
    scheme, a host, a backslash or a control character a browser would read as another site."""
    from urllib.parse import unquote

    if not LOCAL_PATH.fullmatch(target):
        return None
    path = unquote(target.split("?", 1)[0])  # as a browser may read it, too
    return target if "//" not in path and "\\" not in path and path.isprintable() else None


@bp.post("/logout")
def logout() -> Any:
    """Sign out: the account's sessions end on the server too, so a copy of the cookie opens nothing."""
    name = session.get("user")
    if isinstance(name, str) and not settings().local:
        from records_req.accounts import end_sessions

        with store().write() as s:
            end_sessions(s, name)
    session.clear()
    return redirect(url_for("pages.login" if not settings().local else "pages.dashboard"), 303)


@bp.route("/lang/<code>")
def set_lang(code: str) -> Any:
    if code in LANGUAGES:
        session["lang"] = code
    back = request.referrer or ""
    here = request.host_url
    return redirect(back if back.startswith(here) else url_for("pages.dashboard"), 303)


# --- filters and errors -------------------------------------------------------------------------

PLACEHOLDERS = {
    "{agency}": "the agency",
    "{since}": "the start date",
    "{until}": "the end date",
    "{state}": "the state",
}


@bp.app_template_filter("generic")
def generic(text: str) -> str:
    """A topic item as the form lists it, before an agency and dates are chosen."""
    for placeholder, words in PLACEHOLDERS.items():
        text = text.replace(placeholder, words)
    return text


ERROR_TITLES = {
    400: "Bad request",
    401: "Sign in first",
    403: "Refused",
    404: "Not found",
    409: "Conflict",
    410: "Gone",
    413: "Too large",
    500: "Something went wrong",
}


@bp.before_app_request
def refuse_writes_after_a_newer_migration() -> tuple[str, int] | None:
    """A form posted to a dashboard whose database a newer records-req has migrated since it
    started is refused with one page, before anything is read or written (one row read per form;
    every write transaction checks again, for the campaign's threads and the API)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    db = store()
    try:
        db.refuse_other_schema(db.current_revision())
    except SchemaChanged as exc:
        return schema_changed(exc)
    return None


@bp.app_errorhandler(SchemaChanged)
def schema_changed(error: Exception) -> tuple[str, int]:
    t = translator()
    return render("error.html", 503, code=503, title=t("The database was upgraded"), message=str(error))


@bp.app_errorhandler(400)
@bp.app_errorhandler(401)
@bp.app_errorhandler(403)
@bp.app_errorhandler(404)
@bp.app_errorhandler(409)
@bp.app_errorhandler(410)
@bp.app_errorhandler(413)
@bp.app_errorhandler(500)
def http_error(error: Any) -> tuple[str, int]:
    code = getattr(error, "code", 500) or 500
    message = getattr(error, "description", "") or ""
    if code == 413:
        message = "The file is larger than 25 MB."
    t = translator()
    try:
        return render("error.html", code, code=code, title=t(ERROR_TITLES.get(code, "Error")), message=message)
    except Exception:  # the error page itself must never fail (a bad Host header reaches here early)
        return f"{code} {ERROR_TITLES.get(code, 'Error')}: {message}", code

"""The requests' commands: new, sent, log, remind, edit, undo, list, show, due, followup, appeal,
attach, bundle. Each writing command is one transaction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from records_req.cli.context import REQUEST_ID, protected_outputs, read_view, store, today, workspace
from records_req.cli.dates import DATE
from records_req.cli.letters import eml_option, letter_options, output_options, requester_options
from records_req.cli.output import (
    emit_json,
    is_stdout,
    json_option,
    progress,
    table,
    via_option,
    write_stdout,
)
from records_req.cli.wording import command, next_step, text, worded
from records_req.errors import UsageError
from records_req.labels import status_label

if TYPE_CHECKING:
    from records_req.views import RequestDetails
    from records_req.workspace import LetterOutput

# --- new ------------------------------------------------------------------------------------------


@click.command()
@letter_options
@requester_options
@click.option("--tag", "tags", multiple=True, help="A tag to follow one effort across agencies (repeatable).")
@click.option("--again", is_flag=True, help="Allow a second open request to the same agency for the same topics.")
@click.option(
    "--split",
    is_flag=True,
    help="One request (and letter) per topic, so that quick items are not held up by slow ones.",
)
@click.option("--profile", "profile_key", default="default", show_default=True, help="Requester profile.")
@eml_option
@output_options
@click.pass_context
def new(ctx: click.Context, /, **options: Any) -> None:
    """Write a request letter and start tracking it.

    \b
    Examples:
      records-req new --state FL --agency "Lee County Sheriff's Office" --topic wso --tag "FL WSO 2026"
      records-req new --state TX --agency "Harris County Sheriff's Office" --topic wso --topic costs --split
    """
    from records_req.cli.letters import check_eml, no_draft_note, spec_from_options
    from records_req.laws import load_laws
    from records_req.tracker.service import start_request

    check_eml(options)
    j = load_laws().get_or_raise(options["state"])
    ws = workspace(ctx)
    output = ws.output(
        formats=options["formats"],
        out_dir=options.get("out_dir"),
        force=options["force"],
        templates=options.get("user_templates"),
        eml=options["eml"],
    )
    started = start_request(
        ws,
        j,
        spec_from_options(options),
        output=output,
        tags=options["tags"],
        split=options["split"],
        again=options["again"],
        profile_key=options["profile_key"],
    )
    notes = list(started.notes)
    if started.saved_profile is not None:
        notes.append(f"Saved your details as profile '{started.saved_profile}' (records-req profile show).")
    if options["eml"] and started.drafts_missing:
        remedy = "give --agency-email ADDRESS (kept in the directory), or load it with 'agencies import-contacts'"
        notes.append(no_draft_note(started.letters[0], remedy))
    results: list[dict[str, Any]] = [
        {
            "id": made.id,
            "status": made.status,
            "topics": list(made.topics),
            "files": {e: str(p) for e, p in made.files.items()},
            "notes": [text(n) for n in notes],
            "tags": list(started.tags),
        }
        for made in started.made
    ]
    for note in notes:
        click.echo(f"Note: {text(note)}", err=True)
    if options["as_json"]:
        emit_json(results[0] if len(results) == 1 else results)
        return
    for result in results:
        click.echo(f"Request #{result['id']} (draft): letter written to")
        for path in result["files"].values():
            click.echo(f"  {path}")
    ids = " ".join(str(r["id"]) for r in results)
    click.echo(
        f"When you send it: records-req sent {ids.split()[0]} --via email"
        + (f" (and likewise for {', '.join(ids.split()[1:])})" if len(results) > 1 else "")
    )


# --- events -------------------------------------------------------------------------------------


def _event_options(f: Any) -> Any:
    for option in reversed(
        [
            click.option("--on", "on", type=DATE, help="When it happened [default: today]."),
            click.option("--note", help="A note to keep with the event."),
            click.option("--days", type=click.IntRange(1, 365), help="extended: by how many days."),
            click.option("--until", type=DATE, help="extended/estimate: to which date."),
            click.option("--amount", type=click.FloatRange(0, 10**9), help="fee-estimate/fee-paid: the amount."),
            click.option("--exemptions", help="denied: the exemptions the agency cited."),
            click.option(
                "--outcome",
                type=click.Choice(["granted", "denied", "partial"]),
                help="appeal-decided: the outcome.",
            ),
            click.option("--tracking-number", help="acknowledged: the agency's reference number."),
            click.option("--court", help="sued: the court where the action was filed."),
            click.option("--force", is_flag=True, help="Record it even if it makes no sense now."),
            json_option,
        ]
    ):
        f = option(f)
    return f


def _record(
    ctx: click.Context,
    request_id: int,
    kind: str,
    options: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> None:
    from records_req import timeline
    from records_req.tracker import service

    now = today(ctx)
    on: dt.date = options.get("on") or now
    fields: dict[str, Any] = dict(extra or {})
    fields |= {
        k: options.get(k) for k in ("days", "amount", "exemptions", "outcome", "tracking_number", "until", "court")
    }
    with store(ctx).write() as session:
        request = service.get_request(session, request_id)
        event, warnings = service.record_event(
            session,
            request,
            kind,
            on,
            note=options.get("note"),
            fields=fields,
            force=options.get("force", False),
            today=now,
        )
        recorded = {"id": event.id, "kind": kind, "on": on.isoformat()}
        said = timeline.event(kind, event.data)
    state = request_details(ctx, request_id)
    result = worded(state.summary_json() | {"event": recorded})
    for warning in warnings:
        click.echo(f"Warning: {text(warning)}", err=True)
    if options.get("as_json"):
        emit_json(result)
    else:
        due_label = None if state.due_statutory else state.due_label
        click.echo(
            f"#{request_id}: {said} on {timeline.day(on)}. "
            + timeline.now(result["status"], result["overdue"], result["due"], due_label)
        )
        click.echo(f"Next: {result['next_step']}")


@click.command()
@click.argument("request_id", type=REQUEST_ID, required=False)
@click.option("--tag", help="Every request of this campaign still a draft (sent the same day, the same way).")
@via_option("How it was sent (mail adds 3 days before receipt).")
@_event_options
@click.pass_context
def sent(ctx: click.Context, /, request_id: int | None, tag: str | None, via: str, **options: Any) -> None:
    """Record that a request was sent; its statutory clock starts.

    With --tag, record it for every request of the campaign that is still a draft, in one
    transaction; the others are listed with their status.

    \b
    Examples:
      records-req sent 1 --via email --on 2026-11-27
      records-req sent --tag "TX WSO 2026" --via email --on 2026-12-02
    """
    if (request_id is None) == (tag is None):
        raise UsageError("Give a request number or --tag, not both.")
    if request_id is not None:
        _record(ctx, request_id, "sent", options, {"via": via})
        return
    from collections import Counter

    from records_req.tracker.campaign import mark_sent

    assert tag is not None
    now = today(ctx)
    with store(ctx).write() as session, progress("Recording", shown=not options.get("as_json")) as step:
        results = mark_sent(session, tag, on=options.get("on") or now, via=via, today=now, progress=step)
    if options.get("as_json"):
        emit_json(results)
        return
    done = [r for r in results if r["action"] == "sent"]
    for r in done:
        click.echo(f"#{r['id']} {r['agency']} ({r['state']}): sent, due {r['due'] or '(no date set by law)'}")
    click.echo(f"{len(done)} of {len(results)} requests tagged {tag!r} recorded as sent.")
    for reason, n in sorted(Counter(r["reason"] for r in results if r["action"] == "none").items()):
        click.echo(f"  {n} not: {reason}")


class _LogCommand(click.Command):
    """``log``, whose help lists the events it takes, each with what it means (lifecycle.EVENTS),
    read when the help is shown: the list is the tracker's own, never a copy that drifts."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from records_req.lifecycle import EVENTS, USER_EVENTS

        super().format_help_text(ctx, formatter)
        with formatter.section("Events"):
            formatter.write_dl([(kind, EVENTS[kind].help) for kind in USER_EVENTS])


@click.command("log", cls=_LogCommand)
@click.argument("request_id", type=REQUEST_ID)
@click.argument("kind", metavar="EVENT")
@_event_options
@click.pass_context
def log(ctx: click.Context, /, request_id: int, kind: str, **options: Any) -> None:
    """Record what happened to a request: EVENT is one of the events listed below.

    \b
    Examples:
      records-req log 1 acknowledged --on 2026-11-30 --tracking-number PRR-2211
      records-req log 1 extended --days 10 --note "agency letter of 12/4"
      records-req log 1 denied --exemptions "Fla. Stat. 119.071(2)(c)"
    """
    from records_req.lifecycle import USER_EVENTS

    if kind not in USER_EVENTS:
        raise click.BadParameter(f"{kind!r}; use one of {', '.join(USER_EVENTS)}", param_hint="EVENT")
    _record(ctx, request_id, kind, options)


@click.command()
@click.argument("request_id", type=REQUEST_ID)
@click.option("--on", "on", type=DATE, required=True, help="The day to be reminded.")
@click.argument("text")
@click.pass_context
def remind(ctx: click.Context, /, request_id: int, on: dt.date, text: str) -> None:
    """Set a personal reminder; 'due' shows it on that day.

    \b
    Examples:
      records-req remind 1 --on 2026-12-15 "call the records office"
    """
    _record(ctx, request_id, "reminder", {"on": on}, {"text": text})


@click.command()
@click.argument("request_id", type=REQUEST_ID)
@click.option("--on", "on", type=DATE, help="The corrected date.")
@click.option("--note", help="The corrected note.")
@click.option("--days", type=click.IntRange(1, 365), help="The corrected number of days.")
@click.option("--until", type=DATE, help="The corrected date (extended, estimate).")
@via_option("sent: corrected.", default=None)
@click.option("--event", "event", type=click.IntRange(1), help="The event's number, as 'show' lists it (#N).")
@click.option("--force", is_flag=True, help="Keep a date that falls before what it depends on (with a warning).")
@click.pass_context
def edit(ctx: click.Context, /, request_id: int, **options: Any) -> None:
    """Correct an event of a request, the last by default (recorded as an edit; history is kept).

    \b
    Examples:
      records-req edit 1 --on 2026-11-28
      records-req edit 1 --event 3 --note "agency letter of 12/4"
    """
    from records_req import timeline
    from records_req.tracker import service

    data = {k: v for k, v in (("days", options["days"]), ("via", options["via"])) if v is not None}
    if options["until"]:
        data["until"] = options["until"].isoformat()
    now = today(ctx)
    with store(ctx).write() as session:
        request = service.get_request(session, request_id)
        target, warnings = service.edit_last(
            session,
            request,
            now,
            on=options["on"],
            note=options["note"],
            data=data,
            event=options["event"],
            force=options["force"],
        )
        state = service.tracked(request, now)
    for warning in warnings:
        click.echo(f"Warning: {warning}", err=True)
    said = timeline.event(target.kind, target.data)
    state_now = timeline.now(state.state.status, state.overdue)
    click.echo(f"#{request_id}: corrected event #{target.id} ({said}). {state_now}")


def _who() -> str | None:
    """Who is at the keyboard (the system's login name), kept with an undo; None if unknown."""
    import getpass

    try:
        return getpass.getuser() or None
    except (OSError, KeyError):
        return None


@click.command()
@click.argument("request_id", type=REQUEST_ID)
@click.pass_context
def undo(ctx: click.Context, /, request_id: int) -> None:
    """Undo the last event of a request (recorded as an undo; history is kept).

    \b
    Examples:
      records-req undo 1
    """
    from records_req import timeline
    from records_req.tracker import service

    now = today(ctx)
    with store(ctx).write() as session:
        request = service.get_request(session, request_id)
        target = service.undo_last(session, request, now, by=_who())
        state = service.tracked(request, now)
        said = timeline.event(target.kind, target.data)
        click.echo(
            f"#{request_id}: undid '{said}' of {timeline.day(target.on)}. "
            + timeline.now(state.state.status, state.overdue)
        )


# --- views --------------------------------------------------------------------------------------


@click.command("list")
@click.option("--status", help="open, closed, overdue, or a status such as awaiting-ack or awaiting-response.")
@click.option("--state", help="Only this state (USPS code).")
@click.option("--tag", "tags", multiple=True, help="Only requests with this tag (repeatable: all of them).")
@click.option("--agency", "agency_text", help="Only agencies whose name contains this.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many, in id order (a page).")
@click.option("--after", type=click.IntRange(min=0), help="Only requests after this id (the next page).")
@json_option
@click.pass_context
def list_requests(
    ctx: click.Context,
    status: str | None,
    state: str | None,
    tags: tuple[str, ...],
    agency_text: str | None,
    limit: int | None,
    after: int | None,
    as_json: bool,
) -> None:
    """List tracked requests.

    \b
    Examples:
      records-req list --status open --state FL --json
      records-req list --tag "FL WSO 2026"
      records-req list --status open --limit 100 --after 4200
    """
    from records_req.tracker.agenda import listed, listed_page

    more = None
    with read_view(ctx) as view:
        if limit is None and after is None:
            found = listed(view, today(ctx), status=status, state=state, tags=tags, agency_text=agency_text)
        else:
            page = listed_page(
                view,
                today(ctx),
                status=status,
                state=state,
                tags=tags,
                agency_text=agency_text,
                after=after,
                limit=limit or 10**9,
            )
            found, more = page.rows, page.next_after
    _nothing_left_but_printing()
    rows: list[dict[str, Any]] = [
        {
            "id": r.id,
            "jurisdiction": r.jurisdiction,
            "agency": r.agency,
            "topics": list(r.topics),
            "tags": list(r.tags),
            "status": r.status,
            "due": r.due_on.isoformat() if r.due_on else None,
            "statutory": r.due_statutory,
            "overdue": r.overdue,
            "next_action": r.next_kind or None,  # its kind: send, wait, follow-up, appeal...
            "command": command(r.next_kind, r.id),
        }
        for r in found
    ]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("No requests match.")
        return
    click.echo(
        table(
            [
                [
                    str(r["id"]),
                    r["jurisdiction"],
                    r["agency"][:40],
                    ", ".join(r["topics"]),
                    status_label(r["status"]) + (" (OVERDUE)" if r["overdue"] else ""),
                    r["due"] or "",
                    r["command"] or "",
                ]
                for r in rows
            ],
            ["id", "state", "agency", "topics", "status", "due", "next"],
        )
    )
    if more is not None:
        click.echo(f"More after #{more}: add --after {more}.")


@click.command()
@click.argument("request_id", type=REQUEST_ID)
@json_option
@click.pass_context
def show(ctx: click.Context, /, request_id: int, as_json: bool) -> None:
    """Show a request: timeline, status, deadline with its explanation, next step.

    \b
    Examples:
      records-req show 1
      records-req show 1 --json
    """
    data = worded(request_details(ctx, request_id).to_json())
    _nothing_left_but_printing()
    if as_json:
        emit_json(data)
        return
    click.echo(f"Request #{data['id']}: {data['agency']} ({data['jurisdiction']}), {', '.join(data['topics'])}")
    click.echo(f"Law: {data['law']['name']}, {data['law']['citation']}")
    if data["tags"]:
        click.echo(f"Tags: {', '.join(data['tags'])}")
    if data["tracking_numbers"]:
        click.echo(f"Agency reference: {', '.join(data['tracking_numbers'])}")
    click.echo(f"Status: {status_label(data['status'])}" + (" (OVERDUE)" if data["overdue"] else ""))
    if data["due"]:
        click.echo(f"Due: {data['due']} ({data['due_label']})")
    click.echo(f"Next: {data['next_step']}")
    if data["appeal_window"]:
        click.echo(f"Appeal window: {data['appeal_window']['text']}")
    click.echo("\nTimeline:")
    from records_req import timeline
    from records_req.lifecycle import history_of

    # In date order; an undone event stays, marked "undone on D by U"; an edit is its own line.
    for line in history_of(data["events"]):
        click.echo(f"  {timeline.line_words(line)}")
    if data["documents"]:
        click.echo("\nDocuments:")
        for d in data["documents"]:
            click.echo(f"  {d['role']:9s} {d['path']}  sha256 {d['sha256'][:12]}…")
    if data["explanation"]:
        click.echo("\nHow the deadline was computed:")
        for i, line in enumerate(data["explanation"], 1):
            click.echo(f"  {i:>2}. {line}")


def _nothing_left_but_printing() -> None:
    """The database is read: once the output is out, the process may end without the
    interpreter's teardown (cli.exit_when_done), 20-60 ms of freeing what a list read. Only
    where the fast reader alone was used (no store opened to migrate, or to keep a schedule
    computed afresh: its engine is left to close as usual)."""
    import sys

    from records_req.cli import exit_when_done

    if "sqlalchemy" not in sys.modules:
        exit_when_done()


def request_details(ctx: click.Context, request_id: int) -> RequestDetails:
    """`show`'s data (tracker.views.request_details) through the fast read path."""
    from records_req.tracker.views import request_details as details

    with read_view(ctx) as view:
        return details(view, request_id, today(ctx))


@click.command()
@click.option("--within", type=click.IntRange(0, 3650), default=7, show_default=True, help="Days ahead to look.")
@click.option("--state", help="Only this state.")
@click.option("--tag", "tags", multiple=True, help="Only requests with this tag.")
@json_option
@click.pass_context
def due(ctx: click.Context, /, within: int, state: str | None, tags: tuple[str, ...], as_json: bool) -> None:
    """What falls due soon, overdue first, with your reminders.

    \b
    Examples:
      records-req due --within 7
      records-req due --tag "FL WSO 2026" --json
    """
    from records_req.tracker.agenda import due_items

    now = today(ctx)
    horizon = now + dt.timedelta(days=within)
    with read_view(ctx) as view:
        items = due_items(view, now, within=within, state=state, tags=tags)
    _nothing_left_but_printing()
    rows: list[dict[str, Any]] = [
        item.to_dict() | ({"command": command(item.next_action or "", item.id)} if item.what == "deadline" else {})
        for item in items
    ]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo(f"Nothing due by {horizon.isoformat()}.")
        return
    click.echo(
        table(
            [
                [
                    str(x["id"]),
                    x["jurisdiction"],
                    x["agency"][:40],
                    status_label(x["status"]),
                    x["date"],
                    (f"OVERDUE {x['days_late']}d" if x["overdue"] else x["what"])
                    + (f": {x['text']}" if x.get("text") else ""),
                    x.get("command") or "",
                ]
                for x in rows
            ],
            ["id", "state", "agency", "status", "date", "what", "next"],
        )
    )


# --- letters after the first --------------------------------------------------------------------


def _letter_output(ctx: click.Context, options: dict[str, Any]) -> LetterOutput:
    """A later letter's output options as the Workspace's LetterOutput."""
    return workspace(ctx).output(
        formats=options["formats"],
        out_dir=options.get("out_dir"),
        force=options["force"],
        templates=options.get("user_templates"),
        date=options.get("letter_date"),
    )


def _kind_letter(ctx: click.Context, /, request_id: int, kind: str, options: dict[str, Any]) -> None:
    from records_req.tracker import service

    now = today(ctx)
    with store(ctx).write() as session:
        request = service.get_request(session, request_id)
        paths, notes = service.later_letter(session, request, kind, today=now, output=_letter_output(ctx, options))
        after = service.tracked(request, now)
        files = {e: str(p) for e, p in paths.items()}
    step = next_step(after.next_action.to_dict(), after.next_step, request_id)
    for note in notes:
        click.echo(f"Note: {text(note)}", err=True)
    if options.get("as_json"):
        emit_json(
            {
                "id": request_id,
                "kind": kind,
                "files": files,
                "status": after.state.status,
                "next_step": step,
                "next_action": after.next_action.to_dict(),
                "command": command(after.next_action.kind, request_id),
            }
        )
        return
    for written in files.values():
        click.echo(written)
    click.echo(f"#{request_id}: {kind} letter logged. Next: {step}")


def _letter_kind_options(f: Any) -> Any:
    f = click.option("--date", "letter_date", type=DATE, help="The letter's date [default: today].")(f)
    f = click.option(
        "--templates",
        "user_templates",
        type=click.Path(file_okay=False, exists=True, path_type=Path),
        help="Your template directory.",
    )(f)
    return output_options(f)


@click.command()
@click.argument("request_id", type=REQUEST_ID, required=False)
@click.option("--tag", help="Every request of this campaign whose statutory date has passed (and no other).")
@_letter_kind_options
@click.pass_context
def followup(ctx: click.Context, /, request_id: int | None, tag: str | None, **options: Any) -> None:
    """Write a follow-up letter citing the missed deadline, and log it.

    With --tag, write one for every request of the campaign whose statutory date has passed
    and that was not followed up since; the others are listed with the reason they get none.

    \b
    Examples:
      records-req followup 1
      records-req followup --tag "TX WSO 2026"
    """
    if (request_id is None) == (tag is None):
        raise UsageError("Give a request number or --tag, not both.")
    if request_id is not None:
        _kind_letter(ctx, request_id, "follow-up", options)
        return
    from records_req.tracker.campaign import followups

    assert tag is not None
    with progress("Writing follow-ups", shown=not options.get("as_json")) as step:
        results = followups(store(ctx), tag, today=today(ctx), output=_letter_output(ctx, options), progress=step)
    if options.get("as_json"):
        emit_json(results)
        return
    from collections import Counter

    written = [r for r in results if r["action"] == "follow-up"]
    for r in written:
        click.echo(f"#{r['id']} {r['agency']} ({r['state']}): {', '.join(r['files'].values())}")
    click.echo(f"{len(written)} of {len(results)} requests tagged {tag!r} got a follow-up letter.")
    for reason, n in sorted(Counter(r["reason"].split(" (")[0] for r in results if r not in written).items()):
        click.echo(f"  {n} without: {reason}")


@click.command()
@click.argument("request_id", type=REQUEST_ID)
@_letter_kind_options
@click.pass_context
def appeal(ctx: click.Context, /, request_id: int, **options: Any) -> None:
    """Write an appeal to the state's appeal body, and log it.

    \b
    Examples:
      records-req appeal 1
    """
    _kind_letter(ctx, request_id, "appeal", options)


# --- files ----------------------------------------------------------------------------------------


@click.command()
@click.argument("request_id", type=REQUEST_ID)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--event", "event_kind", help="Also log this event (e.g. released, partial-release, denied).")
@click.option("--on", "on", type=DATE, help="When it arrived [default: today].")
@click.option("--note", help="A note.")
@click.pass_context
def attach(
    ctx: click.Context,
    request_id: int,
    file: Path,
    event_kind: str | None,
    on: dt.date | None,
    note: str | None,
) -> None:
    """Keep a received file with its request (copied, hashed; the original is untouched).

    \b
    Examples:
      records-req attach 1 response.pdf --event released
    """
    from records_req.tracker.service import attach_file

    done = attach_file(workspace(ctx), request_id, file, kind=event_kind, on=on, note=note)
    for warning in done.warnings:
        click.echo(f"Warning: {text(warning)}", err=True)
    click.echo(f"#{request_id}: attached {done.name} (sha256 {done.sha256[:12]}…) as {done.path}")


@click.command()
@click.argument("request_id", type=REQUEST_ID)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    required=True,
    help="The .zip file to write (- for standard output).",
)
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@click.pass_context
def bundle(ctx: click.Context, /, request_id: int, output: Path, force: bool) -> None:
    """Everything about one request in a zip: letters, received files, timeline, deadline, hashes.

    \b
    Examples:
      records-req bundle 1 -o request-1.zip
      records-req bundle 1 -o - | ssh archive 'cat > request-1.zip'
    """
    from records_req.tracker.bundle import bundle_bytes, make_bundle

    details = request_details(ctx, request_id)
    if is_stdout(output):
        content, manifest = bundle_bytes(details)
        write_stdout(content, binary=True, what="A zip")
        click.echo(f"{len(manifest)} files and a manifest of their hashes", err=True)
        return
    manifest = make_bundle(details, output, force=force, guard=protected_outputs(ctx))
    click.echo(f"{output}: {len(manifest)} files and a manifest of their hashes")

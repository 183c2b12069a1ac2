"""The agency's replies: ``inbox fetch/import/list/show/match/review/confirm/reject`` and the
mailbox's ``inbox account``. The work is records_req.inbox; this module parses, calls, and words."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from records_req.cli.context import REQUEST_ID, workspace
from records_req.cli.dates import DATE
from records_req.cli.output import emit_json, json_option

if TYPE_CHECKING:
    from records_req.inbox.intake import Failed, Taken

SET_UP = (
    "Set up your mailbox: records-req inbox account set --host HOST --user NAME, then "
    "records-req inbox account password (or set RECORDS_REQ_IMAP_PASSWORD)."
)
HOW = {
    "in-reply-to": "by its In-Reply-To header",
    "references": "by its References header",
    "token": "by the reference token in its subject",
    "tracking-number": "by a tracking number",
    "agency-address": "by the agency's address",
    "agency-domain": "by the agency's domain",
    "bounce": "by the letter it returns",
    "user": "by you",
}
MESSAGE_ID = click.IntRange(1, 2**62)


@click.group()
def inbox() -> None:
    """The agency's replies: read them from your mailbox or files, match them to requests, and
    confirm the events they announce (nothing is recorded without your confirmation).

    \b
    Examples:
      records-req inbox account set --host imap.example.org --user ana@example.org
      records-req inbox fetch
      records-req inbox import replies.mbox reply.eml ~/Maildir
      records-req inbox review
      records-req inbox confirm 3
    """


def _cap(value: float | None) -> int | None:
    return None if value is None else int(value * 1024 * 1024)


max_attachment_option = click.option(
    "--max-attachment-mb",
    type=click.FloatRange(0.001, 10_000),
    help="Refuse attachments larger than this many megabytes [default: 25]; they stay in the raw message.",
)


@inbox.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@max_attachment_option
@json_option
@click.pass_context
def inbox_import(
    ctx: click.Context, /, files: tuple[Path, ...], max_attachment_mb: float | None, as_json: bool
) -> None:
    """Take in replies from files: .eml, .mbox, Maildir folders, Outlook .msg.

    Each message is kept once (a message taken in before is recognised), matched to its request
    where it can be, and read for the events it announces, which wait for your review.

    \b
    Examples:
      records-req inbox import reply.eml
      records-req inbox import exported.mbox ~/Maildir/.Records --json
    """
    from records_req.inbox.intake import MAX_ATTACHMENT, Failed, import_files

    results = import_files(workspace(ctx), files, max_attachment=_cap(max_attachment_mb) or MAX_ATTACHMENT)
    _report(results, as_json)
    if any(isinstance(r, Failed) for r in results):
        ctx.exit(1)


@inbox.command("fetch")
@click.option("--folder", help="The folder to read [default: the account's, INBOX].")
@max_attachment_option
@json_option
@click.pass_context
def inbox_fetch(ctx: click.Context, /, folder: str | None, max_attachment_mb: float | None, as_json: bool) -> None:
    """Read new messages from your mailbox over IMAP (never marks them read or moves them).

    Only messages not read before are taken in (the folder's UIDVALIDITY and last UID are kept).

    \b
    Examples:
      records-req inbox fetch
      records-req inbox fetch --folder "Records requests" --json
    """
    from records_req.inbox import imap

    try:
        settings = imap.required()
        secret = imap.password(settings)[0]
    except imap.ImapError as exc:
        raise click.ClickException(f"{exc} {SET_UP}") from None
    fetched = imap.fetch(workspace(ctx), settings, secret, folder=folder, max_attachment=_cap(max_attachment_mb))
    if as_json:
        emit_json(fetched.to_json())
        return
    if fetched.renumbered:
        click.echo(
            f"The server renumbered {fetched.folder!r} (new UIDVALIDITY): read again from the start; "
            "messages taken in before are recognised."
        )
    _report(list(fetched.taken), False)
    click.echo(f"{fetched.folder}: read up to UID {fetched.last_uid}.", err=True)


def _report(results: list[Taken | Failed], as_json: bool) -> None:
    from records_req.inbox.intake import Failed

    if as_json:
        emit_json([r.to_json() for r in results])
        return
    for r in results:
        if isinstance(r, Failed):
            click.echo(f"{r.source}: not taken in: {r.error}.")
            continue
        _message_lines(r)
    new = sum(not isinstance(r, Failed) and r.status == "new" for r in results)
    failed = sum(isinstance(r, Failed) for r in results)
    seen = len(results) - new - failed
    parts = [f"{new} new"] + ([f"{seen} already taken in"] if seen else []) + ([f"{failed} refused"] if failed else [])
    click.echo(", ".join(parts) + ".", err=True)


def _matched(request_id: int | None, how: str | None, note: str | None) -> str:
    if request_id is None:
        return f"not matched ({note})" if note else "not matched"
    return f"request #{request_id} ({HOW.get(how or '', how)}{f': {note}' if note and how != 'user' else ''})"


def _message_lines(t: Taken) -> None:
    head = f"Message {t.id} ({t.date}) from {t.from_address or 'no address'}: {t.subject!r}"
    if t.status == "duplicate":
        click.echo(f"{head}: taken in before; {_matched(t.request_id, t.matched_by, None)}.")
        return
    click.echo(f"{head}: {_matched(t.request_id, t.matched_by, t.match_note)}.")
    for note in t.notes:
        click.echo(f"  note: {note}")
    for a in t.attachments:
        if a.status == "refused":
            click.echo(f"  attachment {a.name}: REFUSED: {a.note}")
        else:
            pages = f", {a.pages} page{'s' if a.pages != 1 else ''} of text" if a.pages else ""
            click.echo(f"  attachment {a.name}: stored ({a.kind}{pages}){f'; {a.note}' if a.note else ''}")
    for p in t.proposals:
        click.echo(f"  proposal {p.id}: {_event(p.kind, p.on, p.data)}, read from: \u201c{_short(p.sentence)}\u201d")


def _event(kind: str, on: str, data: dict[str, Any]) -> str:
    """A proposed or confirmed event in people's words, as ``show``'s timeline says events (never
    a token): 'The agency took more time on Fri 2026-12-11 (Until: Fri 2027-01-15)'."""
    from records_req import timeline

    said = timeline.facts(data)
    return f"{timeline.event(kind, data)} on {timeline.day(on)}" + (f" ({said})" if said else "")


def _short(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


@inbox.command("list")
@click.option("--unmatched", is_flag=True, help="Only the replies waiting to be matched to a request.")
@json_option
@click.pass_context
def inbox_list(ctx: click.Context, /, unmatched: bool, as_json: bool) -> None:
    """List the messages taken in (or the queue of unmatched ones).

    \b
    Examples:
      records-req inbox list --unmatched
      records-req inbox list --json
    """
    from records_req.cli.output import table
    from records_req.inbox.intake import messages

    rows = messages(workspace(ctx), unmatched=unmatched)
    if as_json:
        emit_json([r.to_json() for r in rows])
        return
    if not rows:
        click.echo("No unmatched replies." if unmatched else "No messages taken in yet.")
        return
    lines = [
        [
            str(r.id), r.date, _short(r.from_address or "", 40), _short(r.subject, 50), r.kind,
            f"#{r.request_id}" if r.request_id else "-", r.matched_by or (_short(r.match_note or "", 60)),
            str(r.pending),
        ]
        for r in rows
    ]  # fmt: skip
    click.echo(table(lines, ["Msg", "Date", "From", "Subject", "Kind", "Request", "Matched by", "Proposals"]))
    if unmatched:
        click.echo("Match one: records-req inbox match MSG REQUEST")


@inbox.command("show")
@click.argument("message_id", type=MESSAGE_ID, metavar="MSG")
@json_option
@click.pass_context
def inbox_show(ctx: click.Context, /, message_id: int, as_json: bool) -> None:
    """Show one message: how it matched, its text (never its HTML), attachments and proposals.

    \b
    Examples:
      records-req inbox show 4
    """
    from records_req.inbox.intake import show

    shown = show(workspace(ctx), message_id)
    if as_json:
        emit_json(shown.to_json())
        return
    _message_lines(shown.taken)
    source = {"text": "its text part", "html": "the text of its HTML part", "none": "no text"}[shown.body_from]
    click.echo(f"--- {source} ---")
    click.echo(shown.body.rstrip() or "(empty)")
    click.echo(f"--- raw message: {shown.raw_path}")


@inbox.command("match")
@click.argument("message_id", type=MESSAGE_ID, metavar="MSG")
@click.argument("request_id", type=REQUEST_ID, metavar="REQUEST")
@json_option
@click.pass_context
def inbox_match(ctx: click.Context, /, message_id: int, request_id: int, as_json: bool) -> None:
    """Say which request a message answers (a reply waiting in the queue, or a flagged one).

    \b
    Examples:
      records-req inbox match 5 12
    """
    from records_req.inbox.intake import match_to

    taken = match_to(workspace(ctx), message_id, request_id)
    if as_json:
        emit_json(taken.to_json())
        return
    click.echo(f"Message {message_id} is now matched to request #{request_id}.")
    if any(p.status == "pending" for p in taken.proposals):
        click.echo("Its proposals: records-req inbox review")


@inbox.command("review")
@json_option
@click.pass_context
def inbox_review(ctx: click.Context, /, as_json: bool) -> None:
    """List the events read from replies, waiting for your confirmation.

    \b
    Examples:
      records-req inbox review
      records-req inbox confirm 3 --until 2027-01-20
      records-req inbox reject 4
    """
    from records_req.inbox.intake import review

    pending = review(workspace(ctx))
    if as_json:
        emit_json([p.to_json() for p in pending])
        return
    if not pending:
        click.echo("Nothing to review.")
        return
    last = None
    for p in pending:
        if p.message_id != last:
            last = p.message_id
            where = f"request #{p.request_id}" if p.request_id else "NOT MATCHED (records-req inbox match MSG REQUEST)"
            click.echo(f"Message {p.message_id} from {p.from_address or 'no address'}: {p.subject!r}: {where}")
        line = p.proposal
        click.echo(f"  proposal {line.id}: {_event(line.kind, line.on, line.data)}")
        click.echo(f"    read from: \u201c{_short(line.sentence, 300)}\u201d")
        if line.kind in ("released", "partial-release") and p.attachments:
            click.echo(f"    attachments: {', '.join(p.attachments)}")
    click.echo(
        "Confirm: records-req inbox confirm P [--on DATE --days N --until DATE ...]; reject: records-req inbox reject P"
    )


@inbox.command("confirm")
@click.argument("proposal_id", type=MESSAGE_ID, metavar="P")
@click.option("--on", "on", type=DATE, help="When it happened [default: the reply's date].")
@click.option("--days", type=click.IntRange(1, 365), help="extended: by how many days (instead of the date read).")
@click.option("--until", type=DATE, help="extended/estimate: to which date (instead of what was read).")
@click.option("--amount", type=click.FloatRange(0, 10**9), help="fee-estimate: the amount.")
@click.option("--exemptions", help="denied: the exemptions the agency cited.")
@click.option("--tracking-number", help="acknowledged: the agency's reference number.")
@click.option("--note", help="A note to keep with the event [default: the sentence it was read from].")
@click.option("--force", is_flag=True, help="Record it even if it makes no sense now.")
@json_option
@click.pass_context
def inbox_confirm(
    ctx: click.Context,
    /,
    proposal_id: int,
    on: dt.date | None,
    note: str | None,
    force: bool,
    as_json: bool,
    **changes: Any,
) -> None:
    """Record a proposal as an event on its request (undo it like any other event).

    \b
    Examples:
      records-req inbox confirm 3
      records-req inbox confirm 3 --until 2027-01-20
      records-req inbox confirm 5 --amount 42.50
    """
    from records_req.cli.wording import text
    from records_req.inbox.intake import confirm

    done = confirm(workspace(ctx), proposal_id, on=on, changes=changes, note=note, force=force)
    for warning in done.warnings:
        click.echo(f"Warning: {text(warning)}", err=True)
    if as_json:
        emit_json(done.to_json())
        return
    click.echo(f"Recorded on request #{done.request_id}: {_event(done.kind, done.on, done.data)}.")
    if done.documents:
        click.echo(f"Kept with it: {', '.join(done.documents)}.")
    click.echo(f"Request #{done.request_id} is {done.status}" + (f", due {done.due_on}." if done.due_on else "."))
    click.echo(f"Undo it: records-req undo {done.request_id}")


@inbox.command("reject")
@click.argument("proposal_id", type=MESSAGE_ID, metavar="P")
@click.pass_context
def inbox_reject(ctx: click.Context, /, proposal_id: int) -> None:
    """Set a proposal aside: nothing is recorded.

    \b
    Examples:
      records-req inbox reject 4
    """
    from records_req.inbox.intake import reject

    line = reject(workspace(ctx), proposal_id)
    click.echo(f"Proposal {line.id} ({line.kind}) set aside; nothing was recorded.")


# --- the mailbox ----------------------------------------------------------------------------------


@inbox.group("account")
def account() -> None:
    """Your mailbox, for reading replies over IMAP: server, user name, folder, password.

    \b
    Examples:
      records-req inbox account set --host imap.example.org --user ana@example.org
      records-req inbox account password
      records-req inbox account show --json
    """


@account.command("set")
@click.option("--host", help="The IMAP server, e.g. imap.gmail.com.")
@click.option("--port", type=click.IntRange(1, 65535), help="Its port [default: 993 for tls, 143 for starttls].")
@click.option("--user", help="Your user name on the server (often your address).")
@click.option("--folder", help="The folder replies arrive in [default: INBOX].")
@click.option("--security", type=click.Choice(["tls", "starttls", "plain"]), help="tls (port 993) or starttls (143).")
@click.option("--cafile", type=click.Path(dir_okay=False), help="A CA certificate to trust (a self-hosted server).")
@click.option(
    "--insecure", is_flag=True, default=None, help="Allow --security plain (no encryption): a local test server only."
)
@json_option
def account_set(as_json: bool, **changes: Any) -> None:
    """Save your mailbox's settings (never its password).

    \b
    Examples:
      records-req inbox account set --host imap.example.org --user ana@example.org --folder Records
    """
    from records_req.inbox.imap import update

    _show_account(update(changes), as_json)


@account.command("show")
@json_option
def account_show(as_json: bool) -> None:
    """Show your mailbox's settings and where its password comes from.

    \b
    Examples:
      records-req inbox account show
    """
    from records_req.inbox.imap import ImapError, required

    try:
        settings = required()
    except ImapError as exc:
        raise click.ClickException(f"{exc} {SET_UP}") from None
    _show_account(settings, as_json)


@account.command("password")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the password from standard input (one line).")
def account_password(from_stdin: bool) -> None:
    """Keep your mailbox's password in the system keyring.

    \b
    Examples:
      records-req inbox account password
    """
    from records_req.cli.mail import ask_password
    from records_req.inbox.imap import ImapError, required, store_password

    try:
        settings = required()
        store_password(settings, ask_password(settings, from_stdin))
    except ImapError as exc:
        raise click.ClickException(f"{exc} {SET_UP}") from None
    click.echo(f"Saved in the system keyring for {settings.user} on {settings.host}.")


def _show_account(settings: Any, as_json: bool) -> None:
    from records_req.errors import RecordsReqError
    from records_req.inbox.imap import PASSWORD_ENV, password, settings_path

    try:
        source: str | None = password(settings)[1]
    except RecordsReqError:
        source = None
    if as_json:
        emit_json(settings.to_json() | {"password": source or "missing", "file": str(settings_path())})
        return
    click.echo(f"Server:   {settings.host}:{settings.server_port} ({settings.security})")
    click.echo(f"User:     {settings.user}")
    click.echo(f"Folder:   {settings.folder}")
    where = {"environment": f"from {PASSWORD_ENV}", "keyring": "in the system keyring"}
    click.echo(
        f"Password: {where.get(source or '', f'missing (records-req inbox account password, or {PASSWORD_ENV})')}"
    )
    click.echo(f"Settings: {settings_path()}")

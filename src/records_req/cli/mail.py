"""Sending letters from your own mailbox: ``send`` and ``mail set/show/password``.

The work is records_req.mail (settings, message, send); this module parses, calls, and words."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import click

from records_req.cli.context import REQUEST_ID, store, today
from records_req.cli.output import emit_json, json_option
from records_req.errors import RecordsReqError, UsageError

if TYPE_CHECKING:
    from records_req.mail.send import Outcome, Planned

SET_UP = (
    "Set up your account: records-req mail set --host HOST --user NAME --from ADDRESS, "
    "then records-req mail password (or set RECORDS_REQ_SMTP_PASSWORD)."
)


def _hint(reason: str | None, p: Planned | Outcome) -> str:
    """What to do about a letter that was not sent, as the command line says it."""
    from records_req.mail import send as mail

    if reason == mail.NO_EMAIL:
        state = getattr(p, "state", "XX")
        return f" Add it: records-req agencies set --state {state} --name {p.agency!r} --email ADDRESS."
    if reason == mail.NO_APPEAL_EMAIL:
        state = getattr(p, "state", "XX")
        body = getattr(p, "to_name", "NAME")
        return f" Add it: records-req agencies set --state {state} --name {body!r} --email ADDRESS."
    if reason == mail.UNKNOWN_BEFORE:
        return f" Check your Sent folder; if it is not there: records-req send {p.request_id} --retry-unknown."
    if reason == mail.NO_LETTER:
        return " Write the letter with both formats (DOCX and PDF) to send it by email."
    return ""


def _rate(value: str) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*(min|h|hour))?\s*", value)
    if not match or float(match.group(1)) <= 0:
        raise click.BadParameter(
            f"{value!r}; give messages a minute, e.g. 10/min, or an hour, e.g. 120/h", param_hint="--rate"
        )
    n = float(match.group(1))
    return n / 60 if match.group(2) in ("h", "hour") else n


@click.command()
@click.argument("request_ids", nargs=-1, type=REQUEST_ID, metavar="[N]...")
@click.option("--tag", help="Every request of this campaign with a letter not yet sent.")
@click.option(
    "--dry-run", is_flag=True, help="Show what would go where (to, from, subject, attachments); send nothing."
)
@click.option(
    "--rate", "rate_text", default="10/min", show_default=True, metavar="N/min", help="At most N messages a minute."
)
@click.option(
    "--retry-unknown",
    is_flag=True,
    help="Send again a letter whose earlier attempt broke off mid-message (check your Sent folder first).",
)
@json_option
@click.pass_context
def send(
    ctx: click.Context,
    /,
    request_ids: tuple[int, ...],
    tag: str | None,
    dry_run: bool,
    rate_text: str,
    retry_unknown: bool,
    as_json: bool,
) -> None:
    """Send requests' letters by email from your own mailbox, and record them as sent.

    The request's newest letter (the initial one, or the follow-up or appeal written since) is
    the body, its PDF attached, to the agency's records address (an appeal: to the appeal
    body's address, from the state's law or the agencies list); the subject
    carries a reference token for matching replies. The sent event is dated when your server
    accepted the message. A letter is never sent twice; a campaign can be run again after an
    interruption and sends only what is left.

    \b
    Examples:
      records-req send 12 --dry-run
      records-req send 12
      records-req send --tag "TX WSO 2026" --rate 6/min
    """
    from records_req.mail import send as mail
    from records_req.mail.settings import MailSetupError, password, required

    if bool(request_ids) == bool(tag):
        raise UsageError("Give request numbers or --tag, not both.")
    rate = _rate(rate_text)
    try:
        settings = required()
        plans = mail.plan(store(ctx), settings, request_ids=request_ids, tag=tag, retry_unknown=retry_unknown)
        if dry_run:
            _show_plans(plans, as_json)
            return
        secret = password(settings)[0] if any(p.will_send for p in plans) else ""
    except MailSetupError as exc:
        raise click.ClickException(f"{exc} {SET_UP}") from None

    def progress(n: int, total: int, outcome: Outcome) -> None:
        click.echo(f"[{n}/{total}] {_outcome_line(outcome)}", err=True)

    outcomes = mail.deliver(
        store(ctx), plans, settings, secret, today=today(ctx), rate=rate, progress=progress, retry_unknown=retry_unknown
    )
    if as_json:
        emit_json([o.to_json() for o in outcomes])
    else:
        for plan, outcome in zip(plans, outcomes, strict=True):
            if outcome.status == "skipped":
                hint = _hint(outcome.reason, plan)
                click.echo(f"#{outcome.request_id} {outcome.agency}: not sent: {outcome.detail}.{hint}")
        counts = {
            s: sum(o.status == s for o in outcomes) for s in ("accepted", "refused", "failed", "unknown", "skipped")
        }
        click.echo(", ".join(f"{n} {s}" for s, n in counts.items() if n) + ".")
    bad = [o for o in outcomes if o.status in ("refused", "failed", "unknown")]
    single_skip = (
        len(outcomes) == 1
        and outcomes[0].status == "skipped"
        and outcomes[0].reason not in (mail.ALREADY_SENT, mail.REFUSED_BEFORE)
    )
    if bad or single_skip:
        ctx.exit(1)


def _outcome_line(o: Outcome) -> str:
    head = f"#{o.request_id} {o.agency} <{o.to_email or 'no address'}>"
    if o.status == "accepted":
        return f"{head}: accepted at {o.accepted_at}, recorded as sent on {o.sent_on} (Message-ID {o.message_id})"
    if o.status == "refused":
        return f"{head}: REFUSED, not tried again: {o.error}"
    if o.status == "failed":
        return f"{head}: deferred by the server, will be tried on the next run: {o.error}"
    if o.status == "unknown":
        return f"{head}: UNKNOWN, {o.error}; the rest are left for the next run"
    return f"{head}: not sent: {o.detail}"


def _show_plans(plans: list[Planned], as_json: bool) -> None:
    if as_json:
        emit_json([p.to_json() for p in plans])
        return
    sending = [p for p in plans if p.will_send]
    click.echo(f"Dry run: {len(sending)} of {len(plans)} would be sent; nothing was sent.")
    for p in plans:
        click.echo(f"#{p.request_id} {p.agency} ({p.state})")
        if not p.will_send:
            click.echo(f"  not sent: {p.detail}.{_hint(p.reason, p)}")
            continue
        click.echo(f"  letter:   {p.letter_kind}")
        click.echo(f"  to:       {_who(p.to_name, p.to_email)}")
        click.echo(f"  from:     {_who(p.from_name, p.from_email)}")
        click.echo(f"  subject:  {p.subject}")
        for a in p.attachments:
            note = " (changed since it was written)" if a.changed else ""
            click.echo(f"  attached: {a.name} ({a.size:,} bytes){note}")
        click.echo(f"  body:     the letter's text, {len((p.body or '').splitlines())} lines")


def _who(name: str | None, email: str | None) -> str:
    return f"{name} <{email}>" if name else str(email)


# --- the account ---------------------------------------------------------------------------------


@click.group()
def mail() -> None:
    """Your own mail account, for sending letters: server, user name, from address, password.

    \b
    Examples:
      records-req mail set --host smtp.example.org --user ana@example.org --from ana@example.org
      records-req mail password
      records-req mail show --json
    """


@mail.command("set")
@click.option("--host", help="The SMTP server, e.g. smtp.gmail.com.")
@click.option("--port", type=click.IntRange(1, 65535), help="Its port [default: 465 for tls, 587 for starttls].")
@click.option("--user", help="Your user name on the server (often your address).")
@click.option("--from", "from_email", help="The address letters are sent from (where agencies reply).")
@click.option("--from-name", help="The name shown with it [default: the requester's name].")
@click.option("--security", type=click.Choice(["tls", "starttls", "plain"]), help="tls (port 465) or starttls (587).")
@click.option("--cafile", type=click.Path(dir_okay=False), help="A CA certificate to trust (a self-hosted server).")
@click.option(
    "--insecure", is_flag=True, default=None, help="Allow --security plain (no encryption): a local test server only."
)
@json_option
def mail_set(as_json: bool, **changes: Any) -> None:
    """Save your mail account's settings (never its password).

    \b
    Examples:
      records-req mail set --host smtp.example.org --security starttls --user ana --from ana@example.org
      records-req mail set --from-name "Houston Coalition"
    """
    from records_req.mail.settings import update

    settings = update(changes)
    _show_settings(settings, as_json)


@mail.command("show")
@json_option
def mail_show(as_json: bool) -> None:
    """Show your mail account's settings and where its password comes from.

    \b
    Examples:
      records-req mail show --json
    """
    from records_req.mail.settings import MailSetupError, required

    try:
        settings = required()
    except MailSetupError as exc:
        raise click.ClickException(f"{exc} {SET_UP}") from None
    _show_settings(settings, as_json)


@mail.command("password")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the password from standard input (one line).")
def mail_password(from_stdin: bool) -> None:
    """Keep your mail account's password in the system keyring.

    \b
    Examples:
      records-req mail password
      pass show mail/ana | records-req mail password --stdin
    """
    from records_req.mail.settings import MailSetupError, required, store_password

    try:
        settings = required()
        store_password(settings, ask_password(settings, from_stdin))
    except MailSetupError as exc:
        raise click.ClickException(f"{exc} {SET_UP}") from None
    click.echo(f"Saved in the system keyring for {settings.user} on {settings.host}.")


def ask_password(settings: Any, from_stdin: bool) -> str:
    """An account's password: one line of standard input, or typed at a hidden prompt."""
    if from_stdin:
        import sys

        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt(f"Password for {settings.user} on {settings.host}", hide_input=True))


def _show_settings(settings: Any, as_json: bool) -> None:
    from records_req.mail.settings import PASSWORD_ENV, password_source, settings_path

    try:
        source = password_source(settings)
    except RecordsReqError:
        source = None
    data = settings.to_json() | {"password": source or "missing", "file": str(settings_path())}
    if as_json:
        emit_json(data)
        return
    click.echo(f"Server:   {settings.host}:{settings.server_port} ({settings.security})")
    click.echo(f"User:     {settings.user}")
    click.echo(f"From:     {_who(settings.from_name, settings.from_email)}")
    if settings.cafile:
        click.echo(f"CA file:  {settings.cafile}")
    where = {"environment": f"from {PASSWORD_ENV}", "keyring": "in the system keyring"}
    click.echo(f"Password: {where.get(source or '', f'missing (records-req mail password, or {PASSWORD_ENV})')}")
    click.echo(f"Settings: {settings_path()}")

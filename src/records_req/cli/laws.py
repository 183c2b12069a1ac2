"""`states` and `deadline`: the law of each jurisdiction and its clocks. Pure commands.

The core modules are imported inside the commands, so that `records-req --help` stays fast.
"""

from __future__ import annotations

import datetime as dt

import click

from records_req.cli.dates import DATE
from records_req.cli.output import emit_json, json_option, table, via_option


@click.command()
@click.argument("code", required=False)
@click.option(
    "--coverage",
    is_flag=True,
    help="For each letter-facing fact: the state's own rule, none (the law has none, cited) or generic.",
)
@json_option
def states(code: str | None, coverage: bool, as_json: bool) -> None:
    """List the 52 jurisdictions, or show everything known about one.

    \b
    Examples:
      records-req states
      records-req states VA
      records-req states tx --json
      records-req states --coverage
    """
    from records_req.describe import (
        clock_words,
        coverage_dict,
        coverage_text,
        detail,
        jurisdiction_dict,
        residency_words,
    )
    from records_req.laws import load_laws

    laws = load_laws()
    if coverage:
        chosen = [laws.get_or_raise(code)] if code is not None else list(laws.values())
        if as_json:
            emit_json([coverage_dict(j) for j in chosen])
        else:
            click.echo(coverage_text(chosen))
        return
    if code is not None:
        j = laws.get_or_raise(code)
        if as_json:
            emit_json(jurisdiction_dict(j))
        else:
            click.echo(detail(j))
        return
    if as_json:
        emit_json([jurisdiction_dict(j) for j in laws.values()])
        return
    rows = [
        [
            j.code,
            j.law.short_name,
            clock_words(j),
            residency_words(j),
            j.immigration.stance.replace("_", " "),
        ]
        for j in laws.values()
    ]
    click.echo(table(rows, ["code", "law", "response clock", "who may ask", "287(g) law"]))
    click.echo(f"\n{len(rows)} jurisdictions. 'records-req states CODE' shows one in full.")


@click.command()
@click.argument("code")
@click.option("--received", type=DATE, help="Date the agency received the request.")
@click.option("--sent", type=DATE, help="Date the request was sent (instead of --received).")
@via_option("How it was sent; mail adds --mail-days before receipt.")
@click.option(
    "--mail-days",
    type=click.IntRange(0, 30),
    default=3,
    show_default=True,
    help="Calendar days a mailed request takes to arrive.",
)
@click.option(
    "--acknowledged",
    type=DATE,
    help="Date the agency acknowledged (starts a second clock where the law has one).",
)
@click.option(
    "--followup-days",
    type=click.IntRange(1, 90),
    default=10,
    show_default=True,
    help="Business days to a suggested follow-up where the law sets no number.",
)
@click.option(
    "--after-hours",
    is_flag=True,
    help="The request arrived after the office closed (counts from the next business day where the law says so).",
)
@click.option("--explain", is_flag=True, help="Show every step of the computation.")
@json_option
def deadline(
    code: str,
    received: dt.date | None,
    sent: dt.date | None,
    via: str,
    mail_days: int,
    acknowledged: dt.date | None,
    followup_days: int,
    after_hours: bool,
    explain: bool,
    as_json: bool,
) -> None:
    """Compute when an agency must respond, and explain how.

    \b
    Examples:
      records-req deadline VA --received 2026-11-25 --explain
      records-req deadline TX --sent "Nov 25 2026" --via mail --json
      records-req deadline NY --received 2026-11-25 --acknowledged 2026-12-01
    """
    from records_req.calendars import calendar_for
    from records_req.deadlines import compute_for

    if (received is None) == (sent is None):
        raise click.UsageError("Give either --received DATE or --sent DATE (not both).")
    from records_req.laws import load_laws

    j = load_laws().get_or_raise(code)
    result = compute_for(
        j,
        calendar_for(j),
        received=received,
        sent=sent,
        via=via,  # type: ignore[arg-type]
        mail_days=mail_days,
        acknowledged=acknowledged,
        followup_days=followup_days,
        after_hours=after_hours,
    )
    if as_json:
        emit_json(result.to_dict())
        return
    click.echo(result.summary())
    if result.first.awaiting_acknowledgment and acknowledged is None:
        click.echo("Give --acknowledged DATE when the agency acknowledges the request, to compute the date.")
    if via == "mail" and received is None:
        click.echo(f"Mail is assumed to take {mail_days} calendar days (change with --mail-days, or give --received).")
    if explain:
        for label, d in result.explained():
            click.echo(f"\n{label}:")
            for i, line in enumerate(d.lines, 1):
                click.echo(f"  {i:>2}. {line}")

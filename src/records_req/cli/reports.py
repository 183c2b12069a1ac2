"""`report`: status that people can read, share, chart and put in their calendar."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from records_req.cli.dates import DATE
from records_req.reports import FORMATS
from records_req.vocabulary import LANGUAGES


@click.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="Output format.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=Path("-"),
    show_default=True,
    help="The file to write; - is standard output.",
)
@click.option("--state", help="Only this state (USPS code).")
@click.option("--tag", "tags", multiple=True, help="Only requests with this tag (adds the coverage grid).")
@click.option("--since", type=DATE, help="Only requests whose letter is dated on or after DATE.")
@click.option("--redact", is_flag=True, help="Leave out the requester's contact details.")
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="es: PDF and HTML summaries in Spanish as well as English.",
)
@click.option("--bom", is_flag=True, help="csv: start with a byte-order mark, so Excel on Windows reads UTF-8.")
@click.option(
    "--remind",
    "reminders",
    type=click.IntRange(0, 90),
    multiple=True,
    metavar="DAYS",
    help="ics: a reminder DAYS before each date (repeatable; 0: on the day) [default: 1].",
)
@click.option(
    "--dashboard-url",
    envvar="RECORDS_REQ_DASHBOARD_URL",
    metavar="URL",
    help="ics: the team dashboard's address (https://...); each event links to its request there.",
)
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@click.pass_context
def report(
    ctx: click.Context,
    /,
    fmt: str,
    output: Path,
    state: str | None,
    tags: tuple[str, ...],
    since: dt.date | None,
    redact: bool,
    lang: str,
    bom: bool,
    reminders: tuple[int, ...],
    dashboard_url: str | None,
    force: bool,
) -> None:
    """Write a status report: PDF or HTML to read, CSV/XLSX/JSON for data, ICS for calendars.

    Without -o (or with -o -) the report goes to standard output, e.g. into another program;
    a PDF or XLSX is not written to a terminal. Use the global --as-of DATE to fix what counts
    as today (and overdue): the same database and options then give byte-identical CSV, JSON and
    ICS files.

    \b
    Examples:
      records-req report --format csv | head
      records-req report --format csv --bom -o out/requests.csv
      records-req report --format pdf  -o out/report.pdf
      records-req report --format html -o out/report.html
      records-req report --format csv  -o out/requests.csv
      records-req report --format xlsx -o out/requests.xlsx
      records-req report --format json -o out/requests.json
      records-req report --format ics  -o out/deadlines.ics
      records-req report --state TX --tag "TX WSO 2026" --since 2026-01-01 --format pdf -o out/tx.pdf
    """
    from records_req.cli.context import protected_outputs, read_view, today
    from records_req.output import write_all
    from records_req.reports import BINARY, render
    from records_req.reports.data import Filters, load
    from records_req.reports.ics import DEFAULT_REMINDERS, request_link

    to_stdout = str(output) == "-"
    if to_stdout and fmt in BINARY and sys.stdout.isatty():
        raise click.UsageError(f"A {fmt.upper()} report is not for a terminal: give -o FILE, or pipe it.")
    link = None
    if dashboard_url:
        if not dashboard_url.startswith(("https://", "http://")):
            raise click.BadParameter("give the address as https://...", param_hint="--dashboard-url")
        link = request_link(dashboard_url)
    code = None
    if state:
        from records_req.laws import load_laws

        code = load_laws().get_or_raise(state).code
    filters = Filters(state=code, tags=tuple(tags), since=since, redact=redact)
    with read_view(ctx) as view:
        data = load(view, today(ctx), filters)
    content = render(data, fmt, lang, link=link, reminders=reminders or DEFAULT_REMINDERS, bom=bom)
    summary = f"{len(data.requests)} requests, {len(data.overdue())} overdue"
    if to_stdout:
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        click.echo(f"Report: {summary}", err=True)  # standard output holds the report alone
        return
    write_all({output: content}, force=force, make_parents=False, **protected_outputs(ctx))
    click.echo(f"{output}: {summary}")

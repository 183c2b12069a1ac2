"""`report`: status that people can read, share, chart and put in their calendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from records_req.cli.dates import DATE
from records_req.reports import FORMATS


@click.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="Output format.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The file to write.",
)
@click.option("--state", help="Only this state (USPS code).")
@click.option("--tag", "tags", multiple=True, help="Only requests with this tag (adds the coverage grid).")
@click.option("--since", type=DATE, help="Only requests whose letter is dated on or after DATE.")
@click.option("--redact", is_flag=True, help="Leave out the requester's contact details.")
@click.option(
    "--lang",
    type=click.Choice(["en", "es"]),
    default="en",
    show_default=True,
    help="es: PDF and HTML summaries in Spanish as well as English.",
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
    force: bool,
) -> None:
    """Write a status report: PDF or HTML to read, CSV/XLSX/JSON for data, ICS for calendars.

    Use the global --as-of DATE to fix what counts as today (and overdue): the same database
    and options then give byte-identical CSV, JSON and ICS files.

    \b
    Examples:
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
    from records_req.reports import render
    from records_req.reports.data import Filters, load

    code = None
    if state:
        from records_req.laws import load_laws

        code = load_laws().get_or_raise(state).code
    filters = Filters(state=code, tags=tuple(tags), since=since, redact=redact)
    with read_view(ctx) as view:
        data = load(view, today(ctx), filters)
    content = render(data, fmt, lang)
    write_all({output: content}, force=force, make_parents=False, **protected_outputs(ctx))
    click.echo(f"{output}: {len(data.requests)} requests, {len(data.overdue())} overdue")

"""``records-req search``: words across what the agencies sent (the received files' pages and the
replies). The search is records_req.search; this module parses, calls and words."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from records_req.cli.context import workspace
from records_req.cli.dates import DATE
from records_req.cli.output import emit_json, json_option

if TYPE_CHECKING:
    from records_req.search import Hit


@click.command()
@click.argument("query")
@click.option("--state", help="Only requests to agencies of this state (USPS code).")
@click.option("--agency", "agency_text", help="Only agencies whose name contains this.")
@click.option("--tag", "tags", multiple=True, help="Only requests with this tag (repeatable: all of them).")
@click.option("--since", type=DATE, help="Only what was received on or after DATE.")
@click.option("--until", type=DATE, help="Only what was received on or before DATE.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True, help="Show at most N hits.")
@json_option
@click.pass_context
def search(
    ctx: click.Context,
    /,
    query: str,
    state: str | None,
    agency_text: str | None,
    tags: tuple[str, ...],
    since: dt.date | None,
    until: dt.date | None,
    limit: int,
    as_json: bool,
) -> None:
    """Find words in what agencies sent: the pages of received files (a reply's attachments and
    files you attached) and the replies themselves.

    \b
    All the words must be there; English endings are ignored (quota finds quotas).
      "a phrase"     the words together, in that order
      detain*        words that begin so
      -word          leave out what has it
      jail OR prison either
    \b
    Examples:
      records-req search quota
      records-req search '"bed space" -invoice' --state TX --since 2026-01-01
      records-req search "detain*" --tag "TX WSO 2026" --json
    """
    from records_req.search import search as find

    if state:
        from records_req.laws import load_laws

        state = load_laws().get_or_raise(state).code
    found = find(
        workspace(ctx), query, state=state, agency_text=agency_text, tags=tags, since=since, until=until, limit=limit
    )
    if as_json:
        emit_json(found.to_json())
        return
    if not found.hits:
        click.echo("Nothing found.")
        return
    for hit in found.hits:
        click.echo(_where(hit))
        _echo_marked(hit)
    more = f" (the best {len(found.hits)} shown; --limit shows more)" if found.total > len(found.hits) else ""
    click.echo(f"{found.total} hit{'' if found.total == 1 else 's'}{more}.", err=True)


def _where(hit: Hit) -> str:
    from records_req.cli.output import terminal_safe

    request = f"#{hit.request_id} {hit.agency} ({hit.jurisdiction})" if hit.request_id else "not matched to a request"
    day = f", received {hit.received_on.isoformat()}" if hit.received_on else ""
    what = f"{hit.name}, page {hit.page}" if hit.kind == "file" else f"reply {hit.message_id} {hit.name!r}"
    return terminal_safe(f"{request}: {what}{day}")


def _echo_marked(hit: Hit) -> None:
    """The snippet, its matched words in bold on a terminal (plain when piped). The text is made
    safe first (nothing from a document reaches the terminal as a control sequence), then marked,
    and written past the terminal filter, which would take the marks out."""
    import sys

    from records_req.cli.output import TerminalFilter, terminal_safe

    line = "".join(
        click.style(terminal_safe(text), bold=True, underline=True) if matched else terminal_safe(text)
        for text, matched in hit.segments
    )
    stream = sys.stdout.stream if isinstance(sys.stdout, TerminalFilter) else sys.stdout
    click.echo("    " + line, file=stream)

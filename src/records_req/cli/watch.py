"""ICE's 287(g) lists kept up to date: ``agencies update`` (fetch, import, what changed) and the
watches (``watch add/list/remove/check``). The library is records_req.agencies.update and .watches;
this module only translates, and words the command that starts each request."""

from __future__ import annotations

import re
from typing import Any

import click

from records_req.cli.context import store, today
from records_req.cli.output import emit_json, json_option, table
from records_req.errors import NotFoundError, UsageError
from records_req.vocabulary import MODEL_CHOICES

MODEL_CHOICE = click.Choice(MODEL_CHOICES, case_sensitive=False)
CHANGE_WORDS = {"new-agreement": "new agreement", "model-added": "model added"}
_PLAIN_ARG = re.compile(r"[\w@%+=:,./-]+")


def _state(code: str, option: str = "--state") -> str:
    from records_req.laws import load_laws

    found = load_laws().get_or_raise(code).code
    if found == "US":
        raise UsageError(f"{option} names a state: ICE's lists name local and state agencies.")
    return found


def shell_arg(text: str) -> str:
    """A value as a POSIX shell reads it back: bare when plain, else in double quotes."""
    if _PLAIN_ARG.fullmatch(text):
        return text
    return '"' + re.sub(r'(["\\$`])', r"\\\1", text) + '"'


def start_command(match: dict[str, Any]) -> str:
    """The command that starts a request to the matched agency about its new agreement (the letter
    names the agreement from ICE's list)."""
    a = match["agreement"]
    return f"records-req new --state {a['state']} --agency {shell_arg(a['agency'])} --topic {match['topic']}"


def _watch_words(w: dict[str, Any]) -> str:
    county = f", {w['county']}" if w["county"] else ""
    return f"{w['state']}{county}{', ' + w['model'] if w['model'] else ''}"


def _agreement_words(a: dict[str, Any]) -> str:
    status = "pending" if a["pending"] else f"signed {a['signed'] or '?'}"
    return f"{a['state']}  {a['agency']}  {a['model']}  {status}"


def print_report(data: dict[str, Any], *, narrowed: bool) -> None:
    """An update's or a check's report (agencies.update.Report.to_dict()) in words."""
    from records_req.ice.page import LOOKED_FOR

    if data["page"]:
        click.echo(f"ICE's page: {data['page']}")
    for i in data["imports"]:
        how = f"imported as #{i['import_id']}" if i["new"] else f"imported before (#{i['import_id']}), unchanged"
        newer = "" if i["newest"] else f"; a newer {i['kind']} list stays the newest"
        click.echo(f"  {i['kind']} list of {i['listed_on']} ({i['file']}): {how}{newer}")
    for kind in data["missing"]:
        click.echo(f"Note: the page links no {kind} list (looked for {LOOKED_FOR}).")
    if data["page"] and not data["changes"]:
        click.echo("ICE's lists have not changed since the last update.")
    for c in data["changes"]:
        to = c["to"]
        if c["first"]:
            click.echo(
                f"\nICE's {c['kind']} list of {to['listed_on']}: the first here; "
                f"{len(c['new_agreements'])} agreements{' match' if narrowed else ''}, all new here."
            )
            if narrowed:
                for a in c["new_agreements"]:
                    click.echo(f"  {_agreement_words(a)}")
            continue
        click.echo(f"\nICE's {c['kind']} list of {to['listed_on']}, against the list of {c['since']['listed_on']}:")
        for label, key in (("New agreements", "new_agreements"), ("Models added", "models_added"), ("Ended", "ended")):
            click.echo(f"  {label}: {len(c[key])}")
            for a in c[key]:
                click.echo(f"    {_agreement_words(a)}")
        click.echo(f"  Renamed: {len(c['renamed'])}")
        for r in c["renamed"]:
            was, now = r["from"], r["to"]
            click.echo(f"    {was['state']}  {was['agency']} -> {now['agency']} ({now['model']})")
        if c["changed"]:
            click.echo(f"  Changed (signing date or MOA link): {len(c['changed'])}")
    if not data["watches"]:
        return
    found = data["matches"]
    one = len(found) == 1
    click.echo(f"\nWatches: {len(found) or 'no'} new agreement{'' if one else 's'} match{'es' if one else ''}.")
    for m in found:
        a = m["agreement"]
        status = "pending application" if a["pending"] else CHANGE_WORDS[m["change"]]
        click.echo(f"  watch #{m['watch']['id']} ({_watch_words(m['watch'])}): {a['agency']}, {a['model']} ({status})")
        click.echo(f"    {m['command']}")


def _emit(report: Any, as_json: bool, narrowed: bool) -> None:
    data = report.to_dict()
    for m in data["matches"]:
        m["command"] = start_command(m)
    if as_json:
        emit_json(data)
    else:
        print_report(data, narrowed=narrowed)


def _narrow(state: str | None, county: str | None, model: str | None) -> Any:
    from records_req.agencies.watches import Narrow
    from records_req.hygiene import clean

    if county and not state:
        raise UsageError("--county needs --state (a county's name is not unique across states).")
    return Narrow(_state(state) if state else None, clean("--county", county), model.upper() if model else None)


# --- agencies update ------------------------------------------------------------------------------


@click.command("update")
@click.option(
    "--url",
    help="ICE's 287(g) page [default: RECORDS_REQ_ICE_URL, else https://www.ice.gov/identify-and-arrest/287g].",
)
@click.option("--state", help="Report only this state's changes (USPS code).")
@click.option("--county", help="Report only this county's changes (with --state).")
@click.option("--model", type=MODEL_CHOICE, help="Report only this model's changes.")
@click.option("--timeout", type=click.FloatRange(1, 600), default=30, show_default=True, help="Seconds to wait.")
@json_option
@click.pass_context
def agencies_update(
    ctx: click.Context,
    /,
    url: str | None,
    state: str | None,
    county: str | None,
    model: str | None,
    timeout: float,
    as_json: bool,
) -> None:
    """Fetch ICE's 287(g) page, import its current sheets, and say what changed.

    The participating and pending sheets the page links are downloaded, imported as
    'agencies import' imports them (dated by ICE's file names; a sheet imported
    before changes nothing), and compared with the lists before them: new agreements,
    models added, agreements ended, agencies renamed. Then the new agreements your
    watches match, each with the command that starts its request ('records-req watch').

    \b
    Examples:
      records-req agencies update
      records-req agencies update --state TX --county Harris
      records-req agencies update --json
    """
    from records_req.agencies.update import fetch_lists, page_url, update

    narrow = _narrow(state, county, model)
    found, sheets = fetch_lists(page_url(url), timeout)  # before the database: a failure leaves nothing
    with store(ctx).write() as session:
        report = update(session, found, sheets, today=today(ctx), narrow=narrow)
    _emit(report, as_json, not narrow.empty)


# --- watch ----------------------------------------------------------------------------------------


@click.group()
def watch() -> None:
    """Watch ICE's 287(g) lists for new agreements in a state, a county or a model.

    After each 'records-req agencies update' (and 'watch check'), the new agreements
    that match are listed, each with the command that starts a request about it.

    \b
    Examples:
      records-req watch add --state TX --county Harris
      records-req watch add --state FL --model wso
      records-req watch list
      records-req watch check
    """


@watch.command("add")
@click.option("--state", required=True, help="USPS code.")
@click.option("--county", help='Only this county ("Harris" or "Harris County").')
@click.option("--model", type=MODEL_CHOICE, help="Only this 287(g) model.")
@click.pass_context
def watch_add(ctx: click.Context, /, state: str, county: str | None, model: str | None) -> None:
    """Watch a state (maybe one county, one model) for new agreements.

    \b
    Examples:
      records-req watch add --state TX --county Harris --model wso
    """
    from records_req.agencies.watches import add_watch

    narrow = _narrow(state, county, model)
    assert narrow.state is not None
    with store(ctx).write() as session:
        row, new = add_watch(session, narrow.state, narrow.county, narrow.model)
    words = _watch_words(row.to_dict())
    click.echo(f"Watch #{row.id}: {words}" if new else f"Already watching {words} (watch #{row.id}).")


@watch.command("list")
@json_option
@click.pass_context
def watch_list(ctx: click.Context, /, as_json: bool) -> None:
    """The watches.

    \b
    Examples:
      records-req watch list --json
    """
    from records_req.agencies.watches import list_watches

    with store(ctx).read() as session:
        rows = [w.to_dict() for w in list_watches(session)]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("No watches yet: 'records-req watch add --state TX --county Harris'.")
        return
    click.echo(
        table(
            [[str(w["id"]), w["state"], w["county"] or "any", w["model"] or "any"] for w in rows],
            ["id", "state", "county", "model"],
        )
    )


@watch.command("remove")
@click.argument("watch_id", metavar="N", type=click.IntRange(1, 2**62))
@click.pass_context
def watch_remove(ctx: click.Context, /, watch_id: int) -> None:
    """Stop a watch.

    \b
    Examples:
      records-req watch remove 2
    """
    from records_req.agencies.watches import UnknownWatch, remove_watch

    try:
        with store(ctx).write() as session:
            row = remove_watch(session, watch_id)
    except UnknownWatch:
        raise NotFoundError(f"No watch #{watch_id}; 'records-req watch list' lists them.") from None
    click.echo(f"Removed watch #{row.id}: {_watch_words(row.to_dict())}")


@watch.command("check")
@json_option
@click.pass_context
def watch_check(ctx: click.Context, /, as_json: bool) -> None:
    """What ICE's newest lists changed, and the new agreements the watches match (nothing fetched).

    \b
    Examples:
      records-req watch check --json
    """
    from records_req.agencies.update import check

    with store(ctx).read() as session:
        report = check(session)
    if not report.watches and not as_json:
        click.echo("No watches yet: 'records-req watch add --state TX --county Harris'.")
    _emit(report, as_json, False)

"""`campaign`: one focused request to every agency a selection of ICE's 287(g) list names."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import click
from click.termui import progressbar

from records_req.cli.dates import DATE
from records_req.cli.letters import check_eml, eml_option, output_options, requester_options
from records_req.cli.output import emit_json, table
from records_req.errors import UsageError
from records_req.vocabulary import MODEL_CHOICES

SERIAL_UP_TO = 20  # letters; a bigger campaign renders in worker processes by default


@click.command()
@click.option("--state", "states", multiple=True, help="Only this state (USPS code; repeatable) [default: all].")
@click.option(
    "--model",
    "models",
    multiple=True,
    type=click.Choice(MODEL_CHOICES, case_sensitive=False),
    help="Only agencies with an agreement of this model (repeatable).",
)
@click.option("--county", "counties", multiple=True, help="Only agencies in this county (repeatable).")
@click.option(
    "--type",
    "types",
    multiple=True,
    type=click.Choice(["county", "municipality", "state"], case_sensitive=False),
    help="Only this type of agency (repeatable).",
)
@click.option("--signed-since", type=DATE, help="Only agreements signed on or after DATE.")
@click.option("--pending", is_flag=True, help="Agencies with a pending application on ICE's newest pending list.")
@click.option("--topic", "topic_keys", multiple=True, help="A topic (repeatable): see 'records-req topics'.")
@click.option("--item", "items", multiple=True, help="A record you describe yourself (repeatable).")
@click.option(
    "--since", type=DATE, help="Start of the date range [default: 3 months before the agency signed, or 2025-01-01]."
)
@click.option("--until", type=DATE, help="End of the date range [default: the letters' date].")
@click.option("--date", "letter_date", type=DATE, help="The letters' date [default: today, or the campaign's].")
@click.option("--fee-limit", type=click.IntRange(0, 100000), default=50, show_default=True)
@click.option("--topics-file", type=click.Path(dir_okay=False, path_type=Path), help="Your own topics (YAML).")
@click.option(
    "--templates",
    "user_templates",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Your template directory; its files override ours.",
)
@requester_options
@click.option("--profile", "profile_key", default="default", show_default=True, help="Requester profile.")
@click.option("--tag", help="The campaign's name: follow it with list/report/followup --tag; required to write.")
@click.option("--again", is_flag=True, help="Write even to agencies with an open request for the same records.")
@click.option("--include-barred", is_flag=True, help="Write to listed agencies in states whose law bars 287(g).")
@click.option("--dry-run", is_flag=True, help="Show who would get a letter, and who not and why; write nothing.")
@eml_option
@click.option("--jobs", type=click.IntRange(1, 64), help="Render letters in N processes [default: serial up to 20].")
@output_options
@click.pass_context
def campaign(ctx: click.Context, /, **o: Any) -> None:
    """Write the same request to every agency ICE's list names that matches, and track them.

    Import ICE's list first (records-req agencies import FILE). A campaign is named by its
    --tag: running it again writes nothing new, and an interrupted one (Ctrl-C) resumes where
    it stopped. Nothing is sent: you send the letters (or the --eml drafts) yourself.

    \b
    Examples:
      records-req campaign --state TX --model wso --topic wso --dry-run
      records-req campaign --state TX --model wso --topic wso --tag "TX WSO 2026" --eml
      records-req campaign --state FL --county Lee --county Collier --topic wso --tag "SWFL 2026"
      records-req list --tag "TX WSO 2026"
      records-req followup --tag "TX WSO 2026"
    """
    from records_req.cli.context import workspace
    from records_req.hygiene import clean
    from records_req.laws import load_laws
    from records_req.tracker import campaign as campaigns
    from records_req.tracker.service import REQUESTER_FIELDS

    if not o["topic_keys"] and not o["items"]:
        raise UsageError("Name at least one --topic (see 'records-req topics') or --item.")
    check_eml(o)
    tag = clean("--tag", o["tag"])
    if not tag and not o["dry_run"]:
        raise UsageError("Name the campaign with --tag (or look first with --dry-run).")
    laws = load_laws()
    states = tuple(laws.get_or_raise(s).code for s in o["states"])
    if "US" in states:
        raise UsageError("A campaign writes to local agencies; for ICE's own records use 'records-req new --state US'.")
    selection = campaigns.Selection(
        states=states,
        models=tuple(m.upper() for m in o["models"]),
        counties=tuple(filter(None, (clean("--county", c) for c in o["counties"]))),
        types=tuple(o["types"]),
        signed_since=o["signed_since"],
        pending=o["pending"],
    )
    ws = workspace(ctx)
    options = campaigns.Options(
        tag=tag or "",
        topic_keys=tuple(o["topic_keys"]),
        items=tuple(o["items"]),
        requester={key: o[key] for key in REQUESTER_FIELDS},
        co_requester=o["co_requester"],
        co_requester_address=o["co_requester_address"],
        since=o["since"],
        until=o["until"],
        fee_limit=o["fee_limit"],
        topics_file=o["topics_file"],
        again=o["again"],
        include_barred=o["include_barred"],
        output=ws.output(
            formats=o["formats"],
            out_dir=o["out_dir"],
            force=o["force"],
            templates=o["user_templates"],
            date=o["letter_date"],
            eml=o["eml"],
        ),
    )
    if (o["jobs"] or 1) > 1 and not o["dry_run"]:
        campaigns.start_workers()  # they warm up while the campaign is planned
    prepared = campaigns.prepare(ws, selection, options, profile_key=o["profile_key"], dry_run=o["dry_run"])
    steps, options, source, creates = prepared.steps, prepared.options, prepared.source, prepared.creates
    letter_date = options.output.date or ws.today
    if o["dry_run"]:
        _print_plan(steps, o["as_json"], source)
        return
    jobs = o["jobs"] or (1 if creates <= SERIAL_UP_TO else max(1, min(os.cpu_count() or 1, 4)))
    bar = progressbar(length=creates, label="Writing letters", file=sys.stderr)
    try:
        with bar:
            outcomes = campaigns.run(
                ws.store,
                steps,
                options,
                profile_id=prepared.profile_id,
                today=ws.today,
                jobs=jobs,
                progress=lambda: bar.update(1),
                protected=ws.protected(),
            )
    except KeyboardInterrupt:
        click.echo(f"\nInterrupted. Run the same command again to resume campaign {tag!r}.", err=True)
        raise click.exceptions.Exit(130) from None
    _print_outcomes(tag or "", outcomes, o["as_json"], letter_date, source, eml=o["eml"])


def _list_line(source: dict[str, Any] | None) -> str:
    if source is None:
        return "ICE's list: none imported."
    how = "ICE's date" if source["dated_by"] == "file name" else source["dated_by"]
    return (
        f"From ICE's {source['kind']} list of {source['listed_on']} ({how}): "
        f"{source['file']}, import #{source['import_id']}."
    )


def _print_plan(steps: list[Any], as_json: bool, source: dict[str, Any] | None) -> None:
    from records_req.cli.wording import reason_words, text
    from records_req.tracker.campaign import step_dict

    rows = [step_dict(s) | {"message": text(s.message) if s.message else None} for s in steps]
    if as_json:
        emit_json(
            {
                "list": source,
                "selected": len(rows),
                "letters": [r for r in rows if r["action"] == "letter"],
                "skipped": [r for r in rows if r["action"] == "skip"],
            }
        )
        return
    click.echo(_list_line(source))
    if not rows:
        click.echo("No agency on ICE's list matches.")
        return
    click.echo(
        table(
            [
                [
                    r["state"],
                    r["agency"],
                    r["listed"],
                    "letter" if r["action"] == "letter" else f"skip: {reason_words(r['reason'])}",
                ]
                for r in rows
            ],
            ["state", "agency", "on ICE's list", "would get"],
        )
    )
    letters = sum(1 for r in rows if r["action"] == "letter")
    click.echo(f"\n{len(rows)} agencies selected: {letters} would get a letter, {len(rows) - letters} would not.")
    for r in rows:
        if r["action"] == "skip":
            click.echo(f"  {r['agency']} ({r['state']}): {r['message']}")


def _print_outcomes(
    tag: str,
    outcomes: list[Any],
    as_json: bool,
    letter_date: dt.date,
    source: dict[str, Any] | None,
    *,
    eml: bool = False,
) -> None:
    from records_req.cli.wording import reason_text, text
    from records_req.tracker.campaign import outcome_dict, summary

    counts = summary(outcomes, eml=eml)
    if as_json:
        rows = [outcome_dict(o) | {"message": text(o.message) if o.message else None} for o in outcomes]
        emit_json(
            {
                "tag": tag,
                "letter_date": letter_date.isoformat(),
                "list": source,
                "summary": counts,
                "created": [r for r in rows if r["action"] == "created"],
                "skipped": [r for r in rows if r["action"] == "skipped"],
            }
        )
        return
    skipped = sum(counts["skipped"].values())
    click.echo(_list_line(source))
    click.echo(
        f"Campaign {tag!r}: {counts['selected']} agencies selected; "
        f"{counts['created']} letters written, {skipped} skipped."
    )
    for reason, n in counts["skipped"].items():
        click.echo(f"  {n} skipped: {reason_text(reason)}")
    for o in outcomes:
        if o.action == "skipped" and (o.reason != "in-campaign" or o.meanwhile):
            click.echo(f"    {o.target.name} ({o.target.state}): {text(o.message)}")
    if eml:
        _print_drafts(counts)
    if counts["created"]:
        click.echo(
            f"Next: records-req list --tag {_quote(tag)}; when you have sent them: "
            f"records-req sent --tag {_quote(tag)} --via email --on DATE (or sent ID for each)"
        )


def _print_drafts(counts: dict[str, Any]) -> None:
    """How many .eml drafts were written, and which agencies got a letter but no draft."""
    drafts, without = counts["drafts"], counts["without_email"]
    click.echo(f"{drafts} .eml draft{'' if drafts == 1 else 's'} written, beside the letters (check, then send).")
    if without:
        click.echo(
            f"No draft for {len(without)} agenc{'y' if len(without) == 1 else 'ies'} without an email in the "
            "directory: send their letters by post or through the agency's portal (emails you find go "
            "in with 'records-req agencies import-contacts FILE.csv', for the next campaign)."
        )
        for row in without:
            click.echo(f"    {row['agency']} ({row['state']}): request #{row['request_id']}")


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)

"""`letter`, `topics` and `templates check`: writing requests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from records_req.cli.dates import DATE
from records_req.cli.output import emit_json, json_option, table, via_option

if TYPE_CHECKING:
    from records_req.letters.compose import LetterRequest
    from records_req.letters.request import RequestSpec


def requester_options(f: Any) -> Any:
    for option in reversed(
        [
            click.option("--requester-name", help="Your name, as it should sign the letter."),
            click.option("--requester-email", help="Where the agency should send records."),
            click.option("--requester-address", help="Your postal address (use \\n or new lines)."),
            click.option("--requester-phone", help="A phone number for questions."),
            click.option("--requester-org", help="Your organization, if you write for one."),
            click.option(
                "--requester-state",
                help="The state you live in (USPS code): decides residency where the law limits it.",
            ),
            click.option(
                "--co-requester",
                help="A resident of the state who joins the request where only residents may ask.",
            ),
            click.option(
                "--co-requester-address",
                help="The co-requester's postal address (the co-requester signs with it).",
            ),
        ]
    ):
        f = option(f)
    return f


def letter_options(f: Any) -> Any:
    for option in reversed(
        [
            click.option("--state", "state", required=True, help="USPS code, or US for federal FOIA."),
            click.option("--agency", required=True, help="The agency (for US: whose agreement)."),
            click.option("--agency-address", help="The agency's postal address."),
            click.option("--agency-email", help="The agency's records email address."),
            click.option("--records-officer", help="The records officer's name, if known."),
            click.option(
                "--topic",
                "topic_keys",
                multiple=True,
                help="A topic (repeatable): see 'records-req topics'.",
            ),
            click.option(
                "--item",
                "items",
                multiple=True,
                help="A record you describe yourself (repeatable).",
            ),
            click.option("--since", type=DATE, help="Start of the date range [default: 2025-01-01]."),
            click.option("--until", type=DATE, help="End of the date range [default: the letter's date]."),
            click.option("--date", "letter_date", type=DATE, help="The letter's date [default: today]."),
            click.option(
                "--fee-limit",
                type=click.IntRange(0, 100000),
                default=50,
                show_default=True,
                help="Ask for an estimate before fees pass this many dollars.",
            ),
            click.option(
                "--fee-category",
                type=click.Choice(["news-media", "educational", "noncommercial-scientific", "other", "commercial"]),
                default="other",
                show_default=True,
                help="Federal FOIA fee category.",
            ),
            click.option(
                "--expedite",
                is_flag=True,
                help="Federal: ask for expedited processing (you certify the need).",
            ),
            click.option(
                "--topics-file",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Your own topics (YAML, same shape as data/topics.yaml).",
            ),
            click.option(
                "--templates",
                "user_templates",
                type=click.Path(file_okay=False, exists=True, path_type=Path),
                help="Your template directory; its files override ours.",
            ),
        ]
    ):
        f = option(f)
    return f


eml_option = click.option(
    "--eml",
    is_flag=True,
    help="Also write an unsent .eml email draft (the PDF attached) where the agency's email is known.",
)


def check_eml(options: dict[str, Any]) -> None:
    """--eml attaches the PDF: refuse it with --format docx (letter, new and campaign alike)."""
    if options.get("eml") and options.get("formats") == "docx":
        from records_req.errors import UsageError

        raise UsageError("--eml attaches the PDF: use --format pdf or both.")


def output_options(f: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--format",
                "formats",
                type=click.Choice(["docx", "pdf", "both"]),
                default="both",
                show_default=True,
                help="Which files to write.",
            ),
            click.option(
                "--out",
                "out_dir",
                type=click.Path(file_okay=False, path_type=Path),
                help="Output directory [default: $RECORDS_REQ_OUT or ./out].",
            ),
            click.option("--force", is_flag=True, help="Replace files that already exist."),
            json_option,
        ]
    ):
        f = option(f)
    return f


@click.command()
@letter_options
@requester_options
@click.option(
    "--kind",
    type=click.Choice(["initial", "follow-up", "appeal"]),
    default="initial",
    show_default=True,
    help="Which letter.",
)
@click.option("--request-date", type=DATE, help="Follow-up and appeal: when the request was sent.")
@click.option(
    "--request-until",
    type=DATE,
    help="Follow-up and appeal: the end of the original request's date range [default: --request-date].",
)
@click.option("--acknowledged", type=DATE, help="Follow-up and appeal: when the agency acknowledged the request.")
@click.option(
    "--extended-to",
    type=DATE,
    help="Follow-up and appeal: the date the agency extended its time to.",
)
@via_option("Follow-up and appeal: how the request was sent.")
@click.option(
    "--tracking-number",
    "tracking_numbers",
    multiple=True,
    help="The agency's reference for the request (repeatable).",
)
@click.option("--denied-on", type=DATE, help="Appeal: the date of the agency's denial.")
@click.option("--exemptions", help="Appeal: the exemptions the agency cited.")
@eml_option
@output_options
@click.pass_context
def letter(ctx: click.Context, /, **options: Any) -> None:
    """Write a records request as DOCX and PDF, citing the state's own law.

    \b
    Examples:
      records-req letter --state FL --agency "Lee County Sheriff's Office" \\
          --topic wso --topic ice-communications --since 2025-01-01 \\
          --requester-name "Ana Núñez" --requester-email ana@example.org \\
          --requester-address "1 Main St, Fort Myers, FL 33901" --requester-state FL
      records-req letter --state US --agency "Lee County Sheriff's Office" --topic wso \\
          --requester-name "Ana Núñez" --requester-email ana@example.org
      records-req letter --kind follow-up --request-date 2026-11-02 --state VA ...

    A follow-up dated on or before the agency's deadline is refused (--force writes a courteous
    status inquiry instead); a late appeal is refused (--force writes it without claiming it is
    timely). --force also replaces existing files. --eml also writes an unsent email draft
    beside the PDF, to --agency-email.
    """
    from records_req.cli import exit_when_done

    check_eml(options)
    options["letter_date"] = options.get("letter_date") or (ctx.obj or {}).get("today")
    with collector_paused() as pause:
        result = make_letter(options)
        # The files are written and closed; only the output below is left. If the process ends
        # after it, the collector's pass over everything the letter loaded is not needed either.
        pause.resume = not exit_when_done()
    for note in result["notes"]:
        click.echo(f"Note: {note}", err=True)
    if options["as_json"]:
        emit_json(result)
        return
    for path in result["files"].values():
        click.echo(path)


class _Pause:
    resume = True


@contextmanager
def collector_paused() -> Iterator[_Pause]:
    """No cyclic garbage collection while one letter is made: it makes few reference cycles, and
    the collector's passes over what loading brings in (the law data, the fonts, reportlab's
    modules) take 15-30 ms of a letter's process. Collection resumes afterwards unless the
    caller sets ``resume`` to False (the process is about to end)."""
    import gc

    pause = _Pause()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield pause
    except BaseException:
        pause.resume = True
        raise
    finally:
        if was_enabled and pause.resume:
            gc.enable()


def make_letter(options: dict[str, Any]) -> dict[str, Any]:
    """Compose, render and write one letter from command-line options; return what was done."""
    from records_req.hygiene import clean
    from records_req.laws import load_laws
    from records_req.letters.render import write_letter
    from records_req.letters.request import build_letter_request
    from records_req.workspace import LetterOutput

    j = load_laws().get_or_raise(options["state"])
    req, notes = build_letter_request(j, spec_from_options(options))
    letter_obj, paths, _ = write_letter(
        req,
        agency_name=clean("--agency", options["agency"]) or "agency",
        topic_keys=[t.key for t in req.topics],
        output=LetterOutput(
            formats=options["formats"],
            out_dir=options.get("out_dir"),
            force=options["force"],
            templates=options.get("user_templates"),
            eml=bool(options.get("eml")),
        ),
    )
    if options.get("eml") and "eml" not in paths:
        notes.append(no_draft_note(req, "give --agency-email ADDRESS"))
    return {
        "jurisdiction": j.code,
        "law": {"name": j.law.name, "citation": j.law.citation},
        "agency": req.agency.name if not j.is_federal else req.about,
        "kind": req.kind,
        "topics": [t.key for t in req.topics],
        "records": len([b for b in letter_obj.body if b.kind == "item"]),
        "files": {ext: str(path) for ext, path in paths.items()},
        "notes": [text(n) for n in notes],
    }


def text(value: object) -> str:
    from records_req.cli.wording import text as worded

    return worded(value)


def no_draft_note(req: LetterRequest, remedy: str) -> str:
    """Why --eml wrote no draft: the recipient's email is not known."""
    from records_req.letters.render import draft_recipient

    name = draft_recipient(req)[0]
    if name != req.agency.name:  # an appeal body
        remedy = "send the letter by post or through its portal"
    return f"No .eml draft: no email address is known for {name}; {remedy}."


def spec_from_options(options: dict[str, Any]) -> RequestSpec:
    """The command line's options as the request they describe (checked later, against the law)."""
    from dataclasses import fields

    from records_req.letters.request import RequestSpec

    known = {f.name for f in fields(RequestSpec)}
    return RequestSpec(**{k: v for k, v in options.items() if k in known and v is not None})


@click.command()
@click.argument("key", required=False)
@click.option(
    "--topics-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Include your own topics (YAML).",
)
@json_option
def topics(key: str | None, topics_file: Path | None, as_json: bool) -> None:
    """List the record topics, or show what one asks for.

    \b
    Examples:
      records-req topics
      records-req topics wso
      records-req topics --json
    """
    from records_req.topics import load_topics

    loaded = load_topics(topics_file)
    chosen = [loaded.get_or_raise(key)] if key else list(loaded.values())
    if as_json:
        data = [
            {
                **t._asdict(),
                "items": [item.text for item in t.items],
                "standing": [item.standing for item in t.items],
                "search_terms": list(t.search_terms),
                "custodians": list(t.custodians),
                "when": list(t.when),
            }
            for t in chosen
        ]
        emit_json(data[0] if key else data)
        return
    if key:
        t = chosen[0]
        click.echo(f"{t.key}: {t.title}\n{t.summary}\n")
        for i, item in enumerate(t.items, 1):
            click.echo(f"{i:>3}. {item.text}" + ("  [standing document]" if item.standing else ""))
        if t.search_terms:
            click.echo(f"\nSearch terms: {', '.join(t.search_terms)}")
        if t.custodians:
            click.echo(f"Custodians: {'; '.join(t.custodians)}")
        return
    rows = [[t.key, t.title, str(len(t.items)), t.summary] for t in chosen]
    click.echo(table(rows, ["topic", "title", "items", "what it asks for"]))


@click.group()
def templates() -> None:
    """Work with letter templates (your own, or ours).

    \b
    Examples:
      records-req templates check my-templates/
    """


@templates.command("check")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@json_option
def templates_check(directory: Path, as_json: bool) -> None:
    """Check a template directory: render every template for all 52 jurisdictions.

    \b
    Examples:
      records-req templates check my-templates/
    """
    from records_req.letters.check import check_directory

    results = check_directory(directory)
    if as_json:
        emit_json(results)
    else:
        for entry in results["files"]:
            status = "ok" if not entry["errors"] else "ERROR"
            click.echo(f"{status:5}  {entry['file']}")
            for error in entry["errors"]:
                click.echo(f"       {error}")
        if not results["files"]:
            click.echo("No templates (*.txt, letter.docx) in that directory.")
        for warning in results["warnings"]:
            click.echo(f"warn   {warning}")
        click.echo("\nVariables a wording template may use: " + ", ".join(results["variables"]))
    if any(entry["errors"] for entry in results["files"]):
        click.echo("templates check: some templates do not render; see the errors above.", err=True)
        raise SystemExit(1)

"""`letter`, `topics` and `templates check`: writing requests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from records_req.cli.dates import DATE
from records_req.cli.output import emit_json, table
from records_req.errors import RecordsReqError, UsageError

if TYPE_CHECKING:
    from records_req.laws import Jurisdiction
    from records_req.letters.compose import LetterRequest
    from records_req.letters.model import Kind
    from records_req.topics import Topic, Topics

DEFAULT_SINCE = dt.date(2025, 1, 1)  # the 287(g) expansion, and the WSO model's revival, began in 2025


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
            click.option("--json", "as_json", is_flag=True, help="Print the result as JSON."),
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
@click.option(
    "--via",
    type=click.Choice(["mail", "email", "portal", "fax", "hand"]),
    default="email",
    show_default=True,
    help="Follow-up and appeal: how the request was sent.",
)
@click.option(
    "--tracking-number",
    "tracking_numbers",
    multiple=True,
    help="The agency's reference for the request (repeatable).",
)
@click.option("--denied-on", type=DATE, help="Appeal: the date of the agency's denial.")
@click.option("--exemptions", help="Appeal: the exemptions the agency cited.")
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
    timely). --force also replaces existing files.
    """
    options["letter_date"] = options.get("letter_date") or (ctx.obj or {}).get("today")
    result = make_letter(options)
    for note in result["notes"]:
        click.echo(f"Note: {note}", err=True)
    if options["as_json"]:
        emit_json(result)
        return
    for path in result["files"].values():
        click.echo(path)


def make_letter(options: dict[str, Any]) -> dict[str, Any]:
    """Compose, render and write one letter from command-line options; return what was done."""
    from records_req.laws import load_laws
    from records_req.letters.compose import clean
    from records_req.letters.render import write_letter

    j = load_laws().get_or_raise(options["state"])
    req, notes = build_request(j, options)
    letter_obj, paths, _ = write_letter(
        req,
        agency_name=clean("--agency", options["agency"]) or "agency",
        topic_keys=[t.key for t in req.topics],
        formats=options["formats"],
        out_dir=options.get("out_dir"),
        force=options["force"],
        user_templates=options.get("user_templates"),
    )
    return {
        "jurisdiction": j.code,
        "law": {"name": j.law.name, "citation": j.law.citation},
        "agency": req.agency.name if not j.is_federal else req.about,
        "kind": req.kind,
        "topics": [t.key for t in req.topics],
        "records": len([b for b in letter_obj.body if b.kind == "item"]),
        "files": {ext: str(path) for ext, path in paths.items()},
        "notes": notes,
    }


def _topics(options: dict[str, Any]) -> Topics:
    from records_req.topics import load_topics

    return load_topics(options.get("topics_file"))


def build_request(j: Jurisdiction, options: dict[str, Any]) -> tuple[LetterRequest, list[str]]:
    """Check the options against the law and turn them into a LetterRequest."""
    from records_req.letters.compose import Agency, LetterRequest, Requester, clean, ice_foia_office

    notes: list[str] = []
    all_topics = _topics(options)
    chosen: list[Topic] = [all_topics.get_or_raise(k) for k in options.get("topic_keys") or ()]
    items = tuple(filter(None, (clean("--item", i) for i in options.get("items") or ())))
    if not chosen and not items:
        raise UsageError("Name at least one --topic (see 'records-req topics') or --item.")
    empty = [t.key for t in chosen if not t.applies_to(j)]
    if empty:
        where = "a federal request" if j.is_federal else f"a request to a {j.name} agency"
        raise UsageError(f"Topic(s) {', '.join(empty)} ask nothing of {where}; see 'records-req topics'.")
    if j.is_federal:
        non_federal = [t.key for t in chosen if not t.federal]
        if non_federal:
            notes.append(
                f"Topic(s) {', '.join(non_federal)} ask for local records; ICE may hold copies, "
                "but the same request to the local agency will do better."
            )
    else:
        for topic in all_topics.values():
            if j.immigration.stance in topic.when and topic not in chosen and topic.applies_to(j):
                chosen.append(topic)
                notes.append(
                    f"Added the '{topic.key}' topic ({topic.title}): "
                    f"{j.name} law ({j.immigration.letter_citation or j.immigration.law}) creates these records."
                )
        if j.immigration.stance in ("prohibits", "restricts"):
            citation = j.immigration.letter_citation or j.immigration.citation
            notes.append(
                f"{j.name} law {j.immigration.stance} 287(g) ({citation}). The letter asks for any agreement, "
                "request or communication about 287(g) without characterizing the state law."
            )
        if j.immigration.unverified:
            notes.append(f"{j.name}'s 287(g) law is not confirmed: {j.immigration.unverified}.")

    name = clean("--requester-name", options.get("requester_name"))
    if not name:
        raise UsageError("Give --requester-name (the person or group signing the letter).")
    requester = Requester(
        name=name,
        email=clean("--requester-email", options.get("requester_email")),
        address=clean("--requester-address", _newlines(options.get("requester_address"))),
        phone=clean("--requester-phone", options.get("requester_phone")),
        organization=clean("--requester-org", options.get("requester_org")),
        state=(clean("--requester-state", options.get("requester_state")) or "").upper() or None,
    )
    if not (requester.email or requester.address):
        raise UsageError("Give --requester-email or --requester-address so the agency can reply.")
    co_requester = clean("--co-requester", options.get("co_requester"))
    co_address = clean("--co-requester-address", _newlines(options.get("co_requester_address")))
    if (options.get("kind") or "initial") == "initial":  # later letters continue a request already made
        _check_residency(j, requester, co_requester, notes)
    if co_requester and "\n" not in co_requester:
        if co_address:
            co_requester = f"{co_requester}\n{co_address}"
        elif j.residency.restricted is True and requester.state != j.code:
            raise UsageError(
                "Give --co-requester-address too: where only residents may ask, the resident who joins "
                "the request signs it with an address, so the agency can see who is asking."
            )

    agency_name = clean("--agency", options["agency"]) or ""
    fee_category = options.get("fee_category") or "other"
    if j.is_federal:
        if options.get("expedite") and fee_category in ("other", "commercial"):
            raise UsageError(
                f"--expedite asks ICE to accept that you are primarily engaged in disseminating information "
                f"(6 C.F.R. § 5.5(e)(1)(ii)), which contradicts --fee-category {fee_category}. Use news-media or "
                "educational with --requester-org, or drop --expedite."
            )
        if fee_category == "news-media" and not requester.organization:
            raise UsageError(
                "News-media fee status needs the outlet you gather and publish news for: give --requester-org "
                "(5 U.S.C. § 552(a)(4)(A)(ii); 6 C.F.R. § 5.11(b))."
            )
        agency = ice_foia_office()
        about: str | None = agency_name
    else:
        agency = Agency(
            name=agency_name,
            address=clean("--agency-address", _newlines(options.get("agency_address"))),
            email=clean("--agency-email", options.get("agency_email")),
            records_officer=clean("--records-officer", options.get("records_officer")),
        )
        about = None

    letter_date: dt.date = options.get("letter_date") or dt.date.today()
    kind: Kind = options.get("kind") or "initial"
    request_date = options.get("request_date")
    since: dt.date = options.get("since") or DEFAULT_SINCE
    # A follow-up or appeal describes the request as it was sent: its own date range, never widened.
    until: dt.date = options.get("until") or options.get("request_until") or request_date or letter_date
    if since > until:
        raise UsageError(f"--since {since} is after --until {until}.")
    timing = None
    if kind != "initial":
        if request_date is None:
            raise UsageError(f"A {kind} letter needs --request-date (when the request was sent).")
        if letter_date < request_date:
            raise UsageError(f"The letter's date {letter_date} is before the request's date {request_date}.")
        timing = _timing(j, kind, request_date, letter_date, options)
        notes.extend(timing.notes())
    req = LetterRequest(
        kind=kind,
        jurisdiction=j,
        agency=agency,
        requester=requester,
        topics=tuple(chosen),
        since=since,
        until=until,
        date=letter_date,
        items=items,
        co_requester=co_requester,
        fee_limit=options.get("fee_limit", 50),
        about=about,
        fee_category=fee_category,
        expedite=bool(options.get("expedite")),
        request_date=request_date,
        tracking_numbers=tuple(
            filter(None, (clean("--tracking-number", t) for t in options.get("tracking_numbers") or ()))
        ),
        deadline=timing.missed if timing is not None else None,
        denied_on=options.get("denied_on"),
        exemptions=clean("--exemptions", options.get("exemptions")),
        timing=timing,
    )
    from records_req.letters.compose import focus_note

    if kind == "appeal":
        from records_req.letters.grounds import grounds_for

        notes.extend(n for g in grounds_for(req.exemptions, j.is_federal) for c, n in g.notes if c == j.code)
    focus = focus_note(req)
    if focus:
        notes.append(focus)
    if kind == "appeal" and j.appeal.addressee and not (j.appeal.address or j.appeal.email):
        notes.append(
            f"The law data has no confirmed address for {j.appeal.addressee}: find it on the body's own site "
            "and add it to the letter before sending."
        )
    to_agency = kind != "appeal" or not j.appeal.addressee
    if not j.is_federal and to_agency and not (agency.address or agency.email):
        notes.append(
            "The letter has no address or email for the agency (--agency-address, --agency-email). "
            "Send it to the address the agency designates for records requests"
            + (f" ({j.law.request_to})" if j.law.request_to else "")
            + "; some laws turn on it (e.g. Tex. Gov't Code § 552.234, KRS 61.872(2)(b), 65 P.S. § 67.703)."
        )
    return req, notes


def _newlines(value: str | None) -> str | None:
    """Let a shell user write a line break as a literal backslash-n."""
    return value.replace("\\n", "\n") if value else value


def _timing(j: Jurisdiction, kind: str, request_date: dt.date, letter_date: dt.date, options: dict[str, Any]) -> Any:
    """What the follow-up or appeal may say about dates (records_req.letters.timing.plan)."""
    from records_req.calendars import calendar_for
    from records_req.deadlines import Extended, assume_received
    from records_req.letters.timing import plan

    received, note = assume_received(request_date, options.get("via") or "email")
    acknowledged = options.get("acknowledged")
    events = list(options.get("clock_events") or ())
    if options.get("extended_to"):
        events.append(Extended(on=acknowledged or request_date, until=options["extended_to"]))
    return plan(
        kind,  # type: ignore[arg-type]
        j,
        calendar_for(j),
        received=received,
        letter_date=letter_date,
        acknowledged=acknowledged,
        events=events,
        denied_on=options.get("denied_on"),
        force=bool(options.get("force")),
        received_note=note,
        sent=request_date,
    )


def _check_residency(j: Jurisdiction, requester: Any, co_requester: str | None, notes: list[str]) -> None:
    restricted = j.residency.restricted
    if restricted is False or requester.state == j.code or co_requester:
        return
    who = f" ({j.residency.who})" if j.residency.who else ""
    if restricted == "disputed":
        notes.append(
            f"Whether non-residents may use the {j.law.name} is disputed{who}; "
            f"{j.residency.citation}. Consider a {j.name} co-requester (--co-requester)."
        )
        return
    raise RecordsReqError(
        f"The {j.law.name} lets only residents request records{who}; {j.residency.citation}. "
        f"If you live in {j.name}, add --requester-state {j.code}; otherwise name a resident "
        "who joins the request with --co-requester."
    )


@click.command()
@click.argument("key", required=False)
@click.option(
    "--topics-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Include your own topics (YAML).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
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
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
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
        click.echo("\nVariables a wording template may use: " + ", ".join(results["variables"]))
    if any(entry["errors"] for entry in results["files"]):
        raise SystemExit(1)

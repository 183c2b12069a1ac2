"""The agencies you write to and who you are: profile, agencies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from records_req.cli.context import read_view, store
from records_req.cli.dates import DATE
from records_req.cli.output import emit_json, json_option, table
from records_req.errors import NotFoundError, UsageError
from records_req.vocabulary import MODEL_CHOICES

# --- profile and agencies -----------------------------------------------------------------------


@click.group()
def profile() -> None:
    """Who you are, once, for every letter.

    \b
    Examples:
      records-req profile set --name "Ana Núñez" --email ana@example.org --state FL
      records-req profile show
    """


@profile.command("set")
@click.option("--name", help="Your name, as it signs letters.")
@click.option("--email", help="Where agencies should reply.")
@click.option("--address", help="Postal address (\\n for a new line).")
@click.option("--phone", help="Phone number.")
@click.option("--org", "organization", help="Organization.")
@click.option("--state", help="The state you live in (USPS code).")
@click.option("--profile", "key", default="default", show_default=True, help="Profile name.")
@click.pass_context
def profile_set(ctx: click.Context, /, key: str, **fields: Any) -> None:
    """Create or update a requester profile.

    \b
    Examples:
      records-req profile set --name "Ana Núñez" --email ana@example.org --address "..." --state FL
    """
    from records_req.tracker.profiles import save_profile

    with store(ctx).write() as session:
        card = save_profile(session, key, **fields)
    click.echo(f"Profile '{card.key}': {card.name}")


@profile.command("show")
@click.option("--profile", "key", default="default", show_default=True)
@json_option
@click.pass_context
def profile_show(ctx: click.Context, /, key: str, as_json: bool) -> None:
    """Show a requester profile.

    \b
    Examples:
      records-req profile show --json
    """
    from records_req.tracker.profiles import UnknownProfile, show_profile

    try:
        with store(ctx).read() as session:
            data = show_profile(session, key).to_dict()
    except UnknownProfile:
        raise NotFoundError(f"No profile '{key}'. Create it with 'records-req profile set --name ...'.") from None
    if as_json:
        emit_json(data)
    else:
        for k, v in data.items():
            if v:
                click.echo(f"{k:13s} {v}")


DATED_BY = {  # how the import says what it dated the list by
    "file name": "the date in ICE's file name",
    "downloaded": "the day you downloaded it (--downloaded)",
    "file date": "the file's modification time; give --downloaded DATE if you downloaded it another day",
    "upload date": "the day it was uploaded; give the day you downloaded it if it was another",
}


@click.group()
def agencies() -> None:
    """The agencies you write to, with their contact details.

    \b
    Examples:
      records-req agencies set --state FL --name "Lee County Sheriff's Office" \\
          --email records@example.gov
      records-req agencies list --state FL
    """


@agencies.command("set")
@click.option("--state", required=True, help="USPS code.")
@click.option("--name", required=True, help="The agency's name.")
@click.option("--email", "records_email", help="Records request email.")
@click.option("--portal", "portal_url", help="Records request portal URL.")
@click.option("--address", "mailing_address", help="Mailing address (\\n for a new line).")
@click.option("--officer", "records_officer", help="Records officer's name.")
@click.option("--phone", help="Phone number.")
@click.option("--models", help="Known 287(g) models, e.g. 'WSO; Task Force'.")
@click.pass_context
def agencies_set(ctx: click.Context, /, state: str, name: str, **fields: Any) -> None:
    """Create an agency or update its contact details (letters use them).

    \b
    Examples:
      records-req agencies set --state FL --name "Lee County Sheriff's Office" --officer "Records Unit"
    """
    from records_req.agencies.directory import AgencyFields, set_agency
    from records_req.hygiene import clean, email_address
    from records_req.laws import load_laws

    code = load_laws().get_or_raise(state).code
    values = {k: clean(f"--{k}", v.replace("\\n", "\n") if v else v) for k, v in fields.items()}
    values["records_email"] = email_address("--email", values["records_email"])  # named as typed here
    with store(ctx).write() as session:
        row = set_agency(session, code, clean("--name", name) or name, AgencyFields(**values))
        click.echo(f"Agency #{row.id}: {row.name} ({row.state})")


@agencies.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--downloaded",
    type=DATE,
    help="When you downloaded the sheet. The list is dated by ICE's date in its file name, else by this, "
    "else by the file's date.",
)
@json_option
@click.pass_context
def agencies_import(ctx: click.Context, /, file: Path, downloaded: dt.date | None, as_json: bool) -> None:
    """Import one of ICE's 287(g) sheets (participating or pending; .xlsx or .csv).

    \b
    Examples:
      records-req agencies import participatingAgencies05182026am.xlsx
      records-req agencies import pendingAgencies02272026am.xlsx --json
    """
    if not file.is_file():
        raise UsageError(f"{file} is not a regular file.")
    from records_req.ice.sheets import check_file, read_in_background

    check_file(file)
    reading = read_in_background(file)  # before SQLAlchemy is imported: the two overlap
    try:
        from records_req.agencies.ice_lists import import_sheet

        with store(ctx).write() as session:
            result = import_sheet(session, file, downloaded_on=downloaded, reading=reading)
    finally:
        if reading is not None:
            reading.cancel()  # a no-op once its result was taken
    data = result.to_dict(file)
    if as_json:
        emit_json(data)
        return
    if not result.new:
        click.echo(f"{file} was imported before (import #{result.import_id}); nothing changed.")
        return
    click.echo(
        f"Import #{result.import_id}: {data['kind']} list of {data['listed_on']}, {result.agreements} agreements with "
        f"{result.agencies} agencies; {len(data['skipped'])} rows skipped."
    )
    downloaded_note = f"; downloaded {data['downloaded_on']}" if data["dated_by"] == "file name" and downloaded else ""
    click.echo(f"  Dated by {DATED_BY[data['dated_by']]}{downloaded_note}.")
    if downloaded and data["dated_by"] == "file name" and downloaded < result.dated.listed_on:
        click.echo(f"  Note: --downloaded {downloaded.isoformat()} is before ICE's date in the file name; check it.")
    if not data["newest"]:
        click.echo(f"  A newer {data['kind']} list stays the newest ('records-req agencies imports').")
    for skipped in data["skipped"]:
        click.echo(f"  row {skipped['row']}: {skipped['reason']}")
    if data["warnings"]:
        click.echo(
            f"  {len(data['warnings'])} warnings: the MOA link's file name and the sheet disagree (check the MOA):"
        )
    for warning in data["warnings"]:
        click.echo(
            f"  row {warning['row']} {warning['state']} {warning['agency']} ({warning['model']}): {warning['warning']}"
        )


@agencies.command("import-contacts")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--create",
    is_flag=True,
    help="Add a name that looks like a known agency's as a new agency (it is reported and left out otherwise).",
)
@json_option
@click.pass_context
def agencies_import_contacts(ctx: click.Context, /, file: Path, create: bool, as_json: bool) -> None:
    """Load agencies' contact details from a CSV.

    \b
    Columns (header row, any order): state, agency, and any of
    email, portal, address, officer, phone. An empty cell keeps what
    the directory knows; "\\n" in an address starts a new line. A new
    name a near miss of a known agency's ("Sherif" for "Sheriff") is
    reported as a probable duplicate and left out, unless --create.

    \b
    Examples:
      records-req agencies import-contacts contacts.csv
    """
    from records_req.agencies.contacts import import_contacts
    from records_req.laws import load_laws

    known = set(load_laws())
    with store(ctx).write() as session:
        result = import_contacts(session, file, known, create=create)
    data = result.to_dict(file)
    if as_json:
        emit_json(data)
        return
    duplicates = f", {len(result.duplicates)} probable duplicates" if result.duplicates else ""
    click.echo(
        f"{result.rows} rows: {result.created} agencies added, {result.updated} updated, "
        f"{result.unchanged} unchanged, {len(result.skipped)} skipped{duplicates}."
    )
    for line, reason in result.skipped:
        click.echo(f"  line {line}: {reason}")
    for d in result.duplicates:
        click.echo(
            f"  line {d.line}: {d.name!r} looks like {d.known!r} ({d.state}), already in the directory; not added."
        )
    if result.duplicates:
        click.echo(
            "  Write the directory's name in the CSV, or load it again with --create to add them as new agencies."
        )


@agencies.command("imports")
@json_option
@click.pass_context
def agencies_imports(ctx: click.Context, /, as_json: bool) -> None:
    """Every ICE sheet imported so far, in import order, with each list's date.

    \b
    Examples:
      records-req agencies imports --json
    """
    from records_req.agencies.ice_lists import import_rows

    with store(ctx).read() as session:
        rows = import_rows(session)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("No ICE sheet imported yet: 'records-req agencies import FILE'.")
    for r in rows:
        how = "ICE's date" if r["dated_by"] == "file name" else r["dated_by"]
        click.echo(
            f"#{r['import_id']}  {r['listed_on']} ({how})  {r['kind']:<13}  {r['agreements']:>5} agreements  "
            f"{r['file']}{'  (newest)' if r['newest'] else ''}"
        )


@agencies.command("changes")
@click.option("--since-import", type=click.IntRange(1, 2**62), help="Compare with this import [default: the previous].")
@json_option
@click.pass_context
def agencies_changes(ctx: click.Context, /, since_import: int | None, as_json: bool) -> None:
    """What changed between two imports of ICE's participating list.

    \b
    Examples:
      records-req agencies changes
      records-req agencies changes --since-import 1 --json
    """
    from records_req.ice.changes import diff as compare
    from records_req.ice.changes import pick

    with read_view(ctx) as view:  # straight through the driver: no SQLAlchemy to import
        older, newest = pick(view.ice_imports("participating"), since_import)
        diff = compare(older, newest, view.ice_agreements(older.import_id), view.ice_agreements(newest.import_id))
    if as_json:
        emit_json(diff)
        return
    old, new = diff["from"], diff["to"]
    click.echo(
        f"From import #{old['import_id']} ({old['file']}, {old['listed_on']}) "
        f"to #{new['import_id']} ({new['file']}, {new['listed_on']}):"
    )
    for label in ("added", "removed"):
        click.echo(f"\n{label.capitalize()}: {len(diff[label])}")
        for a in diff[label]:
            click.echo(f"  {a['state']}  {a['agency']}  {a['model']}  signed {a['signed'] or '?'}")
    click.echo(f"\nRenamed: {len(diff['renamed'])}")
    for r in diff["renamed"]:
        was, now = r["from"], r["to"]
        click.echo(f"  {was['state']} {was['agency']} -> {now['state']} {now['agency']} ({now['model']})")
    click.echo(f"\nChanged: {len(diff['changed'])}")
    for c in diff["changed"]:
        a = c["agreement"]
        click.echo(f"  {a['state']}  {a['agency']}  {a['model']}: {', '.join(c['fields'])}")


@agencies.command("show")
@click.argument("name")
@click.option("--state", required=True, help="USPS code.")
@json_option
@click.pass_context
def agencies_show(ctx: click.Context, /, name: str, state: str, as_json: bool) -> None:
    """One agency: its contact details and its agreements on ICE's newest list.

    \b
    Examples:
      records-req agencies show "Lee County Sheriff's Office" --state FL
    """
    from records_req.agencies.directory import UnknownAgency, agency_card
    from records_req.ice.sheets import MOA_NOTE

    try:
        with store(ctx).read() as session:
            card = agency_card(session, state, name)
    except UnknownAgency as exc:
        offer = (
            f" Did you mean {' or '.join(repr(c) for c in exc.close)}?"
            if exc.close
            else f" 'records-req agencies list --state {exc.state}' lists them."
        )
        raise NotFoundError(f"No agency {exc.name!r} in {exc.state}.{offer}") from None
    if as_json:
        emit_json(card.to_dict())
        return
    a = card.agency
    click.echo(f"{a.name} ({a.state})")
    for key in ("email", "portal", "address", "officer", "phone"):
        if value := getattr(a, key):
            click.echo(f"  {key}: {value}")
    newest = ", ".join(f"{k} {v['listed_on']} ({v['file']})" for k, v in card.lists.items() if v)
    if not card.agreements:
        click.echo(f"  No agreement on ICE's newest list{f' ({newest})' if newest else ''}.")
    else:
        click.echo(f"  On ICE's newest lists: {newest}")
    for g in card.agreements:
        since = g.pending_since.isoformat() if g.pending_since else None
        status = f"pending since {since}" if g.pending else f"signed {g.signed.isoformat() if g.signed else '?'}"
        click.echo(f"  {g.model_name}: {status}; MOA {g.moa_url or 'not published'}")
        for note in g.notes:
            click.echo(f"    {'warning' if note.startswith(MOA_NOTE) else 'note'}: {note}")


@agencies.command("list")
@click.option("--state", help="Only this state.")
@click.option(
    "--model",
    type=click.Choice(MODEL_CHOICES, case_sensitive=False),
    help="Only agencies with this 287(g) model.",
)
@click.option("--name", help="Only agencies whose name contains this (case, punctuation and 'The' do not matter).")
@json_option
@click.pass_context
def agencies_list(ctx: click.Context, /, state: str | None, model: str | None, name: str | None, as_json: bool) -> None:
    """List known agencies (with the 287(g) models ICE's newest list gives them).

    \b
    Examples:
      records-req agencies list --state TX --json
      records-req agencies list --state TX --model wso
      records-req agencies list --state FL --name "lee county"
    """
    from records_req.agencies.directory import list_agencies

    with store(ctx).read() as session:
        rows = list_agencies(session, state=state, model=model, name=name)
    if as_json:
        emit_json([r.to_dict() for r in rows])
        return
    click.echo(
        table(
            [[str(r.id), r.state, r.name, r.email or ""] for r in rows],
            ["id", "state", "agency", "records email"],
        )
        if rows
        else ("No agency matches." if state or model or name else "No agencies yet.")
    )


from records_req.cli.watch import agencies_update  # noqa: E402 (its module holds the watches' words too)

agencies.add_command(agencies_update)

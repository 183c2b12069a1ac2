"""Where records-req keeps things and the database itself: paths, db."""

from __future__ import annotations

from pathlib import Path

import click

from records_req.cli.context import protected_outputs, store, workspace
from records_req.cli.output import emit_json, is_stdout, json_option, progress, write_stdout


@click.command()
@json_option
@click.pass_context
def paths(ctx: click.Context, /, as_json: bool) -> None:
    """Where records-req keeps things: data, database (password masked), letters, caches.

    \b
    Examples:
      records-req paths
    """
    from records_req.laws import default_laws_path
    from records_req.letters.files import default_out_dir
    from records_req.paths import cache_dir, data_home
    from records_req.resources import templates_dir

    data = {
        "data_dir": str(data_home()),
        "database": workspace(ctx).shown_url,
        "out_dir": str(default_out_dir().resolve()),
        "cache_dir": str(cache_dir()),
        "laws": str(default_laws_path()),
        "templates": str(templates_dir() / "letters"),
    }
    if as_json:
        emit_json(data)
        return
    for key, value in data.items():
        click.echo(f"{key:10s} {value}")


@click.group()
def db() -> None:
    """The database: export, import, upgrade, recompute.

    \b
    Examples:
      records-req db export backup.json
      records-req --db postgresql://user@host/records db import backup.json
    """


@db.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@click.pass_context
def db_export(ctx: click.Context, /, file: Path, force: bool) -> None:
    """Write every profile, agency, request, event and document record to a JSON file (- for
    standard output).

    \b
    Examples:
      records-req db export backup.json
      records-req db export - | gzip > backup.json.gz
    """
    import json

    from records_req.output import write_all
    from records_req.store.dump import export_data

    with store(ctx).read() as session:
        data = export_data(session)
    content = (json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    counts = ", ".join(f"{len(data[k])} {k}" for k in ("requests", "events", "documents"))
    if is_stdout(file):
        write_stdout(content, binary=False, what="The export")
        click.echo(f"Exported {counts}", err=True)  # standard output holds the export alone
        return
    write_all({file: content}, force=force, make_parents=False, **protected_outputs(ctx))
    click.echo(f"{file}: {counts}")


@db.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def db_import(ctx: click.Context, /, file: Path) -> None:
    """Load an export into an empty database (e.g. move from SQLite to PostgreSQL).

    \b
    Examples:
      records-req db import backup.json
      records-req --db postgresql://user@host/records db import backup.json
    """
    from records_req.store.dump import import_data, read_export

    data = read_export(file)
    from records_req.letters.files import default_out_dir
    from records_req.paths import data_home

    with store(ctx).write() as session:
        # documents stay in the data or output directory, or beside the export or the working
        # directory (a letter written with --out): never elsewhere on the machine
        roots = [data_home(), default_out_dir(), file.resolve().parent, Path.cwd()]
        with progress("Importing") as step:
            counts = import_data(session, data, allowed_roots=roots, progress=step)
    click.echo(f"Imported {', '.join(f'{n} {k}' for k, n in counts.items())}.")


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context, /) -> None:
    """Apply any pending schema migrations (done automatically on first use).

    \b
    Examples:
      records-req db upgrade
    """
    st = store(ctx)
    click.echo(f"Schema at revision {st.current_revision()}.")


@db.command("recompute")
@click.pass_context
def db_recompute(ctx: click.Context, /) -> None:
    """Recompute every request's cached status and due date from its events.

    \b
    Examples:
      records-req db recompute
    """
    from records_req.tracker.service import recompute_all

    n = recompute_all(workspace(ctx))
    click.echo(f"Recomputed {n} requests.")

"""`serve` (the local web dashboard) and `users` (its accounts, for serving beyond this computer)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from records_req.cli.output import emit_json, json_option, table
from records_req.errors import UsageError


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="The port.")
@click.option("--no-browser", is_flag=True, help="Do not open the dashboard in a browser.")
@click.option(
    "--allow-host", "allowed_hosts", multiple=True, help="Another name the server is reached by (repeatable)."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where letters are written [default: $RECORDS_REQ_OUT or ./out].",
)
@click.option(
    "--timeout",
    type=click.IntRange(1, 3600),
    default=30,
    show_default=True,
    help="Seconds a client may stay silent, and has to send a request's first line and headers.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(4, 10000),
    default=100,
    show_default=True,
    help="Connections open at once; more wait their turn.",
)
@click.option(
    "--behind-proxy",
    type=click.IntRange(0, 5),
    default=0,
    metavar="HOPS",
    help="A TLS reverse proxy (Caddy, nginx) is in front: trust the last HOPS of its X-Forwarded headers.",
)
@click.option(
    "--proxy-address",
    default="127.0.0.1",
    show_default=True,
    help="With --behind-proxy: the proxy's address, the only peer whose X-Forwarded headers count.",
)
@click.option("--insecure", is_flag=True, help="Serve a team on this address without TLS (a network you trust).")
@click.pass_context
def serve(
    ctx: click.Context,
    /,
    host: str,
    port: int,
    no_browser: bool,
    allowed_hosts: tuple[str, ...],
    out_dir: Path | None,
    timeout: int,
    max_connections: int,
    behind_proxy: int,
    proxy_address: str,
    insecure: bool,
) -> None:
    """Open the dashboard: the whole tool in a browser, on this computer. Ctrl-C stops it.

    It listens on 127.0.0.1 only. To serve a team, create accounts first (records-req users add
    NAME); every page then asks for a sign-in. Put a TLS reverse proxy in front (--behind-proxy 1,
    listening on 127.0.0.1, --allow-host the name people type): another address without TLS is
    refused unless --insecure. A client that stays silent for --timeout seconds, or takes longer
    to send a request's headers, is disconnected. Each request is logged on stderr in one line.

    \b
    Examples:
      records-req serve
      records-req serve --port 9000 --no-browser
      records-req --db postgresql://team@db/records serve --behind-proxy 1 --allow-host records.example.org
      records-req serve --host 10.0.0.5 --allow-host records.lan --insecure
    """
    from records_req.cli.context import db_url, store
    from records_req.web import Settings, create_app

    settings = Settings(
        db_url=db_url(ctx),
        out_dir=out_dir,
        host=host,
        port=port,
        today=(ctx.find_root().obj or {}).get("today"),
        allowed_hosts=allowed_hosts,
        behind_proxy=behind_proxy,
    )
    if behind_proxy:
        import ipaddress

        try:
            ipaddress.ip_address(proxy_address)
        except ValueError:
            raise UsageError(f"--proxy-address takes the proxy's IP address, not {proxy_address!r}.") from None
    if behind_proxy and not allowed_hosts:
        raise UsageError(
            "Behind a proxy, give the name people type in their browser: --allow-host records.example.org."
        )
    if not settings.local:
        from records_req.accounts import users

        with store(ctx).read() as session:
            if not users(session):
                raise UsageError(
                    f"Serving on {host} reaches beyond this computer: create an account first "
                    "(records-req users add NAME), then every page asks for a sign-in."
                )
        if not behind_proxy and not insecure:
            raise UsageError(
                f"Serving on {host} without TLS would send passwords in clear: put a TLS reverse proxy in "
                "front (--behind-proxy 1; see the README's team section), or add --insecure on a network you trust."
            )
    else:
        store(ctx)  # create or migrate the database before the first page
    from records_req.web.server import Limits, Proxy, Server

    app = create_app(settings)
    proxy = Proxy(proxy_address, behind_proxy) if behind_proxy else None
    try:
        server = Server(app, host, port, Limits(timeout=timeout, max_connections=max_connections), proxy)
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise UsageError(f"Cannot listen on {host}:{port}: {reason}. Try another --port.") from None
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if settings.local else shown}:{port}/"
    if behind_proxy:
        url = f"https://{allowed_hosts[0]}/"  # what people open: the proxy, by its name
    click.echo(f"records-req dashboard at {url} (Ctrl-C stops it)", err=True)  # once it listens
    if not no_browser:
        import threading
        import webbrowser

        threading.Timer(0.8, lambda: webbrowser.open(url)).start()
    server.run()


@click.group()
def users() -> None:
    """Accounts for the dashboard when it serves beyond this computer.

    \b
    Examples:
      records-req users add ana
      records-req users passwd ana
      records-req users list
    """


@users.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line).")
@click.pass_context
def users_add(ctx: click.Context, /, name: str, password_stdin: bool) -> None:
    """Add an account; the password is asked twice (it is stored only as a scrypt hash).

    \b
    Examples:
      records-req users add ana
      printf '%s\\n' "$PASSWORD" | records-req users add ana --password-stdin
    """
    from records_req.accounts import add_user
    from records_req.cli.context import store

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with store(ctx).write() as session:
        add_user(session, name, password)
    click.echo(f"Added user {name!r}.")


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input (one line).")
@click.pass_context
def users_passwd(ctx: click.Context, /, name: str, password_stdin: bool) -> None:
    """Change an account's password (asked twice); every session of the account ends at once.

    The account's calendar address changes too: subscribe again from the Reports page.

    \b
    Examples:
      records-req users passwd ana
      printf '%s\\n' "$PASSWORD" | records-req users passwd ana --password-stdin
    """
    from records_req.accounts import change_password, find_user
    from records_req.cli.context import store

    with store(ctx).read() as session:
        find_user(session, name)  # a clear error before asking for a password
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    with store(ctx).write() as session:
        change_password(session, name, password)
    click.echo(
        f"Changed the password of {name!r}: its sessions have ended, and its calendar address is new "
        "(subscribe again from the Reports page)."
    )


@users.command("remove")
@click.argument("name")
@click.pass_context
def users_remove(ctx: click.Context, /, name: str) -> None:
    """Remove an account: its sessions and its calendar address end with it.

    \b
    Examples:
      records-req users remove ana
    """
    from records_req.accounts import remove_user
    from records_req.cli.context import store

    with store(ctx).write() as session:
        remove_user(session, name)
    click.echo(f"Removed user {name!r}.")


@users.command("list")
@json_option
@click.pass_context
def users_list(ctx: click.Context, /, as_json: bool) -> None:
    """List the accounts (names and when they were made; never passwords).

    \b
    Examples:
      records-req users list --json
    """
    from records_req.accounts import users as all_users
    from records_req.cli.context import store

    with store(ctx).read() as session:
        rows: list[dict[str, Any]] = [
            {"name": u.name, "created": u.created_at.isoformat(timespec="seconds")} for u in all_users(session)
        ]
    if as_json:
        emit_json(rows)
        return
    click.echo(table([[r["name"], r["created"]] for r in rows], ["name", "created"]) if rows else "No users.")

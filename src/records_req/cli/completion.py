"""Shell completion of values (click's ``_RECORDS_REQ_COMPLETE``): states, topics, event kinds,
statuses, request numbers and tags. Request numbers and tags come from the database through the fast
reader; anything that goes wrong completes nothing rather than printing into the user's shell."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from click.shell_completion import CompletionItem

Completer = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]


def _silently(completer: Completer) -> Completer:
    def safe(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        try:
            return completer(ctx, param, incomplete)
        except Exception:
            return []

    return safe


@_silently
def states(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    from records_req.laws import load_laws

    start = incomplete.upper()
    return [CompletionItem(j.code, help=j.name) for j in load_laws().values() if j.code.startswith(start)]


@_silently
def topics(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    from records_req.topics import load_topics

    return [CompletionItem(t.key, help=t.title) for t in load_topics().values() if t.key.startswith(incomplete)]


@_silently
def events(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    from records_req.lifecycle import USER_EVENTS

    return [CompletionItem(kind) for kind in USER_EVENTS if kind.startswith(incomplete)]


@_silently
def statuses(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """What a status filter takes (views.status_filter): the groups, then each status, with its label."""
    from records_req.labels import status_label
    from records_req.lifecycle import STATUSES
    from records_req.views import STATUS_GROUPS

    return [CompletionItem(s, help=status_label(s)) for s in (*STATUS_GROUPS, *STATUSES) if s.startswith(incomplete)]


def _rows(ctx: click.Context, sql: str) -> list[dict[str, Any]]:
    """Rows of ``sql`` from the database the command line names (--db or RECORDS_REQ_DB), through
    the fast reader; none where the database is missing or not at the current schema (completion
    never creates or migrates a database)."""
    from records_req.store.reader import reader
    from records_req.workspace import Workspace

    root = ctx.find_root()
    url = Workspace(db_url=root.params.get("db")).url
    with reader(url) as fast:
        return [] if fast is None else fast.rows(sql)


@_silently
def request_numbers(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    rows = _rows(
        ctx,
        "SELECT r.id AS id, a.name AS agency, r.status AS status FROM requests r"
        " JOIN agencies a ON a.id = r.agency_id ORDER BY r.id",
    )
    return [
        CompletionItem(str(r["id"]), help=f"{r['agency']} ({r['status']})")
        for r in rows
        if str(r["id"]).startswith(incomplete)
    ]


@_silently
def tags(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    rows = _rows(ctx, "SELECT DISTINCT tag FROM request_tags ORDER BY tag")
    return [CompletionItem(r["tag"]) for r in rows if str(r["tag"]).startswith(incomplete)]


# Which values a parameter completes, by its name: options by their name, arguments by theirs.
OPTIONS: dict[str, Completer] = {
    "state": states,
    "states": states,
    "requester_state": states,
    "topic_keys": topics,
    "tag": tags,
    "tags": tags,
    "status": statuses,
}
ARGUMENTS: dict[str, Completer] = {"code": states, "request_id": request_numbers, "kind": events, "key": topics}
# Arguments named so on other commands mean something else.
ARGUMENT_COMMANDS: dict[str, frozenset[str]] = {
    "code": frozenset({"states", "deadline"}),
    "kind": frozenset({"log"}),
    "key": frozenset({"topics"}),
}


def add_completion(command: click.Command) -> None:
    """Give ``command``'s parameters the value completion their names call for (a choice
    completes its choices already, and a parameter with its own completion keeps it)."""
    for param in command.params:
        if isinstance(param.type, click.Choice) or getattr(param, "_custom_shell_complete", None):
            continue
        name = param.name or ""
        if isinstance(param, click.Argument):
            completer = ARGUMENTS.get(name)
            if name in ARGUMENT_COMMANDS and command.name not in ARGUMENT_COMMANDS[name]:
                completer = None
        else:
            completer = OPTIONS.get(name)
        if completer is not None:
            param._custom_shell_complete = completer

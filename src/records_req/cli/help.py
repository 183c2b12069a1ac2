"""``--help`` as a reader wants it: each command's one-line help whole, never cut with "...", and
the long commands' options (new, letter, campaign) in sections."""

from __future__ import annotations

import inspect

import click

# The sections of a long option list, by the options' parameter names (or a prefix ending in _),
# in the order shown. An option in none of them is listed first, under "Options".
SECTIONS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "Which agencies",
        frozenset(
            {"state", "states", "agency", "agency_address", "agency_email", "records_officer"}
            | {"models", "counties", "types", "signed_since", "pending", "include_barred"}
        ),
    ),
    ("What to ask for", frozenset({"topic_keys", "items", "since", "until", "topics_file"})),
    (
        "The letter",
        frozenset(
            {"letter_date", "fee_limit", "fee_category", "expedite", "user_templates", "kind", "request_date"}
            | {"request_until", "acknowledged", "extended_to", "via", "tracking_numbers", "denied_on", "exemptions"}
        ),
    ),
    ("You, the requester", frozenset({"requester_", "co_requester", "co_requester_address", "profile_key"})),
    ("Tracking", frozenset({"tag", "tags", "again", "split", "dry_run", "jobs"})),
    ("Output", frozenset({"eml", "formats", "out_dir", "force", "as_json", "help"})),
)
# A command gets sections when it has more options than this (new, letter, campaign).
LONG = 15


def section_of(name: str) -> str | None:
    for title, names in SECTIONS:
        if name in names or any(p.endswith("_") and name.startswith(p) for p in names):
            return title
    return None


def prepare_help(command: click.Command) -> None:
    """Give ``command`` its whole one-line help (the first paragraph of its help, which listings
    show instead of a line click would cut with "..."), and sections for a long option list."""
    if command.short_help is None and command.help:
        first = inspect.cleandoc(command.help).split("\n\n", 1)[0]
        command.short_help = " ".join(first.split())
    format_options = command.format_options

    def sectioned(ctx: click.Context, formatter: click.HelpFormatter) -> None:
        sections: dict[str, list[tuple[str, str]]] = {"Options": []}
        help_option = command.get_help_option(ctx)
        for param in command.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            name = "help" if param is help_option else param.name or ""
            title = (section_of(name) if isinstance(param, click.Option) else None) or "Options"
            sections.setdefault(title, []).append(record)
        if sum(len(records) for records in sections.values()) <= LONG:
            format_options(ctx, formatter)
            return
        order = ["Options", *(title for title, _ in SECTIONS)]
        for title in order:
            if sections.get(title):
                with formatter.section(title):
                    formatter.write_dl(sections[title])
        if isinstance(command, click.Group):
            command.format_commands(ctx, formatter)

    command.format_options = sectioned  # type: ignore[method-assign]

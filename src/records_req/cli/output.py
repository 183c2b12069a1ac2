"""Printing: text for people, JSON for programs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

# Options every command that prints or writes shares, declared once.
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
VIAS = ("mail", "email", "portal", "fax", "hand")


F = TypeVar("F", bound=Callable[..., Any])


def via_option(help: str, default: str | None = "email") -> Callable[[F], F]:
    """``--via mail|email|portal|fax|hand``."""
    return click.option("--via", type=click.Choice(VIAS), default=default, show_default=default is not None, help=help)


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False))


def table(rows: list[list[str]], headers: list[str]) -> str:
    """A plain, aligned text table."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows)
    return "\n".join(lines)

"""Printing: text for people, JSON for programs."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any, TextIO, TypeVar

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


# Terminal control from outside text (a sheet's cell, an agency's name, a reply's subject): whole
# escape sequences (CSI, OSC, and two-character ones), then any other C0 or C1 control, DEL and
# the bidirectional overrides that reorder what a line seems to say. Tabs and newlines stay.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROLS_KEEP_CR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str, keep_cr: bool = False) -> str:
    """``text`` without anything a terminal would act on rather than show."""
    return (_CONTROLS_KEEP_CR if keep_cr else _CONTROLS).sub("", _ESCAPES.sub("", text))


class TerminalFilter(io.TextIOBase):
    """A terminal's standard output or error, through :func:`terminal_safe`: the one place where
    everything the CLI prints to a terminal passes. Output to a file or a pipe is left as it is
    (the data is the user's); bytes (``.buffer``) are not filtered."""

    def __init__(self, stream: TextIO, keep_cr: bool = False) -> None:
        self.stream, self.keep_cr = stream, keep_cr
        self.buffer = getattr(stream, "buffer", None)

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.stream.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self.stream.errors

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.stream.write(terminal_safe(text, self.keep_cr))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()


def filter_terminal_output() -> None:
    """Put :class:`TerminalFilter` on standard output and error where they are terminals
    (standard error keeps carriage returns, for the progress bar)."""
    import sys

    for name, keep_cr in (("stdout", False), ("stderr", True)):
        stream = getattr(sys, name)
        try:
            tty = stream is not None and stream.isatty()
        except (AttributeError, ValueError):
            tty = False
        if tty and not isinstance(stream, TerminalFilter):
            setattr(sys, name, TerminalFilter(stream, keep_cr))

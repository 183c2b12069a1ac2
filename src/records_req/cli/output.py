"""Printing: text for people, JSON for programs."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO, TypeVar

import click

from records_req.vocabulary import VIAS

# The json module's own escaping of a string (its C function): what json.dumps writes for it.
_encode_text: Callable[[str], str] = json.encoder.encode_basestring

# Options every command that prints or writes shares, declared once.
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


F = TypeVar("F", bound=Callable[..., Any])


def via_option(help: str, default: str | None = "email") -> Callable[[F], F]:
    """``--via mail|email|portal|fax|hand``."""
    return click.option("--via", type=click.Choice(VIAS), default=default, show_default=default is not None, help=help)


def emit_json(value: Any) -> None:
    click.echo(dumps_indented(value))


class _Unusual(Exception):
    """A value :func:`dumps_indented` leaves to the json module (a float, a key that is not text,
    an object the encoder does not know)."""


def dumps_indented(value: Any) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``, the same text, about three times as
    fast: the json module encodes with its C encoder only without an indent, and its Python one
    spends most of ``list --json``'s time on thousands of rows. Text, integers, booleans, None,
    lists, tuples and dicts with text keys are written here (text escaped by the json module's
    own C function); anything else, and so the whole value, goes to the json module."""
    out: list[str] = []
    try:
        _write_json(value, out, "\n")
    except _Unusual:
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)
    return "".join(out)


_WORDS = {None: "null", True: "true", False: "false"}
_KEYS: dict[tuple[str, str], str] = {}  # per key and depth, the line of a key after the first


def _key_line(key: Any, inner: str) -> str:
    if type(key) is not str:
        raise _Unusual
    if len(_KEYS) > 4096:
        _KEYS.clear()
    line = _KEYS[key, inner] = "," + inner + _encode_text(key) + ": "
    return line


def _write_json(value: Any, out: list[str], newline: str) -> None:
    """Append ``value`` as indented JSON to ``out``; ``newline``: a new line at its depth."""
    kind = type(value)
    if kind is str:
        out.append(_encode_text(value))
    elif kind is int:
        out.append(int.__repr__(value))
    elif value is None or kind is bool:
        out.append(_WORDS[value])
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        first = True
        for key, item in value.items():
            if first:  # "{" and the first key; each later key's line is kept per key and depth
                if type(key) is not str:
                    raise _Unusual
                start = "{" + inner + _encode_text(key) + ": "
                first = False
            else:
                start = _KEYS.get((key, inner)) or _key_line(key, inner)
            kind = type(item)
            if kind is str:
                out.append(start + _encode_text(item))
            elif kind is int:
                out.append(start + int.__repr__(item))
            elif item is None or kind is bool:
                out.append(start + _WORDS[item])
            else:
                out.append(start)
                _write_json(item, out, inner)
        out.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        if all(type(item) is str for item in value):  # topics, tags: one join
            out.append("[" + inner + ("," + inner).join(map(_encode_text, value)) + newline + "]")
            return
        opening = "[" + inner
        between = "," + inner
        for item in value:
            out.append(opening)
            opening = between
            _write_json(item, out, inner)
        out.append(newline + "]")
    else:
        raise _Unusual


@contextmanager
def progress(label: str, *, shown: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback for a long job, drawing click's progress bar on
    standard error when it is a terminal (nothing at all otherwise, not even the label click would
    print once), so standard output, and ``--json`` (``shown=False``), hold only the answer."""
    import sys

    try:
        shown = shown and sys.stderr.isatty()
    except (AttributeError, ValueError):
        shown = False
    bar: Any = None

    def step(done: int, total: int) -> None:
        nonlocal bar
        if not shown:
            return
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        yield step
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def is_stdout(path: object) -> bool:
    """Whether a file argument is ``-``: standard output."""
    return str(path) == "-"


def write_stdout(content: bytes, *, binary: bool, what: str) -> None:
    """``content`` on standard output, for a file argument given as ``-``. A binary file (a zip, a
    PDF) is refused on a terminal, where it would be noise: one usage line."""
    import sys

    if binary and sys.stdout.isatty():
        raise click.UsageError(f"{what} is not for a terminal: give a file name, or pipe it.")
    sys.stdout.flush()
    sys.stdout.buffer.write(content)
    sys.stdout.buffer.flush()


def output_width() -> int | None:
    """How wide a table may be: ``$COLUMNS`` where set, else the terminal's width when standard
    output is a terminal; ``None`` (no limit) for a pipe or a file, where a row stays one line."""
    import os
    import shutil
    import sys

    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        tty = sys.stdout.isatty()
    except (AttributeError, ValueError):
        tty = False
    return shutil.get_terminal_size().columns if tty else None


def table(rows: list[list[str]], headers: list[str], width: int | None = None) -> str:
    """A plain, aligned text table that fits ``width`` (by default :func:`output_width`): the
    widest columns are narrowed first and their cells wrapped at spaces, never inside a word (a
    word longer than its column makes the table wider rather than being cut)."""
    import textwrap

    gap = "  "
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    longest = list(widths)
    limit = output_width() if width is None else width
    if limit is not None:
        # no column narrower than its longest word
        floors = [
            max(len(word) for cell in [h, *(r[i] for r in rows)] for word in [*cell.split(), ""])
            for i, h in enumerate(headers)
        ]
        room = limit - len(gap) * (len(headers) - 1)
        while sum(widths) > room:
            slack = [w - f for w, f in zip(widths, floors, strict=True)]
            if max(slack) <= 0:
                break
            widest = max(range(len(widths)), key=lambda i: (widths[i] if slack[i] > 0 else -1, -i))
            widths[widest] -= 1

    def lines_of(cells: list[str]) -> list[str]:
        wrapped = [
            textwrap.wrap(c, w, break_long_words=False, break_on_hyphens=False) or [""] if len(c) > w else [c]
            for c, w in zip(cells, widths, strict=True)
        ]
        return [
            gap.join(
                (part[k] if k < len(part) else "").ljust(w) for part, w in zip(wrapped, widths, strict=True)
            ).rstrip()
            for k in range(max(len(part) for part in wrapped))
        ]

    out = lines_of(headers)
    out.append(gap.join("-" * w for w in widths))
    if widths == longest:  # no column narrowed: every cell fits on its line (thousands of rows)
        line = gap.join(f"{{:<{w}}}" for w in widths).format
        out.extend(line(*row).rstrip() for row in rows)
        return "\n".join(out)
    for row in rows:
        out.extend(lines_of(row))
    return "\n".join(out)


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

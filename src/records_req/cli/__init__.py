"""The command line: one click group, sub-commands by noun. The only layer that prints.

Heavy libraries (SQLAlchemy, docxtpl, reportlab) are imported inside the commands that need
them, so ``records-req --help`` and the pure commands start fast.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from records_req import __version__
from records_req.cli.dates import DATE
from records_req.errors import NotFoundError, RecordsReqError, UsageError

# Each command lives in the module of its noun and is imported only when it is used, so that
# `records-req deadline` does not pay for building the requests' forty options.
COMMANDS: dict[str, str] = {
    "states": "laws",
    "deadline": "laws",
    "letter": "letters",
    "topics": "letters",
    "templates": "letters",
    "profile": "agencies",
    "agencies": "agencies",
    "watch": "watch",
    "new": "requests",
    "sent": "requests",
    "log": "requests",
    "list": "requests:list_requests",
    "show": "requests",
    "due": "requests",
    "followup": "requests",
    "appeal": "requests",
    "attach": "requests",
    "remind": "requests",
    "edit": "requests",
    "undo": "requests",
    "bundle": "requests",
    "paths": "db",
    "db": "db",
    "report": "reports",
    "campaign": "campaign",
    "send": "mail",
    "mail": "mail",
    "inbox": "inbox",
    "search": "search",
    "serve": "web",
    "users": "web",
}


class RecordsReqGroup(click.Group):
    """Loads commands lazily, and turns domain errors into click errors once: usage errors exit
    2, the rest exit 1."""

    # Global options a user may also write after the sub-command: `records-req report --as-of D`.
    HOISTED = ("--as-of", "--db")

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(args, self.HOISTED))

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            import importlib

            module, _, attr = COMMANDS[cmd_name].partition(":")
            command = getattr(importlib.import_module(f"records_req.cli.{module}"), attr or cmd_name)
            report_errors_in(command)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return _invoke_reporting_errors(super().invoke, ctx)
        except KeyboardInterrupt:  # files are written atomically: nothing partial is left behind
            click.echo("\nInterrupted; nothing was left half-written.", err=True)
            ctx.exit(130)


def report_errors_in(command: click.Command) -> None:
    """Make ``command`` (and each sub-command of a group) turn domain errors into click's where
    they happen, so that a usage error shows that sub-command's usage, not the root's."""
    if getattr(command, "_reports_errors", False):
        return
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            report_errors_in(sub)
    from records_req.cli.completion import add_completion
    from records_req.cli.help import prepare_help

    prepare_help(command)
    add_completion(command)
    invoke = command.invoke

    def reporting(ctx: click.Context) -> Any:
        return _invoke_reporting_errors(invoke, ctx)

    command.invoke = reporting  # type: ignore[method-assign]
    command._reports_errors = True  # type: ignore[attr-defined]


def _invoke_reporting_errors(invoke: Any, ctx: click.Context) -> Any:
    """``invoke(ctx)``, with the domain's errors turned into click's, the one place where they
    get their exit code: something named that does not exist (no request #99) exits 1 with one
    line; a value that cannot be read exits 2 with ``ctx``'s usage; any other error exits 1."""
    try:
        return invoke(ctx)
    except NotFoundError as exc:
        from records_req.cli.wording import message

        raise click.ClickException(message(exc)) from None
    except UsageError as exc:
        from records_req.cli.wording import message

        raise click.UsageError(message(exc), ctx) from None
    except RecordsReqError as exc:
        from records_req.cli.wording import message

        raise click.ClickException(message(exc)) from None


def hoist_global_options(args: list[str], names: tuple[str, ...]) -> list[str]:
    """Move ``--as-of D`` / ``--db URL`` written after the sub-command to before it, so global
    options work in either place (nothing after ``--`` moves)."""
    head: list[str] = []
    i = 0
    while i < len(args) and args[i].startswith("-"):  # the group's own options, before the command
        step = 2 if args[i] in names else 1
        head.extend(args[i : i + step])
        i += step
    rest: list[str] = []
    tail = args[i:]
    j = 0
    while j < len(tail):
        arg = tail[j]
        if arg == "--":
            rest.extend(tail[j:])
            break
        if arg.split("=", 1)[0] in names and ("=" in arg or j + 1 < len(tail)):
            step = 1 if "=" in arg else 2
            head.extend(tail[j : j + step])
            j += step
            continue
        rest.append(arg)
        j += 1
    return head + rest


@click.group(cls=RecordsReqGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="records-req")
@click.option(
    "--db",
    metavar="URL",
    envvar="RECORDS_REQ_DB",
    help="Database URL (an SQLite file or postgresql://user@host/db) [env: RECORDS_REQ_DB].",
)
@click.option(
    "--as-of",
    "as_of",
    type=DATE,
    metavar="DATE",
    help="Treat DATE as today: what is due, overdue, and the default event date.",
)
@click.pass_context
def cli(ctx: click.Context, db: str | None, as_of: dt.date | None) -> None:
    """Public-records requests about 287(g) and local cooperation with ICE.

    Knows the public-records law of every state, DC and the federal FOIA, and computes each
    statutory deadline with an explanation you can check.

    \b
    Examples:
      records-req states
      records-req states VA
      records-req deadline VA --received 2026-11-25 --explain
    """
    ctx.obj = {"db": db, "today": as_of}


# Set by a command whose process has nothing left to do once it returns (see exit_when_done);
# _in_main: the command runs under main(), which ends the process (not, say, click's test runner).
_exit_when_done = False
_in_main = False


def exit_when_done() -> bool:
    """Let :func:`main` end the process as soon as this command has returned and its output is
    flushed, without the interpreter's teardown: freeing the fonts, the law data and reportlab's
    modules one object at a time takes about 80 ms after a letter, longer than composing it.

    Only for a command that leaves nothing to finish: its files written and closed, no database
    session, no temporary files or threads (``atexit`` handlers do not run; logging is shut down).
    Returns whether the process will end so (the command runs under :func:`main`)."""
    global _exit_when_done
    _exit_when_done = True
    return _in_main


def main() -> None:
    import sys

    global _exit_when_done, _in_main
    _exit_when_done, _in_main = False, True
    from records_req.cli.output import filter_terminal_output

    filter_terminal_output()  # outside text never drives the terminal
    try:
        cli(prog_name="records-req")
    except SystemExit as exc:
        if _exit_when_done:
            _exit_now(exc.code)
        raise
    except BrokenPipeError:  # the reader of our output went away (e.g. `| head`)
        _stdout_gone()
        raise SystemExit(1) from None
    except OSError as exc:  # standard output full or closed: one line, not a traceback
        try:
            print(f"Error: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
        finally:
            raise SystemExit(1) from None
    finally:
        _in_main = False


def _stdout_gone() -> None:
    import os
    import sys

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _exit_now(code: object) -> None:
    """End the process now with ``code``, as ``SystemExit(code)`` would, once the output is out."""
    import os
    import sys

    status = 0 if code is None else code if isinstance(code, int) else 1
    try:
        if not isinstance(code, int | None):
            print(code, file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        if "records_req.store.reader" in sys.modules:  # atexit's close: end their sessions cleanly
            from records_req.store.reader import close_idle

            close_idle()
        if "logging" in sys.modules:
            import logging

            logging.shutdown()
    except BrokenPipeError:
        _stdout_gone()
        status = 1
    except OSError as exc:
        try:
            print(f"Error: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
            sys.stderr.flush()
        except OSError:
            pass
        status = 1
    os._exit(status)

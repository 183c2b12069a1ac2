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
from records_req.errors import RecordsReqError, UsageError


class RecordsReqGroup(click.Group):
    """Turns domain errors into click errors once: usage errors exit 2, the rest exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            raise click.UsageError(str(exc), ctx) from None
        except RecordsReqError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=RecordsReqGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="records-req")
@click.option(
    "--db",
    metavar="URL",
    envvar="RECORDS_REQ_DB",
    help="Database URL (SQLite file or postgresql://...) [env: RECORDS_REQ_DB].",
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


def main() -> None:
    cli(prog_name="records-req")


from records_req.cli import laws as _laws  # noqa: E402  (registers the commands)
from records_req.cli import letters as _letters  # noqa: E402
from records_req.cli import reports as _reports  # noqa: E402
from records_req.cli import tracker as _tracker  # noqa: E402

_laws.register(cli)
_letters.register(cli)
_tracker.register(cli)
_reports.register(cli)

"""The DATE parameter type shared by every command."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from records_req.dates import parse_date
from records_req.errors import UsageError


class DateType(click.ParamType[dt.date]):
    """A date in any form :func:`parse_date` accepts."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return parse_date(str(value))
        except UsageError as exc:
            self.fail(str(exc), param, ctx)


DATE = DateType()

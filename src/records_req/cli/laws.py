"""`states` and `deadline`: the law of each jurisdiction and its clocks. Pure commands."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import click

from records_req.cli.output import emit_json, table
from records_req.dates import parse_date
from records_req.errors import UsageError
from records_req.laws import DUTY_WORDS, TRIGGER_WORDS, Jurisdiction, Laws, load_laws


def register(group: click.Group) -> None:
    group.add_command(states)
    group.add_command(deadline)


def _jurisdiction(laws: Laws, code: str) -> Jurisdiction:
    return laws.get_or_raise(code)


def jurisdiction_dict(j: Jurisdiction) -> dict[str, Any]:
    """A jurisdiction as plain JSON-ready data, with the YAML's field names."""

    def plain(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, (list, tuple, frozenset)):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    data: dict[str, Any] = plain(dataclasses.asdict(j))
    data["holidays"]["fingerprint"] = j.holidays.fingerprint()
    return data


def _residency_words(j: Jurisdiction) -> str:
    restricted = j.residency.restricted
    if restricted == "disputed":
        return "disputed"
    return "residents only" if restricted else "anyone"


def _clock_words(j: Jurisdiction) -> str:
    clock = j.response
    words = clock.describe() if clock.days is not None else f"no number ({clock.standard})"
    duty = {"full_response": "produce", "acknowledgment": "acknowledge"}.get(clock.duty, clock.duty)
    text = f"{words}: {duty}"
    if j.second_response is not None:
        text += f"; then {j.second_response.describe()}"
    return text


@click.command()
@click.argument("code", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def states(code: str | None, as_json: bool) -> None:
    """List the 52 jurisdictions, or show everything known about one.

    \b
    Examples:
      records-req states
      records-req states VA
      records-req states tx --json
    """
    laws = load_laws()
    if code is not None:
        j = _jurisdiction(laws, code)
        if as_json:
            emit_json(jurisdiction_dict(j))
        else:
            click.echo(_detail(j))
        return
    if as_json:
        emit_json([jurisdiction_dict(j) for j in laws.values()])
        return
    rows = [
        [
            j.code,
            j.law.short_name,
            _clock_words(j),
            _residency_words(j),
            j.immigration.stance,
        ]
        for j in laws.values()
    ]
    click.echo(table(rows, ["code", "law", "response clock", "who may ask", "287(g) law"]))
    click.echo(f"\n{len(rows)} jurisdictions. 'records-req states CODE' shows one in full.")


def _detail(j: Jurisdiction) -> str:
    out: list[str] = []
    add = out.append
    add(f"{j.name} ({j.code})")
    add(f"Law: {j.law.name} ({j.law.short_name}), {j.law.citation}")
    if j.law.url:
        add(f"     {j.law.url}")
    add("")
    for label, clock in (("Response", j.response), ("Then", j.second_response)):
        if clock is None:
            continue
        add(
            f"{label}: {clock.describe()}, counted from {TRIGGER_WORDS[clock.trigger]}: "
            f"the agency must {DUTY_WORDS[clock.duty]}."
        )
        add(f"  Statute: {clock.standard!r} ({clock.citation})")
        if clock.binds:
            add(f"  Binds: {clock.binds}")
        if clock.counts_receipt_day:
            add("  The day of receipt counts as day 1.")
    if j.extension is not None:
        ext = j.extension
        length = f"{ext.days} {ext.unit} days" if ext.days is not None else "no fixed length"
        notice = "; written notice required" if ext.written_notice else ""
        add(f"Extension: {length}, {ext.condition}{notice} ({ext.citation})")
    else:
        add("Extension: none provided by the statute")
    for pause in j.pauses:
        add(
            f"Clock stops for: {pause.event.replace('_', ' ')} ({pause.citation})"
            + (f": {pause.note}" if pause.note else "")
        )
    if j.roll_forward:
        add(
            f"A period ending on a closed day moves to the next business day "
            f"({j.roll_forward_citation})."
        )
    if j.received_when_closed:
        add(
            f"A request received while offices are closed counts from the next business day "
            f"({j.received_when_closed_citation})."
        )
    denial = j.deemed_denial
    silence = "deemed a denial" if denial.applies else "not a denial by law"
    add(
        f"Silence past the deadline: {silence}"
        + (f" ({denial.citation})" if denial.citation else "")
        + (f"; {denial.note}" if denial.note else "")
    )
    add("")
    res = j.residency
    add(
        f"Who may ask: {_residency_words(j)}"
        + (f": {res.who}" if res.who else "")
        + (f" ({res.citation})" if res.citation else "")
    )
    if res.note:
        add(f"  {res.note}")
    fees = j.fees
    add(f"Fees: {fees.summary} ({fees.citation})")
    if fees.estimate:
        add(
            f"  Estimate: {fees.estimate}"
            + (f" ({fees.estimate_citation})" if fees.estimate_citation else "")
        )
    if fees.waiver:
        add(f"  Fee waiver: {fees.waiver_text or 'provided'} ({fees.waiver_citation})")
    else:
        add("  Fee waiver: none in the statute (ask anyway, in the public interest)")
    appeal = j.appeal
    deadline = (
        f"within {appeal.deadline_days} {appeal.deadline_unit} days"
        + (f" of {appeal.deadline_trigger}" if appeal.deadline_trigger else "")
        if appeal.deadline_days is not None
        else "no statutory deadline"
    )
    add(f"Appeal: {appeal.route.replace('_', ' ')}: {appeal.body}; {deadline} ({appeal.citation})")
    if appeal.note:
        add(f"  {appeal.note}")
    add("")
    imm = j.immigration
    if imm.stance == "none":
        add("287(g): no state law prohibits, restricts or requires it.")
    else:
        add(
            f"287(g): state law {imm.stance} it: {imm.law}"
            + (f" ({imm.year})" if imm.year else "")
            + (f", {imm.citation}" if imm.citation else "")
        )
        if imm.summary:
            add(f"  {imm.summary}")
    hol = j.holidays
    add(
        f"Closure days: holidays package US/{hol.subdiv or 'federal'} ({', '.join(hol.categories)})"
        + (f", less {', '.join(hol.remove)}" if hol.remove else "")
        + (f", plus {', '.join(r.name for r in hol.add)}" if hol.add else "")
        + (f" ({hol.citation})" if hol.citation else "")
    )
    add("")
    add(f"Verified on {j.verified_on.isoformat()} from:")
    out.extend(f"  - {source}" for source in j.sources)
    if j.review:
        add(f"Needs review: {j.review}")
    return "\n".join(out)


class DateType(click.ParamType[dt.date]):
    """A date in any form :func:`parse_date` accepts."""

    name = "DATE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return parse_date(str(value))
        except UsageError as exc:
            self.fail(str(exc), param, ctx)


DATE = DateType()


@click.command()
@click.argument("code")
@click.option("--received", type=DATE, help="Date the agency received the request.")
@click.option("--sent", type=DATE, help="Date the request was sent (instead of --received).")
@click.option(
    "--via",
    type=click.Choice(["mail", "email", "portal", "fax", "hand"]),
    default="email",
    show_default=True,
    help="How it was sent; mail adds --mail-days before receipt.",
)
@click.option(
    "--mail-days",
    type=click.IntRange(0, 30),
    default=3,
    show_default=True,
    help="Calendar days a mailed request takes to arrive.",
)
@click.option(
    "--acknowledged",
    type=DATE,
    help="Date the agency acknowledged (starts a second clock where the law has one).",
)
@click.option(
    "--followup-days",
    type=click.IntRange(1, 90),
    default=10,
    show_default=True,
    help="Business days to a suggested follow-up where the law sets no number.",
)
@click.option("--explain", is_flag=True, help="Show every step of the computation.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def deadline(
    code: str,
    received: dt.date | None,
    sent: dt.date | None,
    via: str,
    mail_days: int,
    acknowledged: dt.date | None,
    followup_days: int,
    explain: bool,
    as_json: bool,
) -> None:
    """Compute when an agency must respond, and explain how.

    \b
    Examples:
      records-req deadline VA --received 2026-11-25 --explain
      records-req deadline TX --sent "Nov 25 2026" --via mail --json
      records-req deadline NY --received 2026-11-25 --acknowledged 2026-12-01
    """
    from records_req.calendars import calendar_for
    from records_req.deadlines import compute_for

    if (received is None) == (sent is None):
        raise click.UsageError("Give either --received DATE or --sent DATE (not both).")
    laws = load_laws()
    j = _jurisdiction(laws, code)
    result = compute_for(
        j,
        calendar_for(j),
        received=received,
        sent=sent,
        via=via,  # type: ignore[arg-type]
        mail_days=mail_days,
        acknowledged=acknowledged,
        followup_days=followup_days,
    )
    if as_json:
        emit_json(result.to_dict())
        return
    click.echo(result.summary())
    if explain:
        for label, d in result.explained():
            click.echo(f"\n{label}:")
            for i, line in enumerate(d.lines, 1):
                click.echo(f"  {i:>2}. {line}")

"""Jurisdictions described for people (text) and programs (plain data). Pure."""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any

from records_req.laws import COVERAGE_FIELDS, STANCE_WORDS, TRIGGER_WORDS, Appeal, Jurisdiction

# Column heads of the coverage grid, at most 4 characters so 13 columns fit in 80.
COVERAGE_HEADS = {
    "request_to": "to",
    "submission": "chan",
    "receipt": "recv",
    "residency": "res",
    "fee_rule": "fees",
    "fee_waiver": "waiv",
    "levers": "levr",
    "appeal": "appl",
    "limitation": "lim",
    "pre_suit_notice": "notc",
    "other_laws": "laws",
    "state_items": "itms",
    "closures": "clos",
}
COVERAGE_MARKS = {"specific": "+", "none": "-", "generic": "GEN"}


def jurisdiction_dict(j: Jurisdiction) -> dict[str, Any]:
    """A jurisdiction as plain JSON-ready data, with the YAML's field names."""

    def plain(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if hasattr(value, "_asdict"):  # the law's NamedTuples
            return {k: plain(v) for k, v in value._asdict().items()}
        if isinstance(value, (list, tuple, frozenset)):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    data: dict[str, Any] = plain(j)
    data["holidays"]["fingerprint"] = j.holidays.fingerprint()
    return data


def coverage_dict(j: Jurisdiction) -> dict[str, Any]:
    """``{"code": "MI", "fields": {field: specific|none|generic}, "none": {field: reason}}``."""
    fields = j.coverage()
    reasons = {name: j.none_reason(name) for name, status in fields.items() if status == "none"}
    return {"code": j.code, "fields": fields, "none": reasons}


def coverage_text(chosen: list[Jurisdiction]) -> str:
    """The coverage grid (one jurisdiction: each field with its reason)."""
    if len(chosen) == 1:
        j = chosen[0]
        lines = [f"{j.name} ({j.code}): letter-facing facts"]
        for name, status in j.coverage().items():
            reason = j.none_reason(name) if status == "none" else None
            lines.append(f"  {name:<16} {status}" + (f": {reason}" if reason else ""))
        return "\n".join(lines)
    heads = [COVERAGE_HEADS[name] for name in COVERAGE_FIELDS]
    rows = [[j.code, *(COVERAGE_MARKS[status] for status in j.coverage().values())] for j in chosen]
    widths = [4, *(max(len(h), 3) for h in heads)]
    lines = [" ".join(h.ljust(w) for h, w in zip(["code", *heads], widths, strict=True)).rstrip()]
    lines.extend(" ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows)
    generic = [(j.code, name) for j in chosen for name, status in j.coverage().items() if status == "generic"]
    lines.append("")
    lines.append("+ the state's own rule, cited   - the law has no such rule (cited)   GEN generic")
    legend = ", ".join(f"{COVERAGE_HEADS[n]} = {n}" for n in COVERAGE_FIELDS)
    lines.extend(textwrap.wrap(f"Columns: {legend}.", 80))
    if generic:
        lines.append(f"{len(generic)} generic facts:")
        by_code: dict[str, list[str]] = {}
        for code, name in generic:
            by_code.setdefault(code, []).append(name)
        lines.extend(f"  {code}: {', '.join(names)}" for code, names in by_code.items())
    else:
        lines.append("No generic fallback: every fact is the state's own rule or a cited absence.")
    return "\n".join(lines)


def residency_words(j: Jurisdiction) -> str:
    restricted = j.residency.restricted
    if restricted == "disputed":
        return "disputed"
    return "residents only" if restricted else "anyone"


def _short(text: str, width: int = 36) -> str:
    """``text`` cut to ``width`` at a space, never inside a word (a citation stays whole)."""
    return text if len(text) <= width else text[: width - 3].rsplit(" ", 1)[0].rstrip(" ,;:") + "..."


def clock_words(j: Jurisdiction) -> str:
    clock = j.response
    words = clock.describe() if clock.days is not None else f"no number ({_short(clock.standard)})"
    if clock.days is not None and clock.trigger in ("acknowledgment", "determination"):
        words += f" of {clock.trigger}"
    if clock.applies_to == "state_agencies":
        words += " (state agencies)"
    duty = {"full_response": "produce", "acknowledgment": "acknowledge"}.get(clock.duty, clock.duty)
    text = f"{words}: {duty}"
    if j.second_response is not None:
        text += f"; then {j.second_response.describe()}"
    return text


def _appeal_deadline(appeal: Appeal) -> str:
    if appeal.deadline_days is None:
        return "no statutory deadline"
    return f"within {appeal.deadline_days} {appeal.deadline_unit} days" + (
        f" of {appeal.deadline_trigger}" if appeal.deadline_trigger else ""
    )


def detail(j: Jurisdiction) -> str:
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
            f"the agency must {clock.duty_words}."
            + (" (State agencies only.)" if clock.applies_to == "state_agencies" else "")
        )
        add(f"  Statute: {clock.standard!r} ({clock.citation})")
        if clock.binds:
            add(f"  Binds: {clock.binds}")
        if clock.counts_receipt_day:
            add("  The day of receipt counts as day 1.")
        if clock.note:
            add(f"  Note: {clock.note}")
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
        add(f"A period ending on a closed day moves to the next business day ({j.roll_forward_citation}).")
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
        f"Who may ask: {residency_words(j)}"
        + (f": {res.who}" if res.who else "")
        + (f" ({res.citation})" if res.citation else "")
    )
    if res.note:
        add(f"  {res.note}")
    fees = j.fees
    add(f"Fees: {fees.summary} ({fees.citation})")
    if fees.estimate:
        add(f"  Estimate: {fees.estimate}" + (f" ({fees.estimate_citation})" if fees.estimate_citation else ""))
    if fees.waiver:
        add(f"  Fee waiver: {fees.waiver_text or 'provided'} ({fees.waiver_citation})")
    else:
        add("  Fee waiver: none in the statute (ask anyway, in the public interest)")
    for label, appeal in (("Appeal", j.appeal), *(("  or", also) for also in j.appeal.also)):
        add(f"{label}: {appeal.route.replace('_', ' ')}: {appeal.body}; {_appeal_deadline(appeal)} ({appeal.citation})")
        if appeal.addressee or appeal.address:
            parts = [p for p in (appeal.addressee, appeal.address, appeal.email) if p]
            add("  Address: " + ", ".join(parts).replace("\n", ", "))
        if appeal.note:
            add(f"  {appeal.note}")
    add("")
    imm = j.immigration
    add(f"287(g): {imm.stance.replace('_', ' ')}: {STANCE_WORDS[imm.stance]}.")
    if imm.law:
        add(
            f"  Law: {imm.law}"
            + (f" ({imm.year})" if imm.year else "")
            + (f", {imm.citation}" if imm.citation and imm.citation not in imm.law else "")
        )
    if imm.summary:
        add(f"  {imm.summary}")
    if imm.unverified:
        add(f"  UNCONFIRMED: {imm.unverified}")
    hol = j.holidays
    add(
        f"Closure days: holidays package US/{hol.subdiv or 'federal'} ({', '.join(hol.categories)})"
        + (f", less {', '.join(hol.remove)}" if hol.remove else "")
        + (f", plus {', '.join(r.name for r in hol.add)}" if hol.add else "")
        + (f" ({hol.citation})" if hol.citation else "")
    )
    if hol.one_off == "count":
        add(f"  Days closed by executive order are counted as working days ({hol.one_off_citation}).")
    elif hol.one_off == "skip":
        add(f"  Days the President closed federal offices are skipped ({hol.one_off_citation}).")
    add("")
    add(f"Verified on {j.verified_on.isoformat()} from:")
    out.extend(f"  - {source}" for source in j.sources)
    if j.review:
        add(f"Needs review: {j.review}")
    return "\n".join(out)

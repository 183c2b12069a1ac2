"""The events a reply announces, read by fixed rules (regular expressions over its sentences; dates
with dateutil), each with the sentence it was read from. Pure: text in, proposals out.

Only what the agency wrote is read: quoted text (lines starting with ">", and everything after
"-----Original Message-----" or "On ... wrote:") is the requester's own letter and is skipped.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

# The order proposals are listed (and best confirmed) in.
ORDER = (
    "acknowledged",
    "clarification-requested",
    "extended",
    "estimate",
    "fee-estimate",
    "partial-release",
    "released",
    "no-records",
    "denied",
)


@dataclass
class Proposal:
    kind: str
    on: dt.date
    sentence: str
    data: dict[str, Any] = field(default_factory=dict)


# --- the agency's own words -----------------------------------------------------------------------

_QUOTE_START = re.compile(
    r"^(-{2,}\s*original message\s*-{2,}|_{5,}|on .{4,200} wrote:\s*$|from:\s.+\bsent:\s)", re.IGNORECASE
)


def own_text(body: str) -> str:
    """The reply without the quoted letter under it."""
    kept: list[str] = []
    lines = body.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if _QUOTE_START.match(stripped):
            break
        if (
            stripped.lower().startswith("from:")
            and i + 1 < len(lines)
            and lines[i + 1].strip().lower().startswith(("sent:", "date:"))
        ):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept)


_ABBREVIATED = (
    "no nos sec secs stat stats ann tex gov govt gov't code u.s.c c.f.r fla cal ariz ga mr ms mrs dr st inc ltd "
    "jan feb mar apr jun jul aug sep sept oct nov dec art ch e.g i.e v vs ref approx dept div p pp para"
)
_ABBREVIATIONS = frozenset(_ABBREVIATED.split(" "))


def sentences(text: str) -> list[str]:
    """The text's sentences: paragraphs joined into lines, split after . ! ? unless the word before
    is an abbreviation ("No.", "Sec.", "Gov't", "U.S.C.") or a single letter."""
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        flat = " ".join(paragraph.split())
        if not flat:
            continue
        start = 0
        for match in re.finditer(r"[.!?](?=\s+[\"'(\[]?[A-Z0-9$])", flat):
            before = flat[start : match.start()].split()
            word = before[-1].lower().strip("(\"'") if before else ""
            if word in _ABBREVIATIONS or len(word) == 1 or re.fullmatch(r"(\w\.)+\w?", word):
                continue
            out.append(flat[start : match.end()].strip())
            start = match.end()
        rest = flat[start:].strip()
        if rest:
            out.append(rest)
    return out


# --- facts in a sentence --------------------------------------------------------------------------

_TRACKING = re.compile(
    r"(?:request|reference|tracking|confirmation|case|ticket|control|file|PIA|ORR|PRR|FOIA|PRA)\s*"
    r"(?:number|no\.?|num\.?|#|id)\s*(?:is|of)?\s*[:#]?\s*([A-Z]{0,8}[-\s]?[0-9][A-Z0-9-]{2,30})",
    re.IGNORECASE,
)
_ASSIGNED = re.compile(r"assigned\s+(?:the\s+)?(?:number|no\.?|#)\s*:?\s*([A-Z]{0,8}-?[0-9][A-Z0-9-]{2,30})", re.I)


def tracking_numbers(text: str) -> list[str]:
    """Tracking numbers an agency gives ("Request No. R001234-112726"), in order, without repeats."""
    found: list[str] = []
    for pattern in (_TRACKING, _ASSIGNED):
        for match in pattern.finditer(text):
            number = match.group(1).strip("-.,;: ").replace(" ", "")
            if any(c.isdigit() for c in number) and number not in found and not re.fullmatch(r"\d{1,2}", number):
                found.append(number)
    return found


_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATES = re.compile(
    rf"\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b"
)


def dates(sentence: str, after: dt.date) -> list[dt.date]:
    """The dates a sentence names (a month and day without a year: the next one after ``after``)."""
    from dateutil import parser

    found: list[dt.date] = []
    for match in _DATES.finditer(sentence):
        text = match.group(0)
        try:
            day = parser.parse(text, default=dt.datetime(after.year, 1, 1)).date()
        except (ValueError, OverflowError):
            continue
        if not re.search(r"\d{4}|/\d{2,4}$", text) and day < after:
            day = day.replace(year=day.year + 1)
        found.append(day)
    return found


_NUMBERS = {
    "five": 5, "seven": 7, "ten": 10, "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty-five": 45, "forty five": 45, "sixty": 60, "ninety": 90,
}  # fmt: skip
_DAYS = re.compile(
    r"\b(\d{1,3}|" + "|".join(_NUMBERS) + r")\s*(?:\(\d{1,3}\)\s*)?(?:additional\s+|more\s+)?"
    r"(business|working|calendar)?\s*days?\b",
    re.IGNORECASE,
)


def days(sentence: str) -> int | None:
    match = _DAYS.search(sentence)
    if match is None:
        return None
    word = match.group(1).lower()
    n = _NUMBERS.get(word) or (int(word) if word.isdigit() else None)
    return n if n and 1 <= n <= 365 else None


_AMOUNT = re.compile(r"\$\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d{2})?")


def amounts(sentence: str) -> list[float]:
    return [float(m.group(1).replace(",", "") + (m.group(2) or "")) for m in _AMOUNT.finditer(sentence)]


_CODE = re.compile(
    r"(Tex(?:as)?\.?\s+Gov(?:ernment|'t|’t|t|\.)?\s+Code|Fla\.\s+Stat\.|Florida\s+Statutes|"
    r"(?:Cal(?:ifornia)?\.?\s+)?Gov(?:ernment|\.)?\s+Code|\d+\s+U\.S\.C\.|RCW|ORS|N\.?C\.?G\.?S\.|O\.C\.G\.A\.)",
    re.IGNORECASE,
)
_CITATION = re.compile(
    r"(?<![\d,$.])\d{1,3}(?:\.\d{1,4}){1,2}[A-Za-z]?(?:\(\w{1,4}\))*|\(b\)\(\d\)(?:\([A-F]\))?|"
    r"(?:§+|[Ss]ection)\s*\d{1,4}[A-Za-z]?(?:\(\w{1,4}\))+"
)


def exemptions(sentence: str) -> list[str]:
    """The exemptions a sentence cites ("Tex. Gov't Code § 552.108", "5 U.S.C. § 552(b)(7)(E)")."""
    code = _CODE.search(sentence)
    prefix = f"{' '.join(code.group(0).split())} § " if code else ""
    found: list[str] = []
    for match in _CITATION.finditer(sentence):
        cited = match.group(0)
        cited = re.sub(r"^(§+|[Ss]ection)\s*", "", cited)
        if cited.startswith("(b)") and code and "U.S.C" in code.group(0):
            cited = f"552{cited}"
        if code and code.end() > match.start() >= code.start():
            continue
        item = f"{prefix}{cited}"
        if item not in found:
            found.append(item)
    return found


# --- the rules ------------------------------------------------------------------------------------

_ACK = re.compile(
    r"\b(received your|receipt of your|acknowledg\w*|has been received|have been received|was received|"
    r"this (e-?mail|letter|message) (confirms|is to confirm)|has been (assigned|logged|entered))",
    re.I,
)
_EXTEND = re.compile(
    r"\b(extend\w*|extension|additional time|more time|additional\s+(\(?\d+\)?\s+)?(business |working |calendar )?"
    r"days|will need until|require[sd]? until|unable to (respond|complete|comply|provide)\b.{0,80}\bwithin)",
    re.I,
)
_ESTIMATE = re.compile(
    r"\b(anticipate|expect|estimated?|projected|target)\w*\b.{0,100}\b(complet|respond|respon|provid|produc|releas|"
    r"ready|available)",
    re.I,
)
_FEE = re.compile(r"\b(fee|fees|cost|costs|charge|charges|deposit|payment|invoice|estimate)\b", re.I)
_CLARIFY = re.compile(
    r"\b(clarif\w*|please specify|be more specific|more specific|narrow (the|your) (scope|request)|"
    r"unable to (identify|determine) (the|which|what)|need[s]? (additional|more) information|"
    r"please (identify|indicate|provide) (the|a|which|what) (time ?frame|date range|specific|individuals?|records?))",
    re.I,
)
_DENY = re.compile(
    r"\b(deny|denied|denying|denial of|withh[oe]ld\w*|exempt\w* from (public )?disclosure|excepted from "
    r"(required )?(public )?disclosure|not subject to (public )?disclosure|declin\w+ to (release|provide|produce)|"
    r"cannot (be )?release)",
    re.I,
)
_RELEASE = re.compile(
    r"\b(attached (are|is|please find|you will find|hereto)|please find attached|enclosed (are|is|please find)|"
    r"please find enclosed|are attached|is attached|responsive records|records responsive|documents responsive|"
    r"(are|is|have been) (providing|produced|released)|here are the records|available for download|"
    r"(records|documents|files) are (in the )?(attached|enclosed))",
    re.I,
)
_NO_RECORDS = re.compile(
    r"\b(no (responsive )?(records|documents) (responsive|were (found|located)|exist)|did not (locate|find) any|"
    r"unable to (locate|find) any|no records (that are )?responsive|does not (have|maintain|possess) any)",
    re.I,
)
_NOT_DENIAL = re.compile(r"\b(if you (are dissatisfied|disagree|wish to appeal)|right to appeal|may appeal)\b", re.I)


def propose(body: str, subject: str, on: dt.date, *, attachments: int = 0) -> list[Proposal]:
    """The events a reply dated ``on`` announces, one per kind, each with the sentence read.
    ``attachments``: how many files came with it (a release is proposed only with some)."""
    text = own_text(body)
    said = sentences(text)
    found: dict[str, Proposal] = {}

    def first(kind: str, pattern: re.Pattern[str], exclude: re.Pattern[str] | None = None) -> str | None:
        for sentence in said:
            if pattern.search(sentence) and not (exclude and exclude.search(sentence)):
                return sentence
        return None

    numbers = tracking_numbers(f"{subject}\n{text}")
    ack = first("acknowledged", _ACK)
    if ack is not None:
        found["acknowledged"] = Proposal("acknowledged", on, ack, {"tracking_number": numbers[0]} if numbers else {})
    clarify = first("clarification-requested", _CLARIFY)
    if clarify is not None:
        found["clarification-requested"] = Proposal("clarification-requested", on, clarify)
    for i, sentence in enumerate(said):
        if "extended" in found or not _EXTEND.search(sentence):
            continue
        # "We require additional time. The records will be available by January 15, 2027.": the
        # new date may follow in the next sentences.
        for window in (said[i : i + 1], said[i : i + 2], said[i : i + 3]):
            read_from = " ".join(window)
            later = [d for d in dates(read_from, on) if d > on]
            n = days(read_from) if len(window) == 1 else None
            if later:
                found["extended"] = Proposal("extended", on, read_from, {"until": max(later).isoformat()})
                break
            if n is not None:
                found["extended"] = Proposal("extended", on, read_from, {"days": n})
                break
    for sentence in said:
        if "estimate" in found or "extended" in found or _EXTEND.search(sentence) or amounts(sentence):
            continue
        if _ESTIMATE.search(sentence):
            later = [d for d in dates(sentence, on) if d > on]
            if later:
                found["estimate"] = Proposal("estimate", on, sentence, {"until": max(later).isoformat()})
    fees = [(s, a) for s in said if _FEE.search(s) and (a := amounts(s))]
    if fees:
        sentence, values = next(((s, a) for s, a in fees if re.search(r"total|estimat", s, re.I)), fees[0])
        amount = max(values)
        found["fee-estimate"] = Proposal(
            "fee-estimate", on, sentence, {"amount": int(amount) if amount.is_integer() else amount}
        )
    denial = first("denied", _DENY, _NOT_DENIAL)
    released = first("released", _RELEASE) if attachments else None
    if released is not None:
        kind = "partial-release" if denial is not None else "released"
        found[kind] = Proposal(kind, on, released, {"attachments": attachments})
    nothing = first("no-records", _NO_RECORDS)
    if nothing is not None and released is None:
        found["no-records"] = Proposal("no-records", on, nothing)
    if denial is not None:
        cited: list[str] = []
        for sentence in said:
            if _DENY.search(sentence) or re.search(r"\b(exception|exemption|pursuant to|section|§)", sentence, re.I):
                cited.extend(c for c in exemptions(sentence) if c not in cited)
        found["denied"] = Proposal("denied", on, denial, {"exemptions": "; ".join(cited)} if cited else {})
    return [found[k] for k in ORDER if k in found]

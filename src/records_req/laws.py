"""The law of each jurisdiction, loaded from ``data/state_pra.yaml`` and validated.

The value types are immutable ``NamedTuple``s rather than frozen dataclasses: a command that
loads the law starts about 20 ms faster (creating a dataclass costs over 1 ms here).

Pure: reading the file is the only I/O, and every value is checked on load, so the rest of the
program can trust a :class:`Jurisdiction`. A malformed file raises :class:`LawDataError` naming
the file, the jurisdiction and the field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypeVar, cast

from records_req.errors import LawDataError, UnknownJurisdictionError
from records_req.resources import data_dir
from records_req.validation import Fields, kind_of, refuse_aliases

Unit = Literal["business", "calendar"]
Duty = Literal["full_response", "determination", "acknowledgment", "response"]
Trigger = Literal["receipt", "request", "acknowledgment", "determination", "first_deadline"]
Stance = Literal["prohibits", "restricts", "requires", "state_agreement", "none"]
AppealRoute = Literal["court", "agency_head", "attorney_general", "ombudsman", "review_board"]
PauseEvent = Literal["fee_estimate", "clarification"]
Restricted = bool | Literal["disputed"]

UNITS: tuple[Unit, ...] = ("business", "calendar")
DUTIES: tuple[Duty, ...] = ("full_response", "determination", "acknowledgment", "response")
TRIGGERS: tuple[Trigger, ...] = ("receipt", "request", "acknowledgment", "determination", "first_deadline")
# Clocks that start when the agency tells the requester something (the date given as --acknowledged,
# or logged as 'acknowledged'): its acknowledgment, or (SC) its determination to grant the request.
NOTICE_TRIGGERS: tuple[Trigger, ...] = ("acknowledgment", "determination")
TRIGGER_WORDS: dict[Trigger, str] = {
    "receipt": "receipt of the request",
    "request": "the date of the request",
    "acknowledgment": "the agency's acknowledgment",
    "determination": "the agency's determination",
    "first_deadline": "the first deadline",
}
STANCES: tuple[Stance, ...] = ("prohibits", "restricts", "requires", "state_agreement", "none")
# What each stance means, in the same words everywhere (states, letters, reports).
STANCE_WORDS: dict[Stance, str] = {
    "prohibits": "state law prohibits 287(g) agreements",
    "restricts": "state law restricts 287(g) agreements or cooperation with ICE",
    "requires": "state law requires local agencies (sheriffs, jails) to seek or keep a 287(g) agreement",
    "state_agreement": (
        "state law directs a state official or agency to negotiate a state-level 287(g) agreement; "
        "it imposes no 287(g) duty on local sheriffs or police"
    ),
    "none": "no state law prohibits, restricts or requires 287(g)",
}
ONE_OFF_RULES = ("count", "skip")
APPEAL_ROUTES: tuple[AppealRoute, ...] = (
    "court",
    "agency_head",
    "attorney_general",
    "ombudsman",
    "review_board",
)
PAUSE_EVENTS: tuple[PauseEvent, ...] = ("fee_estimate", "clarification")

DUTY_WORDS: dict[Duty, str] = {
    "full_response": "provide the records",
    "determination": "decide whether to grant the request",
    "acknowledgment": "acknowledge the request",
    "response": "respond (provide the records, deny them, or explain why more time is needed)",
}

# Where the data names no body, the appeal goes to the agency's head: a description, not a name, so
# records_req.wording says it in the page's language (wording.DESCRIBED_BODIES marks it for the catalog).
AGENCY_HEAD = "the agency's head or appeals officer"
LAWS_ENV = "RECORDS_REQ_LAWS"
T = TypeVar("T")


class Law(NamedTuple):
    name: str
    short_name: str
    citation: str
    url: str | None
    request_to: str | None = None  # whom the statute says a request is addressed to (PA: Open Records Officer)
    request_to_citation: str | None = None  # the provision that names that officer


class Submission(NamedTuple):
    """How a request must be submitted, where the law (or the body under it) sets the channel."""

    rule: str  # plain words for the requester: "only through the DHS FOIA portal"
    citation: str
    portal: str | None = None  # the address of the one channel that starts the clock
    letter_text: str | None = None  # a sentence the letter states about the channel, if any
    requires: tuple[str, ...] = ()  # what a request must give of the requester (ID: address, email, phone)


class Receipt(NamedTuple):
    """When a request counts as received, where the law says so (MI: an email, 1 business day
    after it is sent)."""

    rule: str
    citation: str
    electronic_days: int | None = None  # an email, fax or web request is received this many days after sending
    electronic_unit: Unit | None = None


class Limitation(NamedTuple):
    """The period for bringing the court action (or complaint) the law allows."""

    days: int
    unit: Unit
    trigger: str  # what starts it, in the statute's words
    citation: str
    note: str | None = None
    # Which period it is: the court action's ("court"), or the main review route's own, where that
    # route (a complaint to a board or counselor) has no period in the appeal block ("appeal").
    applies: Literal["court", "appeal"] = "court"
    # What starts it: the (deemed) denial, or the decision of the appeal that must come first (NY, PA, KY).
    after: Literal["denial", "appeal_decision"] = "denial"


class PreSuitNotice(NamedTuple):
    """A notice the requester must give before suing (CO: 14 days, C.R.S. § 24-72-204(5)(a))."""

    days: int
    unit: Unit
    citation: str
    letter_text: str  # the notice as the last letter states it; {court} stands for the court's name


class OtherLaw(NamedTuple):
    """A law beside the public-records act that governs the records asked for (CO's Criminal
    Justice Records Act for a sheriff)."""

    name: str
    citation: str
    applies_to: str  # which agencies or records, in plain words
    letter_text: str | None = None  # what an initial letter says under it


class StateItem(NamedTuple):
    """A record the state's own law makes an agency create, named so a clerk can find it."""

    text: str
    citation: str
    standing: bool = False


# The letter-facing facts every jurisdiction must state, or declare absent with a reason
# (`records-req states --coverage`). Each is one bullet of the coverage standard.
COVERAGE_FIELDS: tuple[str, ...] = (
    "request_to",
    "submission",
    "receipt",
    "residency",
    "fee_rule",
    "fee_waiver",
    "levers",
    "appeal",
    "limitation",
    "pre_suit_notice",
    "other_laws",
    "state_items",
    "closures",
)
Coverage = Literal["specific", "none", "generic"]


class Clock(NamedTuple):
    """One statutory response period."""

    days: int | None
    unit: Unit | None
    trigger: Trigger
    counts_receipt_day: bool
    duty: Duty
    standard: str
    binds: str | None
    citation: str
    applies_to: Literal["all", "state_agencies"] = "all"  # a clock set by regulation may bind only the state
    duty_text: str | None = None  # the duty in the statute's own terms, where the generic words mislead
    note: str | None = None  # a caveat a user must see with this clock
    lapse_text: str | None = None  # what the law makes of the missed date, for a follow-up letter

    @property
    def duty_words(self) -> str:
        """What the agency must do by the deadline: the law's own words, else the generic ones."""
        return self.duty_text or DUTY_WORDS[self.duty]

    @property
    def numeric(self) -> bool:
        return self.days is not None

    @property
    def unit_word(self) -> str | None:
        """The statute's own word for the unit: 'working' where its text counts working days
        (CO, AK), else the engine's 'business' or 'calendar'."""
        standard = self.standard.lower()
        if self.unit == "business" and ("working day" in standard or "excepting saturdays" in standard):
            return "working"  # FOIA: "20 days (excepting Saturdays, Sundays, and legal public holidays)"
        return self.unit

    def describe(self) -> str:
        """Plain words: 'within 5 business days' or the statute's own standard."""
        if self.days is None:
            return self.standard
        unit = f"{self.unit_word} " if self.unit else ""
        plural = "day" if self.days == 1 else "days"
        return f"within {self.days} {unit}{plural}"


class Extension(NamedTuple):
    days: int | None
    unit: Unit | None
    condition: str
    written_notice: bool
    citation: str
    counted_from: Literal["deadline", "receipt"] = "deadline"
    clock: Literal["response", "second_response"] = "response"  # the clock the statute lets the agency extend


class Pause(NamedTuple):
    event: PauseEvent
    citation: str
    note: str | None


class DeemedDenial(NamedTuple):
    applies: bool
    citation: str | None
    note: str | None
    # Which clock's lapse the statute makes a denial; None: the first clock.
    clock: Literal["response", "second_response"] | None = None
    # Where the statute counts the denial on its own period (AL: 30 business days after the
    # acknowledgment), that period, counted from the clock's own trigger.
    days: int | None = None
    unit: Unit | None = None


class Residency(NamedTuple):
    restricted: Restricted
    who: str | None
    citation: str | None
    note: str | None
    letter_text: str | None = None  # the requester's statement in the statute's words ("a citizen of ...")
    co_letter_text: str | None = None  # the same for a co-requester; {name} stands for the name


class Fees(NamedTuple):
    summary: str
    citation: str
    estimate: str | None
    estimate_citation: str | None
    waiver: bool
    waiver_text: str | None
    waiver_citation: str | None
    waiver_letter: str | None = None  # the waiver request in the words of the statute's test
    rule_letter: str | None = None  # a fee rule stated as law instead of a plea (CA, KY)


class Appeal(NamedTuple):
    route: AppealRoute
    body: str  # explanatory prose, for `states`; never pasted into a letter
    deadline_days: int | None
    deadline_unit: Unit | None
    deadline_trigger: str | None
    citation: str
    note: str | None
    # Letter-facing fields: short, and the only source of an appeal's address block and salutation.
    addressee: str | None = None  # the appeal body's name heading the address block (None: the agency)
    address: str | None = None  # its postal address
    email: str | None = None  # its email address or portal
    salutation: str | None = None  # "Dear Public Access Counselor:"
    court_name: str | None = None  # "the circuit court of the county where the records are kept"
    letter_text: str | None = None  # what the appeal must say or enclose under this route's rules
    letter_text_on_silence: bool = False  # letter_text also fits an appeal of a failure to respond
    filing: str | None = None  # what a filing needs beyond a letter (a form, a fee, an oath): shown to the user
    grounds_required: bool = False  # the appeal must address each ground of the denial (PA, MI)
    grounds_text: str | None = None  # "this appeal addresses each ground...": printed only when it answers them
    # The period the law gives the appeal body to decide (NE's Attorney General: 15 calendar days,
    # Neb. Rev. Stat. § 84-712.03(1)(b)), counted from the appeal's receipt.
    decision_days: int | None = None
    decision_unit: Unit | None = None
    decision_citation: str | None = None
    window_from_silence: bool = True  # a deemed denial starts the appeal period (FOIA: only a response does)
    also: tuple[Appeal, ...] = ()  # other routes with their own deadlines (NJ: GRC and Superior Court)
    # The route where the records are in an elected official's custody (a sheriff), where the
    # law sends those elsewhere (OR: no petition to the district attorney; court instead).
    elected: Appeal | None = None

    @property
    def letter_kind(self) -> Literal["appeal", "reconsideration"]:
        """An appeal to a body, or (where the only route is a court) a request for reconsideration
        to the agency before suit."""
        return "reconsideration" if self.route == "court" else "appeal"

    @property
    def name(self) -> str:
        """The body in a few words, for sentences: the addressee, the court, the agency's appeals
        officer, or (where the data has nothing shorter) the prose."""
        if self.addressee:
            return self.addressee
        if self.route == "court":
            return self.court_name or self.body
        if self.route == "agency_head":
            return AGENCY_HEAD
        return self.body


class HolidayRule(NamedTuple):
    """A closure the holidays package misses; ``rule`` uses the grammar in calendars.py."""

    name: str
    rule: str


class HolidaySpec(NamedTuple):
    subdiv: str | None
    categories: tuple[str, ...]
    remove: tuple[str, ...]
    add: tuple[HolidayRule, ...]
    citation: str | None
    rename: tuple[tuple[str, str], ...] = ()  # (the package's name, the statute's name)
    # Federal offices closed by executive order (not a legal public holiday): "count" them as
    # working days with a note that the agency may claim them, or "skip" them where this
    # jurisdiction's law makes a day so appointed a holiday. None: not this calendar's concern.
    one_off: Literal["count", "skip"] | None = None
    one_off_citation: str | None = None

    def fingerprint(self) -> str:
        """A short hash of everything that decides which days are closures."""
        payload = json.dumps(
            [
                self.subdiv,
                list(self.categories),
                sorted(self.remove),
                [[r.name, r.rule] for r in self.add],
                [list(pair) for pair in self.rename],
                self.one_off,
            ]
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


class Immigration(NamedTuple):
    stance: Stance
    law: str | None
    year: int | None
    summary: str | None
    citation: str | None
    unverified: str | None = None  # what could not be confirmed in a primary source
    letter_citation: str | None = None  # the codified section, for a letter (never a bill number)


class LetterPoint(NamedTuple):
    """A sentence the initial letter states as law, with its citation (e.g. Texas § 552.302)."""

    text: str
    citation: str


class Jurisdiction(NamedTuple):
    code: str
    name: str
    law: Law
    response: Clock
    second_response: Clock | None
    extension: Extension | None
    pauses: tuple[Pause, ...]
    roll_forward: bool
    roll_forward_citation: str | None
    received_when_closed: bool
    received_when_closed_citation: str | None
    deemed_denial: DeemedDenial
    residency: Residency
    fees: Fees
    appeal: Appeal
    holidays: HolidaySpec
    immigration: Immigration
    verified_on: dt.date
    sources: tuple[str, ...]
    review: str | None
    letter_points: tuple[LetterPoint, ...] = ()
    time_limits_text: str | None = None  # one sentence: the extension's limit and the deemed denial
    submission: Submission | None = None
    receipt: Receipt | None = None
    limitation: Limitation | None = None
    pre_suit_notice: PreSuitNotice | None = None
    other_laws: tuple[OtherLaw, ...] = ()
    state_items: tuple[StateItem, ...] = ()
    # Coverage fields the law has no rule for, each with the citation or reasoning that shows it.
    none: tuple[tuple[str, str], ...] = ()

    @property
    def is_federal(self) -> bool:
        return self.code == "US"

    def for_agency(self, agency_name: str | None) -> Jurisdiction:
        """The law as it applies to one agency: where the law sends the records of an elected
        official elsewhere (OR: to court, never to the district attorney) and the agency is a
        sheriff's office (the sheriff is an elected official), that route is the appeal."""
        elected = self.appeal.elected
        if elected is not None and agency_name and is_elected_office(agency_name):
            return self._replace(appeal=elected._replace(also=elected.also or self.appeal.also))
        return self

    def coverage(self) -> dict[str, Coverage]:
        """For each letter-facing fact: the state's own rule, none (cited), or a generic fallback."""
        res = self.residency
        have = {
            "request_to": bool(self.law.request_to),
            "submission": self.submission is not None,
            "receipt": self.receipt is not None or self.received_when_closed,
            "residency": bool(res.letter_text),
            "fee_rule": bool(self.fees.rule_letter),
            "fee_waiver": bool(self.fees.waiver_letter),
            "levers": bool(self.letter_points),
            "appeal": _appeal_specific(self.appeal),
            "limitation": self.limitation is not None,
            "pre_suit_notice": self.pre_suit_notice is not None,
            "other_laws": bool(self.other_laws),
            "state_items": bool(self.state_items),
            "closures": bool(self.holidays.add or self.holidays.remove),
        }
        declared = dict(self.none)
        out: dict[str, Coverage] = {}
        for name in COVERAGE_FIELDS:
            if have[name]:
                out[name] = "specific"
            elif name in declared or (name == "residency" and res.restricted is False and res.citation):
                out[name] = "none"
            else:
                out[name] = "generic"
        return out

    def none_reason(self, name: str) -> str | None:
        """Why the law has no rule for coverage field ``name`` (None: not declared absent)."""
        if name == "residency" and self.residency.restricted is False and name not in dict(self.none):
            return f"Anyone may ask ({self.residency.citation})." if self.residency.citation else None
        return dict(self.none).get(name)


def is_elected_office(agency_name: str) -> bool:
    """A sheriff's office: headed by an elected official."""
    return "sheriff" in agency_name.lower()


def _appeal_specific(appeal: Appeal) -> bool:
    """An appeal route states its own letter facts: whom it goes to (or which court)."""
    if appeal.route == "court":
        return bool(appeal.court_name)
    return bool(appeal.addressee or appeal.salutation)


class Laws(Mapping[str, Jurisdiction]):
    """All jurisdictions by upper-case code, in file order. Lookups are case-insensitive.
    ``digest``: the SHA-256 of the file text they were read from (schedule_cache's stamps)."""

    def __init__(self, path: Path, jurisdictions: list[Jurisdiction], digest: str = "") -> None:
        self.path = path
        self.digest = digest
        self._by_code = {j.code: j for j in jurisdictions}

    def __getitem__(self, code: str) -> Jurisdiction:
        return self._by_code[code.strip().upper()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_code)

    def __len__(self) -> int:
        return len(self._by_code)

    def get_or_raise(self, code: str) -> Jurisdiction:
        """The jurisdiction for ``code``, or an error listing every valid code."""
        try:
            return self[code]
        except KeyError:
            raise UnknownJurisdictionError(code, sorted(self._by_code)) from None


def default_laws_path() -> Path:
    override = os.environ.get(LAWS_ENV)
    return Path(override) if override else data_dir() / "state_pra.yaml"


def load_laws(path: Path | None = None) -> Laws:
    """Load and validate the law data (cached per resolved path)."""
    return _load(str((path or default_laws_path()).resolve()))


@cache
def _load(path_text: str) -> Laws:
    path = Path(path_text)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LawDataError(str(path), None, None, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LawDataError(str(path), None, None, f"cannot read the file ({exc})") from None
    raw = _read_cache(text)
    if raw is not None:
        try:
            return _validate(path, raw, fresh=False, text=text)
        except LawDataError:
            pass  # a damaged cache is discarded, never blamed on the law file: read the file itself
    return _validate(path, _parse_yaml(path, text), fresh=True, text=text)


def _validate(path: Path, raw: object, *, fresh: bool, text: str) -> Laws:
    if not isinstance(raw, list):
        raise LawDataError(str(path), None, None, "expected a list of jurisdictions")
    jurisdictions: list[Jurisdiction] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        label = f"#{index + 1}"
        if isinstance(item, dict) and isinstance(item.get("code"), str):
            label = item["code"]
        entry = Fields(str(path), label, item, "", LawDataError)
        jurisdiction = _jurisdiction(entry)
        if jurisdiction.code in seen:
            raise LawDataError(str(path), label, "code", "duplicate jurisdiction code")
        seen.add(jurisdiction.code)
        jurisdictions.append(jurisdiction)
    if fresh:  # only a file that passed validation is cached
        _write_cache(text, raw)
    return Laws(path, jurisdictions, hashlib.sha256(text.encode("utf-8")).hexdigest())


# --- parsing, with a cache ----------------------------------------------------------------------
#
# Parsing the YAML takes about 70 ms, validating it under 10 ms. The parsed (not yet validated)
# data is cached as JSON keyed by the file's SHA-256, so a changed file is always re-read and
# every load is still validated. A cache that cannot be read or written is simply ignored. The
# topics (topics.py) are cached the same way, under their own ``kind``.


def _cache_file(text: str, kind: str = "laws") -> Path:
    from records_req import __version__
    from records_req.paths import cache_dir

    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    return cache_dir() / f"{kind}-{__version__}-{digest}.json"


def _read_cache(text: str, kind: str = "laws") -> object:
    try:
        with _cache_file(text, kind).open(encoding="utf-8") as handle:
            return json.load(handle, object_hook=_from_json)
    except (OSError, ValueError):
        return None


def _write_cache(text: str, raw: object, kind: str = "laws") -> None:
    """Cache parsed data, only if JSON gives back exactly what the YAML held (no key that is not
    text, no value JSON would change)."""
    try:
        dumped = json.dumps(raw, default=_to_json)
        if json.loads(dumped, object_hook=_from_json) != raw:
            return
        target = _cache_file(text, kind)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        tmp.write_text(dumped, encoding="utf-8")
        tmp.replace(target)
    except (OSError, TypeError, ValueError, RecursionError):
        pass


def _to_json(value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return {"$date": value.isoformat()}
    raise TypeError(f"cannot cache {type(value).__name__}")


def _from_json(obj: dict[str, Any]) -> object:
    if obj.keys() == {"$date"}:
        return dt.date.fromisoformat(obj["$date"])
    return obj


def _parse_yaml(path: Path, text: str) -> object:
    import yaml  # lazy: keeps `records-req --help` fast

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    refuse_aliases(text, str(path), LawDataError)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise LawDataError(str(path), None, None, f"not valid YAML{where}: {problem}") from None


# --- validation -------------------------------------------------------------------------------


def _period(f: Fields, days_key: str = "days", unit_key: str = "unit") -> tuple[int | None, Unit | None]:
    """A number of days and its unit: both given, or the unit alone left out with no number."""
    days = f.opt_int(days_key)
    unit = f.choice(unit_key, UNITS, required=False)
    if days is not None and unit is None:
        f.fail(unit_key, f"is required when {days_key} is a number (business or calendar)")
    return days, unit


def _clock(f: Fields) -> Clock:
    days, unit = _period(f)
    if days is None and unit is not None:
        f.fail("unit", "must be null when days is null")
    if days == 0:
        f.fail("days", "must be at least 1 (use null for 'promptly' or 'immediately')")
    clock = Clock(
        days=days,
        unit=unit,
        trigger=cast(Trigger, f.choice("trigger", TRIGGERS)),
        counts_receipt_day=f.flag("counts_receipt_day", default=False),
        duty=cast(Duty, f.choice("duty", DUTIES)),
        standard=f.text("standard"),
        binds=f.opt_text("binds"),
        citation=f.text("citation"),
        applies_to=f.choice("applies_to", ("all", "state_agencies"), required=False) or "all",
        duty_text=f.opt_text("duty_text"),
        note=f.opt_text("note"),
        lapse_text=f.opt_text("lapse_text"),
    )
    f.done()
    return clock


def _extension(f: Fields) -> Extension:
    days, unit = _period(f)
    extension = Extension(
        days=days,
        unit=unit,
        condition=f.text("condition"),
        written_notice=f.flag("written_notice", default=False),
        citation=f.text("citation"),
        counted_from=f.choice("counted_from", ("deadline", "receipt"), required=False) or "deadline",
        clock=f.choice("clock", ("response", "second_response"), required=False) or "response",
    )
    f.done()
    return extension


def _pause(f: Fields) -> Pause:
    pause = Pause(
        event=cast(PauseEvent, f.choice("event", PAUSE_EVENTS)),
        citation=f.text("citation"),
        note=f.opt_text("note"),
    )
    f.done()
    return pause


def _residency(f: Fields) -> Residency:
    restricted = f.value("restricted", True)
    if restricted not in (True, False, "disputed"):
        f.fail("restricted", f"must be true, false or disputed; got {restricted!r}")
    residency = Residency(
        restricted=restricted,
        who=f.opt_text("who"),
        citation=f.opt_text("citation"),
        note=f.opt_text("note"),
        letter_text=f.opt_text("letter_text"),
        co_letter_text=f.opt_text("co_letter_text"),
    )
    if residency.restricted is not False and not residency.citation:
        f.fail("citation", "is required when residency is restricted or disputed")
    f.done()
    return residency


def _fees(f: Fields) -> Fees:
    fees = Fees(
        summary=f.text("summary"),
        citation=f.text("citation"),
        estimate=f.opt_text("estimate"),
        estimate_citation=f.opt_text("estimate_citation"),
        waiver=f.flag("waiver", default=False),
        waiver_text=f.opt_text("waiver_text"),
        waiver_citation=f.opt_text("waiver_citation"),
        waiver_letter=f.opt_text("waiver_letter"),
        rule_letter=f.opt_text("rule_letter"),
    )
    if fees.waiver and not fees.waiver_citation:
        f.fail("waiver_citation", "is required when waiver is true")
    f.done()
    return fees


SALUTATION_LIMIT = 60


def salutation_problem(text: str) -> str | None:
    """Why a salutation cannot head a letter (None if it can): short, one addressee, no prose."""
    if len(text) > SALUTATION_LIMIT:
        return f"is {len(text)} characters; a salutation has at most {SALUTATION_LIMIT}"
    for bad in ("(", ";"):
        if bad in text:
            return f"contains {bad!r}: a salutation names one addressee, without explanations"
    if " or " in f" {text.lower()} ":
        return "contains ' or ': a salutation names one addressee, not alternatives"
    return None


def _appeal(f: Fields, nested: bool = False) -> Appeal:
    days, unit = _period(f, "deadline_days", "deadline_unit")
    decision_days, decision_unit = _period(f, "decision_days", "decision_unit")
    if decision_days is not None and not f.data.get("decision_citation"):
        f.fail("decision_citation", "is required with decision_days")
    salutation = f.opt_text("salutation")
    if salutation is not None:
        if not salutation.startswith("Dear ") or not salutation.endswith(":"):
            f.fail("salutation", "must read 'Dear ...:'")
        problem = salutation_problem(salutation)
        if problem:
            f.fail("salutation", problem)
    also = () if nested else tuple(_appeal(item, nested=True) for item in f.items("also"))
    elected_f = None if nested else f.sub("elected", required=False)
    appeal = Appeal(
        route=cast(AppealRoute, f.choice("route", APPEAL_ROUTES)),
        body=f.text("body"),
        deadline_days=days,
        deadline_unit=unit,
        deadline_trigger=f.opt_text("deadline_trigger"),
        citation=f.text("citation"),
        note=f.opt_text("note"),
        addressee=f.opt_text("addressee"),
        address=f.opt_text("address"),
        email=f.opt_text("email"),
        salutation=salutation,
        court_name=f.opt_text("court_name"),
        letter_text=f.opt_text("letter_text"),
        letter_text_on_silence=f.flag("letter_text_on_silence", default=False),
        window_from_silence=f.flag("window_from_silence", default=True),
        also=also,
        filing=f.opt_text("filing"),
        grounds_required=f.flag("grounds_required", default=False),
        grounds_text=f.opt_text("grounds_text"),
        decision_days=decision_days,
        decision_unit=decision_unit,
        decision_citation=f.opt_text("decision_citation"),
        elected=_appeal(elected_f, nested=True) if elected_f is not None else None,
    )
    for key in ("addressee", "court_name"):
        value = getattr(appeal, key)
        if value and any(bad in value for bad in ("(", ";")):
            f.fail(key, "is letter text: a name without parentheses or semicolons (explanations go in body)")
    f.done()
    return appeal


def _holidays(f: Fields) -> HolidaySpec:
    from records_req.holiday_rules import parse_rule  # a leaf module: no import cycle

    rules: list[HolidayRule] = []
    for item in f.items("add"):
        rule = HolidayRule(name=item.text("name"), rule=item.text("rule"))
        try:
            parse_rule(rule.rule)
        except ValueError as exc:
            item.fail("rule", str(exc))
        item.done()
        rules.append(rule)
    categories = f.texts("categories") or ("public",)
    renames: list[tuple[str, str]] = []
    for item in f.items("rename"):
        renames.append((item.text("from"), item.text("to")))
        item.done()
    one_off = f.choice("one_off", ONE_OFF_RULES, required=False)
    spec = HolidaySpec(
        subdiv=f.opt_text("subdiv"),
        categories=categories,
        remove=f.texts("remove"),
        add=tuple(rules),
        citation=f.opt_text("citation"),
        rename=tuple(renames),
        one_off=cast(Literal["count", "skip"] | None, one_off),
        one_off_citation=f.opt_text("one_off_citation"),
    )
    if spec.one_off is not None and not spec.one_off_citation:
        f.fail("one_off_citation", "is required with one_off (the rule that decides such days)")
    f.done()
    return spec


def _immigration(f: Fields) -> Immigration:
    year = f.opt_int("year", maximum=2100)
    if year is not None and year < 1789:
        f.fail("year", f"must be a year after 1789, got {year}")
    immigration = Immigration(
        stance=cast(Stance, f.choice("stance", STANCES)),
        law=f.opt_text("law"),
        year=year,
        summary=f.opt_text("summary"),
        citation=f.opt_text("citation"),
        unverified=f.opt_text("unverified"),
        letter_citation=f.opt_text("letter_citation"),
    )
    if immigration.stance != "none" and not (immigration.law and immigration.citation):
        f.fail("citation", f"law and citation are required when stance is {immigration.stance}")
    f.done()
    return immigration


def _submission(f: Fields) -> Submission:
    submission = Submission(
        rule=f.text("rule"),
        citation=f.text("citation"),
        portal=f.opt_text("portal"),
        letter_text=f.opt_text("letter_text"),
        requires=f.texts("requires"),
    )
    for name in submission.requires:
        if name not in REQUESTER_FACTS:
            f.fail("requires", f"lists {name!r}; each must be one of {', '.join(REQUESTER_FACTS)}")
    f.done()
    return submission


REQUESTER_FACTS = ("address", "email", "phone")


def _receipt(f: Fields) -> Receipt:
    days, unit = _period(f, "electronic_days", "electronic_unit")
    receipt = Receipt(rule=f.text("rule"), citation=f.text("citation"), electronic_days=days, electronic_unit=unit)
    f.done()
    return receipt


def _limitation(f: Fields) -> Limitation:
    days, unit = _period(f)
    if days is None or unit is None:
        f.fail("days", "is required: a limitation period is a number of days (declare none: otherwise)")
    limitation = Limitation(
        days=days,
        unit=unit,
        trigger=f.text("trigger"),
        citation=f.text("citation"),
        note=f.opt_text("note"),
        applies=f.choice("applies", ("court", "appeal"), required=False) or "court",
        after=f.choice("after", ("denial", "appeal_decision"), required=False) or "denial",
    )
    f.done()
    return limitation


def _pre_suit_notice(f: Fields) -> PreSuitNotice:
    days, unit = _period(f)
    if days is None or unit is None:
        f.fail("days", "is required: the notice's period in days")
    notice = PreSuitNotice(days=days, unit=unit, citation=f.text("citation"), letter_text=f.text("letter_text"))
    f.done()
    return notice


def _other_law(f: Fields) -> OtherLaw:
    law = OtherLaw(
        name=f.text("name"),
        citation=f.text("citation"),
        applies_to=f.text("applies_to"),
        letter_text=f.opt_text("letter_text"),
    )
    f.done()
    return law


def _state_item(f: Fields) -> StateItem:
    item = StateItem(text=f.text("text"), citation=f.text("citation"), standing=f.flag("standing", default=False))
    f.done()
    return item


def _none(f: Fields | None) -> tuple[tuple[str, str], ...]:
    if f is None:
        return ()
    out: list[tuple[str, str]] = []
    for name in list(f.data):
        if name not in COVERAGE_FIELDS:
            f.fail(str(name), f"is not a coverage field (one of {', '.join(COVERAGE_FIELDS)})")
        out.append((name, f.text(name)))
    f.done()
    return tuple(out)


def _letter_point(f: Fields) -> LetterPoint:
    point = LetterPoint(text=f.text("text"), citation=f.text("citation"))
    f.done()
    return point


def _opt(f: Fields, key: str, read: Callable[[Fields], T]) -> T | None:
    sub = f.sub(key, required=False)
    return read(sub) if sub is not None else None


def _jurisdiction(f: Fields) -> Jurisdiction:
    code = f.text("code").upper()
    if not (len(code) == 2 and code.isalpha()):
        f.fail("code", f"must be a two-letter code, got {code!r}")
    law_f = cast(Fields, f.sub("law"))
    law = Law(
        name=law_f.text("name"),
        short_name=law_f.opt_text("short_name") or law_f.text("name"),
        citation=law_f.text("citation"),
        url=law_f.opt_text("url"),
        request_to=law_f.opt_text("request_to"),
        request_to_citation=law_f.opt_text("request_to_citation"),
    )
    law_f.done()
    response = _clock(cast(Fields, f.sub("response")))
    second = f.sub("second_response", required=False)
    extension = f.sub("extension", required=False)
    denial_f = cast(Fields, f.sub("deemed_denial"))
    denial_days, denial_unit = _period(denial_f)
    deemed_denial = DeemedDenial(
        applies=denial_f.flag("applies"),
        citation=denial_f.opt_text("citation"),
        note=denial_f.opt_text("note"),
        clock=cast(
            Literal["response", "second_response"] | None,
            denial_f.choice("clock", ("response", "second_response"), required=False),
        ),
        days=denial_days,
        unit=denial_unit,
    )
    if deemed_denial.clock == "second_response" and second is None:
        denial_f.fail("clock", "names the second clock, but this jurisdiction has none")
    denial_f.done()
    verified = f.value("verified_on", True)
    if not isinstance(verified, dt.date) or isinstance(verified, dt.datetime):
        f.fail("verified_on", f"must be a date (YYYY-MM-DD), got {kind_of(verified)}")
    roll_forward = f.flag("roll_forward", default=False)
    jurisdiction = Jurisdiction(
        code=code,
        name=f.text("name"),
        law=law,
        response=response,
        second_response=_clock(second) if second else None,
        extension=_extension(extension) if extension else None,
        pauses=tuple(_pause(p) for p in f.items("pauses")),
        roll_forward=roll_forward,
        roll_forward_citation=f.opt_text("roll_forward_citation"),
        received_when_closed=f.choice("received_when_closed", ("next_business_day",), required=False) is not None,
        received_when_closed_citation=f.opt_text("received_when_closed_citation"),
        deemed_denial=deemed_denial,
        residency=_residency(cast(Fields, f.sub("residency"))),
        fees=_fees(cast(Fields, f.sub("fees"))),
        appeal=_appeal(cast(Fields, f.sub("appeal"))),
        holidays=_holidays(cast(Fields, f.sub("holidays"))),
        immigration=_immigration(cast(Fields, f.sub("immigration"))),
        verified_on=verified,
        sources=f.texts("sources"),
        review=f.opt_text("review"),
        letter_points=tuple(_letter_point(item) for item in f.items("letter_points")),
        time_limits_text=f.opt_text("time_limits_text"),
        submission=_opt(f, "submission", _submission),
        receipt=_opt(f, "receipt", _receipt),
        limitation=_opt(f, "limitation", _limitation),
        pre_suit_notice=_opt(f, "pre_suit_notice", _pre_suit_notice),
        other_laws=tuple(_other_law(item) for item in f.items("other_laws")),
        state_items=tuple(_state_item(item) for item in f.items("state_items")),
        none=_none(f.sub("none", required=False)),
    )
    for name, status in jurisdiction.coverage().items():
        if status == "specific" and name in dict(jurisdiction.none):
            f.fail(f"none.{name}", "declares no rule, but the entry states one: keep one of the two")
    if jurisdiction.law.request_to and not jurisdiction.law.request_to_citation:
        f.fail("law.request_to_citation", "is required with request_to (the provision naming the officer)")
    if not jurisdiction.sources:
        f.fail("sources", "must list at least one source that was read")
    f.done()
    return jurisdiction

"""Composing a letter: pure, from the law, the agency, the requester and the topics.

The wording lives in ``templates/letters/<kind>.txt`` (and ``<kind>-federal.txt`` for federal
FOIA requests), which a user can copy and edit without touching Python. A template is Jinja text
rendered in a sandbox that refuses Python internals and any variable it does not know.

Template format::

    subject: Public records request under the {{ law.name }}
    salutation: Dear Custodian of Records:
    closing: Sincerely,
    ---
    A paragraph. Lines that follow each other join into one paragraph;
    a blank line starts the next.

    ## A heading

    [[records]]          <- the numbered list of records requested
    - a bulleted line
"""

from __future__ import annotations

import datetime as dt
import re
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from records_req.errors import Noted, RecordsReqError
from records_req.laws import Jurisdiction
from records_req.letters.model import Block, Kind, Letter, long_date
from records_req.resources import templates_dir
from records_req.topics import Item, Topic

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

    from records_req.deadlines import Deadline
    from records_req.letters.timing import LetterTiming

LINE_BREAK = "\u2028"  # stands for a newline inside a value until blocks are parsed
RECORDS_MARK = "[[records]]"
ICE_FOIA = (
    "U.S. Immigration and Customs Enforcement",
    "Freedom of Information Act Office",
    "500 12th Street SW, Stop 5009",
    "Washington, DC 20536-5009",
    "ice-foia@ice.dhs.gov",
)
# Where ICE's FOIA appeals go (its Office of the Principal Legal Advisor, under 6 C.F.R. § 5.8).
ICE_FOIA_APPEALS = (
    "U.S. Immigration and Customs Enforcement",
    "Office of the Principal Legal Advisor",
    "Government Information Law Division",
    "500 12th Street SW, Mail Stop 5900",
    "Washington, DC 20536-5900",
)


class TemplateError(RecordsReqError):
    """A wording or Word template is broken: names the template and the line or variable."""


class Requester(NamedTuple):
    name: str
    email: str | None = None
    address: str | None = None
    phone: str | None = None
    organization: str | None = None
    state: str | None = None  # USPS code of residence


class Agency(NamedTuple):
    name: str
    address: str | None = None
    email: str | None = None
    records_officer: str | None = None


def ice_foia_office() -> Agency:
    """Where a federal FOIA request about 287(g) goes by default."""
    return Agency(name=ICE_FOIA[0], address="\n".join(ICE_FOIA[1:4]), email=ICE_FOIA[4])


class ListedAgreement(NamedTuple):
    """An agreement (or a pending application) of the agency on ICE's published 287(g) list."""

    model_name: str  # "Warrant Service Officer"
    signed: dt.date | None
    moa_url: str | None
    pending: bool
    listed_on: dt.date  # the date of the list that shows it (ICE's, from its file name, or its download date)
    listed_by: str = "downloaded"  # how that date is known: file name | downloaded | file date | upload date


class LetterRequest(NamedTuple):
    kind: Kind
    jurisdiction: Jurisdiction
    agency: Agency
    requester: Requester
    topics: tuple[Topic, ...]
    since: dt.date
    until: dt.date
    date: dt.date
    items: tuple[str, ...] = ()  # free-text record categories
    co_requester: str | None = None
    fee_limit: int = 50
    about: str | None = None  # federal: the local agency whose agreement is asked about
    fee_category: str = "other"
    expedite: bool = False
    request_date: dt.date | None = None  # follow-up and appeal: when the request was made
    tracking_numbers: tuple[str, ...] = ()
    deadline: Deadline | None = None  # follow-up and appeal: the statutory deadline missed
    denied_on: dt.date | None = None  # appeal of an explicit denial
    exemptions: str | None = None
    timing: LetterTiming | None = None  # follow-up and appeal: what the letter may say about dates
    agreements: tuple[ListedAgreement, ...] = ()  # initial letters: the agency on ICE's 287(g) list
    dated_since: dt.date | None = None  # start of the window for items that are not standing (None: since)
    as_sent: AsSent | None = None  # follow-up and appeal: the request exactly as the initial letter put it


class AsSent(NamedTuple):
    """What an initial letter asked for, kept by the tracker so that a follow-up or an appeal
    restates the request as it was sent, never rebuilt from topics that may have changed."""

    items: tuple[Item, ...]
    search_terms: tuple[str, ...]
    custodians: tuple[str, ...]
    since: dt.date
    dated_since: dt.date
    until: dt.date

    def to_json(self) -> dict[str, Any]:
        return {
            "items": [
                {"text": i.text, "standing": i.standing, "any_date": i.any_date, **({"key": i.key} if i.key else {})}
                for i in self.items
            ],
            "search_terms": list(self.search_terms),
            "custodians": list(self.custodians),
            "since": self.since.isoformat(),
            "dated_since": self.dated_since.isoformat(),
            "until": self.until.isoformat(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AsSent:
        return cls(
            items=tuple(
                Item(str(i["text"]), bool(i.get("standing")), i.get("key"), bool(i.get("any_date")))
                for i in data["items"]
            ),
            search_terms=tuple(data.get("search_terms") or ()),
            custodians=tuple(data.get("custodians") or ()),
            since=dt.date.fromisoformat(data["since"]),
            dated_since=dt.date.fromisoformat(data.get("dated_since") or data["since"]),
            until=dt.date.fromisoformat(data["until"]),
        )


# --- the template environment -------------------------------------------------------------------


def template_dirs(user_dir: Path | None) -> list[Path]:
    """Where templates are looked up: the user's directory first, then ours."""
    ours = templates_dir() / "letters"
    return [user_dir, ours] if user_dir is not None else [ours]


MAX_TEMPLATE_VALUE = 100_000  # characters or items a template expression may build


def environment(dirs: Sequence[Path]) -> SandboxedEnvironment:
    """The sandboxed environment for wording templates in ``dirs``: one per set of directories,
    kept for the life of the process so each template is compiled once. A template whose file
    changes is compiled again (its source is compared on every use), and compiled templates are
    also kept on disk (:func:`bytecode_cache`), so a new process does not compile them either."""
    return _environment(tuple(str(d) for d in dirs))


@lru_cache(maxsize=32)
def _environment(dirs: tuple[str, ...]) -> SandboxedEnvironment:
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    class Bounded(SandboxedEnvironment):
        """No template expression may build a huge string, list or number (which would hang)."""

        intercepted_binops = frozenset(["*", "**"])

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            from jinja2.exceptions import SecurityError

            if operator == "**" and isinstance(right, int) and abs(right) > 100:
                raise SecurityError("an exponent over 100 is not allowed in a template")
            if operator == "*":
                for seq, count in ((left, right), (right, left)):
                    big = isinstance(seq, (str, list, tuple)) and isinstance(count, int)
                    if big and len(seq) * count > MAX_TEMPLATE_VALUE:
                        raise SecurityError(f"a value over {MAX_TEMPLATE_VALUE:,} characters or items")
            return super().call_binop(context, operator, left, right)

    class ContentLoader(FileSystemLoader):
        """A template is up to date while its file holds the same text (not merely the same
        modification time, which a quick edit may not change) and no directory searched before
        its own has gained a file of that name (a user's new override)."""

        def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
            import os

            from jinja2.loaders import split_template_path

            source, filename, _ = super().get_source(environment, template)
            pieces = split_template_path(template)
            found = Path(filename)
            earlier: list[Path] = []
            for directory in self.searchpath:
                candidate = Path(os.path.normpath(Path(directory, *pieces)))  # as the loader names it
                if candidate == found:
                    break
                earlier.append(candidate)

            def uptodate() -> bool:
                if any(candidate.is_file() for candidate in earlier):
                    return False
                try:
                    return found.read_text(encoding="utf-8") == source
                except (OSError, UnicodeDecodeError):
                    return False

            return source, filename, uptodate

    env = Bounded(
        loader=ContentLoader(list(dirs)),
        undefined=StrictUndefined,
        autoescape=False,  # plain text: each renderer escapes for its own format
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.bytecode_cache = bytecode_cache(env)
    return env


def bytecode_cache(env: Any) -> Any:
    """Jinja's on-disk cache of compiled templates, in the user's cache directory, for templates
    of environments configured exactly like ``env``.

    Jinja checks each entry against the SHA-1 of the template's source (and its own format and
    the Python version), so an edited template is compiled again. What the compiler makes of a
    source also depends on the environment's settings (sandboxing, autoescaping, whitespace
    control, delimiters, filters): they pick the directory, so environments configured differently
    never share an entry. A cache that cannot be read or written is ignored."""
    import hashlib

    import jinja2
    from jinja2.bccache import Bucket, FileSystemBytecodeCache

    from records_req import __version__
    from records_req.paths import cache_dir

    settings = [
        jinja2.__version__,
        __version__,
        f"{type(env).__module__}.{type(env).__qualname__}",
        env.code_generator_class.__qualname__,
        env.finalize is None,
        sorted(env.extensions),
        sorted(env.filters),
        sorted(env.tests),
        *(
            repr(sorted(value) if isinstance(value, (set, frozenset)) else value)
            for value in (
                getattr(env, name, None)
                for name in (
                    "block_start_string",
                    "block_end_string",
                    "variable_start_string",
                    "variable_end_string",
                    "comment_start_string",
                    "comment_end_string",
                    "line_statement_prefix",
                    "line_comment_prefix",
                    "trim_blocks",
                    "lstrip_blocks",
                    "newline_sequence",
                    "keep_trailing_newline",
                    "optimized",
                    "autoescape",
                    "is_async",
                    "sandboxed",
                    "intercepted_binops",
                    "intercepted_unops",
                )
            )
        ),
    ]
    digest = hashlib.sha256(repr(settings).encode("utf-8")).hexdigest()[:16]

    class QuietCache(FileSystemBytecodeCache):
        """In the cache directory of the moment (it follows RECORDS_REQ_CACHE and _HOME)."""

        def load_bytecode(self, bucket: Bucket) -> None:
            try:
                self.directory = str(cache_dir() / "templates" / digest)
                super().load_bytecode(bucket)
            except Exception:  # an unreadable, truncated or foreign file: compile instead
                bucket.reset()

        def dump_bytecode(self, bucket: Bucket) -> None:
            try:
                directory = cache_dir() / "templates" / digest
                directory.mkdir(parents=True, exist_ok=True, mode=0o700)
                self.directory = str(directory)
                super().dump_bytecode(bucket)
            except (OSError, ValueError, TypeError):
                pass

    return QuietCache(str(cache_dir() / "templates" / digest), "%s.jinja")


def template_name(env: SandboxedEnvironment, kind: Kind, federal: bool) -> str:
    from jinja2 import TemplateNotFound

    if federal:
        try:
            env.get_template(f"{kind}-federal.txt")
            return f"{kind}-federal.txt"
        except TemplateNotFound:
            pass
        except Exception:
            return f"{kind}-federal.txt"  # let render_template report what is wrong with it
    return f"{kind}.txt"


def render_template(env: SandboxedEnvironment, name: str, context: Mapping[str, Any]) -> str:
    """Render one wording template; every failure becomes a TemplateError naming the template."""
    from jinja2 import TemplateError as JinjaError
    from jinja2 import TemplateNotFound, TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    try:
        return env.get_template(name).render(context)
    except TemplateNotFound:
        raise TemplateError(f"Template {name!r} not found (looked in {_where(env)}).") from None
    except TemplateSyntaxError as exc:
        raise TemplateError(
            f"Template {exc.filename or name} has a syntax error at line {exc.lineno}: {exc.message}"
        ) from None
    except SecurityError as exc:
        raise TemplateError(
            f"Template {_origin(exc, name)} tried something unsafe and was stopped: {exc}. "
            "Templates may use the letter's variables only, not Python internals."
        ) from None
    except UndefinedError as exc:
        raise TemplateError(
            f"Template {_origin(exc, name)} uses a variable that does not exist: {exc.message}. "
            "Run 'records-req templates check DIR' to list the variables templates may use."
        ) from None
    except JinjaError as exc:
        raise TemplateError(f"Template {_origin(exc, name)}: {exc}") from None
    except RecursionError:
        raise TemplateError(f"Template {name} calls itself without end (a recursive macro or include).") from None
    except (OverflowError, MemoryError):
        raise TemplateError(f"Template {name} builds a value too large to render.") from None


def _where(env: SandboxedEnvironment) -> str:
    loader = env.loader
    return ", ".join(getattr(loader, "searchpath", [])) or "the template directories"


def _origin(exc: BaseException, name: str) -> str:
    """'initial.txt line 12', from the template frames Jinja puts in the traceback."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".txt") or frame.filename.endswith(name):
            return f"{frame.filename} line {frame.lineno}"
    return name


# --- the context a template sees ------------------------------------------------------------------


def _protect(value: Any) -> Any:
    """Keep newlines in user values through paragraph joining (restored in the blocks)."""
    if isinstance(value, str):
        return value.replace("\n", LINE_BREAK)
    return value


def _fill(text: str, values: Mapping[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


# Asked of every state and local agency: cheap records that pre-empt the usual objections.
ABOUT_THIS_REQUEST = (
    Item(
        "Records of {agency}'s communications with ICE, or with anyone else outside {agency}, about this "
        "request or about any earlier public-records request concerning 287(g) or ICE, and the log of such "
        "earlier requests with the responses given."
    ),
    Item(
        "Records showing how and where the records above are kept: the entries of the records retention "
        "schedule that cover them, and the names of the systems (for example the jail management, email "
        "and case management systems) in which they are kept.",
        standing=True,
    ),
)
FOCUSED_LIMIT = 12  # more items than this from the chosen topics: suggest one request per topic


def record_items(req: LetterRequest, *, automatic: bool = True) -> list[Item]:
    """The numbered record categories: every topic's items for this jurisdiction, then the
    user's own, then (local letters) the records about this request; each only once, by what it
    asks for (its key) as well as by its words. A follow-up or an appeal lists the items exactly as
    the initial letter did (``as_sent``), the automatic ones included."""
    if req.as_sent is not None and req.kind != "initial":
        return list(req.as_sent.items)
    j = req.jurisdiction
    values = {
        "agency": the(req.about or req.agency.name),
        "since": long_date(req.since),
        "until": long_date(req.until),
        "state_law": j.immigration.letter_citation or j.immigration.law or "the state law",
        "state": j.name,
    }
    chosen: list[tuple[Topic | None, Item]] = [(topic, item) for topic in req.topics for item in topic.items_for(j)]
    chosen += [(None, Item(text)) for text in req.items]
    if automatic and not j.is_federal:
        chosen += [(None, item) for item in ABOUT_THIS_REQUEST]
    if automatic and j.is_federal:  # the records federal law makes ICE keep for every agreement
        chosen += [(None, Item(i.text, i.standing)) for i in j.state_items]
    seen: set[str] = set()
    by_key: dict[str, tuple[int, Topic | None]] = {}
    out: list[Item] = []
    for topic, item in chosen:
        text = _fill(item.text, values)
        text = text[0].upper() + text[1:] if text else text
        if text in seen:
            continue
        filled = item._replace(text=text)
        if item.key is not None and item.key in by_key:
            index, owner = by_key[item.key]
            if topic is not None and owner is not None and owner.key in topic.replaces:
                out[index] = filled  # this topic's wording of the same records takes the place
                by_key[item.key] = (index, topic)
            continue
        seen.add(text)
        if item.key is not None:
            by_key[item.key] = (len(out), topic)
        out.append(filled)
    return out


def records_list(req: LetterRequest) -> list[str]:
    """The numbered record categories' texts."""
    return [item.text for item in record_items(req)]


def focus_note(req: LetterRequest) -> str | None:
    """A note when the chosen topics ask for more items than a focused request should."""
    count = len(record_items(req, automatic=False))
    if count <= FOCUSED_LIMIT or req.kind != "initial":
        return None
    return Noted("focus", count=count, limit=FOCUSED_LIMIT)


def the(name: str) -> str:
    """'the Lee County Sheriff's Office' (an agency name reads with its article in a sentence)."""
    if not name or name.lower().startswith("the ") or not name[0].isupper():
        return name
    first = name.split(" ", 1)[0]
    if first.isupper() and len(first) > 1 and " " not in name:  # an acronym alone: "ICE"
        return name
    return f"the {name}"


def scope_sentence(req: LetterRequest) -> str:
    """The date range of each item: standing documents in effect during the range, records asked
    for whatever their date, and the rest within the dated window (never wider than asked)."""
    items = record_items(req)
    sent = req.as_sent if req.kind != "initial" else None
    since = long_date(sent.since if sent else req.since)
    dated_since = long_date(sent.dated_since if sent else (req.dated_since or req.since))
    until = long_date(sent.until if sent else req.until)
    standing = [str(i) for i, item in enumerate(items, 1) if item.standing]
    any_date = [str(i) for i, item in enumerate(items, 1) if item.any_date]
    dated_count = len(items) - len(standing) - len(any_date)
    dated = f"records created, sent or received from {dated_since} through {until}"
    in_effect = f"in effect at any time from {since} through {until}, whatever the date they were created or signed"
    parts: list[str] = []
    if standing:
        if len(standing) == len(items):
            parts.append(
                "Each item is a standing document (an agreement, policy, roster or curriculum): "
                f"please provide those {in_effect}."
            )
        elif len(standing) == 1:
            parts.append(
                f"{_numbers(standing)} {_is(standing)}: please provide the records it describes that were in "
                f"effect at any time from {since} through {until}, whatever the date they were created or signed."
            )
        else:
            parts.append(f"{_numbers(standing)} {_is(standing)}: please provide those {in_effect}.")
    if any_date:
        if len(any_date) == len(items):
            parts.append("Please provide the records each item describes, whatever their date.")
        else:
            parts.append(f"{_numbers(any_date)} {_asks(any_date)} for records whatever their date.")
    if dated_count:
        if not parts:
            parts.append(f"Unless an item says otherwise, please provide {dated}.")
        else:
            parts.append(f"For the other {'item' if dated_count == 1 else 'items'}, please provide {dated}.")
    return " ".join(parts)


def _is(numbers: list[str]) -> str:
    return "is a standing document" if len(numbers) == 1 else "are standing documents"


def _asks(numbers: list[str]) -> str:
    return "asks" if len(numbers) == 1 else "ask"


def _numbers(numbers: list[str]) -> str:
    if len(numbers) == 1:
        return f"Item {numbers[0]}"
    return "Items " + ", ".join(numbers[:-1]) + " and " + numbers[-1]


def search_plan(req: LetterRequest) -> tuple[list[str], list[str]]:
    """The search terms and the custodians whose messages are to be searched (as sent, for a
    follow-up or an appeal)."""
    if req.as_sent is not None and req.kind != "initial":
        return list(req.as_sent.search_terms), list(req.as_sent.custodians)
    terms = sorted({t for topic in req.topics for t in topic.search_terms}, key=str.lower)
    custodians = list(dict.fromkeys(c for topic in req.topics for c in topic.custodians))
    return terms, custodians


def as_sent(req: LetterRequest) -> AsSent:
    """What an initial letter asks for, to be kept with the request."""
    terms, custodians = search_plan(req)
    return AsSent(
        items=tuple(record_items(req)),
        search_terms=tuple(terms),
        custodians=tuple(custodians),
        since=req.since,
        dated_since=req.dated_since or req.since,
        until=req.until,
    )


def kept_with_request(req: LetterRequest) -> dict[str, Any]:
    """What the tracker stores with a new request: what its letter asked for (:class:`AsSent`)
    and who signed it, so that later letters restate both as sent."""
    return as_sent(req).to_json() | {"requester": req.requester._asdict()}


def context(req: LetterRequest) -> dict[str, Any]:
    """Everything a wording template may use. `records-req templates check` lists it."""
    j = req.jurisdiction
    clock = j.response
    deadline = req.deadline
    search_terms, custodians = search_plan(req)
    resident = req.requester.state is not None and req.requester.state.upper() == j.code
    residency_restricted = j.residency.restricted is not False
    return {
        "kind": req.kind,
        "date": long_date(req.date),
        "jurisdiction": {"code": j.code, "name": j.name, "federal": j.is_federal},
        "law": j.law._asdict(),
        "response": {
            **clock._asdict(),
            "words": clock.describe(),
            "duty_words": clock.duty_words,
        },
        "second_response": (
            {
                **j.second_response._asdict(),
                "words": j.second_response.describe(),
                "duty_words": j.second_response.duty_words,
            }
            if j.second_response
            else None
        ),
        "extension": j.extension._asdict() if j.extension else None,
        "deemed_denial": j.deemed_denial._asdict(),
        "fees": j.fees._asdict(),
        "appeal": j.appeal._asdict(),
        "immigration": j.immigration._asdict(),
        "residency": {
            **j.residency._asdict(),
            "restricted": residency_restricted,
            "requester_is_resident": resident,
        },
        "agency": {k: _protect(v) for k, v in req.agency._asdict().items()},
        "about": _protect(req.about),
        "requester": {k: _protect(v) for k, v in req.requester._asdict().items()},
        "co_requester": _protect(req.co_requester.partition("\n")[0].strip()) if req.co_requester else None,
        "topics": [{"key": t.key, "title": t.title} for t in req.topics],
        "topic_titles": _join([t.about or t.title for t in req.topics] or ["the records listed below"]),
        "scope": scope_sentence(req),
        "time_limits_text": j.time_limits_text,
        "grounds": [
            {"key": g.key, "title": g.title, "answer": g.answer(), "cited": _protect(_cited(g, req))}
            for g in _grounds(req)
        ],
        "agency_in_text": _protect(the(req.agency.name)),
        "about_in_text": _protect(the(req.about)) if req.about else None,
        "since": long_date(req.since),
        "until": long_date(req.until),
        "search_terms": search_terms,
        "custodians": custodians,
        "fee_limit": req.fee_limit,
        "fee_category": req.fee_category,
        "expedite": req.expedite,
        "request_date": long_date(req.request_date) if req.request_date else None,
        "tracking_numbers": list(req.tracking_numbers),
        "deadline": (
            {
                "due": long_date(deadline.date) if deadline.date else None,
                "followup": long_date(deadline.followup) if deadline.followup else None,
                "statutory": deadline.statutory,
                "citation": deadline.clock.citation,
                "standard": deadline.clock.standard,
                "words": deadline.clock.describe(),
                "duty": deadline.clock.duty,
                "duty_words": deadline.clock.duty_words,
                "applies_to": deadline.clock.applies_to,
                "lapse_text": deadline.clock.lapse_text,
            }
            if deadline is not None
            else None
        ),
        "denied_on": long_date(req.denied_on) if req.denied_on else None,
        "exemptions": _protect(_exemption_words(req)),
        "timing": req.timing.context() if req.timing is not None else None,
        "immigration_citation": j.immigration.letter_citation or j.immigration.law,
        "letter_points": [point._asdict() for point in j.letter_points],
        "other_laws": [law._asdict() for law in j.other_laws],
        "submission": j.submission._asdict() if j.submission else None,
        "receipt": j.receipt._asdict() if j.receipt else None,
        "limitation": j.limitation._asdict() if j.limitation else None,
        "pre_suit_notice": j.pre_suit_notice._asdict() if j.pre_suit_notice else None,
        "agreements": [_listed(a) for a in req.agreements if not a.pending],
        "pending_applications": [_listed(a) for a in req.agreements if a.pending],
    }


def _listed(a: ListedAgreement) -> dict[str, Any]:
    return {
        "model_name": a.model_name,
        "signed": long_date(a.signed) if a.signed else None,
        "moa_url": _protect(a.moa_url),
        "listed_on": long_date(a.listed_on),
        "dated": _list_dated(a),
    }


def _list_dated(a: ListedAgreement) -> str | None:
    """What a letter may truthfully say of the list's date: ICE's own date (from its file name),
    the day the user said they downloaded it, or nothing (a file's date is only a guess)."""
    if a.listed_by == "file name":
        return f"dated {long_date(a.listed_on)}"
    if a.listed_by == "downloaded":
        return f"as downloaded on {long_date(a.listed_on)}"
    return None


def _cited(ground: Any, req: LetterRequest) -> str | None:
    from records_req.letters.grounds import cited_as

    return cited_as(ground, req.exemptions)


def _exemption_words(req: LetterRequest) -> str | None:
    if not req.exemptions:
        return None
    from records_req.letters.grounds import exemptions_in_words

    return exemptions_in_words(req.exemptions, req.jurisdiction.is_federal)


def _grounds(req: LetterRequest) -> list[Any]:
    if req.kind != "appeal":
        return []
    from records_req.letters.grounds import grounds_for

    return grounds_for(req.exemptions, req.jurisdiction.is_federal, req.jurisdiction.code)


def _join(words: Sequence[str]) -> str:
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + ", and " + words[-1]


# --- from rendered text to blocks -----------------------------------------------------------------


def parse(rendered: str, records: Sequence[str], name: str) -> tuple[dict[str, str], list[Block]]:
    """Split a rendered template into its header fields and body blocks."""
    head, sep, body = rendered.partition("\n---\n")
    if not sep:
        raise TemplateError(
            f"Template {name} needs a header (subject:, salutation:, closing:) and a line '---' before the body."
        )
    fields: dict[str, str] = {}
    for number, line in enumerate(head.splitlines(), 1):
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        if not colon or key.strip() not in ("subject", "salutation", "closing"):
            raise TemplateError(
                f"Template {name} header line {number} should be 'subject: ...', "
                f"'salutation: ...' or 'closing: ...', not {line.strip()[:40]!r}."
            )
        fields[key.strip()] = _restore(value.strip())
    for key in ("subject", "salutation", "closing"):
        if not fields.get(key):
            raise TemplateError(f"Template {name} has no '{key}:' line in its header.")

    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block("paragraph", _restore(" ".join(paragraph))))
            paragraph.clear()

    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line == RECORDS_MARK:
            flush()
            blocks.extend(Block("item", _restore(_protect(text)), f"{i}.") for i, text in enumerate(records, 1))
        elif line.startswith("## "):
            flush()
            blocks.append(Block("heading", _restore(line[3:].strip())))
        elif line.startswith("- "):
            flush()
            blocks.append(Block("bullet", _restore(line[2:].strip()), "•"))
        else:
            paragraph.append(line)
    flush()
    return fields, blocks


def _restore(text: str) -> str:
    if "\u2028" not in text:  # the usual block: no line break kept in it
        return text
    return re.sub(r" *\u2028 *", "\n", text)


# --- putting it together ------------------------------------------------------------------------


def compose(req: LetterRequest, user_templates: Path | None = None) -> Letter:
    """Build the letter for ``req`` from the wording templates."""
    env = environment(template_dirs(user_templates))
    name = template_name(env, req.kind, req.jurisdiction.is_federal)
    rendered = render_template(env, name, context(req))
    fields, body = parse(rendered, records_list(req), name)
    return Letter(
        kind=req.kind,
        jurisdiction=req.jurisdiction.code,
        date=req.date,
        sender=tuple(_lines(_sender(req.requester))),
        recipient=tuple(_lines(_recipient(req))),
        subject=fields["subject"],
        salutation=fields["salutation"],
        body=tuple(body),
        closing=fields["closing"],
        signature=_signature(req),
        to=_addressee(req),
    )


def _addressee(req: LetterRequest) -> str:
    """The body the letter is written to: the appeal body, ICE's appeals office, or the agency."""
    j = req.jurisdiction
    if req.kind == "appeal" and j.is_federal and req.agency.name == ICE_FOIA[0]:
        return ICE_FOIA_APPEALS[0]
    if req.kind == "appeal" and j.appeal.addressee:
        return j.appeal.addressee
    return req.agency.name


def _lines(parts: Iterable[str | None]) -> list[str]:
    out: list[str] = []
    for part in parts:
        if part:
            out.extend(line.strip() for line in part.split("\n") if line.strip())
    return out


def _sender(r: Requester) -> list[str | None]:
    return [r.name, r.organization, r.address, r.email, r.phone]


def _signature(req: LetterRequest) -> tuple[str, ...]:
    """Name and organization under space for a signature; a co-requester signs too, with an
    address; an appeal lists its enclosures and copies."""
    r = req.requester
    lines = ["", "", *_lines([r.name, r.organization])]
    if req.co_requester:
        name, _, address = req.co_requester.partition("\n")
        lines += ["", "", f"{name.strip()}, co-requester", *_lines([address])]
    if req.kind == "appeal":
        lines += ["", *enclosures(req)]
    return tuple(lines)


def enclosures(req: LetterRequest) -> list[str]:
    """'Enclosures:' and 'cc:' lines of an appeal: appeal bodies want the request and the denial."""
    parts = [f"my request of {long_date(req.request_date)}"] if req.request_date else []
    if req.denied_on:
        parts.append(f"the agency's response of {long_date(req.denied_on)}")
    out = [f"Enclosures: {'; '.join(parts)}"] if parts else []
    if req.jurisdiction.appeal.addressee and not req.jurisdiction.is_federal:
        out.append(f"cc: {req.agency.name}")
    return out


def _recipient(req: LetterRequest) -> list[str | None]:
    j, agency = req.jurisdiction, req.agency
    if req.kind == "appeal" and j.is_federal and agency.name == ICE_FOIA[0]:
        return list(ICE_FOIA_APPEALS)
    if req.kind == "appeal" and j.appeal.addressee:
        email = j.appeal.email
        if email and "://" in email:  # an online form is where to file, not an address line
            email = None
        return [j.appeal.addressee, j.appeal.address, email]
    officer = agency.records_officer or (j.law.request_to if req.kind == "initial" else None)
    sent_by = f"By email to {agency.email}" if agency.email else None
    if j.submission is not None and j.submission.portal and req.kind == "initial":
        sent_by = f"Submitted through {j.submission.portal}"  # the only channel that starts the clock
    return [officer, agency.name, agency.address, sent_by]

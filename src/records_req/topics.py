"""Topics: named sets of precisely worded record categories, from ``data/topics.yaml``.

A user can add topics of their own in a YAML file of the same shape (``--topics FILE`` or
``topics.yaml`` in the data directory); a user topic with the same key replaces ours.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from records_req.errors import TopicsError, UsageError
from records_req.laws import STANCES, Stance
from records_req.resources import data_dir
from records_req.validation import Fields, refuse_aliases

if TYPE_CHECKING:
    from records_req.laws import Jurisdiction

TOPICS_ENV = "RECORDS_REQ_TOPICS"


class Item(NamedTuple):
    """One record category. A standing document (agreement, policy, roster, curriculum) is asked
    for if it was in effect during the date range, whatever the date it was created; an
    ``any_date`` item (an agreement that ended years ago, ICE's program file) whatever its date;
    any other item covers records created, sent or received within the dated window. Items with
    the same ``key`` ask for the same records: a letter lists each key once."""

    text: str
    standing: bool = False
    key: str | None = None
    any_date: bool = False


class Topic(NamedTuple):
    key: str
    title: str
    summary: str
    items: tuple[Item, ...]
    federal: bool = False
    search_terms: tuple[str, ...] = ()
    custodians: tuple[str, ...] = ()
    when: tuple[Stance, ...] = ()  # added automatically where the state's 287(g) stance is one of these
    source: str = ""
    federal_items: tuple[Item, ...] = ()  # a federal request asks ICE for ICE's own records
    barred_items: tuple[Item, ...] = ()  # where state law prohibits 287(g): one catch-all item
    state_items: tuple[tuple[str, tuple[Item, ...]], ...] = ()  # extra items for particular states
    about: str | None = None  # the topic in a sentence: "the Warrant Service Officer (WSO) program"
    law_items: bool = False  # the items are the records the state's own law creates (its law entry)
    replaces: tuple[str, ...] = ()  # in a federal letter, these topics' items give way to this one's
    title_es: str | None = None  # the title in Spanish (the dashboard's and the reports' Spanish pages)

    def title_in(self, lang: str) -> str:
        """The title in ``lang``: the Spanish one where there is one, else the title."""
        return self.title_es if lang == "es" and self.title_es else self.title

    def items_for(self, j: Jurisdiction) -> tuple[Item, ...]:
        """The items this topic asks of an agency in ``j``."""
        if j.is_federal:
            return self.federal_items or self.items
        for_state = dict(self.state_items).get(j.code)
        if for_state is not None:  # the state's own filings, named, instead of the general wording
            return for_state
        if self.law_items and j.state_items:  # the records the state's law makes agencies create, from the law data
            return tuple(Item(i.text, i.standing) for i in j.state_items)
        if self.barred_items and j.immigration.stance == "prohibits":
            return self.barred_items
        return self.items

    def applies_to(self, j: Jurisdiction) -> bool:
        """Whether the topic has anything to ask in ``j`` (a state-only topic may have nothing)."""
        return bool(self.items_for(j))


class Topics(Mapping[str, Topic]):
    def __init__(self, topics: list[Topic]) -> None:
        self._by_key = {t.key: t for t in topics}

    def __getitem__(self, key: str) -> Topic:
        return self._by_key[key.strip().lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_key)

    def __len__(self) -> int:
        return len(self._by_key)

    def get_or_raise(self, key: str) -> Topic:
        try:
            return self[key]
        except KeyError:
            raise UsageError(
                f"Unknown topic {key!r}. Topics: {', '.join(self._by_key)}. "
                "Run 'records-req topics' to see what each asks for."
            ) from None


def user_topics_path() -> Path | None:
    """The user's own topics file, if any: ``RECORDS_REQ_TOPICS`` or ``topics.yaml`` at home."""
    override = os.environ.get(TOPICS_ENV)
    if override:
        return Path(override)
    from records_req.paths import data_home

    candidate = data_home() / "topics.yaml"
    return candidate if candidate.is_file() else None


def load_topics(extra: Path | None = None) -> Topics:
    """Our topics, then the user's (which may add or replace topics)."""
    paths = [data_dir() / "topics.yaml"]
    user = extra or user_topics_path()
    if user is not None:
        paths.append(user)
    merged: dict[str, Topic] = {}
    for path in paths:
        for topic in _load_file(str(path.resolve())):
            merged[topic.key] = topic
    return Topics(list(merged.values()))


@cache
def _load_file(path_text: str) -> tuple[Topic, ...]:
    """One topics file, parsed and validated. The parsed data is cached on disk like the law
    data's (keyed by the file's SHA-256, see laws.py), and every load is still validated."""
    from records_req.laws import _read_cache, _write_cache

    path = Path(path_text)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TopicsError(path_text, None, None, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TopicsError(path_text, None, None, f"cannot read the file ({exc})") from None
    cached = _read_cache(text, "topics")
    if cached is not None:
        try:
            return _topics(path_text, cached)
        except TopicsError:
            pass  # a damaged cache is discarded, never blamed on the topics file: read the file itself
    raw = _parse_yaml(path_text, text)
    topics = _topics(path_text, raw)
    _write_cache(text, raw, "topics")  # only a file that passed validation is cached
    return topics


def _parse_yaml(path_text: str, text: str) -> object:
    import yaml  # lazy: a cached file needs no YAML parser

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        refuse_aliases(text, path_text, TopicsError)
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise TopicsError(path_text, None, None, f"not valid YAML{where}") from None


def _topics(path_text: str, raw: object) -> tuple[Topic, ...]:
    if not isinstance(raw, dict):
        raise TopicsError(path_text, None, None, "expected a mapping of topic keys to topics")
    topics = []
    for key, body in raw.items():
        label = str(key)
        if not (isinstance(key, str) and key.replace("-", "").isalnum() and key == key.lower()):
            raise TopicsError(path_text, label, None, "topic keys are lower-case words joined by '-'")
        f = Fields(path_text, label, body, "", TopicsError)
        items = _items(f, "items")
        state_items: list[tuple[str, tuple[Item, ...]]] = []
        states = f.sub("state_items", required=False)
        if states is not None:
            for code in list(states.data):
                if not (isinstance(code, str) and len(code) == 2 and code.isalpha() and code.isupper()):
                    states.fail(str(code), "state_items are keyed by upper-case USPS codes")
                state_items.append((code, _items(states, code)))
            states.done()
        federal_items = _items(f, "federal_items")
        if not (items or state_items or federal_items or f.data.get("law_items")):
            f.fail("items", "must list at least one record category")
        when = f.texts("when")
        for stance in when:
            if stance not in STANCES:
                f.fail("when", f"must list 287(g) stances ({', '.join(STANCES)}); got {stance!r}")
        topics.append(
            Topic(
                key=key,
                title=f.text("title"),
                summary=f.text("summary"),
                items=items,
                federal=f.flag("federal", default=False),
                search_terms=f.texts("search_terms"),
                custodians=f.texts("custodians"),
                when=when,  # type: ignore[arg-type]
                source=path_text,
                federal_items=federal_items,
                about=f.opt_text("about"),
                barred_items=_items(f, "barred_items"),
                state_items=tuple(state_items),
                law_items=f.flag("law_items", default=False),
                replaces=f.texts("replaces"),
                title_es=f.opt_text("title_es"),
            )
        )
        f.done()
    return tuple(topics)


def _items(f: Fields, key: str) -> tuple[Item, ...]:
    """A list of items: each text, or {text, standing}."""
    value = f.value(key, False)
    if value is None:
        return ()
    if not isinstance(value, list):
        f.fail(key, "must be a list of record categories")
    out: list[Item] = []
    for index, raw in enumerate(value):
        if isinstance(raw, str) and raw.strip():
            out.append(Item(raw.strip()))
            continue
        item = Fields(f.path, f.entry, raw, f"{f.name(key)}[{index}]", f.error)
        out.append(
            Item(
                item.text("text"),
                item.flag("standing", default=False),
                item.opt_text("key"),
                item.flag("any_date", default=False),
            )
        )
        if out[-1].standing and out[-1].any_date:
            item.fail("any_date", "an item is standing (in effect during the range) or any_date, not both")
        item.done()
    return tuple(out)

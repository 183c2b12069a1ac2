"""Topics: named sets of precisely worded record categories, from ``data/topics.yaml``.

A user can add topics of their own in a YAML file of the same shape (``--topics FILE`` or
``topics.yaml`` in the data directory); a user topic with the same key replaces ours.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import NamedTuple

from records_req.errors import TopicsError, UsageError
from records_req.laws import STANCES, Stance
from records_req.resources import data_dir
from records_req.validation import Fields

TOPICS_ENV = "RECORDS_REQ_TOPICS"


class Topic(NamedTuple):
    key: str
    title: str
    summary: str
    items: tuple[str, ...]
    federal: bool = False
    search_terms: tuple[str, ...] = ()
    custodians: tuple[str, ...] = ()
    when: tuple[Stance, ...] = ()  # added automatically where the state's 287(g) stance is one of these
    source: str = ""


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
    import yaml

    path = Path(path_text)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TopicsError(path_text, None, None, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TopicsError(path_text, None, None, f"cannot read the file ({exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise TopicsError(path_text, None, None, f"not valid YAML{where}") from None
    if not isinstance(raw, dict):
        raise TopicsError(path_text, None, None, "expected a mapping of topic keys to topics")
    topics = []
    for key, body in raw.items():
        label = str(key)
        if not (isinstance(key, str) and key.replace("-", "").isalnum() and key == key.lower()):
            raise TopicsError(path_text, label, None, "topic keys are lower-case words joined by '-'")
        f = Fields(path_text, label, body, "", TopicsError)
        items = f.texts("items")
        if not items:
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
            )
        )
        f.done()
    return tuple(topics)

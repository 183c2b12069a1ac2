"""Search what was released (issue 20, section 4): words across the received files' text, page by
page (attachments of the agencies' replies, and files attached by hand), and the replies' bodies.

Each hit names its request (or none: a reply not matched yet), its file (or the message), its page
and a snippet given as segments (``(text, matched)``), so each door marks the matched words its
own way (the terminal in bold, the dashboard with ``<mark>``, JSON as plain text with offsets).

The index is the database's own full-text search (migration 0018): FTS5 on SQLite, ``tsvector``
with GIN indexes on PostgreSQL, both with English stemming (``quota`` finds ``quotas``). The query
is read here, once, into the same meaning on both engines:

- words: all of them must be there (``jail quota``);
- ``"a phrase"``: the words next to each other, in that order;
- ``detain*``: words that begin so (a prefix; ``"bed space"*`` ends a phrase with one);
- ``-word`` or ``-"a phrase"``: leave out what has it;
- ``a OR b``: either.

Anything else (stray quotes, brackets, operators of one engine) is taken as words, so a query
never fails for its punctuation; a query with no word to look for is one clear error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from records_req.errors import UsageError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from records_req.workspace import Workspace

# The FTS5 tables and the PostgreSQL indexes of migration 0018 (not described by the models).
FTS_TABLES = ("received_pages_fts", "inbound_messages_fts")
CONFIG = "'english'::regconfig"  # PostgreSQL: the very expression its GIN indexes were built with
LIMIT = 50
SNIPPET_WORDS = 24
OPEN, CLOSE = "\ue000", "\ue001"  # private-use marks around matched words, read back into segments

_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r'(-?)"([^"]*)("?)(\*?)|(\S+)')


def modelled(name: str | None, type_: str, parent_names: Any) -> bool:
    """For Alembic's ``include_name``: False for the search's own schema objects (the FTS5 tables
    and their shadow tables, the GIN indexes), which no model describes."""
    return not (name and any(name.startswith(t) or name == f"ix_{t}" for t in FTS_TABLES))


# --- the query ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or a phrase
    prefix: bool = False  # the last word is a prefix
    negated: bool = False


@dataclass(frozen=True)
class Query:
    """A query read once: groups of terms (a group matches when any of its terms does; every group
    must match) and the terms to leave out."""

    text: str
    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...]

    def fts5(self) -> str:
        """The query in FTS5's syntax (every word quoted: no word is taken as an operator)."""

        def term(t: Term) -> str:
            return '"' + " ".join(t.words) + '"' + ("*" if t.prefix else "")

        def group(g: tuple[Term, ...]) -> str:
            return term(g[0]) if len(g) == 1 else "(" + " OR ".join(term(t) for t in g) + ")"

        found = " AND ".join(group(g) for g in self.groups)
        return found + "".join(f" NOT {term(t)}" for t in self.excluded)

    def tsquery(self) -> tuple[str, dict[str, str]]:
        """The query as a PostgreSQL tsquery expression, each term a bound parameter."""
        params: dict[str, str] = {}

        def term(t: Term) -> str:
            name = f"q{len(params)}"
            if t.prefix:  # to_tsquery: the words are letters and digits only, so no operator gets in
                params[name] = " <-> ".join(t.words) + ":*"
                return f"to_tsquery({CONFIG}, :{name})"
            params[name] = " ".join(t.words)
            return f"phraseto_tsquery({CONFIG}, :{name})"

        def group(g: tuple[Term, ...]) -> str:
            return "(" + " || ".join(term(t) for t in g) + ")"

        found = " && ".join(group(g) for g in self.groups)
        return "(" + found + "".join(f" && !!{term(t)}" for t in self.excluded) + ")", params


class SearchError(UsageError):
    """A query with nothing to look for."""


def parse(text: str) -> Query:
    """Read a query (see the module's notes); raises :class:`SearchError` when it has no word."""
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join = False
    for m in _TOKEN.finditer(text):
        if m.group(5) is not None:  # a bare token
            token = m.group(5)
            if token == "OR":
                join = bool(groups)
                continue
            negated = token.startswith("-") and len(token) > 1
            body = token[1:] if negated else token
            words = tuple(w.lower() for w in _WORD.findall(body))
            prefix = body.endswith("*") and bool(words)
        else:  # a quoted phrase ("a phrase"*), its closing quote maybe missing
            negated = m.group(1) == "-"
            words = tuple(w.lower() for w in _WORD.findall(m.group(2)))
            prefix = bool(m.group(4)) and bool(words)
        if not words:
            continue
        t = Term(words, prefix, negated)
        if negated:
            excluded.append(t)
        elif join:
            groups[-1].append(t)
        else:
            groups.append([t])
        join = False
    if not groups:
        if excluded:
            raise SearchError(f"Nothing to look for in {text!r}: say a word to find, not only words to leave out.")
        raise SearchError(f'Nothing to look for in {text!r}: give a word, a "phrase" or a prefix*.')
    return Query(text, tuple(tuple(g) for g in groups), tuple(excluded))


# --- the hits ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One page of a received file (or one reply's body) where the words are, for one request."""

    request_id: int | None  # None: a reply (or its attachment) not matched to a request yet
    jurisdiction: str | None
    agency: str | None
    kind: str  # file | message
    name: str  # the file's name, or the message's subject
    page: int | None  # the file's page (a spreadsheet's sheet); None for a message
    received_on: dt.date | None
    message_id: int | None  # the inbound message it came with (the message itself for a reply)
    document_id: int | None  # the request's document, for a file kept with the request
    sha256: str | None
    score: float
    row: int  # the page's row, or the message's
    segments: tuple[tuple[str, bool], ...] = ()

    @property
    def snippet(self) -> str:
        return "".join(text for text, _ in self.segments)

    @property
    def marks(self) -> list[tuple[int, int]]:
        """Where the matched words are in :attr:`snippet` (start, end)."""
        out, at = [], 0
        for text, matched in self.segments:
            if matched:
                out.append((at, at + len(text)))
            at += len(text)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "request": self.request_id,
            "state": self.jurisdiction,
            "agency": self.agency,
            "kind": self.kind,
            "file": self.name if self.kind == "file" else None,
            "subject": self.name if self.kind == "message" else None,
            "page": self.page,
            "received": self.received_on.isoformat() if self.received_on else None,
            "message": self.message_id,
            "document": self.document_id,
            "sha256": self.sha256,
            "snippet": self.snippet,
            "marks": [list(m) for m in self.marks],
        }


@dataclass(frozen=True)
class Found:
    query: Query
    hits: list[Hit]
    total: int  # hits before the limit
    engine: str  # sqlite | postgresql
    filters: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query.text,
            "total": self.total,
            "shown": len(self.hits),
            "filters": self.filters,
            "hits": [h.to_json() for h in self.hits],
        }


def search(
    workspace: Workspace,
    text: str,
    *,
    state: str | None = None,
    agency_text: str | None = None,
    tags: Sequence[str] = (),
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = LIMIT,
) -> Found:
    """The pages and replies where ``text``'s words are, best first: on requests of ``state``, to
    an agency whose name holds ``agency_text``, with every tag in ``tags``, received from ``since``
    to ``until`` (both included). Any request filter leaves out what is matched to no request."""
    query = parse(text)
    if since and until and since > until:
        raise UsageError(f"The first day ({since}) is after the last ({until}).")
    filters = {
        "state": state.upper() if state else None,
        "agency": agency_text,
        "tags": list(tags),
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
    }
    with workspace.session() as session:
        engine = session.get_bind().dialect.name
        rows = _pages(session, query, engine, filters) + _messages(session, query, engine, filters)
        hits = _dedupe(rows)
        hits = [h for h in hits if _within(h.received_on, since, until)]
        hits.sort(key=lambda h: (-h.score, -(h.received_on or dt.date.min).toordinal(), h.request_id or 0, h.name))
        shown = _with_snippets(session, query, engine, hits[:limit])
    return Found(query, shown, len(hits), engine, {k: v for k, v in filters.items() if v})


def _within(day: dt.date | None, since: dt.date | None, until: dt.date | None) -> bool:
    if since is None and until is None:
        return True
    return day is not None and (since is None or day >= since) and (until is None or day <= until)


def _matching(query: Query, engine: str, source: str) -> tuple[str, dict[str, Any]]:
    """A CTE ``found(id, score)``: the rows of ``source`` (pages | messages) the query matches."""
    table, column = ("received_pages", "text") if source == "pages" else ("inbound_messages", "body")
    if engine == "sqlite":
        fts = f"{table}_fts"
        return (
            f"found AS (SELECT rowid AS id, -bm25({fts}) AS score FROM {fts} WHERE {fts} MATCH :match)",
            {"match": query.fts5()},
        )
    tsq, params = query.tsquery()
    vector = f"to_tsvector({CONFIG}, {column})"
    return f"found AS (SELECT id, ts_rank({vector}, {tsq}) AS score FROM {table} WHERE {vector} @@ {tsq})", params


def _request_filters(filters: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    where, params = [], dict[str, Any]()
    if filters["state"]:
        where.append("r.jurisdiction = :state")
        params["state"] = filters["state"]
    if filters["agency"]:
        from records_req.names import agency_key
        from records_req.store.reader import like_contains

        key = agency_key(filters["agency"])
        where.append("a.name_key LIKE :agency ESCAPE '\\'" if key else "1 = 0")
        params["agency"] = like_contains(key) if key else ""
    for n, tag in enumerate(filters["tags"]):
        where.append(f"r.id IN (SELECT request_id FROM request_tags WHERE tag = :tag{n})")
        params[f"tag{n}"] = tag
    return "".join(f" AND {w}" for w in where), params


def _pages(session: Session, query: Query, engine: str, filters: dict[str, Any]) -> list[Hit]:
    from sqlalchemy import text

    found, params = _matching(query, engine, "pages")
    where, more = _request_filters(filters)
    owners = (
        # the attachments of replies, matched to a request or not
        "SELECT p.id, p.sha256, p.page, f.score, m.request_id, ma.name, m.received_on, m.id AS message_id, "
        "NULL AS document_id, NULL AS created_at FROM found f JOIN received_pages p ON p.id = f.id "
        "JOIN message_attachments ma ON ma.sha256 = p.sha256 JOIN inbound_messages m ON m.id = ma.message_id "
        "UNION ALL "
        # the files kept with a request: a release confirmed, or attached by hand
        'SELECT p.id, p.sha256, p.page, f.score, d.request_id, d.original_name, e."on", NULL, d.id, d.created_at '
        "FROM found f JOIN received_pages p ON p.id = f.id "
        "JOIN documents d ON d.sha256 = p.sha256 AND d.role = 'received' LEFT JOIN events e ON e.id = d.event_id"
    )
    sql = (
        f"WITH {found}, owners AS ({owners}) SELECT o.*, r.jurisdiction, a.name AS agency FROM owners o "
        "LEFT JOIN requests r ON r.id = o.request_id LEFT JOIN agencies a ON a.id = r.agency_id "
        f"WHERE 1 = 1{where}"
    )
    out = []
    for row in session.execute(text(sql), params | more).mappings():
        day = _date(row["received_on"]) or _date(row["created_at"])
        out.append(
            Hit(
                row["request_id"], row["jurisdiction"], row["agency"], "file", row["name"], row["page"], day,
                row["message_id"], row["document_id"], row["sha256"], float(row["score"]), row["id"],
            )
        )  # fmt: skip
    return out


def _messages(session: Session, query: Query, engine: str, filters: dict[str, Any]) -> list[Hit]:
    from sqlalchemy import text

    found, params = _matching(query, engine, "messages")
    where, more = _request_filters(filters)
    sql = (
        f"WITH {found} SELECT m.id, f.score, m.request_id, m.subject, m.received_on, r.jurisdiction, "
        "a.name AS agency FROM found f JOIN inbound_messages m ON m.id = f.id "
        "LEFT JOIN requests r ON r.id = m.request_id LEFT JOIN agencies a ON a.id = r.agency_id "
        f"WHERE 1 = 1{where}"
    )
    out = []
    for row in session.execute(text(sql), params | more).mappings():
        out.append(
            Hit(
                row["request_id"], row["jurisdiction"], row["agency"], "message", row["subject"] or "(no subject)",
                None, _date(row["received_on"]), row["id"], None, None, float(row["score"]), row["id"],
            )
        )  # fmt: skip
    return out


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])  # SQLite's text


def _dedupe(hits: list[Hit]) -> list[Hit]:
    """One hit per request, file and page (a release's file is both the reply's attachment and the
    request's document): the earliest day, the request's document where there is one."""
    kept: dict[tuple[Any, ...], Hit] = {}
    for h in hits:
        key = (h.kind, h.request_id, h.sha256 if h.kind == "file" else h.message_id, h.page)
        was = kept.get(key)
        if was is None:
            kept[key] = h
            continue
        days = [d for d in (was.received_on, h.received_on) if d is not None]
        merged = Hit(
            was.request_id, was.jurisdiction, was.agency, was.kind, was.name, was.page,
            min(days) if days else None, was.message_id or h.message_id, was.document_id or h.document_id,
            was.sha256, max(was.score, h.score), was.row,
        )  # fmt: skip
        kept[key] = merged
    return list(kept.values())


def _with_snippets(session: Session, query: Query, engine: str, hits: list[Hit]) -> list[Hit]:
    """The hits with their snippets, computed for these rows only."""
    from dataclasses import replace

    from sqlalchemy import bindparam, text

    snippets: dict[tuple[str, int], str] = {}
    for kind, table, column in (("file", "received_pages", "text"), ("message", "inbound_messages", "body")):
        ids = sorted({h.row for h in hits if h.kind == kind})
        if not ids:
            continue
        if engine == "sqlite":
            fts = f"{table}_fts"
            sql = (
                f"SELECT rowid AS id, snippet({fts}, 0, :open, :close, '…', {SNIPPET_WORDS}) AS s FROM {fts} "
                f"WHERE {fts} MATCH :match AND rowid IN :ids"
            )
            params: dict[str, Any] = {"match": query.fts5(), "open": OPEN, "close": CLOSE}
        else:
            tsq, params = query.tsquery()
            options = (
                f'StartSel="{OPEN}", StopSel="{CLOSE}", MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}, '
                'MaxFragments=2, FragmentDelimiter=" … "'
            )
            sql = f"SELECT id, ts_headline({CONFIG}, {column}, {tsq}, :options) AS s FROM {table} WHERE id IN :ids"
            params = params | {"options": options}
        statement = text(sql).bindparams(bindparam("ids", expanding=True))
        for row in session.execute(statement, params | {"ids": ids}).mappings():
            snippets[(kind, row["id"])] = row["s"] or ""
    return [replace(h, segments=segments(snippets.get((h.kind, h.row), ""))) for h in hits]


def segments(marked: str) -> tuple[tuple[str, bool], ...]:
    """A snippet with :data:`OPEN`/:data:`CLOSE` marks as ``(text, matched)`` segments, its
    whitespace (a PDF's line breaks) made single spaces."""
    out: list[tuple[str, bool]] = []
    flat = re.sub(r"\s+", " ", marked).strip()
    for n, piece in enumerate(re.split(f"[{OPEN}{CLOSE}]", flat)):
        if not piece:
            continue
        matched = n % 2 == 1
        if out and out[-1][1] == matched:
            out[-1] = (out[-1][0] + piece, matched)
        else:
            out.append((piece, matched))
    return tuple(out)

"""Answers to the grounds agencies cite when they deny 287(g) records (``data/appeal_grounds.yaml``).

Pure: an appeal looks up the grounds the user names with ``--exemptions`` and argues each one,
so that the appeal addresses the agency's grounds, as appeal bodies require.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import NamedTuple

from records_req.errors import DataFileError
from records_req.resources import data_dir
from records_req.validation import Fields


class Ground(NamedTuple):
    key: str
    title: str
    match: tuple[str, ...]
    text: str
    citation: str | None
    federal: bool | None  # True: federal appeals only; False: state appeals only; None: both
    notes: tuple[tuple[str, str], ...] = ()  # (USPS code, what to tell the user there)
    states: tuple[str, ...] = ()  # the answer cites one state's law: used only there (empty: everywhere)
    replaces: tuple[str, ...] = ()  # general grounds this state answer takes the place of
    unless: tuple[str, ...] = ()  # phrases that contain a match word but are not this ground

    def fits(self, federal: bool, code: str | None) -> bool:
        """Whether this answer is true in the jurisdiction of the appeal."""
        if self.federal is not None and self.federal != federal:
            return False
        return not self.states or (code is not None and code.upper() in self.states)

    def answer(self) -> str:
        return f"{self.text.rstrip('.')} ({self.citation})." if self.citation else self.text


def _pattern(term: str) -> re.Pattern[str]:
    """A match term as a whole word or citation: 'ice record' never matches inside 'justice
    records'; a trailing '*' matches any ending ('investigat*': investigation, investigative)."""
    stem = term.endswith("*")
    core = re.escape(term.rstrip("*").lower()).replace(r"\ ", r"\s+")
    return re.compile(rf"(?<![a-z0-9]){core}" + ("" if stem else r"(?![a-z0-9])"))


def _matches(ground: Ground, text: str) -> bool:
    for phrase in ground.unless:  # "social security numbers" is not the security exemption
        text = _pattern(phrase).sub(" ", text)
    return any(_pattern(term).search(text) for term in ground.match)


def grounds_for(exemptions: str | None, federal: bool, code: str | None = None) -> list[Ground]:
    """The grounds named in an agency's denial, in the library's order, each once; a state's own
    answer (``states``) takes the place of the general answer to the same words."""
    if not exemptions:
        return []
    cited = _words(exemptions).lower()
    found = [g for g in load_grounds() if g.fits(federal, code) and _matches(g, cited)]
    replaced = {key for g in found if g.states for key in g.replaces}
    return [g for g in found if g.key not in replaced]


def _parts(exemptions: str) -> list[str]:
    """The separate grounds a user listed: split on semicolons, and on commas between bare tokens."""
    parts = [p.strip() for p in _split_outside_parentheses(exemptions) if p.strip()]
    out: list[str] = []
    for part in parts:
        pieces = [p.strip() for p in part.split(",")]
        if len(pieces) > 1 and all(_TOKEN.fullmatch(p) for p in pieces if p):
            out.extend(p for p in pieces if p)
        else:
            out.append(part)
    return out


_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _split_outside_parentheses(text: str) -> list[str]:
    """Split on semicolons and line breaks, but not inside parentheses: "A.R.S. § 39-121.01(D)(1)
    (records whose release is not in the best interests of the state; see Carlson)" is one ground."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        if ch in ";\n" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _as_text(part: str) -> str:
    """A command-line token as words ('law-enforcement' reads 'law enforcement'); other text as is."""
    return part.replace("-", " ") if _TOKEN.fullmatch(part) else part


def _words(exemptions: str) -> str:
    """The grounds as words, for matching."""
    return "; ".join(_as_text(p) for p in _parts(exemptions))


def exemptions_in_words(exemptions: str | None, federal: bool) -> str | None:
    """The agency's grounds as a letter may quote them: a command-line token ('law-enforcement')
    becomes the ground's name ('the law-enforcement or criminal-investigation exemption');
    anything the user wrote out is kept as written."""
    if not exemptions:
        return exemptions
    library = [g for g in load_grounds() if g.federal is None or g.federal == federal]
    words: list[str] = []  # a token is named by the general ground's title
    for part in _parts(exemptions):
        if _TOKEN.fullmatch(part):
            text = _as_text(part)
            found = next((g for g in library if _matches(g, text)), None)
            words.append(found.title if found else text)
        else:
            words.append(part)
    if len(words) <= 2:
        return " and ".join(words)
    return "; ".join(words[:-1]) + "; and " + words[-1]


def unanswered(exemptions: str | None, federal: bool, code: str | None = None) -> list[str]:
    """The grounds the user listed that no answer in the library matches."""
    if not exemptions:
        return []
    library = [g for g in load_grounds() if g.fits(federal, code)]
    out = []
    for part in _parts(exemptions):
        text = _as_text(part).lower()
        if not any(_matches(g, text) for g in library):
            out.append(part)
    return out


@cache
def load_grounds(path: Path | None = None) -> tuple[Ground, ...]:
    import yaml

    source = path or data_dir() / "appeal_grounds.yaml"
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataFileError(str(source), None, None, f"cannot read the appeal grounds ({exc})") from None
    if not isinstance(raw, dict):
        raise DataFileError(str(source), None, None, "expected a mapping of grounds")
    out = []
    for key, body in raw.items():
        f = Fields(str(source), str(key), body, "")
        federal = f.value("federal", False)
        if federal is not None and not isinstance(federal, bool):
            f.fail("federal", "must be true, false or absent")
        ground = Ground(
            key=str(key),
            title=f.text("title"),
            match=f.texts("match"),
            text=f.text("text"),
            citation=f.opt_text("citation"),
            federal=federal,
            notes=_notes(f),
            states=tuple(c.upper() for c in f.texts("states")),
            replaces=f.texts("replaces"),
            unless=f.texts("unless"),
        )
        if not ground.match:
            f.fail("match", "must list at least one word or citation")
        f.done()
        out.append(ground)
    return tuple(out)


def _notes(f: Fields) -> tuple[tuple[str, str], ...]:
    notes = f.sub("notes", required=False)
    if notes is None:
        return ()
    out = tuple((str(code), notes.text(str(code))) for code in list(notes.data))
    notes.done()
    return out


def cited_as(ground: Ground, exemptions: str | None) -> str | None:
    """How the agency's denial cited this ground (its own words, as the user gave them), so that
    the answer names the provision it answers; None for a command-line token."""
    if not exemptions:
        return None
    related = {ground.key, *ground.replaces, *(g.key for g in load_grounds() if ground.key in g.replaces)}
    others = [g for g in load_grounds() if g.key not in related]  # a part naming only this ground
    parts = [
        p
        for p in _parts(exemptions)
        if not _TOKEN.fullmatch(p) and _matches(ground, p.lower()) and not any(_matches(g, p.lower()) for g in others)
    ]

    def bare(text: str) -> str:
        return re.sub(r"[^a-z0-9]", "", text.lower())

    parts = [p for p in parts if bare(p) not in bare(ground.title)]  # the title already names it
    return "; ".join(parts) or None

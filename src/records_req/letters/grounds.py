"""Answers to the grounds agencies cite when they deny 287(g) records (``data/appeal_grounds.yaml``).

Pure: an appeal looks up the grounds the user names with ``--exemptions`` and argues each one,
so that the appeal addresses the agency's grounds, as appeal bodies require.
"""

from __future__ import annotations

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

    def answer(self) -> str:
        return f"{self.text.rstrip('.')} ({self.citation})." if self.citation else self.text


def grounds_for(exemptions: str | None, federal: bool) -> list[Ground]:
    """The grounds named in an agency's denial, in the library's order, each once."""
    if not exemptions:
        return []
    cited = exemptions.lower()
    return [
        g
        for g in load_grounds()
        if (g.federal is None or g.federal == federal) and any(word.lower() in cited for word in g.match)
    ]


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

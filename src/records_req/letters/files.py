"""Where letters are written, and how: safe names, atomic writes, no silent overwrites.

``out/<STATE>/<agency-slug>/<date>-<topics>[-<kind>].<ext>``. The slug is made from the agency's
name and is safe whatever the name holds: no separators, no ``..``, no control or reserved
names, and short enough for any filesystem. Files are written to a temporary file in the same
directory and moved into place, so a crash never leaves half a letter; an existing file is
replaced only with ``--force``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from records_req.names import agency_slug
from records_req.output import OUT_ENV, OutputError, default_out_dir, write_all, write_atomic

__all__ = [
    "OUT_ENV",
    "OutputError",
    "default_out_dir",
    "letter_paths",
    "letter_stem",
    "slugify",
    "write_all",
    "write_atomic",
]

MAX_SLUG = 60
MAX_NAME = 150  # bytes; far below the 255 most filesystems allow
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{n}" for p in ("com", "lpt") for n in range(10)}


def slugify(text: str, max_length: int = MAX_SLUG) -> str:
    """'Lee County Sheriff's Office' -> 'lee-county-sheriffs-office'; never empty, never unsafe."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    ascii_text = ascii_text.replace("'", "").replace("’", "")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    if not slug:  # a name in a non-Latin script: keep it unique and readable enough
        return f"agency-{digest}"
    if len(slug) > max_length:
        slug = slug[: max_length - 9].rstrip("-") + "-" + digest
    if slug in _WINDOWS_RESERVED:
        slug += "-agency"
    return slug


def letter_stem(date: str, topics: Sequence[str], kind: str) -> str:
    stem = f"{date}-{'+'.join(topics) or 'records'}"
    if kind != "initial":
        stem += f"-{kind}"
    if len(stem.encode("utf-8")) > MAX_NAME:
        digest = hashlib.sha256(stem.encode("utf-8")).hexdigest()[:8]
        stem = stem[: MAX_NAME - 9] + "-" + digest
    return stem


def download_name(code: str, agency: str, date: str, topics: Sequence[str], kind: str, extension: str) -> str:
    """The name a letter is offered under as a download: its saved file's folder and name in one
    ("FL-lee-county-sheriffs-office-2026-11-02-wso.pdf"), so both name a letter the same way."""
    stem = letter_stem(date, [slugify(t, 30) for t in topics], kind)
    return f"{code.upper()}-{agency_slug(agency)}-{stem}.{extension}"


def letter_paths(
    out_dir: Path,
    code: str,
    agency: str,
    date: str,
    topics: Sequence[str],
    kind: str,
    extensions: Sequence[str],
    root: Path | None = None,
    resolved: dict[Path, Path] | None = None,
) -> dict[str, Path]:
    """The files for one letter, checked to stay inside ``out_dir`` (``root``: ``out_dir``
    resolved already, by a caller that asks for many letters' files; ``resolved``: where such a
    caller keeps the state folders resolved so far, each then resolved once, not twice a letter)."""
    folder = out_dir / code.upper() / agency_slug(agency)  # one agency, one folder; two agencies, two
    stem = letter_stem(date, [slugify(t, 30) for t in topics], kind)
    paths = {ext: folder / f"{stem}.{ext}" for ext in extensions}
    root = root or out_dir.resolve()
    real_folder = _resolved(folder, resolved)
    for path in paths.values():
        if not _resolved(path, None, real_folder).is_relative_to(root):
            raise OutputError(f"Refusing to write outside {out_dir}: {path}")
    return paths


def _resolved(path: Path, folders: dict[Path, Path] | None, real_parent: Path | None = None) -> Path:
    """``path.resolve()``, from its folder resolved (``real_parent``, or kept in ``folders``):
    a name that is no symbolic link resolves to itself in the folder's real path."""
    if real_parent is None:
        if folders is None:
            return path.resolve()
        real_parent = folders.get(path.parent)
        if real_parent is None:
            real_parent = folders[path.parent] = path.parent.resolve()
    real = real_parent / path.name
    return real.resolve() if real.is_symlink() else real

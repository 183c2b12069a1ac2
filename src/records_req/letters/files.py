"""Where letters are written, and how: safe names, atomic writes, no silent overwrites.

``out/<STATE>/<agency-slug>/<date>-<topics>[-<kind>].<ext>``. The slug is made from the agency's
name and is safe whatever the name holds: no separators, no ``..``, no control or reserved
names, and short enough for any filesystem. Files are written to a temporary file in the same
directory and moved into place, so a crash never leaves half a letter; an existing file is
replaced only with ``--force``.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path

from records_req.errors import RecordsReqError

OUT_ENV = "RECORDS_REQ_OUT"
MAX_SLUG = 60
MAX_NAME = 150  # bytes; far below the 255 most filesystems allow
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{n}" for p in ("com", "lpt") for n in range(10)}


class OutputError(RecordsReqError):
    pass


def default_out_dir() -> Path:
    return Path(os.environ.get(OUT_ENV) or "out")


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


def letter_paths(
    out_dir: Path,
    code: str,
    agency: str,
    date: str,
    topics: Sequence[str],
    kind: str,
    extensions: Sequence[str],
) -> dict[str, Path]:
    """The files for one letter, checked to stay inside ``out_dir``."""
    folder = out_dir / code.upper() / slugify(agency)
    stem = letter_stem(date, [slugify(t, 30) for t in topics], kind)
    paths = {ext: folder / f"{stem}.{ext}" for ext in extensions}
    root = out_dir.resolve()
    for path in paths.values():
        if not path.resolve().is_relative_to(root):
            raise OutputError(f"Refusing to write outside {out_dir}: {path}")
    return paths


def write_all(
    files: Mapping[Path, bytes],
    force: bool,
    protected: Sequence[Path] = (),
    protected_dirs: Sequence[Path] = (),
) -> None:
    """Write every file atomically; refuse (before writing any) if one exists, unless forced.

    Never, even forced: onto a ``protected`` file (the live database and its journal files) or
    into a ``protected_dirs`` folder (the data directory's file store), nor over something that is
    not a regular file (a device, a FIFO, a directory)."""
    files_guarded = {q.resolve() for q in protected}
    dirs_guarded = [q.resolve() for q in protected_dirs]
    for path in files:
        target = path.resolve()
        if target in files_guarded or any(target.is_relative_to(d) for d in dirs_guarded):
            raise OutputError(f"Refusing to write {path}: it is the database or the tool's own files.")
        if path.exists() and not path.is_file():
            raise OutputError(f"Refusing to write {path}: it exists and is not a regular file.")
    existing = [p for p in files if p.exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise OutputError(f"{names} already exists. Use --force to replace it, or --date.")
    for path, data in files.items():
        write_atomic(path, data)


def _file_mode() -> int:
    """What a new file's permissions would be under the user's umask (mkstemp makes 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            Path(tmp).chmod(_file_mode())
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"Cannot write {path}: {exc.strerror or exc}") from None

"""Writing files safely: atomically, never over what the user did not ask to replace.

Used for letters, reports, bundles and exports alike. A file is written to a temporary file in
the same directory and moved into place, so a crash or Ctrl-C never leaves half a file; an
existing file is replaced only when forced; and some paths are never written at all.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple, TypedDict

from records_req.errors import RecordsReqError

OUT_ENV = "RECORDS_REQ_OUT"


class OutputError(RecordsReqError):
    pass


def default_out_dir() -> Path:
    """The letters' folder unless one is given: ``$RECORDS_REQ_OUT``, else ``out``."""
    return Path(os.environ.get(OUT_ENV) or "out")


class Protected(TypedDict):
    """What no output may replace (``write_all``'s keyword arguments): files and whole folders."""

    protected: list[Path]
    protected_dirs: list[Path]


class Guarded(NamedTuple):
    """What no output may replace (:class:`Protected`), resolved: :func:`guard`'s."""

    files: frozenset[Path]
    dirs: tuple[Path, ...]


def guard(protected: Sequence[Path] = (), protected_dirs: Sequence[Path] = ()) -> Guarded:
    """The protected files and folders resolved once, for a caller that writes many files."""
    return Guarded(frozenset(q.resolve() for q in protected), tuple(q.resolve() for q in protected_dirs))


def resolved(path: Path, folders: dict[Path, Path]) -> Path:
    """``path.resolve()``, its folder resolved once for all the paths of a call (kept in
    ``folders``): a name that is no symbolic link resolves to itself in its folder's real path
    (one lstat, where resolving it whole is one a folder of the path)."""
    if path.name in ("", ".", ".."):
        return path.resolve()
    real_parent = folders.get(path.parent)
    if real_parent is None:
        real_parent = folders[path.parent] = path.parent.resolve()
    real = real_parent / path.name
    try:
        link = stat.S_ISLNK(os.lstat(real).st_mode)
    except OSError:  # absent (or not to be looked at): resolve() takes it as it is, too
        link = False
    return real.resolve() if link else real


def write_all(
    files: Mapping[Path, bytes],
    force: bool,
    protected: Sequence[Path] = (),
    protected_dirs: Sequence[Path] = (),
    make_parents: bool = True,
    staged: Mapping[Path, Path] | None = None,
    guarded: Guarded | None = None,
) -> None:
    """Write every file atomically; refuse (before writing any) if one exists, unless forced.
    A file in ``staged`` was written ahead to that temporary file (:func:`stage`): it is moved into
    place after the same checks, or removed with them if they refuse.

    Never, even forced: onto a ``protected`` file (the live database and its journal files) or
    into a ``protected_dirs`` folder (the data directory's file store), nor over something that is
    not a regular file (a device, a FIFO, a directory). ``make_parents=False`` (a file the user
    named with ``-o``): its folder must exist, unless it is inside the default ``out/`` tree
    (a mistyped folder is refused, not created, at the root of the disk or anywhere).
    ``guarded``: ``protected`` and ``protected_dirs`` already resolved (:func:`guard`)."""
    try:
        files_guarded, dirs_guarded = guarded or guard(protected, protected_dirs)
        folders: dict[Path, Path] = {}
        for path in files:
            target = resolved(path, folders)
            if target in files_guarded or any(target.is_relative_to(d) for d in dirs_guarded):
                raise OutputError(f"Refusing to write {path}: it is the database or the tool's own files.")
            if path.exists() and not path.is_file():
                raise OutputError(f"Refusing to write {path}: it exists and is not a regular file.")
        existing = [p for p in files if p.exists()]
    except OSError as exc:  # a name too long, a folder we may not read...
        raise OutputError(f"Cannot write {exc.filename or 'the file'}: {exc.strerror or exc}") from None
    if not make_parents:  # after the checks above: a refused path is named for what it is
        refuse_missing_folders(files)
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise OutputError(f"{names} already exists. Use --force to replace it, or --date.")
    for path, data in files.items():
        write_atomic(path, data, staged=(staged or {}).get(path))


def refuse_missing_folders(files: Iterable[Path]) -> None:
    """One line for a file whose folder does not exist (outside the default ``out/`` tree)."""
    out = default_out_dir().resolve()
    for path in files:
        parent = path.resolve().parent
        try:
            if parent.is_dir() or parent == out or parent.is_relative_to(out):
                continue
        except OSError:
            pass
        raise OutputError(f"The folder {path.parent} does not exist: create it first, or write somewhere else.")


_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _temporary(path: Path) -> tuple[int, Path]:
    """A new temporary file beside ``path`` (``.NAME.PID.XXXXXXXX.tmp``), open for writing, made as
    mkstemp makes one but with the permissions a new file has under the user's umask (the file's
    own once it is moved into place), where mkstemp's 0600 took a chmod and two umask calls."""
    prefix = f".{path.name}.{os.getpid()}."
    for _ in range(tempfile.TMP_MAX):  # as many names as mkstemp tries
        tmp = path.parent / f"{prefix}{os.urandom(4).hex()}.tmp"
        try:
            return os.open(tmp, _TEMP_FLAGS | getattr(os, "O_BINARY", 0), 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(path.parent))


STALE_SECONDS = 3600  # a temporary file of the old naming (no process id) this old is abandoned


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def remove_stale_temps(path: Path) -> list[Path]:
    """Remove the temporary files an earlier write of ``path`` left when its process was killed
    (``.NAME.PID.XXXX.tmp`` whose process is gone; older ones without a PID after an hour)."""
    import glob
    import time

    removed = []
    prefix = f".{path.name}."
    for tmp in path.parent.glob(f"{glob.escape(prefix)}*.tmp"):
        middle = tmp.name[len(prefix) : -len(".tmp")]
        pid_text, dot, _ = middle.partition(".")
        try:
            if dot and pid_text.isdigit():
                stale = int(pid_text) != os.getpid() and not _alive(int(pid_text))
            else:
                stale = time.time() - tmp.lstat().st_mtime > STALE_SECONDS
            if stale and tmp.is_file() and not tmp.is_symlink():
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            continue
    return removed


def write_atomic(path: Path, data: bytes, *, staged: Path | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary file flushed to disk and then renamed, so the
    file is whole or absent after a crash; ``staged``: that temporary file, written ahead by
    :func:`stage`, only renamed now."""
    tmp = staged if staged is not None else stage(path, data)
    try:
        Path(tmp).replace(path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"Cannot write {path}: {exc.strerror or exc}") from None
        raise


def stage(path: Path, data: bytes, *, flush: bool = True) -> Path:
    """The first half of :func:`write_atomic`: ``data`` in a temporary file beside ``path``
    (``.NAME.PID.XXXX.tmp``), flushed to disk, with the permissions the file will have. Several
    can be written at once from threads (the disk flushes them together); the caller renames each
    with ``write_atomic(path, data, staged=tmp)`` or removes it (:func:`discard`).
    ``flush=False``: not flushed yet; the caller flushes many at once before it renames them
    (tracker.campaign.flush_to_disk)."""
    try:
        try:
            path.parent.mkdir(parents=True)  # a new folder holds no earlier temporary file
        except FileExistsError:
            remove_stale_temps(path)
        fd, tmp = _temporary(path)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                if flush:
                    handle.flush()
                    os.fsync(handle.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"Cannot write {path}: {exc.strerror or exc}") from None
    return tmp


def discard(staged: Iterable[Path]) -> None:
    """Remove temporary files :func:`stage` wrote that will not be used."""
    for tmp in staged:
        Path(tmp).unlink(missing_ok=True)

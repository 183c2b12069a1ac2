"""Read or replace whole jurisdiction entries of data/state_pra.yaml, safely side by side.

    python scripts/law_entry.py show MI               # print MI's entry, as it stands in the file
    python scripts/law_entry.py splice MI.yaml ...    # replace each entry the files hold
    python scripts/law_entry.py coverage MI           # the entry's coverage, field by field

A file given to ``splice`` holds one or more complete entries, each starting with ``- code: XX``.
Several researchers can splice at once: each splice holds an exclusive lock on the data file,
checks the whole result with the loader the program uses, and writes it atomically, or leaves the
file as it was and says why.
"""

from __future__ import annotations

import fcntl
import os
import re
import sys
import tempfile
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "state_pra.yaml"
ENTRY = re.compile(r"^- code: ([A-Z]{2})\s*$", re.MULTILINE)


def blocks(text: str) -> tuple[str, dict[str, tuple[int, int]]]:
    """The file's header and each entry's (start, end) offsets."""
    starts = [(m.group(1), m.start()) for m in ENTRY.finditer(text)]
    spans: dict[str, tuple[int, int]] = {}
    for i, (code, start) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else len(text)
        spans[code] = (start, end)
    header = text[: starts[0][1]] if starts else text
    return header, spans


def show(code: str) -> int:
    text = DATA.read_text(encoding="utf-8")
    _, spans = blocks(text)
    if code not in spans:
        print(f"no entry {code} in {DATA}", file=sys.stderr)
        return 1
    start, end = spans[code]
    sys.stdout.write(text[start:end])
    return 0


def check(text: str) -> str | None:
    """The loader's complaint about ``text`` as the law file, or None."""
    from records_req.errors import LawDataError
    from records_req.laws import _parse_yaml, _validate

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state_pra.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            _validate(path, _parse_yaml(path, text), fresh=False, text=text)
        except LawDataError as exc:
            return str(exc).replace(str(path), "state_pra.yaml")
    return None


def splice(files: list[str]) -> int:
    replacements: dict[str, str] = {}
    for name in files:
        new = Path(name).read_text(encoding="utf-8")
        _, spans = blocks(new)
        if not spans:
            print(f"{name}: holds no entry (a line '- code: XX')", file=sys.stderr)
            return 1
        for code, (start, end) in spans.items():
            replacements[code] = new[start:end].rstrip("\n") + "\n"
    lock_path = DATA.with_name(DATA.name + ".lock")
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        text = DATA.read_text(encoding="utf-8")
        _, spans = blocks(text)
        unknown = sorted(set(replacements) - set(spans))
        if unknown:
            print(f"no entry {', '.join(unknown)} in {DATA}: splice replaces entries only", file=sys.stderr)
            return 1
        out = text
        for code, (start, end) in sorted(spans.items(), key=lambda kv: -kv[1][0]):
            if code in replacements:
                out = out[:start] + replacements[code] + out[end:]
        problem = check(out)
        if problem:
            print(f"not spliced: {problem}", file=sys.stderr)
            return 1
        fd, tmp = tempfile.mkstemp(dir=DATA.parent, prefix=".state_pra.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(out)
        Path(tmp).replace(DATA)
    print(f"spliced {', '.join(sorted(replacements))} into {DATA}")
    return 0


def coverage(codes: list[str]) -> int:
    from records_req.laws import load_laws

    laws = load_laws(DATA)
    for code in codes or list(laws):
        j = laws.get_or_raise(code)
        cells = [f"{name}={status}" for name, status in j.coverage().items()]
        print(f"{j.code}: " + " ".join(cells))
    return 0


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] not in ("show", "splice", "coverage"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[1] == "show":
        return show(argv[2].upper()) if len(argv) == 3 else main([])
    if argv[1] == "splice":
        return splice(argv[2:]) if len(argv) > 2 else main([])
    return coverage([c.upper() for c in argv[2:]])


if __name__ == "__main__":
    sys.exit(main(sys.argv))

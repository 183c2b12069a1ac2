"""Every sentence the program marks for translation, and the ones a catalog has no translation for.

    python scripts/extract_messages.py            # lists the msgids es has no msgstr for; exit 1 if any
    python scripts/extract_messages.py --pot FILE # writes every msgid (a .pot for translators' tools)

What is marked, read with Babel's extractors (pybabel's):
- the dashboard's templates (src/records_req/web/templates): ``t("...")`` (Jinja2's extractor);
- the Python code: ``_("...")`` (records_req.wording's marker) and ``t("...")`` (a page's or a
  report's translator), and ``translator()("...")`` (read with ast, which Babel's extractor misses);
  the store's queries are left out (their ``t`` is a row).

Then, for each catalog (locale/<lang>/LC_MESSAGES/records_req.po), the msgids with no msgstr.
tests/test_spanish.py runs this, so a sentence added in English only fails the tests.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "records_req"
LOCALE = SRC / "locale"
KEYWORDS: dict[str, None] = {"_": None, "t": None}
METHODS = [
    ("store/**.py", "ignore"),
    ("**/templates/**.html", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]


def _called_translator(path: Path) -> Iterator[tuple[int, str]]:
    """``translator()("...")``: a call of a call, which Babel's tokenizer does not follow."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Call)
            and isinstance(node.func.func, ast.Name)
            and node.func.func.id == "translator"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def messages() -> dict[str, list[str]]:
    """msgid -> where it is marked (path:line, relative to src/records_req)."""
    from babel.messages.extract import extract_from_dir

    found: dict[str, list[str]] = {}
    for name, line, message, _comments, _context in extract_from_dir(
        str(SRC), METHODS, keywords=KEYWORDS, options_map={"**/templates/**.html": {}}
    ):
        text = message[0] if isinstance(message, tuple) else message
        if text:
            found.setdefault(text, []).append(f"{name}:{line}")
    for path in sorted(SRC.rglob("*.py")):
        for line, text in _called_translator(path):
            found.setdefault(text, []).append(f"{path.relative_to(SRC)}:{line}")
    return found


def parse_po(text: str) -> dict[str, str]:
    """The catalog's msgid -> msgstr (its header left out)."""
    import io

    from babel.messages.pofile import read_po

    catalog = read_po(io.StringIO(text))
    return {str(m.id): str(m.string) for m in catalog if m.id}


def untranslated(lang: str = "es") -> dict[str, list[str]]:
    """The marked msgids ``lang``'s catalog has no translation for, with where each is marked."""
    po = LOCALE / lang / "LC_MESSAGES" / "records_req.po"
    known = parse_po(po.read_text(encoding="utf-8"))
    return {msgid: where for msgid, where in messages().items() if not known.get(msgid)}


def write_pot(path: Path) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(project="records-req", domain="records_req")
    for msgid, where in messages().items():
        catalog.add(msgid, locations=[(w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])) for w in where])
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pot", type=Path, help="write every marked msgid to this .pot file")
    parser.add_argument("--lang", default="es")
    args = parser.parse_args()
    if args.pot:
        write_pot(args.pot)
        return 0
    missing = untranslated(args.lang)
    for msgid, where in missing.items():
        print(f"{where[0]}: {msgid!r}")
    print(f"{len(missing)} msgid(s) without a {args.lang} translation", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())

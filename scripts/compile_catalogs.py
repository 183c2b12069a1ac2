"""Compile the gettext catalogs (.po -> .mo) under src/records_req/locale.

    python scripts/compile_catalogs.py

The .mo files are committed, so an installed records-req needs no build step; a test checks
that each .mo matches its .po.
"""

from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "src" / "records_req" / "locale"


def parse_po(text: str) -> dict[str, str]:
    """msgid -> msgstr for a simple catalog (no plurals or contexts)."""
    messages: dict[str, str] = {}
    msgid: list[str] = []
    msgstr: list[str] = []
    target: list[str] | None = None

    def flush() -> None:
        if target is not None:
            messages["".join(msgid)] = "".join(msgstr)

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("msgid "):
            flush()
            msgid, msgstr = [ast.literal_eval(line[6:])], []
            target = msgid
        elif line.startswith("msgstr "):
            msgstr = [ast.literal_eval(line[7:])]
            target = msgstr
        elif line.startswith('"') and target is not None:
            target.append(ast.literal_eval(line))
    flush()
    return messages


def mo_bytes(messages: dict[str, str]) -> bytes:
    """The GNU .mo format: header, two offset tables, then the strings."""
    keys = sorted(messages)
    ids = b"".join(k.encode("utf-8") + b"\0" for k in keys)
    strs = b"".join(messages[k].encode("utf-8") + b"\0" for k in keys)
    n = len(keys)
    key_start = 7 * 4 + 16 * n
    value_start = key_start + len(ids)
    offsets_ids, offsets_strs, pos_id, pos_str = [], [], 0, 0
    for k in keys:
        size = len(k.encode("utf-8"))
        offsets_ids += [size, key_start + pos_id]
        pos_id += size + 1
        size = len(messages[k].encode("utf-8"))
        offsets_strs += [size, value_start + pos_str]
        pos_str += size + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, n, 7 * 4, 7 * 4 + 8 * n, 0, 0)
    return header + struct.pack(f"{2 * n}i", *offsets_ids) + struct.pack(f"{2 * n}i", *offsets_strs) + ids + strs


def main() -> None:
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        po.with_suffix(".mo").write_bytes(mo_bytes(parse_po(po.read_text(encoding="utf-8"))))
        print(f"compiled {po.with_suffix('.mo')}")


if __name__ == "__main__":
    sys.exit(main())

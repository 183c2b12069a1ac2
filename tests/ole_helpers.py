"""Compound files (MS-CFB, version 3), as Word, Excel and Outlook write them, built in the tests."""

from __future__ import annotations

import struct


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A compound file (MS-CFB v3) whose root holds ``streams`` (an Outlook .msg, a .doc, an .xls),
    each padded to 4096 bytes so they sit in ordinary sectors; directory sectors chained in the FAT."""
    free, end, fat_mark = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    names = list(streams)
    entries = len(names) + 1
    dir_sectors = (entries + 3) // 4
    fat = [fat_mark, *range(2, dir_sectors + 1), end]
    first_data = 1 + dir_sectors
    for i in range(len(names)):
        first = first_data + i * 8
        fat += [*range(first + 1, first + 8), end]
    fat += [free] * (128 - len(fat))
    header = bytearray(512)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<109I", header, 76, 0, *([free] * 108))

    def entry(name: str, kind: int, child: int, right: int, start: int, length: int) -> bytes:
        raw = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        raw[0 : len(encoded)] = encoded
        struct.pack_into("<HBB", raw, 64, len(encoded), kind, 1)
        struct.pack_into("<III", raw, 68, 0xFFFFFFFF, right, child)
        struct.pack_into("<IQ", raw, 116, start, length)
        return bytes(raw)

    directory = entry("Root Entry", 5, 1 if names else 0xFFFFFFFF, 0xFFFFFFFF, end, 0)
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else 0xFFFFFFFF
        directory += entry(name, 2, 0xFFFFFFFF, right, first_data + i * 8, 4096)
    directory += b"\x00" * (512 * dir_sectors - len(directory))
    data = b"".join(streams[n].ljust(4096, b"\x00") for n in names)
    return bytes(header) + struct.pack("<128I", *fat) + directory + data

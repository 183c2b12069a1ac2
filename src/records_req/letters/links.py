"""Web addresses in a letter's text: which ones become links, and where a long one may break.

Only ``http://`` and ``https://`` addresses become links (in the PDF a link annotation, in the
DOCX a hyperlink); any other scheme (``javascript:``, ``file:``, ``data:``...) stays plain text.
A sentence's closing punctuation after an address is not part of it.

A printed address too long for its line breaks after a ``/`` or ``_``, or, where no such break
fits, after a ``.``, ``-``, ``?``, ``&`` or ``=``: never inside a word without a mark, so that a
clerk reading it off the page can type it back.
"""

from __future__ import annotations

import re

_URL = re.compile(r"https?://[^\s<>\"'`{}|\\^]+", re.IGNORECASE)
_TRAILING = ".,;:!?"
_PREFERRED_BREAKS = "/_"
_OTHER_BREAKS = ".-?&="


def is_web_address(text: str) -> bool:
    """An ``http(s)://`` address with a host: the only kind of text that becomes a link."""
    if not text.lower().startswith(("http://", "https://")) or any(c.isspace() for c in text):
        return False
    from urllib.parse import urlsplit  # 8 ms with ipaddress: only for a letter that has an address

    try:
        return bool(urlsplit(text).hostname)
    except ValueError:  # a malformed port or IPv6 host
        return False


def _trim(url: str) -> str:
    """The address without the punctuation of the sentence around it."""
    closing = {")": "(", "]": "["}
    while url:
        last = url[-1]
        unmatched = last in closing and url.count(closing[last]) < url.count(last)
        if last not in _TRAILING and not unmatched:
            break
        url = url[:-1]
    return url


def split_links(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into pieces, each ``(piece, is_link)``; joined, the pieces are ``text``."""
    if "://" not in text:
        return [(text, False)] if text else []
    out: list[tuple[str, bool]] = []
    at = 0
    for match in _URL.finditer(text):
        url = _trim(match.group(0))
        if not is_web_address(url):
            continue
        if match.start() > at:
            out.append((text[at : match.start()], False))
        out.append((url, True))
        at = match.start() + len(url)
    if at < len(text):
        out.append((text[at:], False))
    return out


def has_links(text: str) -> bool:
    return any(is_link for _, is_link in split_links(text))


def break_pairs(url: str) -> list[tuple[str, str]]:
    """Where a web address may break across lines, as (head, tail) pairs to try in turn: the
    longest head that ends in ``/`` or ``_`` first, then those ending in ``.``, ``-``, ``?``,
    ``&`` or ``=``. Never inside the scheme (``https://``), never leaving an empty part."""
    start = url.find("://") + 3 if "://" in url else 0
    preferred: list[tuple[str, str]] = []
    other: list[tuple[str, str]] = []
    for i in range(len(url) - 2, start - 1, -1):
        char = url[i]
        if char in _PREFERRED_BREAKS:
            preferred.append((url[: i + 1], url[i + 1 :]))
        elif char in _OTHER_BREAKS:
            other.append((url[: i + 1], url[i + 1 :]))
    return preferred + other

"""One agency key: how every part of the program (ICE's lists, the directory, new requests,
campaigns, contacts, the dashboard's search) decides that two names are the same agency.

Pure, and a leaf module (imported by the sheet reader in a forked child before anything heavy).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Abbreviations agencies' names use for a whole word, as ICE's sheets and agencies write them.
ABBREVIATIONS = {
    "ft": "fort",
    "mt": "mount",
    "st": "saint",
    "ste": "sainte",
    "co": "county",
    "cnty": "county",
    "dept": "department",
    "twp": "township",
    "sherrif": "sheriff",  # a misspelling ICE's sheets carry
    "sherrifs": "sheriffs",
}
_WORD = re.compile(r"[^\W_]+")


def agency_key(name: str) -> str:
    """The name as compared: 'The Fairfax County Sheriff’s Office', 'Fairfax County Sheriff's
    Office' and 'fairfax county sheriffs office' are one key, as are 'Ft. Myers Police Dept.' and
    'Fort Myers Police Department'. Case, spacing, punctuation, apostrophes, a leading 'the' and
    the abbreviations above do not matter; letters of any script are kept."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = text.replace("'", "").replace("&", " and ")
    words = [ABBREVIATIONS.get(word, word) for word in _WORD.findall(text)]
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def county_key(text: str) -> str:
    """A county as compared: 'Harris', 'Harris County' and 'harris county ' are one key (as are
    Louisiana's parishes and Alaska's boroughs)."""
    words = text.lower().replace("\u2019", "'").split()
    while words and words[-1] in ("county", "parish", "borough", "co.", "co"):
        words.pop()
    return " ".join(words)


_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{n}" for p in ("com", "lpt") for n in range(10)}


def agency_slug(name: str, max_length: int = 60) -> str:
    """The agency's folder name under ``out/STATE/``: its key in ASCII with hyphens, so that one
    agency always has one folder, and two agencies never share one (a key that ASCII would change,
    such as 'peña' and 'pena', gets a short digest of the key)."""
    key = agency_key(name)
    ascii_key = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_key).strip("-")
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    if not slug:
        return f"agency-{digest}"
    if ascii_key != key:  # lossy: keep two keys that differ only in what ASCII drops apart
        slug = f"{slug[: max_length - 9].rstrip('-')}-{digest}"
    elif len(slug) > max_length:
        slug = slug[: max_length - 9].rstrip("-") + "-" + digest
    if slug in _WINDOWS_RESERVED:
        slug += "-agency"
    return slug

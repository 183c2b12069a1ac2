"""Labels for the PDF and HTML summaries, in English, or in English and Spanish (`--lang es`).

The Spanish comes from a gettext catalog (``locale/es/LC_MESSAGES/records_req.po``, compiled to
``.mo`` by ``python scripts/compile_catalogs.py``), so translators work in the usual tools.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "records_req"
LANGUAGES = ("en", "es")


@cache
def _catalog(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang])


def labeller(lang: str) -> Callable[[str], str]:
    """A function giving each label in English, or 'English / Español' for `es`."""
    if lang == "en":
        return lambda text: text
    translate = _catalog(lang).gettext

    def both(text: str) -> str:
        other = translate(text)
        return text if other == text else f"{text} / {other}"

    return both

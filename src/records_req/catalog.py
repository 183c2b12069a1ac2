"""The translations: one gettext catalog per language (``locale/<lang>/LC_MESSAGES/records_req.po``,
compiled to ``.mo`` by ``python scripts/compile_catalogs.py``), read by the words the program says
(records_req.wording), the reports' labels (records_req.reports.i18n) and the dashboard.

A core leaf: the standard library's gettext and nothing of the program's but the languages.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

from records_req.vocabulary import LANGUAGES

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "records_req"


@cache
def catalog(lang: str) -> gettext.NullTranslations:
    """The catalog of ``lang`` (one of records_req.vocabulary.LANGUAGES; English is the msgids)."""
    if lang == LANGUAGES[0] or lang not in LANGUAGES:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang])

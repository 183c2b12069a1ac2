"""Labels for the PDF and HTML summaries, in English, or in English and Spanish (`--lang es`).

The Spanish comes from a gettext catalog (``locale/es/LC_MESSAGES/records_req.po``, compiled to
``.mo`` by ``python scripts/compile_catalogs.py``), so translators work in the usual tools.
"""

from __future__ import annotations

from collections.abc import Callable

from records_req.catalog import DOMAIN as DOMAIN  # the catalogs are read there (a core leaf)
from records_req.catalog import LOCALE_DIR as LOCALE_DIR
from records_req.catalog import catalog
from records_req.vocabulary import LANGUAGES as LANGUAGES  # the languages spoken, defined once there

_catalog = catalog  # the name the dashboard's translator reads


def labeller(lang: str) -> Callable[[str], str]:
    """A function giving each label in English, or 'English / Español' for `es`."""
    if lang == "en":
        return lambda text: text
    translate = catalog(lang).gettext

    def both(text: str) -> str:
        other = translate(text)
        return text if other == text else f"{text} / {other}"

    return both

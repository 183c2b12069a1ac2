"""The dashboard's language and its words for the data: which language a page is in (the switch's
choice, kept in the session cookie, else the browser's Accept-Language), its catalog (through
Babel's support module), and the template filters that show statuses, events, dates, amounts and
sizes as people read them (records_req.labels) instead of the machine's tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from typing import Any

from flask import Blueprint, g, request, session

from records_req import labels

bp = Blueprint("words", __name__)
LANGS = labels.LANGS


def lang() -> str:
    """The page's language: the one chosen with the switch, else the browser's first choice that
    the dashboard speaks, else English. Worked out once per request (a list page asks it for every
    date and status it shows)."""
    chosen = session.get("lang")
    if chosen in LANGS:
        return str(chosen)
    found = getattr(g, "records_req_accept_lang", None)
    if found is None:
        found = g.records_req_accept_lang = request.accept_languages.best_match(LANGS, default="en") or "en"
    return str(found)


@cache
def _translations(code: str) -> Any:
    from babel.support import NullTranslations, Translations

    from records_req.reports.i18n import DOMAIN, LOCALE_DIR

    if code == "en":
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [code], DOMAIN)


def translator() -> Callable[[str], str]:
    """The page's catalog: gettext of its language."""
    found: Callable[[str], str] = _translations(lang()).gettext
    return found


@bp.app_template_filter("status_label")
def status_label(status: str) -> str:
    return labels.status_label(status, lang())


@bp.app_template_filter("event_label")
def event_label(kind: str) -> str:
    return labels.event_label(kind, lang())


@bp.app_template_filter("fact_label")
def fact_label(key: str) -> str:
    return labels.fact_label(key, lang())


@bp.app_template_filter("facts")
def facts(data: dict[str, Any]) -> list[tuple[str, str]]:
    return labels.facts_shown(data, lang())


@bp.app_template_filter("event_shown")
def event_shown(line: Any) -> tuple[str, list[tuple[str, str]]]:
    """A history line's label and facts, as every view names them (views.event_shown: an appeal
    where only a court reviews was a request to reconsider), in the page's words."""
    from records_req.views import event_shown as shown

    label, found = shown(line.kind, line.data)
    return labels.event_label(label, lang()), labels.facts_shown(found, lang())


@bp.app_template_filter("fact_value")
def fact_value(value: Any, key: str) -> str:
    return labels.fact_value(key, value, lang())


@bp.app_template_filter("long_date")
def long_date(day: dt.date | str | None) -> str:
    return labels.long_date(day, lang()) if day else ""


@bp.app_template_filter("short_date")
def short_date(day: dt.date | str | None) -> str:
    return labels.short_date(day, lang()) if day else ""


@bp.app_template_filter("size")
def size(count: int) -> str:
    return labels.size(int(count), lang())


@bp.app_template_filter("topic_title")
def topic_title(key: str) -> str:
    """A topic by its title in the page's language ("Costs and payments", "Costos y pagos"), not its key."""
    from records_req.topics import load_topics

    found = load_topics().get(key)
    return found.title_in(lang()) if found is not None else key


@bp.app_template_filter("warning")
def warning(value: Any) -> str:
    """A forced event's warning in the page's language (an older event's: its stored English)."""
    from records_req.wording import warning_words

    return warning_words(value, lang())


@bp.app_template_filter("role")
def role(name: str) -> str:
    return labels.ROLES[name].said(lang()) if name in labels.ROLES else name


@bp.app_template_filter("days")
def days(count: int) -> str:
    """'1 day', '3 days' ('1 día', '3 días')."""
    if lang() == "es":
        return f"{count} día" if count == 1 else f"{count} días"
    return f"{count} day" if count == 1 else f"{count} days"

"""What people read instead of the machine's tokens: the statuses, the events and their facts, in
English and Spanish, as one table each; dates written each language's way; sizes in kB and MB.

The tokens (``awaiting-response``, ``fee-estimate``...) stay what ``--json``, the filters and the
database use; every door that shows a status or an event to a person shows its label from here
(the dashboard, the reports, the command line's ``show``). The statuses' words are MuckRock's,
which the people who file records requests already know.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from records_req.vocabulary import LANGUAGES

LANGS = LANGUAGES  # the languages spoken, defined once in records_req.vocabulary


class Label(NamedTuple):
    en: str
    es: str

    def said(self, lang: str) -> str:
        return self.es if lang == "es" else self.en


# lifecycle.STATUSES -> its label (MuckRock's words; "denied" is their "Rejected").
STATUSES: dict[str, Label] = {
    "draft": Label("Draft, not sent", "Borrador, sin enviar"),
    "awaiting-ack": Label("Awaiting acknowledgement", "Esperando acuse de recibo"),
    "awaiting-response": Label("Awaiting response", "Esperando respuesta"),
    "fix-required": Label("Fix required", "Requiere aclaración"),
    "payment-required": Label("Payment required", "Requiere pago"),
    "partially-released": Label("Partially completed", "Completada en parte"),
    "completed": Label("Completed", "Completada"),
    "no-records": Label("No responsive documents", "Sin documentos pertinentes"),
    "denied": Label("Rejected", "Rechazada"),
    "appealed": Label("Appealed", "Apelada"),
    "in-litigation": Label("In litigation", "En litigio"),
    "withdrawn": Label("Withdrawn", "Retirada"),
}

# The status filters' groups (views.STATUS_GROUPS).
GROUPS: dict[str, Label] = {
    "open": Label("Open", "Abiertas"),
    "overdue": Label("Overdue", "Vencidas"),
    "closed": Label("Closed", "Cerradas"),
}

# lifecycle.EVENTS (and views.event_shown's "reconsideration requested") -> what happened.
EVENTS: dict[str, Label] = {
    "sent": Label("Request sent", "Solicitud enviada"),
    "acknowledged": Label("The agency acknowledged the request", "La agencia acusó recibo"),
    "extended": Label("The agency took more time", "La agencia amplió el plazo"),
    "clarification-requested": Label("The agency asked for a clarification", "La agencia pidió una aclaración"),
    "clarified": Label("You sent the clarification", "Usted envió la aclaración"),
    "fee-estimate": Label("The agency asked for a fee", "La agencia pidió un pago"),
    "fee-paid": Label("You paid the fee", "Usted pagó"),
    "fee-waived": Label("The agency waived the fee", "La agencia renunció al cobro"),
    "partial-release": Label("Some records arrived", "Llegaron algunos documentos"),
    "released": Label("The records arrived", "Llegaron los documentos"),
    "no-records": Label("The agency found no responsive documents", "La agencia no halló documentos pertinentes"),
    "denied": Label("The agency rejected the request", "La agencia rechazó la solicitud"),
    "appealed": Label("You appealed", "Usted apeló"),
    "reconsideration requested": Label("You asked the agency to reconsider", "Usted pidió a la agencia reconsiderar"),
    "appeal-decided": Label("The appeal was decided", "Se resolvió la apelación"),
    "withdrawn": Label("You withdrew the request", "Usted retiró la solicitud"),
    "sued": Label("You filed a court action", "Usted presentó una demanda"),
    "estimate": Label("The agency promised a date", "La agencia prometió una fecha"),
    "note": Label("Note", "Nota"),
    "reminder": Label("Reminder", "Recordatorio"),
    "followed-up": Label("Follow-up letter sent", "Se envió una carta de seguimiento"),
    "edit": Label("Changed", "Cambio"),
    "undo": Label("Undone", "Anulado"),
}

# An event's facts (lifecycle.EVENTS' fields) -> their names.
FACTS: dict[str, Label] = {
    "via": Label("How", "Cómo"),
    "tracking_number": Label("Tracking number", "Número de seguimiento"),
    "days": Label("Days", "Días"),
    "until": Label("Until", "Hasta"),
    "amount": Label("Amount", "Monto"),
    "exemptions": Label("Exemptions cited", "Excepciones citadas"),
    "body": Label("Appealed to", "Apelación ante"),
    "court": Label("Court", "Tribunal"),
    "outcome": Label("Outcome", "Resultado"),
    "text": Label("Reminder", "Recordatorio"),
    "document": Label("Letter", "Carta"),
    "on": Label("Date", "Fecha"),
    "note": Label("Note", "Nota"),
    "target": Label("Event", "Evento"),
    "attachments": Label("Attachments", "Adjuntos"),  # an inbox proposal's (records_req.inbox)
}

# Values of those facts that are tokens (deadlines.VIAS; an appeal's outcome).
VALUES: dict[str, Label] = {
    "mail": Label("by mail", "por correo postal"),
    "email": Label("by email", "por correo electrónico"),
    "portal": Label("through the agency's portal", "por el portal de la agencia"),
    "fax": Label("by fax", "por fax"),
    "hand": Label("by hand", "en mano"),
    "granted": Label("granted", "a favor"),
    "partial": Label("granted in part", "a favor en parte"),
    "denied": Label("denied", "en contra"),
}

# A document's role (views.Document.role).
ROLES: dict[str, Label] = {
    "letter": Label("letter", "carta"),
    "received": Label("from the agency", "de la agencia"),
}


def _said(table: Mapping[str, Label], token: str, lang: str) -> str:
    found = table.get(token)
    return found.said(lang) if found is not None else token.replace("-", " ").replace("_", " ")


def status_label(status: str, lang: str = "en") -> str:
    """'Awaiting response' for ``awaiting-response``; a status this version does not know (a newer
    database's) in words, its hyphens as spaces."""
    return _said(STATUSES, status, lang) if status not in GROUPS else GROUPS[status].said(lang)


def event_label(kind: str, lang: str = "en") -> str:
    return _said(EVENTS, kind, lang)


def fact_label(key: str, lang: str = "en") -> str:
    return _said(FACTS, key, lang)


def fact_value(key: str, value: Any, lang: str = "en") -> str:
    """A fact's value as a person reads it: a date written out, an amount in dollars, a token in
    words; the rest as given."""
    if value is None or value == "":
        return "-"
    if key in ("until", "on") and isinstance(value, str | dt.date):
        try:
            return long_date(value, lang)
        except ValueError:
            return str(value)
    if key == "amount" and isinstance(value, int | float) and not isinstance(value, bool):
        return money(value, lang)
    if key == "exemptions" and isinstance(value, str):
        return ", ".join(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, str) and value in VALUES:
        return VALUES[value].said(lang)
    return str(value)


def facts_shown(facts: Mapping[str, object], lang: str = "en") -> list[tuple[str, str]]:
    """An event's facts as (name, value) pairs, in words (a warning is shown apart)."""
    return [(fact_label(k, lang), fact_value(k, v, lang)) for k, v in facts.items() if k != "warning"]


def long_date(day: dt.date | str, lang: str = "en") -> str:
    """'December 6, 2026'; in Spanish '6 de diciembre de 2026' (Babel's CLDR data)."""
    from babel.dates import format_date

    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return format_date(day, "long", locale="es" if lang == "es" else "en_US")


def short_date(day: dt.date | str, lang: str = "en") -> str:
    """'Dec 6, 2026'; in Spanish '6 dic 2026' (tables, where a long date would wrap)."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return _short_date(day, "es" if lang == "es" else "en_US")


@lru_cache(maxsize=8192)
def _short_date(day: dt.date, locale: str) -> str:
    """Kept per day and language: a list page shows hundreds of dates, most of them alike."""
    from babel.dates import format_date

    return format_date(day, "medium", locale=locale)


def money(amount: float, lang: str = "en") -> str:
    """'$1,200.00'; in Spanish '1200,00 US$'."""
    from babel.numbers import format_currency

    return format_currency(amount, "USD", locale="es" if lang == "es" else "en_US")


def size(count: int, lang: str = "en") -> str:
    """A file's size as people read it: '980 bytes', '41 kB', '2.4 MB' ('2,4 MB' in Spanish)."""
    from babel.numbers import format_decimal

    locale = "es" if lang == "es" else "en_US"
    if count < 1000:
        return f"{count} bytes"
    if count < 1_000_000:
        return f"{format_decimal(round(count / 1000), locale=locale)} kB"
    return f"{format_decimal(round(count / 1_000_000, 1), locale=locale)} MB"

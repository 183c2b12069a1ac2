"""A refused sign-in is said in the page's language: the core gives the reason and the wait
(accounts.Refusal), the dashboard words them, with the wait rounded up as Babel writes it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from records_req.accounts import ADDRESS_LIMITS, Refusal

from .backend_marks import on_sqlite_only
from .cli_helpers import Tracker
from .test_web_accounts import TEAM, add, team_app


def attempt(client: Any, lang: str, password: str) -> Any:
    headers = TEAM | {"Accept-Language": lang}
    page = client.get("/login", headers=headers).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    form = {"name": "ana", "password": password, "csrf_token": token.group(1)}
    return client.post("/login", data=form, headers=headers)


@pytest.mark.usefixtures("cheap_passwords")
@on_sqlite_only  # the wording of a refusal; the counting in SQL is held on both in test_web_accounts
@pytest.mark.parametrize(
    ("lang", "wrong", "refused"),
    [
        ("en", "That name and password do not match an account.", "Too many failed sign-ins from this address."),
        (
            "es",
            "Ese nombre y esa contraseña no corresponden a ninguna cuenta.",
            "Demasiados intentos fallidos de inicio de sesión desde esta dirección.",
        ),
    ],
)
def test_a_refused_sign_in_is_said_in_the_pages_language(
    db_url: str, tmp_path: Path, lang: str, wrong: str, refused: str
) -> None:
    rr = Tracker(db_url, tmp_path)
    add(rr, "ana")
    client = team_app(rr).test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for _ in range(ADDRESS_LIMITS[0].amount):
        failed = attempt(client, lang, "wrong guess number")
        assert failed.status_code == 401 and wrong in failed.get_data(as_text=True)
    page = attempt(client, lang, "wrong guess number")
    assert page.status_code == 429
    text = page.get_data(as_text=True)
    assert refused in text, text
    assert ("Try again in" in text) == (lang == "en") and ("Vuelva a intentarlo dentro de" in text) == (lang == "es")


@pytest.mark.parametrize(
    ("seconds", "en", "es"),
    [
        (45, "Try again in 45 seconds.", "Vuelva a intentarlo dentro de 45 segundos."),
        (60, "Try again in 60 seconds.", "Vuelva a intentarlo dentro de 60 segundos."),
        (61, "Try again in 2 minutes.", "Vuelva a intentarlo dentro de 2 minutos."),  # never less than the wait
        (3600, "Try again in 60 minutes.", "Vuelva a intentarlo dentro de 60 minutos."),
        (3601, "Try again in 2 hours.", "Vuelva a intentarlo dentro de 2 horas."),
        (86400, "Try again in 24 hours.", "Vuelva a intentarlo dentro de 24 horas."),
    ],
)
def test_the_wait_is_rounded_up_and_written_in_each_language(tmp_path: Path, seconds: int, en: str, es: str) -> None:
    from records_req.web import Settings, create_app
    from records_req.web.pages import refusal_words, translator

    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'r.db'}", out_dir=tmp_path, secret_key=b"k" * 32))
    for lang, expected in (("en", en), ("es", es)):
        with app.test_request_context("/login", headers={"Accept-Language": lang}):
            assert refusal_words(Refusal("account", seconds), translator()).endswith(expected)

"""The dashboard's accounts beyond this computer: sessions the server can end (sign-out, a password
change, a removed account, even when the name comes back), a calendar address per account, and
sign-in guessing bounded per account and per address with a growing wait."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from flask import Flask

from records_req.web import Settings, create_app

from .backend_marks import on_sqlite_only
from .cli_helpers import Tracker
from .conftest import SqliteTemplate

if TYPE_CHECKING:
    from records_req.store.db import Store

TEAM = {"Host": "10.0.0.5:8765"}
PASSWORD = "correct horse battery staple"
COOKIE = "records_req_session"


@pytest.fixture
def real_cost_rr(db_url: str, tmp_path: Path) -> Tracker:
    """A tracker whose passwords are hashed at the real cost (records_req.accounts.METHOD)."""
    return Tracker(db_url, tmp_path)


@pytest.fixture
def rr(real_cost_rr: Tracker, cheap_passwords: None) -> Tracker:
    """A tracker whose passwords are hashed at a cost 32 times cheaper (conftest's cheap_passwords)."""
    return real_cost_rr


def team_app(rr: Tracker) -> Flask:
    return create_app(Settings(db_url=rr.url, out_dir=rr.tmp / "out", host="10.0.0.5", secret_key=b"k" * 32))


def add(rr: Tracker, name: str, password: str = PASSWORD) -> None:
    rr("users", "add", name, "--password-stdin", input_text=password + "\n")


def sign_in(app: Flask, name: str, password: str = PASSWORD, address: str = "10.0.0.7") -> Any:
    """A fresh browser signing in; returns its test client (with the session cookie)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    page = client.get("/login", headers=TEAM).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    client.post("/login", data={"name": name, "password": password, "csrf_token": token.group(1)}, headers=TEAM)
    return client


def cookie_of(client: Any) -> str:
    found = client.get_cookie(COOKIE, domain="10.0.0.5")
    assert found is not None, "not signed in"
    return str(found.value)


def opens(app: Flask, cookie: str) -> bool:
    """Whether a copy of this session cookie (say, on a stolen laptop) still opens the dashboard."""
    client = app.test_client()
    client.set_cookie(COOKIE, cookie, domain="10.0.0.5")
    return bool(client.get("/", headers=TEAM).status_code == 200)


def feed_address(client: Any) -> str:
    page = client.get("/reports", headers=TEAM).get_data(as_text=True)
    found = re.search(r"http://10\.0\.0\.5:8765(/calendar/[^<]+\.ics)", page)
    assert found, "no calendar address on the reports page"
    return found.group(1)


def feed_works(app: Flask, path: str) -> bool:
    got = app.test_client().get(path, headers=TEAM)
    return got.status_code == 200 and got.data.startswith(b"BEGIN:VCALENDAR")


# --- sessions the server ends --------------------------------------------------------------------


def test_a_session_cookie_stops_working_after_sign_out(rr: Tracker) -> None:
    add(rr, "ana")
    app = team_app(rr)
    browser = sign_in(app, "ana")
    kept = cookie_of(browser)  # a copy taken before signing out
    assert opens(app, kept)
    page = browser.get("/", headers=TEAM).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    assert browser.post("/logout", data={"csrf_token": token.group(1)}, headers=TEAM).status_code == 303
    assert not opens(app, kept)
    assert opens(app, cookie_of(sign_in(app, "ana")))  # signing in again works


def test_a_password_change_ends_every_session_and_only_the_new_password_signs_in(rr: Tracker) -> None:
    add(rr, "ana")
    add(rr, "bea")
    app = team_app(rr)
    laptop, phone, other = (
        cookie_of(sign_in(app, "ana")),
        cookie_of(sign_in(app, "ana")),
        cookie_of(sign_in(app, "bea")),
    )
    out = rr("users", "passwd", "ana", "--password-stdin", input_text="a much newer passphrase\n")
    assert "ana" in out
    assert not opens(app, laptop) and not opens(app, phone)
    assert opens(app, other)  # another account's sessions go on
    assert not opens(app, cookie_of(sign_in(app, "ana")))  # the old password no longer signs in
    assert opens(app, cookie_of(sign_in(app, "ana", "a much newer passphrase")))


# SQLite only: the command's prompts and refusals are the subject.
@on_sqlite_only
def test_users_passwd_asks_twice_checks_the_length_and_never_takes_the_password_as_an_argument(rr: Tracker) -> None:
    add(rr, "ana")
    rr("users", "passwd", "ana", input_text="another good password\nanother good password\n")
    rr("users", "passwd", "ana", "--password-stdin", input_text="short\n", code=2)
    rr("users", "passwd", "nobody", "--password-stdin", input_text="another good password\n", code=1)
    assert "No user 'nobody'" in rr.stderr
    rr("users", "passwd", "ana", "another good password", code=2)  # no such argument
    app = team_app(rr)
    assert opens(app, cookie_of(sign_in(app, "ana", "another good password")))


def test_a_removed_accounts_sessions_stay_dead_when_the_name_is_added_again(rr: Tracker) -> None:
    add(rr, "ana")
    app = team_app(rr)
    stolen = cookie_of(sign_in(app, "ana"))
    assert opens(app, stolen)
    rr("users", "remove", "ana")
    assert not opens(app, stolen)
    add(rr, "ana")  # the administrator's way to change a password, before `users passwd`
    assert not opens(app, stolen)
    add(rr, "bea")
    assert not opens(app, stolen)
    assert opens(app, cookie_of(sign_in(app, "ana")))


# SQLite only: the session's lifetime is in its signed cookie, not the database.
@on_sqlite_only
def test_a_session_still_expires_after_its_lifetime(rr: Tracker) -> None:
    from records_req.web import SESSION_HOURS

    add(rr, "ana")
    app = team_app(rr)
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC), tick=False) as clock:
        cookie = cookie_of(sign_in(app, "ana"))
        clock.shift(dt.timedelta(hours=SESSION_HOURS) - dt.timedelta(minutes=1))
        assert opens(app, cookie)
        clock.shift(dt.timedelta(minutes=2))
        assert not opens(app, cookie)


# --- password hashes ---------------------------------------------------------------------------


def old_format_hash(password: str) -> str:
    """A hash as records-req stored them before it used Werkzeug's: scrypt$N$r$p$salt$hash (base64)."""
    import base64
    import hashlib

    salt = b"sixteen byte salt"[:16]
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${2**14}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def stored_hash(rr: Tracker, name: str) -> str:
    from sqlalchemy import select

    from records_req.store.db import open_store
    from records_req.store.models import User

    with open_store(rr.url).read() as session:
        return str(session.scalar(select(User.password_hash).where(User.name == name)))


def test_an_account_from_before_werkzeugs_hashes_signs_in_and_its_hash_is_replaced(real_cost_rr: Tracker) -> None:
    rr = real_cost_rr
    from sqlalchemy import update

    from records_req.store.db import open_store
    from records_req.store.models import User

    add(rr, "ana")
    add(rr, "bea")
    with open_store(rr.url).write() as session:
        session.execute(update(User).values(password_hash=old_format_hash(PASSWORD)))
        session.execute(update(User).where(User.name == "bea").values(password_hash="scrypt:1:8:1$damaged$00"))
    app = team_app(rr)
    assert not opens(app, cookie_of(sign_in(app, "ana", "a wrong password here")))
    assert stored_hash(rr, "ana") == old_format_hash(PASSWORD)  # a failure changes nothing
    assert opens(app, cookie_of(sign_in(app, "ana")))
    assert stored_hash(rr, "ana").startswith("scrypt:32768:8:1$")  # Werkzeug's format from now on
    assert opens(app, cookie_of(sign_in(app, "ana")))  # and the same password still signs in
    assert sign_in(app, "bea").get("/", headers=TEAM).status_code == 302  # a damaged hash: refused, no crash


# --- the calendar feed ---------------------------------------------------------------------------


def test_each_account_has_its_own_calendar_address_which_ends_with_the_account(rr: Tracker) -> None:
    add(rr, "ana")
    add(rr, "bea")
    app = team_app(rr)
    ana, bea = feed_address(sign_in(app, "ana")), feed_address(sign_in(app, "bea"))
    assert ana != bea
    assert feed_works(app, ana) and feed_works(app, bea)
    assert feed_address(sign_in(app, "ana")) == ana  # stable: a calendar app keeps its subscription
    rr("users", "remove", "ana")
    assert not feed_works(app, ana)
    assert feed_works(app, bea)
    add(rr, "ana")
    assert not feed_works(app, ana)  # never again, for the new ana or anyone
    new_ana = feed_address(sign_in(app, "ana"))
    assert new_ana not in (ana, bea) and feed_works(app, new_ana)


def test_a_password_change_gives_a_new_calendar_address(rr: Tracker) -> None:
    add(rr, "ana")
    app = team_app(rr)
    old = feed_address(sign_in(app, "ana"))
    rr("users", "passwd", "ana", "--password-stdin", input_text="a much newer passphrase\n")
    assert not feed_works(app, old)
    assert feed_works(app, feed_address(sign_in(app, "ana", "a much newer passphrase")))


# SQLite only: the feed's address is signed with the server's key and its host, not stored.
@on_sqlite_only
def test_the_local_calendar_address_does_not_open_a_dashboard_served_to_a_team(rr: Tracker) -> None:
    add(rr, "ana")
    local = create_app(Settings(db_url=rr.url, out_dir=rr.tmp / "out", secret_key=b"k" * 32)).test_client()
    page = local.get("/reports", headers={"Host": "127.0.0.1:8765"}).get_data(as_text=True)
    found = re.search(r"http://127\.0\.0\.1:8765(/calendar/[^<]+\.ics)", page)
    assert found
    assert local.get(found.group(1), headers={"Host": "127.0.0.1:8765"}).status_code == 200
    assert not feed_works(team_app(rr), found.group(1))  # same secret key, served beyond: refused


# --- sign-in throttling: the limiter's decisions, on an injected clock -----------------------------


START = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path: Path, sqlite_template: SqliteTemplate) -> Iterator[Store]:
    """A database of its own for the throttle's counts (SQLite: the decisions, not the engine)."""
    from records_req.store.db import Store

    opened = Store(sqlite_template.copy(tmp_path / "throttle.db"))
    yield opened
    opened.dispose()


def attack(store: Store, addresses: list[str], names: list[str], hours: float) -> tuple[int, list[int]]:
    """A patient attacker: guesses as fast as allowed, waiting out each refusal. Returns how many
    guesses got through to a password check, and each wait it was told."""
    from records_req.accounts import sign_in_failed, sign_in_refusal

    guesses, waits = 0, []
    with time_machine.travel(START, tick=False) as clock:
        end = START + dt.timedelta(hours=hours)
        i = 0
        while dt.datetime.now(dt.UTC) < end:
            address, name = addresses[i % len(addresses)], names[i % len(names)]
            with store.write() as session:
                refused = sign_in_refusal(session, address, name)
                if refused is None:
                    sign_in_failed(session, address, name)
            if refused is None:
                guesses += 1
                i += 1
                clock.shift(0.05)  # 20 guesses a second when nothing stops it
            else:
                assert refused.retry_after >= 1
                waits.append(refused.retry_after)
                clock.shift(refused.retry_after)
    return guesses, waits


def assert_growing(waits: list[int]) -> None:
    """Up to a minute at first, then most of an hour, then many hours: each step waits longer."""
    assert waits and waits[0] <= 60
    first_long = next(i for i, w in enumerate(waits) if w > 600)
    first_longer = next(i for i, w in enumerate(waits) if w > 3600)
    assert 0 < first_long < first_longer
    assert max(waits[:first_long]) <= 60 and max(waits[:first_longer]) <= 3600


def test_guessing_one_account_from_one_address_is_refused_with_a_growing_wait(store: Store) -> None:
    from records_req.accounts import ADDRESS_LIMITS

    guesses, waits = attack(store, ["203.0.113.9"], ["ana"], hours=24)
    first = ADDRESS_LIMITS[0]
    assert guesses <= ADDRESS_LIMITS[-1].amount + first.amount  # a day's allowance, not 20 a second
    assert_growing(waits)


def test_guessing_one_account_from_many_addresses_is_refused_per_account(store: Store) -> None:
    from records_req.accounts import ACCOUNT_LIMITS

    addresses = [f"198.51.100.{n}" for n in range(1, 255)]
    guesses, waits = attack(store, addresses, ["ana"], hours=24)
    assert guesses <= ACCOUNT_LIMITS[-1].amount + ACCOUNT_LIMITS[0].amount
    assert_growing(waits)


def test_spraying_many_names_from_one_address_is_refused_per_address(store: Store) -> None:
    from records_req.accounts import ADDRESS_LIMITS

    guesses, _ = attack(store, ["203.0.113.9"], [f"user{n}" for n in range(500)], hours=24)
    assert guesses <= ADDRESS_LIMITS[-1].amount + ADDRESS_LIMITS[0].amount


def test_an_ipv6_client_is_one_address_across_its_64_block(store: Store) -> None:
    guesses, _ = attack(
        store, [f"2001:db8:1:2::{n:x}" for n in range(1, 300)], [f"user{n}" for n in range(500)], hours=1
    )
    from records_req.accounts import ADDRESS_LIMITS

    assert guesses <= max(limit.amount for limit in ADDRESS_LIMITS if limit.seconds <= 3600)


def test_the_throttle_refuses_one_account_not_others_and_forgets_after_the_window(store: Store) -> None:
    from records_req.accounts import ACCOUNT_LIMITS, sign_in_failed, sign_in_refusal

    per_minute = ACCOUNT_LIMITS[0].amount
    with time_machine.travel(START, tick=False) as clock, store.write() as session:
        for n in range(per_minute):
            assert sign_in_refusal(session, f"198.51.100.{n}", "ana") is None
            sign_in_failed(session, f"198.51.100.{n}", "ana")
        refused = sign_in_refusal(session, "198.51.100.200", "ana")
        assert refused is not None and refused.reason == "account" and 1 <= refused.retry_after <= 60
        assert sign_in_refusal(session, "198.51.100.200", "bea") is None
        clock.shift(refused.retry_after)
        assert sign_in_refusal(session, "198.51.100.200", "ana") is None


def test_the_counts_survive_a_restart_and_old_ones_are_removed(rr: Tracker) -> None:
    """The failures are rows of the database: a new server (a new app on the same database) still
    refuses the address, and a failure a day old is removed when the next one is counted."""
    from sqlalchemy import func, select

    from records_req.accounts import ADDRESS_LIMITS
    from records_req.store.db import open_store
    from records_req.store.models import SignInFailure

    add(rr, "ana")
    with time_machine.travel(START, tick=False) as clock:
        client = team_app(rr).test_client()
        client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
        for _ in range(ADDRESS_LIMITS[0].amount):
            assert try_password(client, "ana", "wrong guess number").status_code == 401
        restarted = team_app(rr).test_client()  # the server stopped and started again
        restarted.environ_base["REMOTE_ADDR"] = "203.0.113.9"
        refused = try_password(restarted, "ana", PASSWORD)
        assert refused.status_code == 429 and "from this address" in refused.get_data(as_text=True)
        with open_store(rr.url).read() as session:
            counted = session.scalar(select(func.count()).select_from(SignInFailure))
        assert counted == 2 * ADDRESS_LIMITS[0].amount  # each failure by address and by account
        clock.shift(ADDRESS_LIMITS[-1].seconds + 1)  # a day later
        assert try_password(restarted, "ana", "wrong guess number").status_code == 401
        with open_store(rr.url).read() as session:
            counted = session.scalar(select(func.count()).select_from(SignInFailure))
        assert counted == 2  # only the new failure, by address and by account


# --- sign-in throttling through the dashboard ----------------------------------------------------


def try_password(client: Any, name: str, password: str) -> Any:
    page = client.get("/login", headers=TEAM).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token.group(1)}, headers=TEAM)


def test_the_dashboard_refuses_guessing_with_a_clear_page_even_for_the_right_password(rr: Tracker) -> None:
    from records_req.accounts import ACCOUNT_LIMITS, ADDRESS_LIMITS

    add(rr, "ana")
    app = team_app(rr)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    with time_machine.travel(START, tick=False):
        for _ in range(ADDRESS_LIMITS[0].amount):
            assert try_password(client, "ana", "wrong guess number").status_code == 401
        refused = try_password(client, "ana", PASSWORD)  # right, but refused: it tells nothing
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        text = refused.get_data(as_text=True)
        assert "Too many failed sign-ins from this address" in text and "Traceback" not in text
        assert not opens(app, cookie_of(client))  # not signed in
        # From many addresses, the account itself is refused; another account is not.
        for n in range(ACCOUNT_LIMITS[0].amount - ADDRESS_LIMITS[0].amount):
            client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
            assert try_password(client, "ana", "wrong guess number").status_code == 401
        client.environ_base["REMOTE_ADDR"] = "192.0.2.77"
        refused = try_password(client, "ana", PASSWORD)
        assert refused.status_code == 429 and "for this account" in refused.get_data(as_text=True)
    add(rr, "bea")
    assert opens(app, cookie_of(sign_in(app, "bea", address="192.0.2.77")))


# SQLite only: which key a failure is counted under (the address, not the cookie) is decided before
# the database is asked; the counting in SQL runs on both backends in the test above.
@on_sqlite_only
def test_the_throttle_cookie_is_not_the_key_a_new_browser_changes_nothing(rr: Tracker) -> None:
    from records_req.accounts import ADDRESS_LIMITS

    add(rr, "ana")
    app = team_app(rr)
    with time_machine.travel(START, tick=False):
        for _ in range(ADDRESS_LIMITS[0].amount):
            client = app.test_client()  # no cookie carried over
            client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
            assert try_password(client, "ana", "wrong guess number").status_code == 401
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
        assert try_password(client, "ana", "wrong guess number").status_code == 429


def test_accounts_made_before_revocable_sessions_get_their_own_keys(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine, text

    from records_req.store.db import Store, _sqlite_setup, alembic_config
    from records_req.store.models import User

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    _sqlite_setup(engine)
    with engine.connect() as conn:
        command.upgrade(alembic_config(conn), "0009")
        conn.commit()
    with engine.begin() as conn:
        for name in ("ana", "bea"):
            conn.execute(
                text(
                    "INSERT INTO users (name, password_hash, created_at) VALUES (:n, 'scrypt$x', '2026-01-01 00:00:00')"
                ),
                {"n": name},
            )
    engine.dispose()
    store = Store(url)  # migrates to the newest revision on open
    with store.read() as session:
        users = session.query(User).order_by(User.name).all()
        keys = {u.session_key for u in users} | {u.feed_token for u in users}
        assert [u.name for u in users] == ["ana", "bea"] and len(keys) == 4
        assert all(len(k) >= 40 for k in keys)
    store.dispose()

"""Accounts for the dashboard when it serves beyond this computer: ``records-req users add``.

Passwords are hashed by Werkzeug's ``generate_password_hash(method="scrypt")`` (memory-hard;
RFC 7914; a random salt per account, compared in constant time by ``check_password_hash``). Only
the hash is stored. Hashes made by records-req before it used Werkzeug (``scrypt$N$r$p$salt$hash``,
base64) are still checked, and replaced by Werkzeug's on the account's next successful sign-in.

Sessions end on the server: each signed-in session carries its account's ``session_key``, checked
on every page. Signing out and a password change replace the key (ending every session of that
account, in every browser and every server process), removing the account deletes it, and an
account added again under the same name gets a new one. Each account has its own calendar address
(``feed_token``), which ends with the account and changes with its password.

Failed sign-ins are throttled per client address and per account name, in moving windows of a
minute, an hour and a day, so that each step a guesser takes makes the next wait longer: from one
address, 5 failures a minute, then 20 an hour, then 100 a day; for one account, from any number of
addresses, 10 a minute, 30 an hour, 200 a day. Only failures count (an office of people signing in
from one address is never slowed), and a refused attempt is not checked at all, so a right password
tells nothing while refused. An IPv6 client counts as its /64 block, which one household or server
usually holds whole.

The failures are rows of the database (``sign_in_failures``, migration 0021), so a restart forgets
nothing and every server process on the same database counts the same guesses. A check and its
record are in the login's own transaction. On SQLite that transaction holds the write lock, so
sign-ins queue; on PostgreSQL two checks at the very same moment (in two processes, or the two
password checks one process runs at once) may each pass with the count one short, so a limit can be
passed by at most the number of checks running at once.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import ipaddress
import math
import re
import threading
import time
from dataclasses import dataclass
from typing import Literal, NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from records_req.errors import NotFoundError, UsageError
from records_req.store.models import SignInFailure, User, new_secret

METHOD = "scrypt"  # Werkzeug's default cost: N=2**15, r=8, p=1 (about 32 MiB, ~0.1 s per check)
CURRENT = "scrypt:32768:8:1$"  # how a hash made with today's method and cost begins
MIN_PASSWORD = 12
NAME = re.compile(r"^[A-Za-z0-9._@-]{1,80}$")


def hash_password(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method=METHOD)


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``, a Werkzeug hash or one of the older format."""
    if stored.startswith("scrypt$"):
        return _verify_old(password, stored)
    from werkzeug.security import check_password_hash

    try:
        return check_password_hash(stored, password)
    except (ValueError, TypeError):  # a damaged hash (scrypt's parameters out of range)
        return False


def needs_rehash(stored: str) -> bool:
    """A hash of the older format, or of another cost than today's: replace it at the next sign-in."""
    return not stored.startswith(CURRENT)


def _verify_old(password: str, stored: str) -> bool:
    """The format records-req wrote before it used Werkzeug: ``scrypt$N$r$p$salt$hash`` (base64)."""
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=64 * 2**20,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"Choose a password of at least {MIN_PASSWORD} characters.")


def add_user(session: Session, name: str, password: str) -> User:
    if not NAME.match(name):
        raise UsageError("A user name is 1 to 80 letters, digits, '.', '_', '@' or '-'.")
    _check_password(password)
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise UsageError(f"There is already a user {name!r}; 'records-req users passwd {name}' changes the password.")
    user = User(name=name, password_hash=hash_password(password), session_key=new_secret(), feed_token=new_secret())
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFoundError(f"No user {name!r}; 'records-req users list' shows them.")
    return user


def remove_user(session: Session, name: str) -> None:
    """Remove an account: its sessions and its calendar address end with it."""
    session.delete(find_user(session, name))


def change_password(session: Session, name: str, password: str) -> User:
    """A new password: every session of the account ends, and its calendar address changes."""
    _check_password(password)
    user = find_user(session, name)
    user.password_hash = hash_password(password)
    user.session_key = new_secret()
    user.feed_token = new_secret()
    return user


def end_sessions(session: Session, name: str) -> None:
    """Sign out: every session of this account ends (a copy of the cookie opens nothing)."""
    user = session.scalar(select(User).where(User.name == name))
    if user is not None:
        user.session_key = new_secret()


def session_is_current(session: Session, name: object, key: object) -> bool:
    """A session cookie's account still exists and its key is the account's current one."""
    if not isinstance(name, str) or not isinstance(key, str):
        return False
    current = session.scalar(select(User.session_key).where(User.name == name))
    return current is not None and hmac.compare_digest(current.encode(), key.encode())


def feed_token_of(session: Session, name: object) -> str | None:
    """The secret part of this account's calendar address."""
    return session.scalar(select(User.feed_token).where(User.name == str(name))) if isinstance(name, str) else None


FEED_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def feed_owner(session: Session, token: str) -> User | None:
    """The account whose calendar address carries ``token`` (None: no account, or a removed one)."""
    if not FEED_TOKEN.match(token):
        return None
    user = session.scalar(select(User).where(User.feed_token == token))
    return user if user is not None and hmac.compare_digest(user.feed_token.encode(), token.encode()) else None


def users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


# A fixed hash to check against when the name is unknown, so that a wrong name and a wrong
# password take the same time.
@functools.cache
def _dummy() -> str:
    return hash_password("not a password")


# Each check takes about 32 MiB and a tenth of a second: a few at a time, whatever the number of
# requests (a flood of logins queues instead of exhausting memory). The throttle is asked inside
# the same slot, so that guesses queued in parallel in this process cannot all pass it at once.
_CHECKS = threading.BoundedSemaphore(2)


def check_login(session: Session, name: str, password: str, *, address: str | None) -> User | Refusal | None:
    """The account, if the name and password match; a Refusal if this address or this account has
    failed too often lately (the password is then not checked at all); None if they do not match,
    and the failure is counted (in ``session``, which must be a writing one).

    A match against an older hash stores the password's hash anew, so every account moves to
    today's format as its owner signs in."""
    user = session.scalar(select(User).where(User.name == name))
    with _CHECKS:
        refused = sign_in_refusal(session, address, name)
        if refused is not None:
            return refused
        ok = verify_password(password, user.password_hash if user is not None else _dummy())
        if not ok or user is None:
            sign_in_failed(session, address, name)
            return None
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
    return user


# --- sign-in throttling -------------------------------------------------------------------------


class Limit(NamedTuple):
    """At most ``amount`` failures in any ``seconds`` (a moving window)."""

    amount: int
    seconds: int


ADDRESS_LIMITS = (Limit(5, 60), Limit(20, 3600), Limit(100, 86400))
ACCOUNT_LIMITS = (Limit(10, 60), Limit(30, 3600), Limit(200, 86400))
KEPT = max(limit.seconds for limit in (*ADDRESS_LIMITS, *ACCOUNT_LIMITS))  # older failures are removed

Reason = Literal["address", "account"]


@dataclass(frozen=True)
class Refusal:
    """A sign-in refused before its password is checked: why, and the seconds to wait."""

    reason: Reason
    retry_after: int


def address_key(address: str | None) -> str:
    """The client as the throttle counts it: an IPv4 address, or an IPv6 client's /64 block."""
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def account_key(name: str) -> str:
    """The account name as typed (names are at most 80 characters; longer ones share one key)."""
    return name if NAME.match(name) else "(not an account name)"


def _keys(address: str | None, name: str) -> list[tuple[Reason, tuple[Limit, ...], str]]:
    return [("address", ADDRESS_LIMITS, address_key(address)), ("account", ACCOUNT_LIMITS, account_key(name))]


def sign_in_refusal(session: Session, address: str | None, name: str) -> Refusal | None:
    """None if this attempt may be checked; else why not, and for how long (the longest wait):
    a limit is reached when its window holds ``amount`` failures, and frees when the oldest of
    those leaves the window."""
    now = time.time()
    waits: list[tuple[int, Reason]] = []
    for reason, limits, key in _keys(address, name):
        newest = max(limit.amount for limit in limits)
        recent = list(
            session.scalars(
                select(SignInFailure.at)
                .where(SignInFailure.scope == reason, SignInFailure.key == key, SignInFailure.at > now - KEPT)
                .order_by(SignInFailure.at.desc())
                .limit(newest)
            )
        )
        for limit in limits:
            inside = [at for at in recent if at > now - limit.seconds]
            if len(inside) >= limit.amount:
                frees = inside[limit.amount - 1] + limit.seconds  # the oldest of the newest ``amount``
                waits.append((max(1, math.ceil(frees - now)), reason))
    if not waits:
        return None
    wait, reason = max(waits)
    return Refusal(reason, wait)


def sign_in_failed(session: Session, address: str | None, name: str) -> None:
    """Count a failed sign-in for its address and its account; forget failures older than a day."""
    now = time.time()
    session.execute(delete(SignInFailure).where(SignInFailure.at < now - KEPT))
    session.add_all(SignInFailure(scope=reason, key=key, at=now) for reason, _limits, key in _keys(address, name))
    session.flush()

"""Accounts for the dashboard when it serves beyond this computer: ``records-req users add``.

Passwords are hashed with scrypt (``hashlib.scrypt``, memory-hard; RFC 7914) with a random salt
per account, and compared in constant time. Only the hash is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from records_req.errors import UsageError
from records_req.store.models import User

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1  # about 32 MiB and a few tens of milliseconds per check
MIN_PASSWORD = 12
NAME = re.compile(r"^[A-Za-z0-9._@-]{1,80}$")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=64 * 2**20, dklen=32
    )
    encode = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
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


def add_user(session: Session, name: str, password: str) -> User:
    if not NAME.match(name):
        raise UsageError("A user name is 1 to 80 letters, digits, '.', '_', '@' or '-'.")
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"Choose a password of at least {MIN_PASSWORD} characters.")
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise UsageError(f"There is already a user {name!r}; 'records-req users remove {name}' first.")
    user = User(name=name, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def remove_user(session: Session, name: str) -> None:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise UsageError(f"No user {name!r}; 'records-req users list' shows them.")
    session.delete(user)


def users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


# A fixed hash to check against when the name is unknown, so that a wrong name and a wrong
# password take the same time.
_DUMMY = hash_password("not a password", salt=b"records-req-salt")


# Each check takes about 32 MiB and tens of milliseconds: a few at a time, whatever the number
# of requests (a flood of logins queues instead of exhausting memory), and a failed one waits.
_CHECKS = threading.BoundedSemaphore(2)
FAILED_LOGIN_DELAY = 0.5  # seconds


def check_login(session: Session, name: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.name == name))
    with _CHECKS:
        ok = verify_password(password, user.password_hash if user is not None else _DUMMY)
    if not ok:
        time.sleep(FAILED_LOGIN_DELAY)  # slows guessing; a right password never waits
    return user if ok and user is not None else None

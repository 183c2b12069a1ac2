"""The local web dashboard (``records-req serve``): the whole tool in a browser.

Every page calls the functions the command line calls (tracker.service, tracker.views,
reports.data, tracker.campaign...); nothing is computed here. The app is built by
:func:`create_app`, which the tests drive with Flask's test client.

Security, in :mod:`records_req.web.guard`: the server binds to 127.0.0.1 unless told otherwise,
checks the Host header (against DNS rebinding), puts a CSRF token on every form that changes
anything, sends its session cookie SameSite=Strict and HttpOnly, and, when it serves beyond this
computer, requires a login (accounts from ``records-req users add``) on every page; the server can
end those sessions, and failed sign-ins are throttled, counted in the database (records_req.accounts).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

MAX_UPLOAD = 25 * 2**20  # bytes: an agency's response, or one of ICE's sheets
SESSION_HOURS = 12


@dataclass(frozen=True)
class Settings:
    """How the dashboard runs: which database, where letters go, and who may reach it."""

    db_url: str | None = None
    out_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8765
    today: dt.date | None = None  # fixed "today" (tests, --as-of); None: the real date
    allowed_hosts: tuple[str, ...] = ()  # extra Host names a team reaches the server by
    behind_proxy: int = 0  # TLS reverse proxies in front (web.server trusts their X-Forwarded-For/-Proto)
    secret_key: bytes | None = None  # None: kept in the data directory, made on first use
    extra: dict[str, object] = field(default_factory=dict)  # Flask config for tests

    @property
    def local(self) -> bool:
        """Served only to this computer (loopback, with no proxy in front): no login needed."""
        if self.behind_proxy:
            return False  # a proxy on this computer brings the team's requests to a loopback address
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def trusted_hosts(self) -> list[str]:
        names = {"127.0.0.1", "localhost", "::1", "[::1]"} if self.local else set()
        names |= {self.host, *self.allowed_hosts}
        return sorted(n for n in names if n not in ("0.0.0.0", "::", ""))  # any-address: never a Host name


def secret_key(home: Path) -> bytes:
    """The key that signs session cookies: random, made once, kept in the data directory (0600)."""
    path = home / "web-secret"
    if path.is_file():
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    home.mkdir(parents=True, exist_ok=True)
    data = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return data


@cache
def _compiled_templates() -> Any:
    """The templates compiled once a process, for every app it makes (a server that makes one
    app gains nothing; the tests and the Python API, which make many, no longer parse and compile
    each page's template again for each: a fifth of their time). Jinja checks each template's
    source against the checksum kept with its code, so an edited template is compiled again."""
    from jinja2 import BytecodeCache

    class Compiled(BytecodeCache):
        def __init__(self) -> None:
            self.codes: dict[str, bytes] = {}

        def load_bytecode(self, bucket: Any) -> None:
            code = self.codes.get(bucket.key)
            if code is not None:
                bucket.bytecode_from_string(code)

        def dump_bytecode(self, bucket: Any) -> None:
            self.codes[bucket.key] = bucket.bytecode_to_string()

    return Compiled()


def create_app(settings: Settings | None = None) -> Flask:
    from flask import Flask

    from records_req.paths import data_home
    from records_req.web import guard, pages

    settings = settings or Settings()
    app = Flask(__name__)
    app.jinja_options = {**app.jinja_options, "bytecode_cache": _compiled_templates()}
    app.config.update(
        SECRET_KEY=settings.secret_key or secret_key(data_home()),
        SESSION_COOKIE_NAME="records_req_session",
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS),
        MAX_CONTENT_LENGTH=MAX_UPLOAD,
        TRUSTED_HOSTS=settings.trusted_hosts(),
        RECORDS_REQ=settings,
    )
    if settings.behind_proxy:  # reached through a TLS proxy: the cookie never travels in clear
        app.config.update(SESSION_COOKIE_SECURE=True)
    app.config.update(settings.extra)
    guard.install(app)
    app.register_blueprint(pages.bp)
    from records_req.web import mail

    app.register_blueprint(mail.bp)  # send a letter by email (records_req.mail)
    from records_req.web import ice

    app.register_blueprint(ice.bp)  # ICE's lists: what changed, the watches, "Update now"
    from records_req.web import search

    app.register_blueprint(search.bp)  # search what agencies sent (records_req.search)
    from records_req.web import words

    app.register_blueprint(words.bp)  # the page's language, and the data in people's words
    from records_req.web import inbox

    app.register_blueprint(inbox.bp)  # the agency's replies: the queue, review, dropped files (records_req.inbox)
    from records_req.tracker.jobs import Runner
    from records_req.web import jobs

    app.extensions["records_req_jobs"] = Runner()  # this server's jobs (records_req.tracker.jobs)
    app.register_blueprint(jobs.bp)  # a campaign's letters written or sent in a thread, followed, resumed
    return app

"""What every request to the dashboard passes before any page runs: the Host header, the login
(when serving beyond this computer), and the CSRF token of anything that changes something."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask
    from werkzeug.wrappers import Response

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN_PAGES = frozenset({"pages.login", "static", "pages.calendar_feed"})  # the feed has its own token


def csrf_token() -> str:
    """This session's CSRF token (made on first use): every form that changes anything sends it."""
    from flask import session

    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def install(app: Flask) -> None:
    from flask import abort, redirect, request, session, url_for
    from werkzeug.sansio.utils import host_is_trusted

    settings = app.config["RECORDS_REQ"]
    trusted = app.config["TRUSTED_HOSTS"]

    @app.before_request
    def check() -> Response | None:
        # 1. A page asked for by another name (DNS rebinding: evil.example resolving to 127.0.0.1)
        #    is refused before anything reads the database.
        host = request.headers.get("Host", "")
        if not host or not host_is_trusted(host, trusted):
            abort(400, description="This server does not answer to that host name.")
        # 2. Beyond this computer, every page but the login needs a signed-in user whose session
        #    the server has not ended, and a session expires after SESSION_HOURS.
        if not settings.local and request.endpoint not in OPEN_PAGES:
            since = session.get("login_at")
            fresh = isinstance(since, str) and _age(since) < app.permanent_session_lifetime
            if not session.get("user") or not fresh or not _current(settings, session["user"], session.get("key")):
                session.clear()
                if request.method in SAFE_METHODS:
                    return redirect(url_for("pages.login", next=request.full_path))
                abort(401, description="Sign in first.")
        # 3. Anything that changes something carries this session's token (a form field, or a
        #    header for scripts); SameSite=Strict cookies are the second lock.
        if request.method not in SAFE_METHODS:
            limit = app.config["MAX_CONTENT_LENGTH"]
            if request.content_length is not None and request.content_length > limit:
                abort(413)  # before the body is read at all
            sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
            expected = session.get("csrf")
            if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
                abort(403, description="This form has expired or did not come from this dashboard; reload the page.")
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
        if settings.behind_proxy and request.is_secure:  # reached through the team's TLS proxy
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.context_processor
    def template_globals() -> dict[str, Any]:
        return {"csrf_token": csrf_token, "signed_in": session.get("user"), "local": settings.local}


def _age(iso: str) -> dt.timedelta:
    try:
        then = dt.datetime.fromisoformat(iso)
    except ValueError:
        return dt.timedelta.max
    return dt.datetime.now(dt.UTC) - then


def _current(settings: Any, name: object, key: object) -> bool:
    """The signed-in account still exists and has not ended this session (sign-out, a new
    password, ``users remove``): checked in the database on every page, so in every process."""
    from records_req.accounts import session_is_current
    from records_req.workspace import Workspace

    with Workspace(db_url=settings.db_url).session() as session:
        return session_is_current(session, name, key)

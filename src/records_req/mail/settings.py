"""The user's own mail account: where letters are sent from.

The settings (server, port, user name, from address, security) live in a small JSON file in the
data directory, ``mail.json`` (mode 0600): they belong to the person on this computer, not to
the database, which a team may share on PostgreSQL. The password is never written there, nor
in the database: it comes from the environment (``RECORDS_REQ_SMTP_PASSWORD``), else from the
system keyring (the ``keyring`` library: Secret Service, macOS Keychain, Windows Credential
Locker), under the service ``records-req`` and the name ``smtp:<user>@<host>``.

Security: ``tls`` (implicit TLS, port 465) or ``starttls`` (port 587); the server's certificate
is always verified, against the system's authorities or a CA file given for a self-hosted
server. ``plain`` (no encryption) is refused unless asked for explicitly, for a local test server.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal, Protocol, cast

from records_req.errors import RecordsReqError, UsageError

PASSWORD_ENV = "RECORDS_REQ_SMTP_PASSWORD"
KEYRING_SERVICE = "records-req"
Security = Literal["tls", "starttls", "plain"]
SECURITIES: tuple[Security, ...] = ("tls", "starttls", "plain")
DEFAULT_PORTS: dict[str, int] = {"tls": 465, "starttls": 587, "plain": 25}


class MailSetupError(RecordsReqError):
    """The mail account is not set up, or its password cannot be found."""


@dataclass(frozen=True)
class MailSettings:
    host: str
    user: str
    from_email: str
    security: Security = "starttls"
    port: int | None = None  # None: the security's usual port
    from_name: str | None = None  # None: the requester's name from the profile
    cafile: str | None = None  # a CA bundle to trust (a self-hosted server's own certificate)
    insecure: bool = False  # plain text was asked for explicitly

    @property
    def server_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]

    @property
    def keyring_name(self) -> str:
        return f"smtp:{self.user}@{self.host}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"port": self.server_port}


def settings_path() -> Path:
    from records_req.paths import data_home

    return data_home() / "mail.json"


def load() -> MailSettings | None:
    """The saved settings, or None when none are saved."""
    path = settings_path()
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {k: v for k, v in data.items() if k in MailSettings.__dataclass_fields__}
        settings = MailSettings(**known)
    except (OSError, ValueError, TypeError) as exc:
        raise MailSetupError(f"The mail settings in {path} cannot be read: {exc}.") from None
    return check(settings)


def required() -> MailSettings:
    settings = load()
    if settings is None:
        raise MailSetupError("No mail account is set up for sending (server, user name and from address).")
    return settings


def check(settings: MailSettings) -> MailSettings:
    """The settings, or a clear error naming what is wrong."""
    from records_req.hygiene import email_problem

    if not settings.host or any(c.isspace() for c in settings.host):
        raise UsageError(f"{settings.host!r} is not a mail server's host name.")
    if settings.security not in SECURITIES:
        raise UsageError(f"Security must be one of {', '.join(SECURITIES)}, not {settings.security!r}.")
    if settings.port is not None and not 1 <= settings.port <= 65535:
        raise UsageError(f"The port must be from 1 to 65535, not {settings.port}.")
    if not settings.user:
        raise UsageError("The mail account needs a user name.")
    problem = email_problem(settings.from_email)
    if problem:
        raise UsageError(f"The from address {settings.from_email!r} is not an email address: {problem}.")
    if settings.security == "plain" and not settings.insecure:
        raise UsageError(
            "Sending without encryption exposes the password and the letters; it is only for a local "
            "test server, and must be asked for explicitly."
        )
    if settings.cafile is not None and not Path(settings.cafile).is_file():
        raise UsageError(f"The CA file {settings.cafile} does not exist.")
    return settings


def update(changes: dict[str, Any]) -> MailSettings:
    """Change the saved settings (None leaves a field as it was) and save them; returns them."""
    given = {k: v for k, v in changes.items() if v is not None}
    current = load()
    if current is None:
        missing = [name for name in ("host", "user", "from_email") if not given.get(name)]
        if missing:
            raise UsageError(f"A new mail account needs {', '.join(missing)}.")
        settings = MailSettings(**given)
    else:
        if given.get("security") and given["security"] != "plain" and "insecure" not in given:
            given["insecure"] = False
        settings = replace(current, **given)
    if settings.cafile:
        settings = replace(settings, cafile=str(Path(settings.cafile).expanduser().resolve()))
    save(check(settings))
    return settings


def save(settings: MailSettings | Any, path: Path | None = None) -> None:
    """Write the settings (a dataclass; ``path``: default mail.json) atomically, readable only by this user."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    data = json.dumps(asdict(settings), indent=2, sort_keys=True) + "\n"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def password(settings: MailSettings) -> tuple[str, str]:
    """The account's password and where it came from ("environment" or "keyring")."""
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env, "environment"
    found = keyring_call("get_password", settings)
    if found:
        return found, "keyring"
    raise MailSetupError(
        f"No password for {settings.user} on {settings.host}: none in the system keyring, and "
        f"{PASSWORD_ENV} is not set."
    )


def password_source(settings: MailSettings) -> str | None:
    """Where the password would come from ("environment", "keyring"), or None: never the password."""
    try:
        return password(settings)[1]
    except MailSetupError:
        return None


def store_password(settings: MailSettings, secret: str) -> None:
    """Keep the password in the system keyring (never in a file records-req writes)."""
    if not secret:
        raise UsageError("The password is empty.")
    keyring_call("set_password", settings, secret)


class Keyed(Protocol):
    """An account whose password the keyring keeps under ``keyring_name`` (SMTP here, IMAP in the inbox)."""

    @property
    def keyring_name(self) -> str: ...


def keyring_call(name: str, settings: Keyed, *args: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover - a dependency; only a broken install lacks it
        raise MailSetupError(f"The keyring library is not installed; set {PASSWORD_ENV} instead.") from None
    try:
        result = getattr(keyring, name)(KEYRING_SERVICE, settings.keyring_name, *args)
    except KeyringError as exc:
        raise MailSetupError(
            f"The system keyring cannot be used ({exc or type(exc).__name__}); set {PASSWORD_ENV} instead."
        ) from None
    return cast(str | None, result)

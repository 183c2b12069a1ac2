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
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, cast

from records_req.errors import RecordsReqError, UsageError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

PASSWORD_ENV = "RECORDS_REQ_SMTP_PASSWORD"
KEYRING_SERVICE = "records-req"
Security = Literal["tls", "starttls", "plain"]
SECURITIES: tuple[Security, ...] = ("tls", "starttls", "plain")
DEFAULT_PORTS: dict[str, int] = {"tls": 465, "starttls": 587, "plain": 25}


A = TypeVar("A", bound="DataclassInstance")  # an account's settings (a frozen dataclass)


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
    settings = read_account(settings_path(), MailSettings, MailSetupError, "mail settings")
    return check(settings) if settings else None


def read_account(path: Path, kind: type[A], error: type[RecordsReqError], what: str) -> A | None:
    """An account's settings saved at ``path`` (a dataclass ``kind``; unknown keys ignored), or
    None when none are saved; ``error`` names ``what`` cannot be read."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return kind(**{k: v for k, v in data.items() if k in kind.__dataclass_fields__})
    except (OSError, ValueError, TypeError) as exc:
        raise error(f"The {what} in {path} cannot be read: {exc}.") from None


def required() -> MailSettings:
    settings = load()
    if settings is None:
        raise MailSetupError("No mail account is set up for sending (server, user name and from address).")
    return settings


def check(settings: MailSettings) -> MailSettings:
    """The settings, or a clear error naming what is wrong."""
    from records_req.hygiene import email_problem

    check_server(settings, "The mail account")
    problem = email_problem(settings.from_email)
    if problem:
        raise UsageError(f"The from address {settings.from_email!r} is not an email address: {problem}.")
    check_transport(settings, "Sending without encryption exposes the password and the letters")
    return settings


def check_server(settings: Account, account: str) -> None:
    """The server, security, port and user name of an account (``account`` names it in the error)."""
    if not settings.host or any(c.isspace() for c in settings.host):
        raise UsageError(f"{settings.host!r} is not a mail server's host name.")
    if settings.security not in SECURITIES:
        raise UsageError(f"Security must be one of {', '.join(SECURITIES)}, not {settings.security!r}.")
    if settings.port is not None and not 1 <= settings.port <= 65535:
        raise UsageError(f"The port must be from 1 to 65535, not {settings.port}.")
    if not settings.user:
        raise UsageError(f"{account} needs a user name.")


def check_transport(settings: Account, exposes: str) -> None:
    """Plain text only when asked for (``exposes`` says what it would expose), and a CA file that exists."""
    if settings.security == "plain" and not settings.insecure:
        raise UsageError(f"{exposes}; it is only for a local test server, and must be asked for explicitly.")
    if settings.cafile is not None and not Path(settings.cafile).is_file():
        raise UsageError(f"The CA file {settings.cafile} does not exist.")


def update(changes: dict[str, Any]) -> MailSettings:
    """Change the saved settings (None leaves a field as it was) and save them; returns them."""
    settings = check(changed(load(), MailSettings, changes, ("host", "user", "from_email"), "A new mail account"))
    save(settings)
    return settings


Setting = str | int | bool | None  # a value given for a field of an account's settings


def changed(current: A | None, kind: type[A], changes: Mapping[str, Setting], needed: tuple[str, ...], new: str) -> A:
    """``current`` with ``changes`` (None leaves a field as it was), or a new ``kind`` from them,
    which must then give every ``needed`` field (``new`` names the account in the error). Choosing
    an encrypted security again drops an earlier "insecure"; a CA file is kept as an absolute path."""
    given = {k: v for k, v in changes.items() if v is not None}
    if current is None:
        missing = [name for name in needed if not given.get(name)]
        if missing:
            raise UsageError(f"{new} needs {', '.join(missing)}.")
        settings = kind(**given)
    else:
        if given.get("security") and given["security"] != "plain" and "insecure" not in given:
            given["insecure"] = False
        settings = replace(current, **given)
    cafile = getattr(settings, "cafile", None)
    if cafile:
        settings = replace(settings, cafile=str(Path(cafile).expanduser().resolve()))
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
    return account_password(settings, PASSWORD_ENV, MailSetupError)


def account_password(settings: Account, env: str, error: type[RecordsReqError]) -> tuple[str, str]:
    """An account's password, from the environment variable ``env`` else the keyring, and where it
    came from ("environment" or "keyring"); ``error`` when neither has it."""
    from_env = os.environ.get(env)
    if from_env:
        return from_env, "environment"
    found = keyring_call("get_password", settings, env=env)
    if found:
        return found, "keyring"
    raise error(
        f"No password for {settings.user} on {settings.host}: none in the system keyring, and {env} is not set."
    )


def password_source(settings: MailSettings) -> str | None:
    """Where the password would come from ("environment", "keyring"), or None: never the password."""
    try:
        return password(settings)[1]
    except MailSetupError:
        return None


def store_password(settings: MailSettings, secret: str) -> None:
    """Keep the password in the system keyring (never in a file records-req writes)."""
    keep_password(settings, secret, PASSWORD_ENV)


def keep_password(settings: Account, secret: str, env: str) -> None:
    """Keep an account's password in the system keyring (``env`` is named if the keyring fails)."""
    if not secret:
        raise UsageError("The password is empty.")
    keyring_call("set_password", settings, secret, env=env)


class Account(Protocol):
    """A mail account (SMTP here, IMAP in the inbox): its server, and the name the keyring keeps
    its password under."""

    @property
    def host(self) -> str: ...
    @property
    def user(self) -> str: ...
    @property
    def security(self) -> str: ...
    @property
    def port(self) -> int | None: ...
    @property
    def cafile(self) -> str | None: ...
    @property
    def insecure(self) -> bool: ...
    @property
    def keyring_name(self) -> str: ...


def keyring_call(name: str, settings: Account, *args: str, env: str = PASSWORD_ENV) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover - a dependency; only a broken install lacks it
        raise MailSetupError(f"The keyring library is not installed; set {env} instead.") from None
    try:
        result = getattr(keyring, name)(KEYRING_SERVICE, settings.keyring_name, *args)
    except KeyringError as exc:
        raise MailSetupError(
            f"The system keyring cannot be used ({exc or type(exc).__name__}); set {env} instead."
        ) from None
    return cast(str | None, result)

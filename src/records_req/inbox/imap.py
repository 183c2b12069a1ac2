"""Reading the agency's replies from the user's own mailbox over IMAP.

The account is kept as the sending account is (records_req.mail.settings): a small JSON file in
the data directory, ``imap.json`` (mode 0600), never the password, which comes from
``RECORDS_REQ_IMAP_PASSWORD`` or the system keyring (``imap:<user>@<host>``). Security: ``tls``
(implicit TLS, port 993) or ``starttls`` (port 143), the certificate always verified (a CA file
for a self-hosted server); ``plain`` only when asked for explicitly, for a local test server.

:func:`fetch` opens the folder read-only (EXAMINE: nothing is marked read or moved) and takes in
the messages whose UID is above the last one taken from that folder; the folder's UIDVALIDITY is
kept with it, and when the server renumbers the folder (a new UIDVALIDITY) it is read again from
the start, the messages already taken in being recognised by their hash and Message-ID. The whole
fetch is one transaction: if the connection breaks, nothing is recorded and the next fetch starts
from the same place.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from records_req.errors import RecordsReqError, UsageError
from records_req.mail.settings import (
    account_password,
    changed,
    check_server,
    check_transport,
    keep_password,
    read_account,
    save,
)

if TYPE_CHECKING:
    import imaplib

    from records_req.inbox.intake import Taken
    from records_req.workspace import Workspace

PASSWORD_ENV = "RECORDS_REQ_IMAP_PASSWORD"
Security = Literal["tls", "starttls", "plain"]
SECURITIES: tuple[Security, ...] = ("tls", "starttls", "plain")
DEFAULT_PORTS: dict[str, int] = {"tls": 993, "starttls": 143, "plain": 143}
TIMEOUT = 30.0


class ImapError(RecordsReqError):
    """The mailbox cannot be reached, refuses the account, or has no such folder."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    user: str
    security: Security = "tls"
    port: int | None = None
    folder: str = "INBOX"
    cafile: str | None = None
    insecure: bool = False

    @property
    def server_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]

    @property
    def keyring_name(self) -> str:
        return f"imap:{self.user}@{self.host}"

    @property
    def account(self) -> str:
        return f"{self.user}@{self.host}:{self.server_port}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"port": self.server_port}


def settings_path() -> Path:
    from records_req.paths import data_home

    return data_home() / "imap.json"


def load() -> ImapSettings | None:
    settings = read_account(settings_path(), ImapSettings, ImapError, "mailbox settings")
    return check(settings) if settings else None


def required() -> ImapSettings:
    settings = load()
    if settings is None:
        raise ImapError("No mailbox is set up for reading replies (server and user name).")
    return settings


def check(settings: ImapSettings) -> ImapSettings:
    check_server(settings, "The mailbox")
    if not settings.folder or any(c in settings.folder for c in "\r\n\x00"):
        raise UsageError("The folder needs a name on one line.")
    check_transport(settings, "Reading mail without encryption exposes the password and the replies")
    return settings


def update(changes: dict[str, Any]) -> ImapSettings:
    settings = check(changed(load(), ImapSettings, changes, ("host", "user"), "A new mailbox"))
    save(settings, settings_path())
    return settings


def password(settings: ImapSettings) -> tuple[str, str]:
    """The mailbox's password and where it came from ("environment" or "keyring")."""
    return account_password(settings, PASSWORD_ENV, ImapError)


def store_password(settings: ImapSettings, secret: str) -> None:
    keep_password(settings, secret, PASSWORD_ENV)


# --- reading ----------------------------------------------------------------------------------------


def connect(settings: ImapSettings, secret: str, *, timeout: float = TIMEOUT) -> imaplib.IMAP4:
    """A signed-in connection to the mailbox; one clear error when that fails."""
    import imaplib
    import socket
    import ssl

    where = f"{settings.host}:{settings.server_port}"
    context = ssl.create_default_context(cafile=settings.cafile)
    imap: imaplib.IMAP4 | None = None
    try:
        if settings.security == "tls":
            imap = imaplib.IMAP4_SSL(settings.host, settings.server_port, ssl_context=context, timeout=timeout)
        else:
            imap = imaplib.IMAP4(settings.host, settings.server_port, timeout=timeout)
            if settings.security == "starttls":
                if "STARTTLS" not in imap.capabilities:
                    raise ImapError(f"The mail server {where} does not offer STARTTLS; nothing was read.")
                imap.starttls(ssl_context=context)
        imap.login(settings.user, secret)
        return imap
    except ImapError:
        _close(imap)
        raise
    except ssl.SSLCertVerificationError as exc:
        _close(imap)
        raise ImapError(
            f"The certificate of the mail server {where} cannot be verified ({exc.verify_message}); nothing was "
            "read. A self-hosted server's own certificate can be trusted with a CA file."
        ) from None
    except imaplib.IMAP4.error as exc:
        _close(imap)
        said = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ImapError(
            f"The mail server {where} refused the user name or password for {settings.user} ({said[:200]}); "
            "nothing was read."
        ) from None
    except OSError as exc:
        _close(imap)
        reason = exc.strerror or str(exc) or type(exc).__name__
        if isinstance(exc, socket.gaierror):
            reason = f"unknown host ({reason})"
        raise ImapError(f"Cannot reach the mail server {where}: {reason}; nothing was read.") from None


def _close(imap: imaplib.IMAP4 | None) -> None:
    if imap is None:
        return
    with contextlib.suppress(Exception):  # already broken: nothing more to say to it
        imap.logout()


def quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Fetched:
    account: str
    folder: str
    uidvalidity: int
    last_uid: int
    renumbered: bool
    taken: list[Taken] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "folder": self.folder,
            "uidvalidity": self.uidvalidity,
            "last_uid": self.last_uid,
            "renumbered": self.renumbered,
            "messages": [t.to_json() for t in self.taken],
        }


def fetch(
    workspace: Workspace,
    settings: ImapSettings,
    secret: str,
    *,
    folder: str | None = None,
    home: Path | None = None,
    max_attachment: int | None = None,
) -> Fetched:
    """Take in the folder's messages not read before (see the module's note)."""
    import imaplib

    from sqlalchemy import select

    from records_req.inbox.intake import MAX_ATTACHMENT, take_in
    from records_req.paths import data_home
    from records_req.store.models import ImapFolder, utcnow

    folder = folder or settings.folder
    home = home or data_home()
    today = workspace.today
    imap = connect(settings, secret)
    try:
        typ, data = imap.select(quoted(folder), readonly=True)
        if typ != "OK":
            raise ImapError(f"The mailbox {settings.account} has no folder {folder!r}{_folders(imap)}.")
        validity = int(imap.response("UIDVALIDITY")[1][0] or b"0")
        with workspace.write() as session:
            state = session.scalar(
                select(ImapFolder).where(ImapFolder.account == settings.account, ImapFolder.folder == folder)
            )
            renumbered = state is not None and state.uidvalidity != validity
            last = state.last_uid if state is not None and not renumbered else 0
            typ, data = imap.uid("SEARCH", f"UID {last + 1}:*")
            if typ != "OK":
                raise ImapError(f"The mail server would not list the folder {folder!r}.")
            uids = sorted(u for u in (int(x) for x in (data[0] or b"").split()) if u > last)
            taken = []
            for uid in uids:
                typ, parts = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
                raw = next((p[1] for p in parts if isinstance(p, tuple)), None) if typ == "OK" else None
                if raw is None:
                    raise ImapError(f"The mail server did not hand over message UID {uid} of {folder!r}.")
                taken.append(
                    take_in(
                        session, raw, source=f"imap://{settings.account}/{folder};UIDVALIDITY={validity};UID={uid}",
                        home=home, today=today, max_attachment=max_attachment or MAX_ATTACHMENT,
                    )
                )  # fmt: skip
                last = uid
            if state is None:
                state = ImapFolder(account=settings.account, folder=folder, uidvalidity=validity, last_uid=last)
                session.add(state)
            state.uidvalidity, state.last_uid, state.updated_at = validity, last, utcnow()
            return Fetched(settings.account, folder, validity, last, renumbered, taken)
    except (imaplib.IMAP4.error, OSError) as exc:
        raise ImapError(f"The connection to {settings.account} broke ({exc}); nothing was recorded.") from None
    finally:
        _close(imap)


def _folders(imap: imaplib.IMAP4) -> str:
    try:
        typ, data = imap.list()
    except Exception:
        return ""
    names = []
    for line in data if typ == "OK" else []:
        if isinstance(line, bytes):
            names.append(line.decode("utf-8", "replace").rsplit(" ", 1)[-1].strip('"'))
    return f" (its folders: {', '.join(names)})" if names else ""

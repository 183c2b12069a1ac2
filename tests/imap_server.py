"""A real IMAP server for the inbox's tests: Debian's Dovecot, started in a scratch configuration
(a throwaway folder, a passwd-file user, Maildir storage, 127.0.0.1 on a free port, STARTTLS with a
certificate made by the test; plain IMAP allowed only on the loopback for the tests that ask for
it). Messages are put in its folders with IMAP APPEND. Skipped, with the reason, without dovecot."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from .mail_server import free_port, make_certificates

USER, PASSWORD = "ana@example.org", "imap-secret"
DOVECOT = shutil.which("dovecot") or next(
    (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)), None
)
STARTUP = 20.0  # seconds to wait for the server to accept connections


@dataclass
class Imap:
    host: str
    port: int
    cafile: Path

    def connect(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        imap.starttls(ssl_context=ssl.create_default_context(cafile=str(self.cafile)))
        imap.login(USER, PASSWORD)
        return imap

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        imap = self.connect()
        try:
            if folder != "INBOX":
                imap.create(f'"{folder}"')
            typ, data = imap.append(f'"{folder}"', None, None, raw)
            assert typ == "OK", data
        finally:
            imap.logout()

    def recreate(self, folder: str) -> None:
        """Delete and create the folder again: the server gives it a new UIDVALIDITY."""
        imap = self.connect()
        try:
            imap.delete(f'"{folder}"')
            imap.create(f'"{folder}"')
        finally:
            imap.logout()


def _config(root: Path, port: int, cert: Path, key: Path, uid: int, gid: int, login_user: str) -> str:
    return f"""
base_dir = {root}/run
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
# A refused password is answered at once (Dovecot waits 2 s by default, against guessing; the
# tests' wrong password is not a guess).
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {login_user}
first_valid_uid = {min(uid, 100)}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
  # No penalty for the tests' deliberate wrong password: Dovecot otherwise delays every later
  # sign-in from 127.0.0.1 by 4 s and more (doc.dovecot.org, "Authentication penalty support").
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


@contextmanager
def dovecot() -> Iterator[Imap]:
    if DOVECOT is None:
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd): the IMAP tests need a real server")
    root = Path(tempfile.mkdtemp(prefix="rr-dovecot-", dir="/tmp"))
    process: subprocess.Popen[bytes] | None = None
    try:
        root.chmod(0o755)
        if os.geteuid() == 0:
            mail_user = pwd.getpwnam("nobody")
            login_user = "dovenull"
        else:
            mail_user = pwd.getpwuid(os.getuid())
            login_user = mail_user.pw_name
        (root / "mail").mkdir()
        os.chown(root / "mail", mail_user.pw_uid, mail_user.pw_gid)
        ca, cert, key = make_certificates(root)
        (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        port = free_port()
        conf = root / "dovecot.conf"
        conf.write_text(_config(root, port, cert, key, mail_user.pw_uid, mail_user.pw_gid, login_user))
        process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP
        while True:
            if process.poll() is not None:
                out = process.stdout.read().decode() if process.stdout else ""
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                pytest.fail(f"dovecot did not start: {out}\n{log}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    if s.recv(200).startswith(b"* OK"):
                        break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("dovecot did not accept connections in time")
                time.sleep(0.05)
        yield Imap("127.0.0.1", port, ca)
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        shutil.rmtree(root, ignore_errors=True)

"""`records-req serve` for a team (issue 19): refused on a network address without TLS, behind a
TLS reverse proxy whose forwarded address and scheme are believed only from the proxy, and one
plain log line per request. Real servers on 127.0.0.x, real HTTP; every wait has a deadline."""

from __future__ import annotations

import http.client
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest

from .cli_helpers import Tracker
from .conftest import default_sigint, subprocess_env
from .test_serve_limits import DEADLINE, free_port, stop

PASSWORD = "correct horse battery staple"
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (\S+) ([A-Z]+) (\S+) (\d{3}) (\d+) ms$")


@pytest.fixture
def rr(db_url: str, tmp_path: Path) -> Tracker:
    return Tracker(db_url, tmp_path)


# --- what serve refuses before it listens ---------------------------------------------------------


def test_a_team_server_without_tls_is_refused_in_one_line_unless_insecure(rr: Tracker) -> None:
    rr("users", "add", "ana", "--password-stdin", input_text=PASSWORD + "\n")
    rr("serve", "--host", "192.0.2.1", "--no-browser", code=2)
    error = rr.stderr.strip().splitlines()[-1]
    assert "without TLS" in error and "--behind-proxy" in error and "--insecure" in error
    assert "Traceback" not in rr.stderr
    # --insecure passes that gate: what stops it now is only that this machine lacks the address.
    rr("serve", "--host", "192.0.2.1", "--no-browser", "--insecure", code=2)
    assert "Cannot listen on 192.0.2.1" in rr.stderr and "TLS" not in rr.stderr
    rr("serve", "--behind-proxy", "1", "--no-browser", code=2)
    assert "--allow-host" in rr.stderr
    rr("serve", "--behind-proxy", "1", "--proxy-address", "proxy.lan", "--allow-host", "r.test", code=2)
    assert "IP address" in rr.stderr


# --- real servers ----------------------------------------------------------------------------------


@dataclass
class Served:
    port: int
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)

    def next_line(self) -> str:
        """The next line the server writes on stderr (fails the test after DEADLINE seconds),
        past waitress's "Task queue depth is N": its note, on a busy machine, that a request
        waited for a free thread."""
        while True:
            line = self.lines.get(timeout=DEADLINE)
            self.seen.append(line)
            if not line.startswith("Task queue depth is "):
                return line


@contextmanager
def serve(tmp_path: Path, *options: str) -> Iterator[Served]:
    """A real `records-req serve` (SQLite in tmp_path) until the test ends; its stderr in a queue."""
    port = free_port()
    env = subprocess_env(RECORDS_REQ_HOME=str(tmp_path / "home"))
    base = [sys.executable, "-m", "records_req", "--db", f"sqlite:///{tmp_path / 'records.db'}"]
    command = [*base, "serve", "--port", str(port), "--no-browser", *options]
    proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    served = Served(port)

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            served.lines.put(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while "dashboard at" not in served.next_line():  # once the socket listens
            pass
        yield served
    finally:
        stop(proc)
        reader.join(timeout=DEADLINE)
        if proc.stderr is not None:
            proc.stderr.close()


def get(
    port: int,
    path: str,
    headers: dict[str, str],
    *,
    method: str = "GET",
    body: str | None = None,
    source: str = "127.0.0.1",
) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE, source_address=(source, 0))
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
    finally:
        connection.close()


@pytest.mark.slow
def test_each_request_is_one_plain_line_on_stderr_without_its_query_or_secrets(tmp_path: Path) -> None:
    with serve(tmp_path) as served:
        host = {"Host": f"127.0.0.1:{served.port}"}
        assert get(served.port, "/requests?tag=secret-word&q=x", host)[0] == 200
        assert get(served.port, "/calendar/AbCdEfGhIjKlMnOpQrStUvWx.ics", host)[0] == 404
        assert get(served.port, "/no-such-page", host)[0] == 404
        lines = [served.next_line() for _ in range(3)]
        parsed = [LINE.match(line) for line in lines]
        assert all(parsed), lines
        # Each line is written once its answer is sent: two threads may write them in either order.
        assert sorted(m.groups()[:4] for m in parsed if m) == sorted(
            [
                ("127.0.0.1", "GET", "/requests", "200"),
                ("127.0.0.1", "GET", "/calendar/(secret).ics", "404"),
                ("127.0.0.1", "GET", "/no-such-page", "404"),
            ]
        )
    text = "\n".join(served.seen)
    assert "\x1b" not in text and "secret-word" not in text and "AbCdEfGh" not in text
    assert "development server" not in text.lower() and "WARNING" not in text


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


@pytest.mark.slow
def test_behind_a_proxy_the_client_address_and_https_come_only_from_the_proxy(tmp_path: Path) -> None:
    """The proxy is 127.0.0.2; a client that reaches the port directly (127.0.0.1) cannot claim
    another address or https. Sign-in throttling counts the address the proxy saw."""
    from records_req.accounts import ADDRESS_LIMITS

    rr = Tracker(f"sqlite:///{tmp_path / 'records.db'}", tmp_path)
    rr("users", "add", "ana", "--password-stdin", input_text=PASSWORD + "\n")
    options = ("--behind-proxy", "1", "--proxy-address", "127.0.0.2", "--allow-host", "records.test")
    with serve(tmp_path, *options) as served:
        status, headers, _ = get(served.port, "/", {"Host": "records.test"}, source="127.0.0.2")
        assert status == 302 and "/login" in headers["location"]  # team mode, though on 127.0.0.1

        def sign_in(client: str, password: str) -> int:
            status, headers, page = get(
                served.port,
                "/login",
                {"Host": "records.test", "X-Forwarded-For": client, "X-Forwarded-Proto": "https"},
                source="127.0.0.2",
            )
            assert status == 200
            assert "max-age=" in headers["strict-transport-security"]
            assert "; Secure" in headers["set-cookie"]
            cookie = headers["set-cookie"].split(";", 1)[0]
            form = urlencode({"name": "ana", "password": password, "csrf_token": csrf(page)})
            status, _, _ = get(
                served.port,
                "/login",
                {
                    "Host": "records.test",
                    "X-Forwarded-For": f"10.6.6.6, {client}",
                    "X-Forwarded-Proto": "https",
                    "Cookie": cookie,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                method="POST",
                body=form,
                source="127.0.0.2",
            )
            return status

        for _ in range(ADDRESS_LIMITS[0].amount):
            assert sign_in("203.0.113.9", "wrong guess number") == 401
        assert sign_in("203.0.113.9", PASSWORD) == 429  # that address is refused...
        assert sign_in("203.0.113.10", PASSWORD) == 303  # ...not the proxy's other clients
        # A GET and a POST each; each line is written after its answer, so the line of the first
        # request (GET /) may come among them: the sign-ins' lines are the ones for /login.
        logged: list[tuple[str, str]] = []
        while len(logged) < 2 * (ADDRESS_LIMITS[0].amount + 2):
            match = LINE.match(served.next_line())
            assert match, served.seen[-1]
            if match.group(3) == "/login":
                logged.append((match.group(1), match.group(2)))
        assert {address for address, _ in logged} == {"203.0.113.9", "203.0.113.10"}  # never 10.6.6.6 or 127.0.0.2

        # Straight to the port, not through the proxy: the same headers are dropped.
        forged = {"Host": "records.test", "X-Forwarded-For": "198.51.100.4", "X-Forwarded-Proto": "https"}
        status, headers, _ = get(served.port, "/login", forged, source="127.0.0.1")
        assert status == 200 and "strict-transport-security" not in headers
        match = LINE.match(served.next_line())
        while match and match.group(3) != "/login":  # GET /'s line, if it came late
            match = LINE.match(served.next_line())
        assert match and match.group(1) == "127.0.0.1"

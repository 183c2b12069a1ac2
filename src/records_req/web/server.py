"""The dashboard's HTTP server: waitress (pure Python), with limits for slow and idle clients.

waitress reads every request in one event loop and hands a thread only a request it has read in
full (body included, buffered to a temporary file past 512 KB), so a slow client never holds a
thread. On top of waitress's own limits this server closes a connection whose request line and
headers are not all in within ``timeout`` seconds of its first byte (a client that sends one byte
at a time is not "active"), and one whose body is not all in within ``BODY_FACTOR`` times that.

- ``timeout`` (``serve --timeout``, default 30 s): the longest a client may stay silent while it
  sends a request or between two requests, and the time it has to send the request line and
  headers;
- ``max_connections`` (``serve --max-connections``, default 100): past it, new connections wait in
  the system's queue until one closes, so a flood of idle connections delays a visitor by at most
  about ``timeout`` seconds, never for ever;
- the body is at most :data:`records_req.web.MAX_UPLOAD` plus the form's overhead (waitress answers
  413 past it, before the application reads anything).

Each request is logged as one plain line on standard error (:class:`AccessLog`): when, the client's
address, the method, the path without its query string (and a calendar address's secret masked),
the status and the milliseconds it took.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

DEFAULT_TIMEOUT = 30
DEFAULT_MAX_CONNECTIONS = 100
BODY_FACTOR = 20  # the whole body within 20 x timeout (10 minutes by default): 25 MB at 43 KB/s
THREADS = 8
FORM_OVERHEAD = 2**20  # multipart boundaries and the other fields of an upload form


@dataclass(frozen=True)
class Proxy:
    """The reverse proxy in front (TLS): its address, and how many proxies deep the chain is.

    waitress believes the X-Forwarded-For and X-Forwarded-Proto headers only on connections from
    ``address`` and only their last ``hops`` entries; from any other peer it drops them, so a
    client that reaches the port directly cannot claim another address or https."""

    address: str = "127.0.0.1"
    hops: int = 1


@dataclass(frozen=True)
class Limits:
    """How long a client may take and how many may be connected at once."""

    timeout: int = DEFAULT_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    threads: int = THREADS


SECRET_IN_PATH = re.compile(r"^(/calendar/)[^/]*(\.ics)$")  # a calendar address is its own password


def shown_path(environ: dict[str, Any]) -> str:
    """The path as the log shows it: never the query string, never a calendar address's secret."""
    raw = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    path = raw.encode("latin-1", "replace").decode("utf-8", "replace")  # WSGI's bytes-as-latin-1
    path = SECRET_IN_PATH.sub(r"\1(secret)\2", path)
    return "".join(c if c.isprintable() and c != " " else f"%{ord(c):02X}" for c in path)[:300]


class AccessLog:
    """WSGI middleware: one plain line per request on ``stream`` once its answer is sent, e.g.
    ``2026-12-07 10:15:02 10.0.0.7 GET /requests/3 200 12 ms`` (no colour, nothing from the query)."""

    def __init__(self, app: Callable[..., Any], stream: TextIO | None = None) -> None:
        self.app = app
        self.stream = stream

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        started = time.perf_counter()
        status = ["-"]

        def start(code: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status[0] = code.split(" ", 1)[0]
            return start_response(code, headers, exc_info)

        body: Iterable[bytes] = []
        try:
            body = self.app(environ, start)
            yield from body
        except Exception:
            if status[0] == "-":
                status[0] = "500"  # the server answers 500 for an application that failed
            raise
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            self.write(environ, status[0], time.perf_counter() - started)

    def write(self, environ: dict[str, Any], status: str, seconds: float) -> None:
        when = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
        address = environ.get("REMOTE_ADDR") or "-"  # the client's, behind a proxy too (Proxy)
        method = str(environ.get("REQUEST_METHOD", "-"))[:16]
        line = f"{when} {address} {method} {shown_path(environ)} {status} {seconds * 1000:.0f} ms\n"
        stream = self.stream or sys.stderr
        try:
            stream.write(line)
            stream.flush()
        except (OSError, ValueError):  # a closed or broken stderr never fails a request
            pass


class Server:
    """One listening server (both addresses where a name resolves to two); ``run`` until Ctrl-C."""

    def __init__(
        self, app: Callable[..., Any], host: str, port: int, limits: Limits | None = None, proxy: Proxy | None = None
    ) -> None:
        from waitress.server import create_server

        from records_req.web import MAX_UPLOAD

        self.limits = limits or Limits()
        behind: dict[str, Any] = {}
        if proxy is not None:
            behind = {
                "trusted_proxy": proxy.address,
                "trusted_proxy_count": proxy.hops,
                "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
                "clear_untrusted_proxy_headers": True,
            }
        self.map: dict[int, Any] = {}
        self._started: dict[Any, tuple[Any, float]] = {}  # channel -> (its partial request, first seen)
        settings: dict[str, Any] = {
            "threads": self.limits.threads,
            "connection_limit": self.limits.max_connections,
            "channel_timeout": self.limits.timeout,
            "cleanup_interval": 1,
            "max_request_body_size": MAX_UPLOAD + FORM_OVERHEAD,
            "ident": "records-req",
            "asyncore_use_poll": True,  # select() stops at 1,024 descriptors
        }
        try:
            self._server = create_server(AccessLog(app), map=self.map, host=host, port=port, **settings, **behind)
        except BaseException:
            from waitress import wasyncore

            wasyncore.close_all(self.map)  # the socket and wake-up pipe waitress opened before failing
            raise

    def run(self) -> None:
        """Serve until interrupted (Ctrl-C, SIGTERM as SystemExit), then close every connection."""
        from waitress import wasyncore

        try:
            while True:
                wasyncore.loop(timeout=1.0, map=self.map, use_poll=True, count=1)
                self.enforce_deadlines(time.monotonic())
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.close()

    def enforce_deadlines(self, now: float) -> None:
        """Close a connection whose current request is taking too long to arrive, however active."""
        from waitress.channel import HTTPChannel

        timeout = self.limits.timeout
        seen: dict[Any, tuple[Any, float]] = {}
        for channel in list(self.map.values()):
            if not isinstance(channel, HTTPChannel):
                continue
            partial = channel.request
            if partial is None or channel.will_close:
                continue
            before = self._started.get(channel)
            started = before[1] if before is not None and before[0] is partial else now
            seen[channel] = (partial, started)
            allowed = timeout * BODY_FACTOR if partial.headers_finished else timeout
            if now - started > allowed:
                channel.will_close = True  # closed by the loop on its next turn
        self._started = seen

    def close(self) -> None:
        from waitress import wasyncore

        self._server.task_dispatcher.shutdown()
        wasyncore.close_all(self.map)

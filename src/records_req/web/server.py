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
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

DEFAULT_TIMEOUT = 30
DEFAULT_MAX_CONNECTIONS = 100
BODY_FACTOR = 20  # the whole body within 20 x timeout (10 minutes by default): 25 MB at 43 KB/s
THREADS = 8
FORM_OVERHEAD = 2**20  # multipart boundaries and the other fields of an upload form


@dataclass(frozen=True)
class Limits:
    """How long a client may take and how many may be connected at once."""

    timeout: int = DEFAULT_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    threads: int = THREADS


class Server:
    """One listening server (both addresses where a name resolves to two); ``run`` until Ctrl-C."""

    def __init__(self, app: Callable[..., Any], host: str, port: int, limits: Limits | None = None) -> None:
        from waitress.server import create_server

        from records_req.web import MAX_UPLOAD

        self.limits = limits or Limits()
        self.map: dict[int, Any] = {}
        self._started: dict[Any, tuple[Any, float]] = {}  # channel -> (its partial request, first seen)
        self._server = create_server(
            app,
            map=self.map,
            host=host,
            port=port,
            threads=self.limits.threads,
            connection_limit=self.limits.max_connections,
            channel_timeout=self.limits.timeout,
            cleanup_interval=1,
            max_request_body_size=MAX_UPLOAD + FORM_OVERHEAD,
            ident="records-req",
            asyncore_use_poll=True,  # select() stops at 1,024 descriptors
        )

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

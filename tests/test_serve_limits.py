"""`records-req serve` under slow and idle clients (issue 17): real sockets on 127.0.0.1 only,
bounded counts, and every wait a poll with a deadline (never a timed sleep)."""

from __future__ import annotations

import http.client
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import default_sigint, subprocess_env

pytestmark = [pytest.mark.slow, pytest.mark.serial]  # real servers with a 1 s timeout: one at a time

TIMEOUT = 1  # seconds: `serve --timeout`, small so the tests are quick
DEADLINE = 20.0  # seconds any one wait may take before the test fails


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[int]:
    """A real `records-req serve` with a 1 s timeout and room for 8 connections: its port."""
    port = free_port()
    env = subprocess_env(RECORDS_REQ_HOME=str(tmp_path / "home"))
    command = [
        sys.executable,
        "-m",
        "records_req",
        "--db",
        f"sqlite:///{tmp_path / 'records.db'}",
        "serve",
        "--port",
        str(port),
        "--no-browser",
        "--timeout",
        str(TIMEOUT),
        "--max-connections",
        "8",
    ]
    proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # the startup message comes once the socket listens
            if "dashboard at" in line:
                break
        else:
            pytest.fail("serve did not start")
        yield port
    finally:
        stop(proc)
        if proc.stderr is not None:
            proc.stderr.close()


def stop(proc: subprocess.Popen[str]) -> None:
    """Ctrl-C for a server still running, then SIGKILL if it has not ended within 30 seconds."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def half_sent(port: int, data: bytes = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
    sock.sendall(data)
    return sock


def closed_by_server(sock: socket.socket, deadline: float, trickle: bool = False) -> bool:
    """Wait (polling, until ``deadline``) for the server to close ``sock``; ``trickle`` sends one
    more header byte each time the socket stays quiet for a tenth of the timeout."""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], TIMEOUT / 10)
        if ready:
            try:
                data = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                return True
            if data == b"":
                return True
            continue  # a 408 or 400 page first, then the close
        if trickle:
            try:
                sock.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                return True
    return False


def answered(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
    try:
        connection.request("GET", "/", headers={"Host": f"127.0.0.1:{port}"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_a_half_sent_request_is_closed_after_the_timeout(server: int) -> None:
    started = time.monotonic()
    with half_sent(server) as sock:
        assert closed_by_server(sock, started + DEADLINE)
    with half_sent(server, b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\nab") as sock:
        assert closed_by_server(sock, time.monotonic() + DEADLINE)  # a body that stops coming


def test_a_client_that_trickles_its_headers_is_closed_too(server: int) -> None:
    with half_sent(server, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ") as sock:
        assert closed_by_server(sock, time.monotonic() + DEADLINE, trickle=True)


def test_idle_connections_past_the_limit_delay_a_visitor_but_never_lock_them_out(server: int) -> None:
    idle = [half_sent(server) for _ in range(40)]  # five times --max-connections
    try:
        started = time.monotonic()
        assert answered(server) == 200
        assert time.monotonic() - started < DEADLINE
    finally:
        for sock in idle:
            sock.close()

from __future__ import annotations

import os
import signal
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: the serial tests are not kept apart
    fcntl = None  # type: ignore[assignment]

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
ICE_SHEETS = SHARED / "data" / "ice-287g"


def ice_sheet(name: str) -> Path:
    """One of ICE's real sheets: from ../shared/data/ice-287g when it is there, else the copy shipped
    in tests/fixtures/ice-287g (only the smallest is shipped; see its SOURCE.md). A path that does not
    exist means the test needs the larger set, which only ../shared holds."""
    shared = ICE_SHEETS / name
    return shared if shared.exists() else FIXTURES / "ice-287g" / name


@contextmanager
def sigint_ignored() -> Iterator[None]:
    """As a runner started with SIGINT ignored: children started inside inherit SIG_IGN."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def default_sigint() -> None:
    """preexec_fn for a child that must answer Ctrl-C: a runner started with SIGINT ignored (a shell's
    background job, nohup, some CI) passes SIG_IGN on to its children, and Python then never raises
    KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def isolate(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("RECORDS_REQ_HOME", str(home))
    monkeypatch.delenv("RECORDS_REQ_LAWS", raising=False)
    monkeypatch.delenv("RECORDS_REQ_DB", raising=False)
    monkeypatch.delenv("RECORDS_REQ_OUT", raising=False)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No test touches the user's real data directory or a user's law file override."""
    home = tmp_path / "home"
    isolate(monkeypatch, home)
    yield home


@pytest.fixture
def mini_laws(monkeypatch: pytest.MonkeyPatch) -> Path:
    path = FIXTURES / "laws_mini.yaml"
    monkeypatch.setenv("RECORDS_REQ_LAWS", str(path))
    return path


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECORDS_REQ_")}
    env.update(extra)
    return env


PG_ENV = "RECORDS_REQ_TEST_PG"
PG_URL = os.environ.get(PG_ENV)
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not PG_URL, reason=f"PostgreSQL tests need {PG_ENV}=postgresql://... (see README)"),
    ),
]


def fresh_postgres_database() -> tuple[str, object]:
    """A new, empty PostgreSQL database; returns its URL and a function that drops it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from records_req.store.db import normalize_url

    assert PG_URL
    admin_url = make_url(normalize_url(PG_URL))
    name = f"rrtest_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        from records_req.store.db import close_all

        close_all()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database on each backend: SQLite always, PostgreSQL when RECORDS_REQ_TEST_PG is set."""
    from records_req.store.db import close_all

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'records.db'}"
        close_all()
        return
    url, drop = fresh_postgres_database()
    try:
        yield url
    finally:
        drop()  # type: ignore[operator]


SERIAL_LOCK = Path(tempfile.gettempdir()) / "records-req-tests.serial.lock"


@pytest.fixture(scope="module", params=BACKENDS)
def module_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database on each backend for a module's read-only tests (seed it in a module-scoped
    fixture under ``isolated_home_for``; its tests must only read it)."""
    from records_req.store.db import close_all

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('shared-db') / 'records.db'}"
        close_all()
        return
    url, drop = fresh_postgres_database()
    try:
        yield url
    finally:
        drop()  # type: ignore[operator]


@contextmanager
def isolated_home_for(home: Path) -> Iterator[Path]:
    """isolated_home for a fixture wider than one test (module-scoped ones run before it)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate(monkeypatch, home)
        yield home


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``serial`` share one xdist group (addopts has ``--dist loadgroup``): one worker
    runs them while the others run the rest. pytest 9.2 broke that grouping in pytest-xdist 3.8
    (pytest-xdist issue 1386), so the lock below is what keeps them one at a time."""
    for item in items:
        if item.get_closest_marker("serial"):
            item.add_marker(pytest.mark.xdist_group("serial"))
    # The long tests marked slow (a wheel build, two writers of 500 events) first, so that no worker
    # is still running one of them after the other has finished everything else.
    items.sort(key=lambda item: not (item.get_closest_marker("slow") and not item.get_closest_marker("serial")))


@pytest.fixture(autouse=True)
def one_serial_test_at_a_time(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test marked ``serial`` (signals, kills, real servers with short timeouts) holds a lock that
    every worker, and every other pytest run on this machine, shares: no two run at the same time."""
    if request.node.get_closest_marker("serial") is None or fcntl is None:
        yield
        return
    with SERIAL_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def skip_reason(report: Any) -> str:
    longrepr = report.longrepr
    reason = str(longrepr[2]) if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return reason.removeprefix("Skipped: ")


def skips_by_reason(reports: list[Any]) -> list[tuple[int, str]]:
    """Skipped tests counted by reason, most first: one line each instead of one per test."""
    counts = Counter(skip_reason(r) for r in reports)
    return sorted(((n, reason) for reason, n in counts.items()), key=lambda c: (-c[0], c[1]))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Count the skips by reason, and say how many tests ran on PostgreSQL, so a CI log shows both
    at a glance."""
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.section("skipped, by reason", sep="-")
        for n, reason in skips_by_reason(skipped):
            terminalreporter.write_line(f"{n:>5} {reason}")
    counts = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        reports = terminalreporter.stats.get(outcome, [])
        counts[outcome] = sum(
            1 for r in reports if "postgresql" in getattr(r, "nodeid", "") and r.when in ("call", "setup")
        )
    terminalreporter.write_line(
        f"PostgreSQL tests: {counts['passed']} passed, {counts['failed'] + counts['error']} failed, "
        f"{counts['skipped']} skipped" + ("" if PG_URL else f" ({PG_ENV} not set)")
    )

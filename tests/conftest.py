from __future__ import annotations

import gc
import itertools
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .seeded_copies import Seeds

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: the serial tests are not kept apart
    fcntl = None  # type: ignore[assignment]


def _keep_bytecode() -> None:
    """Where PYTHONDONTWRITEBYTECODE is set (some machines set it for every shell), no process
    keeps compiled bytecode, so each of the suite's processes (three pytest workers, a few hundred
    ``records-req`` runs) compiles records-req from source, and each worker rewrites the 90-odd
    test modules: 5.5 s of CPU to collect the suite instead of 2.1 s, in each worker. The suite
    lets its processes keep it, as Python does by default: in ``__pycache__`` folders, which git
    ignores (.gitignore) and the wheel leaves out. The installed packages' bytecode, compiled
    when they were installed, is read either way."""
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None or sys.dont_write_bytecode:
        sys.dont_write_bytecode = False  # this process; the workers and subprocesses inherit the environment


_keep_bytecode()

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent
# ../shared beside the repository, or beside a folder above it (a git worktree)
SHARED = next((p / "shared" for p in REPO.parents if (p / "shared").is_dir()), REPO.parent / "shared")
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


# The disposable caches (parsed law files, fonts, compiled templates: each keyed by what it was
# made from, and written atomically) are shared by a worker's tests and the processes they start,
# as one user's commands share them; a test of the caches themselves takes its own (own_cache).
SHARED_CACHE: list[Path] = []


@pytest.fixture(autouse=True, scope="session")
def _shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    SHARED_CACHE[:] = [tmp_path_factory.getbasetemp() / "cache"]
    return SHARED_CACHE[0]


@pytest.fixture
def own_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """This test's caches in its own home (``home/cache``), as a user without RECORDS_REQ_CACHE has them."""
    monkeypatch.delenv("RECORDS_REQ_CACHE", raising=False)


@pytest.fixture
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Werkzeug's scrypt at N=2**10 instead of 2**15: the same hash and check, 32 times cheaper, for
    tests of sessions, feeds, throttling and wording, which do not depend on the cost (each account
    and sign-in costs a tenth of a second of CPU at the real one). The real format and cost are held
    by test_web_accounts.py's test_an_account_from_before_werkzeugs_hashes_signs_in_and_its_hash_is_replaced
    and test_web.py's test_users_are_stored_as_scrypt_hashes_and_serve_refuses_to_open_up_without_them."""
    from records_req import accounts

    monkeypatch.setattr(accounts, "METHOD", "scrypt:1024:8:1")
    monkeypatch.setattr(accounts, "CURRENT", "scrypt:1024:8:1$")  # not rehashed at each sign-in


def isolate(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("RECORDS_REQ_HOME", str(home))
    if SHARED_CACHE:
        monkeypatch.setenv("RECORDS_REQ_CACHE", str(SHARED_CACHE[0]))
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
    if "RECORDS_REQ_CACHE" in os.environ:  # the worker's shared caches, unless the test has its own
        env["RECORDS_REQ_CACHE"] = os.environ["RECORDS_REQ_CACHE"]
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
    """A new, empty PostgreSQL database (no schema); returns its URL and a function that drops it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from records_req.store.db import normalize_url

    assert PG_URL
    admin_url = make_url(normalize_url(PG_URL))
    name = f"rrtest_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    admin.dispose()

    def drop() -> None:
        from records_req.store.db import close_all

        close_all()
        drop_after_the_tests(admin_url, [name])

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


_DROPPER = """
import sys
from concurrent.futures import ThreadPoolExecutor

import psycopg

def drop(name):
    with psycopg.connect(sys.argv[1], autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

with ThreadPoolExecutor(max_workers=len(sys.argv) - 2) as pool:  # at once: they wait for one checkpoint
    list(pool.map(drop, sys.argv[2:]))
"""


def drop_after_the_tests(admin_url: Any, names: list[str]) -> None:
    """Drop test databases in a process of their own that outlives the test run. Each DROP DATABASE
    waits for a checkpoint of the server (5 s on this machine, more when it is busy); no test waits
    for it. ``WITH (FORCE)`` ends whatever session a test left on them."""
    if not names:
        return
    libpq = admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
    spawn_detached([sys.executable, "-c", _DROPPER, libpq, *names])


def spawn_detached(argv: list[str]) -> None:
    """Run ``argv`` in a process of its own that outlives the test run, its output discarded.
    posix_spawn, not Popen: a Popen still running when collected is a ResourceWarning (an error here)."""
    devnull = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
    os.posix_spawn(
        argv[0],
        argv,
        os.environ,
        file_actions=devnull,
        setsid=True,  # not ended with the worker, nor by a Ctrl-C meant for the tests
    )


def remove_old_temporary_trees_later(config: pytest.Config) -> None:
    """pytest keeps the temporary folders of the last three runs and, as a run ends, deletes the
    older ones (a whole suite's run leaves about 12,000 files and folders). Deleting is slow on a
    disk that discards freed blocks as it goes (this machine's, ext4 with ``discard``): 5 s of
    waiting for 12,000 entries, at the end of every run. The folders pytest is about to delete, by
    its own rule (``tmp_path_retention_count``, the numbered ``pytest-N`` folders of
    ``pytest-of-USER``, never one a running session holds locked), are moved aside instead and
    deleted by a process of their own that outlives the run."""
    factory = getattr(config, "_tmp_path_factory", None)
    basetemp = getattr(factory, "_basetemp", None)
    keep = getattr(factory, "_retention_count", 3)
    if basetemp is None or getattr(factory, "_given_basetemp", None) is not None or not keep:
        return
    if not hasattr(os, "posix_spawn"):  # pragma: no cover - Windows: pytest deletes them itself
        return
    root = Path(basetemp).parent
    numbered = {int(p.name[7:]): p for p in root.glob("pytest-*") if p.name[7:].isdigit() and not p.is_symlink()}
    newest = max(numbered, default=-1)
    trash = root.parent / f"{root.name}-trash"
    for number, path in numbered.items():
        if number > newest - keep or (path / ".lock").exists():
            continue
        try:
            trash.mkdir(mode=0o700, exist_ok=True)
            path.rename(trash / f"{path.name}-{uuid.uuid4().hex[:8]}")
        except OSError:
            continue  # left for pytest's own clean-up
    rm = shutil.which("rm")
    if rm and trash.is_dir():  # what this run moved, and what an earlier run's rm did not finish
        spawn_detached([rm, "-rf", "--", str(trash)])


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the run itself, not an xdist worker
        remove_old_temporary_trees_later(session.config)


def new_database_id(execute: Callable[[str, dict[str, str]], object]) -> None:
    """A copy of a database is another database: it gets its own random ``database_id``, as a new
    one gets from its migration (0014), so no two test databases share one."""
    execute("UPDATE settings SET value = :value WHERE key = 'database_id'", {"value": uuid.uuid4().hex})


class SqliteTemplate:
    """A database migrated once per worker; each test gets a copy of the file, at the current schema
    and empty, in a few milliseconds instead of running every migration again."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "template.db"

    def copy(self, target: Path) -> str:
        from records_req.store.db import Store

        if not self.path.exists():
            store = Store(f"sqlite:///{self.path}")
            store.dispose()  # the last connection closed: the WAL is checkpointed and removed
        shutil.copyfile(self.path, target)
        with sqlite3.connect(target) as conn:
            new_database_id(lambda sql, params: conn.execute(sql, params))
        conn.close()
        return f"sqlite:///{target}"


class PostgresDatabases:
    """The PostgreSQL databases of one worker, made and reset while the tests run.

    A template is migrated once; the first databases are copies of it (``CREATE DATABASE ...
    TEMPLATE``). A database a test is done with is put back as the template was (every table
    emptied and refilled with what the migrations wrote, the sequences where they were, its own new
    ``database_id``) while the next test runs on another, instead of being dropped and made again:
    on a busy server those two cost seconds. A database whose schema a test changed (its tables,
    columns, indexes, constraints or triggers) is dropped and replaced by a new copy."""

    # The schema's fingerprint: how many rows each catalog holds for the public schema, and the
    # newest transaction that wrote one. Any change a test makes to a table, column, default, index,
    # constraint, trigger or sequence adds or removes such a row, and a new row version carries
    # the newer transaction's id; the resets below change no catalog row (nor does ANALYZE). A
    # hash of every definition, formatted, took 3.1 ms of a warm session; this takes 1.0 ms.
    SCHEMA = """
        SELECT string_agg(n::text || '/' || x::text, ',' ORDER BY k) FROM (
            SELECT 1 AS k, count(*) AS n, max(xmin::text::bigint) AS x FROM pg_class
             WHERE relnamespace = 'public'::regnamespace
            UNION ALL SELECT 2, count(*), max(a.xmin::text::bigint) FROM pg_attribute a
              JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = 'public'::regnamespace
            UNION ALL SELECT 3, count(*), max(d.xmin::text::bigint) FROM pg_attrdef d
              JOIN pg_class c ON c.oid = d.adrelid WHERE c.relnamespace = 'public'::regnamespace
            UNION ALL SELECT 4, count(*), max(i.xmin::text::bigint) FROM pg_index i
              JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'public'::regnamespace
            UNION ALL SELECT 5, count(*), max(xmin::text::bigint) FROM pg_constraint
             WHERE connamespace = 'public'::regnamespace
            UNION ALL SELECT 6, count(*), max(t.xmin::text::bigint) FROM pg_trigger t
              JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'public'::regnamespace
        ) AS catalogs"""

    def __init__(self) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        from records_req.store.db import normalize_url

        assert PG_URL
        self.url = make_url(normalize_url(PG_URL))
        # pooled: every reset and copy asks it something, and a new session costs the server a
        # backend's start (the test databases' own connections are made and closed per use)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT", pool_size=2)
        self.run = uuid.uuid4().hex[:8]  # other runs on the same server never meet these names
        self.count = 0
        self.template: str | None = None
        self.schema = ""
        self.tables: list[str] = []
        self.rows: list[tuple[str, str]] = []  # (table, row as JSON): what the migrations wrote
        self.sequences: list[tuple[str, int | None]] = []
        self.ready: deque[Future[str]] = deque()
        self.names: set[str] = set()
        self.background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rrtest-databases")

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def _admin(self, statement: str) -> None:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(statement))

    @contextmanager
    def _on(self, name: str) -> Iterator[Any]:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        engine = create_engine(self.url_of(name), poolclass=NullPool)
        try:
            with engine.begin() as conn:
                yield conn
        finally:
            engine.dispose()

    def _make_template(self) -> None:
        from sqlalchemy import text

        from records_req.store.db import Store

        self.template = f"rrtpl_{self.run}_{os.getpid()}"
        self._admin(f'CREATE DATABASE "{self.template}"')
        self._admin(f'ALTER DATABASE "{self.template}" SET synchronous_commit = off')
        Store(self.url_of(self.template)).dispose()  # migrated, and no connection left on it
        with self._on(self.template) as conn:
            self.schema = conn.execute(text(self.SCHEMA)).scalar()
            self.tables = list(
                conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
            )
            for table in self.tables:
                rows = conn.execute(text(f'SELECT row_to_json(t)::text FROM "{table}" AS t')).scalars()
                self.rows += [(table, row) for row in rows]
            self.sequences = [
                (row[0], row[1])
                for row in conn.execute(
                    text("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
                )
            ]

    def _new(self) -> str:
        from sqlalchemy import text

        self.count += 1
        name = f"rrtest_{self.run}_{os.getpid()}_{self.count}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.names.add(name)
        # A test's database need not outlive a crash of the server: commits return without waiting
        # for the disk (5.6 ms each here, 0.6 ms without). Only these databases, never the server's.
        self._admin(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        with self._on(name) as conn:
            new_database_id(lambda sql, params: conn.execute(text(sql), params))
        return name

    def _drop(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.names.discard(name)

    def _refill(self) -> str:
        """The statements that put a database back as the template was, sent as one: every table
        emptied and refilled with what the migrations wrote, and each sequence where the template
        left it (unused, or at its value); the copy's own ``database_id`` is given after them
        (:func:`new_database_id`). DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE
        makes new files for every table and index (223 ms of the server's time per reset here,
        against 40). The foreign keys' triggers are off for this transaction, so the order does
        not matter."""

        def quoted(value: str) -> str:
            return "'" + value.replace("'", "''") + "'"

        statements = ["SET LOCAL session_replication_role = replica"]
        statements += [f'DELETE FROM "{table}"' for table in self.tables]
        statements += [
            f'INSERT INTO "{table}" SELECT * FROM json_populate_record(NULL::"{table}", {quoted(row)})'
            for table, row in self.rows
        ]
        for sequence, value in self.sequences:
            named = quoted(f'"{sequence}"')
            statements.append(f"SELECT setval({named}, {value or 1}, {str(value is not None).lower()})")
        return ";\n".join(statements)

    def _reset(self, name: str) -> str:
        """The database as the template was, or a new copy where a test changed its schema."""
        from sqlalchemy import text

        self._admin(  # what a test left connected (a server, a killed process's session) is ended
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' "
            "AND pid <> pg_backend_pid()"
        )
        with self._on(name) as conn:
            same = conn.execute(text(self.SCHEMA)).scalar() == self.schema
            if same:
                conn.exec_driver_sql(self._refill())
                new_database_id(lambda sql, params: conn.execute(text(sql), params))
        if same:
            return name
        self._drop(name)
        return self._new()

    def take(self) -> str:
        """A database at the current schema, with nothing in it but what the migrations wrote."""
        if self.template is None:
            self._make_template()
        name = self.ready.popleft().result() if self.ready else self._new()
        if not self.ready:
            self.ready.append(self.background.submit(self._new))  # the next test's, made meanwhile
        return self.url_of(name)

    def give_back(self, url: str) -> None:
        """A database a test is done with (its connections closed by then), to be reset meanwhile."""
        from sqlalchemy.engine import make_url

        name = make_url(url).database
        assert name
        self.ready.append(self.background.submit(self._reset, name))

    def close(self) -> None:
        for made in self.ready:
            made.exception()  # done, or failed: everything it made is in self.names
        self.background.shutdown(wait=True)
        self.admin.dispose()
        drop_after_the_tests(self.url, [*self.names, *([self.template] if self.template else [])])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def seeds(sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory) -> Seeds:
    """The worker's seeded databases (tests/seeded_copies.py). Defined here, once: a session fixture
    imported into each module that uses it would be one per module, each seeding again."""
    from .seeded_copies import Seeds

    return Seeds(sqlite_template, tmp_path_factory.mktemp("seeds"))


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases()
    try:
        yield databases
    finally:
        databases.close()


def _migrated_database(request: pytest.FixtureRequest, folder: Path, empty: bool = False) -> Iterator[str]:
    """A database of ``request.param``'s backend: at the current schema and empty, or with no schema
    at all when ``empty``."""
    from records_req.store.db import close_all

    if request.param == "sqlite":
        path = folder / "records.db"
        yield f"sqlite:///{path}" if empty else request.getfixturevalue("sqlite_template").copy(path)
        close_all()
        return
    if empty:
        url, drop = fresh_postgres_database()
        try:
            yield url
        finally:
            drop()  # type: ignore[operator]
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    url = databases.take()
    try:
        yield url
    finally:
        close_all()
        databases.give_back(url)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database on each backend, at the current schema and empty: SQLite always, PostgreSQL
    when RECORDS_REQ_TEST_PG is set. Each is a copy of one migrated per worker. A test of a migration
    that builds an older schema itself is marked ``empty_db`` and gets a database with no schema."""
    empty = request.node.get_closest_marker("empty_db") is not None
    if not empty and "alembic_config(" in _source(request.function):
        pytest.fail("a test that runs migrations itself needs @pytest.mark.empty_db (a database with no schema)")
    yield from _migrated_database(request, tmp_path, empty)


def _source(function: Any) -> str:
    import inspect

    try:
        return inspect.getsource(function)
    except (OSError, TypeError):  # pragma: no cover - no source: nothing to check
        return ""


# Shared by every pytest run on this machine, unless a run names its own (the suite's own set-up
# tests do, so that their scratch suites never wait for this run's serial tests).
SERIAL_LOCK_ENV = "RECORDS_REQ_TEST_SERIAL_LOCK"
SERIAL_LOCK = Path(os.environ.get(SERIAL_LOCK_ENV) or Path(tempfile.gettempdir()) / "records-req-tests.serial.lock")


@pytest.fixture(scope="module", params=BACKENDS)
def module_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database on each backend for a module's read-only tests (seed it in a module-scoped
    fixture under ``isolated_home_for``; its tests must only read it)."""
    yield from _migrated_database(request, tmp_path_factory.mktemp("shared-db"))


CHROMIUM_ENV = "RECORDS_REQ_CHROMIUM"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium (Debian's, or $RECORDS_REQ_CHROMIUM; never one ``playwright install``
    downloads) per worker, driven by Playwright and shared by every browser test (all of them on one
    worker: CHROMIUM_GROUP); a test opens its
    own context (``chromium.new_context()``), which keeps tests apart. Skipped without either."""
    path = os.environ.get(CHROMIUM_ENV) or shutil.which("chromium")
    if not path or not Path(path).is_file():
        pytest.skip(
            f"no Chromium: install Debian's chromium (apt-get install chromium) or set {CHROMIUM_ENV}=/path/to/chrome"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"], headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def isolated_home_for(home: Path) -> Iterator[Path]:
    """isolated_home for a fixture wider than one test (module-scoped ones run before it)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate(monkeypatch, home)
        yield home


# Python's collector walks every object that has lived long at each full collection: in a worker
# whose tests have loaded the letters, the dashboard, SQLAlchemy and openpyxl, that was 0.2-0.6 s a
# collection, and 11-17 s a worker in one run. After the 32nd, 64th, 128th... test of a worker,
# what is alive is collected once and then frozen (gc.freeze): the modules, classes and caches that
# live as long as the worker are no longer walked, and later collections look only at what tests
# made since. (What a test keeps alive at that moment and drops later in a cycle is not collected:
# a few objects, against hundreds of thousands walked again at each full collection.)
_finished = itertools.count(1)  # the worker's tests finished so far, as each ends
# The youngest generation is collected every 10,000 allocations instead of 700, as in a campaign's
# own process (tracker.campaign_render.YOUNG_THRESHOLD): fewer collections of each generation.
gc.set_threshold(10_000, *gc.get_threshold()[1:])


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    count = next(_finished)
    if count >= 32 and count & (count - 1) == 0:  # a power of two
        gc.collect()
        gc.freeze()


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (pyproject's addopts): one worker more than the cores this process may use. A
    quarter of the suite's time is spent waiting (on PostgreSQL, Chromium, Dovecot, a server's
    timeout, a campaign's subprocesses), and a third worker fills it: on 2 cores the suite took
    255 s with 2 workers, 219 s with 3 and 238 s with 4 (measured on a quiet machine)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores + 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``serial`` share one xdist group (addopts has ``--dist loadgroup``): one worker
    runs them, one after another, while the others run the rest; the lock below keeps them apart
    from other pytest runs on the machine too.

    pytest-xdist 3.8 names a test's group by appending ``@group`` to its node id, which pytest 9.2
    no longer lets it do (``item._nodeid`` is not read any more: pytest-xdist issue 1386): the
    serial tests were spread over every worker and waited for each other on the lock, about 40 s
    of three workers' time in a quiet run. Here the id is given its group as xdist meant to."""
    grouped = bool(getattr(config, "workerinput", None)) and config.getvalue("loadgroup")
    for item in items:
        if item.get_closest_marker("serial"):
            item.add_marker(pytest.mark.xdist_group("serial"))
        elif "chromium" in getattr(item, "fixturenames", ()):  # the browser tests: see CHROMIUM_GROUP
            item.add_marker(pytest.mark.xdist_group(CHROMIUM_GROUP))
        marker = item.get_closest_marker("xdist_group")
        group = marker and (marker.args[0] if marker.args else marker.kwargs.get("name"))
        if grouped and group and not item.nodeid.endswith(f"@{group}"):
            _in_group(item, group)
    # The long tests marked slow (a wheel build, two writers of 500 events) first, so that no worker
    # is still running one of them after the other has finished everything else.
    items.sort(key=lambda item: not (item.get_closest_marker("slow") and not item.get_closest_marker("serial")))


# The tests that drive Chromium run on one worker: one browser, and one context (and page) of each
# width, where each worker had its own (a context and its first page cost Chromium about 1.5 s of
# CPU; a browser and Playwright's driver, about a second more to start).
CHROMIUM_GROUP = "chromium"


def _in_group(item: pytest.Item, group: str) -> None:
    """``item``'s node id with xdist's ``@group`` suffix, as pytest-xdist's loadgroup reads it."""
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # pragma: no cover - a pytest before 9.2: xdist's own suffix works
        return
    if isinstance(getattr(item, "_id", None), NodeId):
        item._id = NodeId.parse(f"{item.nodeid}@{group}")


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

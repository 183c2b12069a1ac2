"""Tracker at scale: `due`, `list` and `show` as whole processes over a large database.

Builds databases of 10,000 and 100,000 requests with bench/scale.py (about ten events each, so
1,000,000 events at the largest; realistic histories, every cached schedule computed by the
engine; one transaction: executemany on SQLite, COPY on PostgreSQL), then times each command as a
separate process (median of several runs) beside `records-req --help`, reports peak memory, how
each figure grows from the smallest size to the largest (aim: flat), and the query plans of the
read path at the largest size. Target: each within 1.5x of --help's time plus 150 ms.
Prints figures; asserts nothing.

    python bench/tracker.py                       # SQLite
    python bench/tracker.py --pg postgresql://postgres@127.0.0.1:5432/test
    python bench/tracker.py --sizes 1000 10000    # quicker
    python bench/tracker.py --use 10000=sqlite:////tmp/s10k.db --use 100000=sqlite:////tmp/s100k.db \
        --use 100000=postgresql://postgres@127.0.0.1:5432/bench100k   # databases built before
    python bench/tracker.py --before /tmp/main/src --use 100000=...   # another checkout in turn

With ``--use`` the databases given (built by bench/scale.py, as of its TODAY) are timed instead
of building new ones; the commands only read them. With ``--before SRC`` (the src folder of
another checkout, e.g. ``git worktree add /tmp/main main``) each command is run by that
checkout's code and by this one in turn, one run of each after the other, so that before and
after see the same load on a busy machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from records_req.store.db import close_all, normalize_url

sys.path.insert(0, str(Path(__file__).parent))
from scale import TODAY, build, explained  # bench/scale.py, beside this file

EXE = str(Path(sys.executable).with_name("records-req"))
COMMANDS = (
    ("due --within 7", ["due", "--within", "7"]),
    ("list --status open --json", ["list", "--status", "open", "--json"]),
    ("list --status open --limit 50", ["list", "--status", "open", "--limit", "50"]),
    ("show", ["show", "{middle}"]),
)


def plans(url: str) -> list[str]:
    """The query plans of the read path's queries (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE)."""
    from records_req.store.reader import ROW_QUERY, Reader

    reader = Reader(url)
    out = [f"stored stamps all current: {reader.all_fresh()}"]
    queries: tuple[tuple[str, str, list[object]], ...] = (
        ("list --status open", f"{ROW_QUERY} WHERE r.closed = ? ORDER BY r.id", [False]),
        (
            "the stamps' walk",
            "WITH RECURSIVE s(stamp) AS (SELECT min(schedule_stamp) FROM requests UNION ALL "
            "SELECT (SELECT min(schedule_stamp) FROM requests WHERE schedule_stamp > s.stamp) FROM s "
            "WHERE s.stamp IS NOT NULL) SELECT stamp FROM s",
            [],
        ),
        ("show's events", 'SELECT id, kind, "on" FROM events WHERE request_id = ? ORDER BY id', [5]),
    )
    out += explained(reader, queries)
    reader.close()
    return out


def timed(args: list[str], env: dict[str, str], runs: int) -> tuple[float, int, float]:
    """Median wall time (ms), peak memory (MiB) and median CPU time (ms, user and system: steadier
    than the wall time on a busy machine, without the database server's share) of a command run
    as its own process."""
    return timed_in_turn(args, [env], runs)[0]


def timed_in_turn(args: list[str], envs: list[dict[str, str]], runs: int) -> list[tuple[float, int, float]]:
    """:func:`timed` of the same command under each environment (``--before``: another source
    tree's records-req, then this one), one run of each in turn, so that both see the same load."""
    walls: list[list[float]] = [[] for _ in envs]
    cpus: list[list[float]] = [[] for _ in envs]
    peaks = [0 for _ in envs]
    for env in envs:
        subprocess.run([EXE, *args], env=env, capture_output=True, check=True)  # warm-up
    for _ in range(runs):
        for i, env in enumerate(envs):
            start = time.perf_counter()
            proc = subprocess.Popen([EXE, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            walls[i].append((time.perf_counter() - start) * 1000)
            cpus[i].append((usage.ru_utime + usage.ru_stime) * 1000)
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode != 0:
                raise SystemExit(f"{args} failed ({proc.returncode})")
            peaks[i] = max(peaks[i], usage.ru_maxrss // 1024)
    return [(statistics.median(w), p, statistics.median(c)) for w, p, c in zip(walls, peaks, cpus, strict=True)]


def fresh_pg(admin_url: str) -> tuple[str, str]:
    from sqlalchemy.engine import make_url

    url = make_url(normalize_url(admin_url))
    name = f"rrbench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False), name


def drop_pg(admin_url: str, name: str) -> None:
    close_all()
    engine = create_engine(normalize_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg", help="a PostgreSQL URL to benchmark as well")
    parser.add_argument(
        "--use",
        action="append",
        default=[],
        metavar="N=URL",
        help="time this existing database of N requests instead of building one (repeatable)",
    )
    parser.add_argument(
        "--before",
        metavar="SRC",
        help="also time the records-req of another checkout's src folder (e.g. main's, from git worktree add), "
        "in turn with this one, and print both",
    )
    parser.add_argument("--build", nargs=2, metavar=("URL", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:  # run in a child, so that the parent stays small and its children's memory is theirs
        found = build(args.build[0], int(args.build[1]))
        print(f"{int(found['events']):,} events", end="")
        return
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    if args.before:
        in_turn(args, env)
        return
    with tempfile.TemporaryDirectory() as tmp:
        env["RECORDS_REQ_HOME"] = tmp
        help_ms, help_mem, help_cpu = timed(["--help"], env, args.runs)
        budget = 1.5 * help_ms + 150
        print(
            f"records-req --help: {help_ms:.0f} ms ({help_cpu:.0f} ms CPU), {help_mem} MiB; "
            f"budget per command {budget:.0f} ms"
        )
        runs: list[tuple[str, int, str | None, str | None]] = []  # backend, size, url (None: build), admin
        if args.use:
            for given in args.use:
                size, _, url = given.partition("=")
                runs.append(("sqlite" if url.startswith("sqlite") else "postgresql", int(size), url, None))
        else:
            backends = [("sqlite", None)] + ([("postgresql", args.pg)] if args.pg else [])
            runs = [(backend, n, None, admin) for backend, admin in backends for n in args.sizes]
        by_backend: dict[str, dict[int, list[float]]] = {}
        cpus: dict[tuple[str, str], dict[int, float]] = {}  # (command, backend): size -> CPU ms
        for backend, n, given_url, admin in runs:
            name = None
            if given_url is not None:
                url, events = given_url, "as built"
            else:
                if backend == "sqlite":
                    url = f"sqlite:///{Path(tmp) / f'bench-{n}.db'}"
                else:
                    assert admin
                    url, name = fresh_pg(admin)
                start = time.perf_counter()
                events = subprocess.run(
                    [sys.executable, __file__, "--build", url, str(n)],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                events += f", built in {time.perf_counter() - start:.1f} s"
            common = ["--db", url, "--as-of", TODAY.isoformat()]
            figures, times = [], []
            for label, cmd in COMMANDS:
                ms, mem, cpu = timed([*common, *(c.format(middle=n // 2) for c in cmd)], env, args.runs)
                flag = "ok" if ms <= budget else "OVER"
                figures.append(f"{label} {ms:.0f} ms ({cpu:.0f} ms CPU) {mem} MiB {flag}")
                times.append(ms)
                cpus.setdefault((label, backend), {})[n] = cpu
            by_backend.setdefault(backend, {})[n] = times
            print(f"{backend:10s} {n:>7,} requests ({events}): " + "; ".join(figures))
            if n == max(size for b, size, _, _ in runs if b == backend):
                print("\n".join(plans(url)))
            if name and admin:
                drop_pg(admin, name)
        print(f"\nbudget {budget:.0f} ms (--help {help_ms:.0f} ms x 1.5 + 150 ms); median of {args.runs} runs, in ms")
        sizes = sorted({n for by_size in by_backend.values() for n in by_size})
        print(f"{'command':32s} {'backend':10s} " + " ".join(f"{n:>9,}" for n in sizes) + "  growth  CPU ms")
        for i, (label, _) in enumerate(COMMANDS):
            for backend, by_size in by_backend.items():
                cells = " ".join(f"{by_size[n][i]:>9.0f}" if n in by_size else f"{'':>9}" for n in sizes)
                low, high = min(by_size), max(by_size)
                growth = f"x{by_size[high][i] / by_size[low][i]:.2f}" if low != high else ""
                over = " OVER" if by_size[high][i] > budget else ""
                cpu_cells = " / ".join(f"{cpus[label, backend][n]:.0f}" for n in sorted(cpus[label, backend]))
                print(f"{label:32s} {backend:10s} {cells}  {growth:6s}  {cpu_cells}{over}")


def in_turn(args: argparse.Namespace, env: dict[str, str]) -> None:
    """``--before SRC --use N=URL ...``: each command on each database given, run by the other
    checkout's records-req and by this one in turn, median wall and CPU time of each."""
    if not args.use:
        raise SystemExit("--before times databases already built: give them with --use N=URL")
    before = Path(args.before).resolve()
    if not (before / "records_req" / "__init__.py").is_file():
        raise SystemExit(f"{before} is not a src folder with records_req in it")
    with tempfile.TemporaryDirectory() as tmp:
        env["RECORDS_REQ_HOME"] = tmp
        envs = [env | {"PYTHONPATH": str(before)}, env]
        helps = timed_in_turn(["--help"], envs, args.runs)
        print(
            "records-req --help, before / after: "
            + " / ".join(f"{ms:.0f} ms ({cpu:.0f} ms CPU)" for ms, _, cpu in helps)
            + f"; budget {1.5 * helps[1][0] + 150:.0f} ms (this checkout's --help x 1.5 + 150 ms)"
        )
        print(f"median of {args.runs} runs of each, in turn; wall / CPU ms")
        print(f"{'command':32s} {'backend':10s} {'requests':>8s}  {'before':>11s}  {'after':>11s}")
        for given in args.use:
            size, _, url = given.partition("=")
            backend = "sqlite" if url.startswith("sqlite") else "postgresql"
            common = ["--db", url, "--as-of", TODAY.isoformat()]
            for label, cmd in COMMANDS:
                figures = timed_in_turn([*common, *(c.format(middle=int(size) // 2) for c in cmd)], envs, args.runs)
                cells = "  ".join(f"{f'{ms:.0f} / {cpu:.0f}':>11s}" for ms, _, cpu in figures)
                print(f"{label:32s} {backend:10s} {int(size):>8,}  {cells}", flush=True)
        print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

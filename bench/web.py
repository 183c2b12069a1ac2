"""The dashboard and its list pages at 10,000 and 100,000 requests, served by waitress over real
HTTP, on SQLite and PostgreSQL, warm and right after a change.

Prints figures; asserts nothing. Target (issue 21): every page under 100 ms at 100,000 requests,
on both databases, warm and right after a change, with the work per page depending on what it
shows, not on how many requests there are: each figure is printed beside the target and with its
growth from 10,000 to 100,000 requests (1.00 is flat). Then the query plans of the pages' reads.

The databases are built once by bench/scale.py (about ten events a request: 1,000,000 events at
100,000) and reused: give their URLs, or a folder where the SQLite files are kept.

    python bench/web.py --sqlite-dir /tmp/bench-scale [--pg postgresql://postgres@127.0.0.1:5432/bench_web]
    # -> /tmp/bench-scale/s10k.db, s100k.db; PostgreSQL: bench_web10k, bench_web100k (built if empty)

"After a change": before each sample an open request is withdrawn (through the tracker's one use
case that records events, as the dashboard's form does), and undone after it, so that each page is
read right after its counts changed.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from scale import TODAY, build, explained  # bench/scale.py, beside this file

TARGET_MS = 100.0
SIZES = (10_000, 100_000)


def timed_get(port: int, path: str) -> tuple[float, int, bytes]:
    """(whole time in ms, status, body) of one GET over a new connection."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    connection.close()
    return elapsed, response.status, body


def ensure_built(url: str, n: int) -> None:
    """Build the database with bench/scale.py unless it already holds requests."""
    from records_req.store.reader import Reader

    try:
        reader = Reader(url)
        found = reader.rows("SELECT count(*) AS n FROM requests")[0]["n"]
        reader.close()
    except Exception:  # no file, no table yet
        found = 0
    if not found:
        print(f"  building {n:,} requests at {url} ...", flush=True)
        times = build(url, n)
        print(f"  built: {int(times['events']):,} events in {sum(v for k, v in times.items() if k != 'events'):.0f} s")


class Changer:
    """Withdraws an open request before a sample and undoes it after: a change to the counts."""

    def __init__(self, url: str) -> None:
        from records_req.store.reader import Reader

        reader = Reader(url)
        self.open_ids = [
            r["id"]
            for r in reader.rows(
                "SELECT id FROM requests WHERE closed = ? AND status = ? ORDER BY id LIMIT 200",
                [reader._param(False), "awaiting-response"],
            )
        ]
        reader.close()
        self.url = url
        self.turn = 0

    def record(self, kind: str, request_id: int) -> None:
        from records_req.store.db import open_store
        from records_req.tracker import service

        with open_store(self.url).write() as session:
            request = service.get_request(session, request_id)
            if kind == "undo":
                service.undo_last(session, request, TODAY, by="bench")
            else:
                service.log_event(session, request, kind, TODAY, today=TODAY)

    def before(self) -> int:
        request_id = int(self.open_ids[self.turn % len(self.open_ids)])
        self.turn += 1
        self.record("withdrawn", request_id)
        return request_id

    def after(self, request_id: int) -> None:
        self.record("undo", request_id)


def measure(url: str, rounds: int) -> dict[str, tuple[float, float]]:
    """Each page's median time (warm, after a change) in ms, served by waitress."""
    from waitress.server import create_server

    from records_req.web import Settings, create_app

    app = create_app(Settings(db_url=url, today=TODAY, secret_key=b"b" * 32, port=0))
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    port = int(server.effective_port)  # type: ignore[union-attr]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    changer = Changer(url)
    out: dict[str, tuple[float, float]] = {}
    try:
        first = timed_get(port, "/requests")[2].decode("utf-8")
        after = first.split('rel="next"')[0].rsplit("href=", 1)[-1].split('"')[1].replace("&amp;", "&")
        pages: tuple[tuple[str, str], ...] = (
            ("dashboard", "/"),
            ("requests, first page", "/requests"),
            ("requests, next page", after if "after=" in after else "/requests"),
            ("open requests", "/requests?status=open"),
            ("overdue requests", "/requests?status=overdue"),
            ("requests of a state", "/requests?state=TX"),
            ("agencies", "/agencies"),
            ("agencies of a state", "/agencies?state=TX"),
        )
        for label, path in pages:
            warm = sample(port, path, rounds, None)
            changed = sample(port, path, rounds, changer)
            out[label] = (warm, changed)
    finally:
        server.task_dispatcher.shutdown()
        server.close()
        thread.join(timeout=5)
    return out


def sample(port: int, path: str, rounds: int, changer: Changer | None) -> float:
    timed_get(port, path)  # warm: the law data, the templates, the connection
    samples = []
    for _ in range(rounds):
        changed = changer.before() if changer is not None else None
        elapsed, status, _body = timed_get(port, path)
        assert status == 200, (path, status)
        samples.append(elapsed)
        if changer is not None and changed is not None:
            changer.after(changed)
    return statistics.median(samples)


def plans(url: str) -> list[str]:
    """The query plans of the dashboard's and the lists' reads."""
    import datetime as dt

    from records_req.store.reader import ON_DAY, ROW_QUERY, Reader

    reader = Reader(url)
    day = reader._param(TODAY)
    week = reader._param(TODAY + dt.timedelta(days=7))
    yes, no = reader._param(True), reader._param(False)
    queries: tuple[tuple[str, str, list[Any]], ...] = (
        ("kept counts", "SELECT name, n FROM request_counts WHERE n <> 0", []),
        (
            "overdue, by state",
            f"SELECT jurisdiction, count(*) FROM request_stages WHERE {ON_DAY} AND due_on < ? GROUP BY jurisdiction",
            [yes, day, day, day],
        ),
        (
            "overdue, most late first",
            f"SELECT request_id FROM request_stages WHERE {ON_DAY} AND due_on < ? ORDER BY due_on, request_id LIMIT 50",
            [yes, day, day, day],
        ),
        (
            "due in the next 7 days",
            f"SELECT count(*) FROM request_stages WHERE {ON_DAY} AND due_on >= ? AND due_on <= ?",
            [no, day, day, day, week],
        ),
        ("requests, a page", f"{ROW_QUERY} WHERE r.id > ? ORDER BY r.id LIMIT 201", [5000]),
        ("open requests, a page", f"{ROW_QUERY} WHERE r.closed = ? AND r.id > ? ORDER BY r.id LIMIT 201", [no, 0]),
    )
    out = explained(reader, queries)
    reader.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite-dir", type=Path, help="where s10k.db and s100k.db are (built there if missing)")
    parser.add_argument("--pg", help="a PostgreSQL server URL; its databases bench_web10k and bench_web100k are used")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args()
    backends: list[tuple[str, Callable[[int], str]]] = []
    if args.sqlite_dir:
        folder: Path = args.sqlite_dir
        folder.mkdir(parents=True, exist_ok=True)
        backends.append(("SQLite", lambda n: f"sqlite:///{folder / f's{n // 1000}k.db'}"))
    if args.pg:
        base = args.pg.rsplit("/", 1)[0]
        backends.append(("PostgreSQL", lambda n: f"{base}/bench_web{n // 1000}k"))
    if not backends:
        parser.error("give --sqlite-dir, --pg or both")
    for name, url_of in backends:
        found: dict[int, dict[str, tuple[float, float]]] = {}
        for n in args.sizes:
            url = url_of(n)
            ensure_built(url, n)
            from records_req.store.db import close_all, open_store

            start = time.perf_counter()
            open_store(url)  # migrated if it is older (0020 counts the requests once)
            close_all()
            print(f"  {name} {n:,}: opened (and migrated if needed) in {time.perf_counter() - start:.1f} s", flush=True)
            found[n] = measure(url, args.rounds)
        small, large = min(found), max(found)
        print(f"\n{name}: median of {args.rounds} GETs each, ms (target < {TARGET_MS:.0f} ms at {large:,})")
        print(f"  {'page':24s}" + "".join(f"{f'{n:,} warm':>14s}{f'{n:,} changed':>16s}" for n in sorted(found)))
        for label in found[large]:
            cells = "".join(f"{found[n][label][0]:14.1f}{found[n][label][1]:16.1f}" for n in sorted(found))
            worst = max(found[large][label])
            growth = (
                f"   growth x{found[large][label][0] / found[small][label][0]:.2f} warm, "
                f"x{found[large][label][1] / found[small][label][1]:.2f} changed"
                if small != large
                else ""
            )
            verdict = "meets" if worst < TARGET_MS else "MISSES"
            print(f"  {label:24s}{cells}   {verdict} the target{growth}")
        print(f"\n{name}: query plans at {large:,} requests")
        print("\n".join(plans(url_of(large))))


if __name__ == "__main__":
    main()

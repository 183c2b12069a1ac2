"""The dashboard at 10,000 tracked requests: time to first byte and requests per second.

Prints figures; asserts nothing. Target (issue 12): the dashboard served in under 100 ms at
10,000 requests, with a warm server (werkzeug's threaded server, as `records-req serve` runs).

    python bench/web.py [--requests 10000] [--rounds 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import statistics
import tempfile
import threading
import time
from pathlib import Path

STATES = ("VA", "TX", "FL", "PA", "NY", "GA", "NC", "TN", "AZ", "OH")
TODAY = dt.date(2026, 12, 1)


def build(folder: Path, n: int) -> str:
    """A database of ``n`` requests to 500 agencies, sent over the past year, some answered."""
    from records_req.agencies.directory import agency as make_agency
    from records_req.laws import load_laws
    from records_req.store.db import Store
    from records_req.tracker import service

    url = f"sqlite:///{folder / 'records.db'}"
    store = Store(url)
    laws = load_laws()
    with store.write() as session:
        profile = service.set_profile(session, "default", name="Ana Núñez", email="ana@example.org")
        agencies = [make_agency(session, STATES[i % 10], f"Agency {i} Sheriff's Office") for i in range(500)]
        for i in range(n):
            agency = agencies[i % 500]
            letter_date = TODAY - dt.timedelta(days=(i * 7) % 360)
            request = service.create_request(
                session,
                jurisdiction=laws[agency.state],
                agency_row=agency,
                profile=profile,
                topics=["wso"],
                items=[],
                since=dt.date(2025, 1, 1),
                until=letter_date,
                letter_date=letter_date,
                fee_limit=50,
                co_requester=None,
                tags=[f"campaign {i % 7}"],
                again=True,
            )
            if i % 10:  # nine in ten were sent; some were answered
                service.log_event(session, request, "sent", letter_date, data={"via": "email"}, today=TODAY)
                if i % 3 == 0:
                    on = letter_date + dt.timedelta(days=3)
                    service.log_event(session, request, "acknowledged", on, today=TODAY)
                if i % 5 == 0:
                    on = letter_date + dt.timedelta(days=20)
                    service.log_event(session, request, "released", on, today=TODAY)
            else:
                service.refresh(request, TODAY)
            if i % 1000 == 999:
                session.flush()
                session.expunge_all()
                profile = service.get_profile(session) or profile
                agencies = [session.merge(a) for a in agencies]
    store.dispose()
    return url


def timed_get(port: int, path: str) -> tuple[float, float, int]:
    """(time to first byte, total, status) for one GET, in ms."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
    response = connection.getresponse()
    first = time.perf_counter()
    response.read()
    end = time.perf_counter()
    connection.close()
    return (first - start) * 1000, (end - start) * 1000, response.status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--db", help="reuse a database this bench built before (sqlite:///...)")
    args = parser.parse_args()
    from werkzeug.serving import make_server

    from records_req.web import Settings, create_app

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        url = args.db or build(Path(tmp), args.requests)
        if not args.db:
            print(f"built {args.requests} requests in {time.perf_counter() - start:.1f} s")
        app = create_app(Settings(db_url=url, today=TODAY, secret_key=b"b" * 32, port=0))
        import logging

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        server = make_server("127.0.0.1", 0, app, threaded=True)
        port = server.server_port
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        from records_req.web import pages

        def changed(port: int, path: str) -> tuple[float, float, int]:
            pages._DASHBOARD.clear()  # as after any change to the data: the answer is computed again
            return timed_get(port, path)

        try:
            cases = (
                ("dashboard", "/", timed_get),
                ("dashboard, data changed", "/", changed),
                ("request page", "/requests/5001", timed_get),
                ("list", "/requests", timed_get),
            )
            for label, path, get in cases:
                get(port, path)  # warm: the law data, the templates, the connection
                samples = [get(port, path) for _ in range(args.rounds)]
                assert all(s[2] == 200 for s in samples), samples[0]
                first = statistics.median(s[0] for s in samples)
                total = statistics.median(s[1] for s in samples)
                worst = max(s[1] for s in samples)
                target = "   (target < 100 ms)" if label == "dashboard" else ""
                print(
                    f"{label:24s} first byte {first:7.1f} ms   whole {total:7.1f} ms (median; slowest {worst:.0f})"
                    f"   {1000 / total:6.1f} requests/s{target}"
                )
        finally:
            server.shutdown()
            thread.join()


if __name__ == "__main__":
    main()

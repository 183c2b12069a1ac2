"""Which backends a test runs on, when it is not both.

``db_url`` gives every test both SQLite and PostgreSQL (when RECORDS_REQ_TEST_PG is set). A test
whose subject is not the database (a page's rendering, a letter's wording, a header, a parser, a
refusal made before anything is written) runs on SQLite only, with ``@on_sqlite_only``, and its
docstring or a comment says why: what the database answers on both backends is held by the parity
tests (tests/test_parity.py) and by the tests that keep both. Keep PostgreSQL wherever SQL, locks,
types, NUL bytes, ordering, search or transactions are what is tested."""

from __future__ import annotations

import pytest

on_sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

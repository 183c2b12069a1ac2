"""Search what was released (issue 20, section 4): a full-text index over the received files' text
per page (``received_pages.text``) and the replies' bodies (``inbound_messages.body``).

- SQLite: two FTS5 tables over those columns (external content: the text is not kept twice),
  ``received_pages_fts`` and ``inbound_messages_fts``, English stemming (Porter) on Unicode words,
  kept current by triggers on insert, update and delete, and filled from the rows already there.
- PostgreSQL: GIN indexes on ``to_tsvector('english', ...)`` of the same columns, which the search
  (records_req.search) uses with the very same expression.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# (FTS table, content table, column): records_req.search names the same
INDEXED = (("received_pages_fts", "received_pages", "text"), ("inbound_messages_fts", "inbound_messages", "body"))
TOKENIZE = "porter unicode61 remove_diacritics 0"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for fts, table, column in INDEXED:
            op.execute(
                f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', content_rowid='id', "
                f"tokenize='{TOKENIZE}')"
            )
            new = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});"
            old = f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
            op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {new} END")
            op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {old} END")
            op.execute(f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {column} ON {table} BEGIN {old} {new} END")
            op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
        return
    for fts, table, column in INDEXED:
        op.execute(f"CREATE INDEX ix_{fts} ON {table} USING gin (to_tsvector('english'::regconfig, {column}))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for fts, _table, _column in INDEXED:
            for what in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{what}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
        return
    for fts, _table, _column in INDEXED:
        op.execute(f"DROP INDEX IF EXISTS ix_{fts}")
